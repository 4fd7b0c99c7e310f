//! The one catalogue of operations (DESIGN §2): names, typed requests read from JSON documents, and
//! typed results written back as JSON. Every binding and the CLI go through here.
//!
//! Each operation lives in its gateway's folder (`payup/`, `payple/`, `kcp/`): its request type implements
//! [`Flow`] there. This file only lists them — the `operations!` table below is the one place an operation
//! is named — and dispatches to them; see ARCHITECTURE.md for the recipe to add one.

use crate::codes::Gateway;
use crate::error::Error;
pub use crate::flow::{Amounts, Attribution, Catalogued, Flow, Known, Recovery, ResultType, Undo};
use crate::http::{HttpRequest, HttpResponse};
use crate::{kcp, payple, payup};
use serde::Serialize;
use serde_json::Value;

macro_rules! operations {
    ($($variant:ident = $name:literal, $gateway:ident, $class:ident, $request:ty;)*) => {
        /// Every operation payup performs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation { $(#[doc = concat!("`", $name, "`")] $variant),* }

        impl Operation {
            /// The operations, in catalogue order.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            /// The catalogue name, the same in every language (`const`: the sandbox builds its list at compile time).
            pub const fn name(self) -> &'static str {
                match self { $(Operation::$variant => $name),* }
            }

            /// The gateway this operation talks to.
            pub fn gateway(self) -> Gateway {
                match self { $(Operation::$variant => Gateway::$gateway),* }
            }

            /// Mutating (an approval or cancel), read-only (a query) or pure (computed locally).
            pub const fn class(self) -> OperationClass {
                match self { $(Operation::$variant => OperationClass::$class),* }
            }

            /// The result type's binding name and JSON Schema (for [`crate::schema`]).
            pub fn result_schema(self) -> (&'static str, schemars::Schema) {
                match self {
                    $(Operation::$variant => (
                        <<$request as Flow>::Output as ResultType>::NAME,
                        schemars::schema_for!(<$request as Flow>::Output),
                    )),*
                }
            }
        }

        $(impl Catalogued for $request {
            const OPERATION: Operation = Operation::$variant;
        }
        impl From<$request> for Request {
            fn from(r: $request) -> Request { Request::$variant(r) }
        })*

        /// A reader of a request from its fields (see [`Request::scalar_reader`]).
        pub type ScalarReader = fn(Vec<(&str, crate::payup::Scalar)>) -> Option<Request>;

        /// A typed request of any operation.
        #[derive(Clone, Debug)]
        pub enum Request { $(#[doc = concat!("A `", $name, "` request.")] $variant($request)),* }

        impl Request {
            /// Reads the request document of `operation` (the documents of `payup call`), validating every field.
            pub fn from_json(operation: Operation, v: &Value) -> Result<Request, Error> {
                match operation { $(Operation::$variant => <$request as Flow>::read(v).map(Request::$variant)),* }
            }

            /// [`Request::from_json`] straight from JSON text, for the operations with a reader of their own
            /// (`payup_keyin_approve`), and only in the plain case: a valid request whose fields are all of
            /// their type. `None` means "parse the text and use `from_json`" (which then names every broken
            /// field); never another result than `from_json` gives (issue 21).
            pub fn from_json_text(operation: Operation, text: &str) -> Option<Request> {
                match operation {
                    Operation::PayupKeyinApprove => {
                        crate::payup::KeyinApproval::from_json_text(text).map(Request::PayupKeyinApprove)
                    }
                    _ => None,
                }
            }

            /// The reader of `operation`'s request from fields already apart (a binding's keyword arguments:
            /// the Python binding's typed methods), for the operations that have one, so that a binding
            /// converts its arguments only for those. Its promise is [`Request::from_json_text`]'s: `None`
            /// means "build the document and use `from_json`"; never another result than `from_json` gives.
            pub fn scalar_reader(operation: Operation) -> Option<ScalarReader> {
                match operation {
                    Operation::PayupKeyinApprove => Some(|fields| {
                        crate::payup::KeyinApproval::from_scalars(fields).map(Request::PayupKeyinApprove)
                    }),
                    _ => None,
                }
            }

            /// The field names `operation`'s [`Request::scalar_reader`] knows (the request document's), for the
            /// operations that have one: a binding that reads its arguments by position (the Node addon's typed
            /// methods) pairs its values with these.
            pub fn scalar_fields(operation: Operation) -> Option<&'static [&'static str]> {
                match operation {
                    Operation::PayupKeyinApprove => Some(&crate::payup::KEYIN_APPROVAL_FIELDS),
                    _ => None,
                }
            }

            /// The operation this request is for.
            pub fn operation(&self) -> Operation {
                match self { $(Request::$variant(_) => Operation::$variant),* }
            }

            /// Pure operations: the result, computed locally (`None` for operations that need the gateway).
            pub fn pure(&self) -> Option<Result<Response, Error>> {
                match self { $(Request::$variant(r) => <$request as Flow>::pure(r).map(|x| x.map(ResultType::wrap))),* }
            }

            /// Payple: the partner auth to send first.
            pub fn partner_auth(&self) -> Option<payple::AuthRequest> {
                match self { $(Request::$variant(r) => <$request as Flow>::partner_auth(r)),* }
            }

            /// The operation's own request (after partner auth, `auth`, for Payple's two-step calls).
            pub fn prepare(
                &self,
                creds: &Credentials,
                now: crate::time::Timestamp,
                auth: Option<&payple::PaypleAuth>,
            ) -> Result<HttpRequest, Error> {
                match self { $(Request::$variant(r) => <$request as Flow>::prepare(r, creds, now, auth)),* }
            }

            /// The answer to the operation's own request.
            pub fn parse(&self, resp: &HttpResponse) -> Result<Response, Error> {
                match self { $(Request::$variant(_) => <$request as Flow>::parse(resp).map(ResultType::wrap)),* }
            }

            /// The request's identifiers (order, transaction, amount).
            pub fn known(&self) -> Known {
                match self { $(Request::$variant(r) => <$request as Flow>::known(r)),* }
            }

            /// Whether `response` belongs to this request ([`Attribution`]).
            pub fn attribute(&self, response: &Response) -> Attribution {
                match self { $(Request::$variant(r) => match ResultType::of(response) {
                    Some(out) => <$request as Flow>::attribute(r, out),
                    None => Attribution::Unproven("the result is of another operation".into()),
                }),* }
            }

            /// True when `response` is of this operation's result type.
            pub fn result_matches(&self, response: &Response) -> bool {
                match self { $(Request::$variant(_) => <<$request as Flow>::Output as ResultType>::of(response).is_some()),* }
            }

            fn amounts(&self, response: &Response) -> Option<Amounts> {
                match self { $(Request::$variant(r) => ResultType::of(response).and_then(|out| <$request as Flow>::amounts(r, out))),* }
            }

            /// How to undo `response` (a success of this request), where the gateway's API has a way.
            pub fn undo(&self, response: &Response, reason: &str) -> Option<Undo> {
                match self { $(Request::$variant(r) => ResultType::of(response).and_then(|out| <$request as Flow>::undo(r, out, reason))),* }
            }

            /// What to do when this request's outcome became unknown (`asked_on`: the KST date it was asked).
            pub fn recovery(&self, asked_on: &str) -> Recovery {
                match self { $(Request::$variant(r) => <$request as Flow>::recovery(r, asked_on)),* }
            }
        }
    };
}

macro_rules! results {
    ($($variant:ident($ty:ty) = $name:literal;)*) => {
        /// A typed result of any operation (one variant per result type; several operations share one).
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        #[serde(untagged)]
        pub enum Response {
            $(#[doc = concat!("A ", $name, " result.")] $variant($ty),)*
            /// A result the payment journal recorded earlier, returned again for the same request with
            /// `"replayed": true` and its `journal_id` (nothing was sent; see [`crate::journal`]).
            Replayed(Value),
        }

        $(impl ResultType for $ty {
            const NAME: &'static str = $name;
            fn wrap(self) -> Response { Response::$variant(self) }
            fn of(response: &Response) -> Option<&Self> {
                match response { Response::$variant(x) => Some(x), _ => None }
            }
        })*
    };
}

/// How an operation may be executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationClass {
    /// No network: computed locally.
    Pure,
    /// Reads only: may be retried when nothing was sent.
    ReadOnly,
    /// Changes state at the gateway (money, orders, cards): never resent once its bytes left.
    Mutating,
}

// The catalogue: name, gateway, class and request type of every operation. Its `Flow` impl, next to the
// request type, is the operation's one home.
operations! {
    PayupKeyinApprove = "payup.keyin.approve", Payup, Mutating, payup::KeyinApproval;
    PayupKeyinCancel = "payup.keyin.cancel", Payup, Mutating, payup::KeyinCancel;
    PayupKakaopayOrder = "payup.kakaopay.order", Payup, Mutating, payup::KakaopayOrder;
    PayupKakaopayWindow = "payup.kakaopay.window", Payup, Pure, payup::KakaopayWindowRequest;
    PayupKakaopayApprove = "payup.kakaopay.approve", Payup, Mutating, payup::KakaopayApprove;
    PayupKakaopayCancel = "payup.kakaopay.cancel", Payup, Mutating, payup::KakaopayCancel;
    PaypleAuth = "payple.auth", Payple, Mutating, payple::AuthRequest;
    PaypleCardConfirm = "payple.card.confirm", Payple, Mutating, payple::CardConfirm;
    PaypleBillingPay = "payple.billing.pay", Payple, Mutating, payple::BillingPay;
    PaypleBillingInfo = "payple.billing.info", Payple, ReadOnly, payple::BillingKeyInfo;
    PaypleBillingDelete = "payple.billing.delete", Payple, Mutating, payple::BillingKeyDelete;
    PaypleCancel = "payple.cancel", Payple, Mutating, payple::Cancel;
    PaypleStatus = "payple.status", Payple, ReadOnly, payple::PaymentRef;
    PaypleResult = "payple.result", Payple, Pure, payple::WindowResult;
    KcpKeyinApprove = "kcp.keyin.approve", Kcp, Mutating, kcp::KeyinApproval;
    KcpCancel = "kcp.cancel", Kcp, Mutating, kcp::Cancel;
}

// The result types, with their names in the bindings.
results! {
    PayupKeyinApproved(payup::KeyinApproved) = "PayupKeyinApproved";
    PayupCancelled(payup::PayupCancelled) = "PayupCancelled";
    KakaopayOrdered(payup::KakaopayOrdered) = "KakaopayOrdered";
    KakaopayWindow(payup::KakaopayWindow) = "KakaopayWindow";
    KakaopayApproved(payup::KakaopayApproved) = "KakaopayApproved";
    PaypleAuth(payple::PaypleAuth) = "PaypleAuth";
    PayplePayment(payple::PayplePayment) = "PayplePayment";
    PaypleCancelled(payple::Cancelled) = "PaypleCancelled";
    PaypleBillingInfo(payple::BillingInfo) = "PaypleBillingInfo";
    PaypleBillingDeleted(payple::BillingDeleted) = "PaypleBillingDeleted";
    KcpApproved(kcp::KeyinApproved) = "KcpKeyinApproved";
    KcpCancelled(kcp::Cancelled) = "KcpCancelled";
}

impl Operation {
    /// The operation named `name` (`payup.keyin.approve`), if there is one.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.iter().copied().find(|o| o.name() == name)
    }

    /// An `invalid` error for an unknown operation name, listing the known ones. The name is shown only
    /// when it looks like one: a request document passed by mistake in its place must not be echoed.
    pub fn unknown(name: &str) -> Error {
        let known: Vec<&str> = Operation::ALL.iter().map(|o| o.name()).collect();
        let looks_like_a_name = (1..=40).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
        let shown = if looks_like_a_name { format!("\"{name}\"") } else { "(not shown)".to_string() };
        Error::invalid_field("operation", format!("unknown operation {shown}; known: {}", known.join(", ")))
    }

    /// The error a binding reports when payup itself failed (a panic) during `operation`: for anything
    /// that may have sent a request the outcome is unknown, so it is `ambiguous` — never a safe resend.
    pub fn internal_failure(operation: &str) -> Error {
        let op = Operation::from_name(operation);
        let e = match op.map(|o| o.class()) {
            Some(OperationClass::Pure) => {
                Error::invalid_field("(internal)", "payup failed internally; nothing was sent")
            }
            _ => Error::ambiguous(
                op.map(|o| o.gateway()).unwrap_or(Gateway::Payup),
                "payup failed internally during the call: the outcome is unknown; never resend blindly",
            ),
        };
        e.with_payup_code(crate::error::PayupCode::Internal)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Response {
    /// The result document (as `payup call` prints it).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("results always serialize")
    }

    /// The result document as compact JSON text: the same bytes as `to_json().to_string()`, written straight
    /// from the typed result without an intermediate `Value` (issue 21: the C ABI's and the bindings' hot
    /// path).
    pub fn to_json_text(&self) -> String {
        let mut out = Vec::with_capacity(512);
        serde_json::to_writer(&mut out, self).expect("results always serialize");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }
}

/// Runs a pure operation (no network). `None` for operations that need the gateway.
pub fn execute_pure(request: &Request) -> Option<Result<Response, Error>> {
    request.pure()
}

/// What is known about a request, for an `ambiguous` error: which operation, order, transaction and amount.
pub fn ambiguous_context(request: &Request) -> crate::error::AmbiguousContext {
    request.known().context(request.operation())
}

/// The plan that undoes a successful approval, where the gateway's API has one (for `approve_then` and for
/// approvals of the wrong amount). `reason` goes where a gateway wants one.
pub fn undo_for(request: &Request, response: &Response, reason: &str) -> Option<Undo> {
    request.undo(response, reason)
}

/// A success that is not one: the gateway approved another amount or order than asked (DESIGN §4).
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// The amount the request asked for (KRW).
    pub requested: u64,
    /// The amount the gateway approved (KRW).
    pub approved: u64,
    /// transactionId: Payup's transaction number of the approval (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)
    pub transaction_id: String,
    /// `"order_number"`: the answer names another order or transaction (never undone);
    /// `"amount"`: the answer is for our request (or nothing in it says otherwise) and reports another amount.
    pub what: String,
    /// How to undo the approval: only when the answer is provably ours and the gateway's API allows it.
    pub undo: Option<Undo>,
    /// Why the answer could not be proven to be ours, when it could not (then nothing is undone).
    pub unproven: Option<String>,
}

/// Checks a successful result against its request, attribution first: an answer that names another order
/// is `"order_number"` whatever its amount (nothing is undone: the transaction it names is not ours); only
/// then is the amount compared, and an approval of another amount is undone only when the answer is
/// provably ours.
pub fn check_result(request: &Request, response: &Response) -> Option<Mismatch> {
    let a = request.amounts(response)?;
    let attribution = request.attribute(response);
    let mismatch = |what: &str, undo, unproven| Mismatch {
        requested: a.requested,
        approved: a.reported,
        transaction_id: a.transaction_id.clone(),
        what: what.into(),
        undo,
        unproven,
    };
    if let Attribution::Other { .. } = attribution {
        return Some(mismatch("order_number", None, None));
    }
    if a.reported == a.requested {
        return None;
    }
    let (undo, unproven) = match attribution {
        Attribution::Ours if !a.is_cancel => (request.undo(response, "승인 금액 불일치(자동취소)"), None),
        Attribution::Unproven(why) if !a.is_cancel => (None, Some(why)),
        _ => (None, None),
    };
    Some(mismatch("amount", undo, unproven))
}

/// A success that is not one (DESIGN §4), after the transport tried to undo it (`cancelled`):
/// - another amount, undone: `declined` [AMOUNT_MISMATCH] — nothing stands;
/// - another amount, not undone (no cancel API, or the cancel failed): `ambiguous` with the identifiers;
/// - another order, or a cancel/refund of another amount than asked: `ambiguous` [ORDER_MISMATCH /
///   AMOUNT_MISMATCH], never undone automatically (the transaction named is not ours to cancel, and the outcome
///   of our own request is unknown).
pub fn mismatch_error(request: &Request, m: &Mismatch, cancelled: Result<(), &Error>) -> Error {
    let gateway = request.operation().gateway();
    let (requested, approved, id) = (m.requested, m.approved, &m.transaction_id);
    let mut ctx = ambiguous_context(request);
    if m.what == "order_number" {
        let mut e = Error::ambiguous(
            gateway,
            format!(
                "the gateway answered for another order (transaction {id}): the outcome of this request is unknown and nothing was cancelled; reconcile it by hand"
            ),
        );
        e = e.with_payup_code(crate::error::PayupCode::OrderMismatch);
        ctx.transaction_id.get_or_insert_with(|| id.clone());
        return e.with_ambiguous(ctx);
    }
    let what = format!("the gateway reports {approved} instead of the requested {requested} (transaction {id})");
    let e = match (&m.undo, cancelled) {
        (Some(_), Ok(())) => {
            let mut e = Error::from_gateway_code(gateway, "AMOUNT_MISMATCH", "");
            e.message_en = None;
            e.message = format!("{what}; the approval was cancelled");
            e
        }
        (None, _) => {
            ctx.tried.push(match &m.unproven {
                Some(why) => format!("not cancelled: the answer is not provably this request's ({why})"),
                None => "no automatic cancel for this operation".into(),
            });
            Error::ambiguous(gateway, format!("{what}; nothing was cancelled: reconcile this transaction by hand"))
                .with_ambiguous(ctx)
        }
        (Some(_), Err(cancel_error)) => {
            ctx.tried.push(format!(
                "cancel: {} {}",
                cancel_error.kind.as_str(),
                cancel_error.code.as_deref().unwrap_or("")
            ));
            Error::ambiguous(
                gateway,
                format!("{what}; cancelling it failed ({}): reconcile this transaction by hand", cancel_error.message),
            )
            .with_ambiguous(ctx)
        }
    };
    e.with_payup_code(crate::error::PayupCode::AmountMismatch)
}

/// Every gateway's credentials; a missing section is a `config` error when one of its operations runs.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Payup's merchant, if configured.
    pub payup: Option<payup::PayupCredentials>,
    /// Payple's partner, if configured.
    pub payple: Option<payple::PaypleCredentials>,
    /// NHN KCP's site, if configured.
    pub kcp: Option<kcp::KcpCredentials>,
}

impl Credentials {
    /// Hands core the random source ring's RSA signing API asks for (KCP's `kcp_sign_data`). Core never
    /// makes one itself; payup-transport passes ring's `SystemRandom`.
    pub fn set_random(&mut self, random: std::sync::Arc<dyn ring::rand::SecureRandom + Send + Sync>) {
        if let Some(k) = &mut self.kcp {
            k.random = Some(kcp::RandomSource(random));
        }
    }
    fn missing(section: &str, op: Operation) -> Error {
        Error::config(format!("the configuration has no \"{section}\" section, needed by {op}"))
            .with_gateway(op.gateway())
    }
    /// Payup's credentials, or a `config` error naming the missing section for `op`.
    pub fn payup(&self, op: Operation) -> Result<&payup::PayupCredentials, Error> {
        self.payup.as_ref().ok_or_else(|| Self::missing("payup", op))
    }
    /// Payple's credentials, or a `config` error naming the missing section for `op`.
    pub fn payple(&self, op: Operation) -> Result<&payple::PaypleCredentials, Error> {
        self.payple.as_ref().ok_or_else(|| Self::missing("payple", op))
    }
    /// NHN KCP's credentials, or a `config` error naming the missing section for `op`.
    pub fn kcp(&self, op: Operation) -> Result<&kcp::KcpCredentials, Error> {
        self.kcp.as_ref().ok_or_else(|| Self::missing("kcp", op))
    }
}

/// What the transport does next.
#[derive(Debug)]
pub enum Next {
    /// Send this request and hand the response to [`Exchange::on_response`].
    Send(HttpRequest),
    /// The operation is over.
    Done(Result<Response, Error>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    /// Payple: partner auth was sent; its answer decides the second call.
    PaypleAuth,
    /// The operation's own call was sent.
    Call,
    Finished,
}

/// One operation as a sans-I/O exchange of HTTP messages (partner auth first for Payple's calls).
///
/// ```text
/// let mut x = Exchange::new(&request, now);
/// let mut next = x.start(&creds);
/// while let Next::Send(http) = next { next = x.on_response(&creds, &send(http)?); }
/// ```
#[derive(Debug)]
pub struct Exchange<'r> {
    request: &'r Request,
    now: crate::time::Timestamp,
    stage: Stage,
}

impl<'r> Exchange<'r> {
    /// An exchange for `request`, with the time its signatures and dates use.
    pub fn new(request: &'r Request, now: crate::time::Timestamp) -> Self {
        Exchange { request, now, stage: Stage::Start }
    }

    /// The request this exchange runs.
    pub fn request(&self) -> &'r Request {
        self.request
    }

    /// True once the operation's own call (not just Payple's partner auth) has been prepared: from then
    /// on, a lost response leaves the outcome unknown.
    pub fn is_at_main_call(&self) -> bool {
        self.stage == Stage::Call
    }

    fn finish(&mut self, r: Result<Response, Error>) -> Next {
        self.stage = Stage::Finished;
        Next::Done(r)
    }

    /// The first step: the first HTTP request to send, or the outcome when nothing needs sending.
    pub fn start(&mut self, creds: &Credentials) -> Next {
        assert_eq!(self.stage, Stage::Start, "Exchange::start called twice");
        if let Some(r) = self.request.pure() {
            return self.finish(r);
        }
        let op = self.request.operation();
        let prepared = match self.request.partner_auth() {
            Some(auth) => {
                self.stage = Stage::PaypleAuth;
                // The request's own problems (a missing refund key, …) are caught before partner auth is sent.
                creds.payple(op).and_then(|c| {
                    payple::check_credentials_for(op, c)?;
                    auth.prepare(c)
                })
            }
            None => {
                self.stage = Stage::Call;
                self.request.prepare(creds, self.now, None)
            }
        };
        match prepared {
            Ok(http) => Next::Send(http),
            Err(e) => self.finish(Err(e)),
        }
    }

    /// The next step after the answer to the request in flight.
    pub fn on_response(&mut self, creds: &Credentials, resp: &HttpResponse) -> Next {
        match self.stage {
            Stage::PaypleAuth => {
                let step =
                    payple::PaypleAuth::parse(resp).and_then(|auth| self.request.prepare(creds, self.now, Some(&auth)));
                match step {
                    Ok(http) => {
                        self.stage = Stage::Call;
                        Next::Send(http)
                    }
                    Err(e) => self.finish(Err(e)),
                }
            }
            Stage::Call => {
                let r = self.request.parse(resp);
                self.finish(r)
            }
            Stage::Start | Stage::Finished => panic!("Exchange::on_response called without a request in flight"),
        }
    }
}

/// The request document's operation, parsed: the common first step of the JSON entry points.
fn request_of(operation: &str, request: &Value) -> Result<Request, Error> {
    let op = Operation::from_name(operation).ok_or_else(|| Operation::unknown(operation))?;
    Request::from_json(op, request)
}

/// A prepared HTTP request as a JSON document (for the bindings' vector tests and for debugging):
/// `{"method", "target": {"path"} | {"url"}, "headers": {...}, "body": <the JSON body>}`.
pub fn http_request_json(http: &HttpRequest) -> Value {
    let target = match &http.target {
        crate::http::Target::Path(p) => serde_json::json!({ "path": p }),
        crate::http::Target::Url(u) => serde_json::json!({ "url": u }),
    };
    let headers: serde_json::Map<String, Value> =
        http.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    serde_json::json!({
        "method": http.method,
        "target": target,
        "headers": headers,
        "body": http.json_body(),
    })
}

/// Pure: the HTTP request an operation sends first, or after Payple's partner auth when
/// `payple_auth` (a partner-auth answer: `{"cst_id", "cust_key", "auth_key", "return_url"}`) is given.
/// This is what `tests/vectors/requests.json` checks in every language. The result holds card data and
/// keys on the wire: never log it. `random` is the random source ring's signing asks for (needed by
/// `kcp.cancel` only; see [`Credentials::set_random`]).
pub fn prepare_json(
    config: &Value,
    operation: &str,
    request: &Value,
    now_unix: i64,
    payple_auth: Option<&Value>,
    random: Option<std::sync::Arc<dyn ring::rand::SecureRandom + Send + Sync>>,
) -> Result<Value, Error> {
    // Preparing sends nothing: the TLS roots of `ca_file` do not matter here (and core reads no file).
    let mut config = config.clone();
    if let Some(m) = config.as_object_mut() {
        m.remove("ca_file");
    }
    let mut cfg = crate::config::Config::from_json(&config)?;
    if let Some(r) = random {
        cfg.credentials.set_random(r);
    }
    let req = request_of(operation, request)?;
    let mut x = Exchange::new(&req, crate::time::Timestamp(now_unix));
    let mut next = x.start(&cfg.credentials);
    if let (Some(auth), Next::Send(_)) = (payple_auth, &next)
        && !x.is_at_main_call()
    {
        let s = |k: &str| auth.get(k).cloned().unwrap_or(Value::Null);
        let answer = serde_json::json!({"result": "success", "cst_id": s("cst_id"), "custKey": s("cust_key"),
                "AuthKey": s("auth_key"), "return_url": s("return_url")});
        next = x.on_response(&cfg.credentials, &HttpResponse::new(200, answer.to_string()));
    }
    match next {
        Next::Send(http) => Ok(http_request_json(&http)),
        Next::Done(Ok(r)) => Ok(r.to_json()),
        Next::Done(Err(e)) => Err(e),
    }
}

/// Pure: the result (or error) of an operation's own call answered with `status` and `body`
/// (for the bindings' response-vector tests). Payple's partner auth is assumed to have succeeded.
pub fn parse_json(operation: &str, request: &Value, status: u16, body: &[u8]) -> Result<Value, Error> {
    let req = request_of(operation, request)?;
    if let Some(r) = execute_pure(&req) {
        return r.map(|r| r.to_json());
    }
    req.parse(&HttpResponse::new(status, body.to_vec())).map(|r| r.to_json())
}

/// Pure operations (`payup.kakaopay.window`, `payple.result`) as JSON, with no client.
pub fn pure_json(operation: &str, request: &Value) -> Result<Value, Error> {
    let req = request_of(operation, request)?;
    match execute_pure(&req) {
        Some(r) => r.map(|r| r.to_json()),
        None => {
            Err(Error::invalid_field("operation", format!("{operation} needs the network: call it through a client")))
        }
    }
}
