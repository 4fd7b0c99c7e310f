//! The one catalogue of operations (DESIGN §2): names, typed requests read from JSON documents, and
//! typed results written back as JSON. Every binding and the CLI go through here.

use crate::codes::Gateway;
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::{kcp, payple, payup};
use serde::Serialize;
use serde_json::Value;

macro_rules! operations {
    ($($variant:ident = $name:literal, $gateway:ident, $class:ident;)*) => {
        /// Every operation payup performs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation { $($variant),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            /// The catalogue name, the same in every language (`const`: the sandbox builds its list at compile time).
            pub const fn name(self) -> &'static str {
                match self { $(Operation::$variant => $name),* }
            }

            pub fn gateway(self) -> Gateway {
                match self { $(Operation::$variant => Gateway::$gateway),* }
            }

            pub const fn class(self) -> OperationClass {
                match self { $(Operation::$variant => OperationClass::$class),* }
            }
        }
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

operations! {
    PayupKeyinApprove = "payup.keyin.approve", Payup, Mutating;
    PayupKeyinCancel = "payup.keyin.cancel", Payup, Mutating;
    PayupKakaopayOrder = "payup.kakaopay.order", Payup, Mutating;
    PayupKakaopayWindow = "payup.kakaopay.window", Payup, Pure;
    PayupKakaopayApprove = "payup.kakaopay.approve", Payup, Mutating;
    PayupKakaopayCancel = "payup.kakaopay.cancel", Payup, Mutating;
    PaypleAuth = "payple.auth", Payple, Mutating;
    PaypleCardConfirm = "payple.card.confirm", Payple, Mutating;
    PaypleBillingPay = "payple.billing.pay", Payple, Mutating;
    PaypleBillingInfo = "payple.billing.info", Payple, ReadOnly;
    PaypleBillingDelete = "payple.billing.delete", Payple, Mutating;
    PaypleCancel = "payple.cancel", Payple, Mutating;
    PaypleStatus = "payple.status", Payple, ReadOnly;
    PaypleResult = "payple.result", Payple, Pure;
    KcpKeyinApprove = "kcp.keyin.approve", Kcp, Mutating;
    KcpCancel = "kcp.cancel", Kcp, Mutating;
}

impl Operation {
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

/// A typed request of any operation.
#[derive(Clone, Debug)]
pub enum Request {
    PayupKeyinApprove(payup::KeyinApproval),
    PayupKeyinCancel(payup::KeyinCancel),
    PayupKakaopayOrder(payup::KakaoOrder),
    PayupKakaopayWindow(payup::KakaoWindow),
    PayupKakaopayApprove(payup::KakaoApprove),
    PayupKakaopayCancel(payup::KakaoCancel),
    PaypleAuth(payple::AuthRequest),
    PaypleCardConfirm(payple::CardConfirm),
    PaypleBillingPay(payple::BillingPay),
    PaypleBillingInfo(payple::BillingKey),
    PaypleBillingDelete(payple::BillingKey),
    PaypleCancel(payple::Cancel),
    PaypleStatus(payple::Status),
    PaypleResult(payple::WindowResult),
    KcpKeyinApprove(kcp::KeyinApproval),
    KcpCancel(kcp::Cancel),
}

impl Request {
    /// Reads the request document of `operation` (the documents of `payup call`), validating every field.
    pub fn from_json(operation: Operation, v: &Value) -> Result<Request, Error> {
        use Operation as O;
        Ok(match operation {
            O::PayupKeyinApprove => Request::PayupKeyinApprove(payup::KeyinApproval::from_json(v)?),
            O::PayupKeyinCancel => Request::PayupKeyinCancel(payup::KeyinCancel::from_json(v)?),
            O::PayupKakaopayOrder => Request::PayupKakaopayOrder(payup::KakaoOrder::from_json(v)?),
            O::PayupKakaopayWindow => Request::PayupKakaopayWindow(payup::KakaoWindow::from_json(v)?),
            O::PayupKakaopayApprove => Request::PayupKakaopayApprove(payup::KakaoApprove::from_json(v)?),
            O::PayupKakaopayCancel => Request::PayupKakaopayCancel(payup::KakaoCancel::from_json(v)?),
            O::PaypleAuth => Request::PaypleAuth(payple::AuthRequest::from_json(v)?),
            O::PaypleCardConfirm => Request::PaypleCardConfirm(payple::CardConfirm::from_json(v)?),
            O::PaypleBillingPay => Request::PaypleBillingPay(payple::BillingPay::from_json(v)?),
            O::PaypleBillingInfo => Request::PaypleBillingInfo(payple::BillingKey::from_json_info(v)?),
            O::PaypleBillingDelete => Request::PaypleBillingDelete(payple::BillingKey::from_json(v)?),
            O::PaypleCancel => Request::PaypleCancel(payple::Cancel::from_json(v)?),
            O::PaypleStatus => Request::PaypleStatus(payple::Status::from_json(v)?),
            O::PaypleResult => Request::PaypleResult(payple::WindowResult::from_json(v)?),
            O::KcpKeyinApprove => Request::KcpKeyinApprove(kcp::KeyinApproval::from_json(v)?),
            O::KcpCancel => Request::KcpCancel(kcp::Cancel::from_json(v)?),
        })
    }

    pub fn operation(&self) -> Operation {
        use Operation as O;
        match self {
            Request::PayupKeyinApprove(_) => O::PayupKeyinApprove,
            Request::PayupKeyinCancel(_) => O::PayupKeyinCancel,
            Request::PayupKakaopayOrder(_) => O::PayupKakaopayOrder,
            Request::PayupKakaopayWindow(_) => O::PayupKakaopayWindow,
            Request::PayupKakaopayApprove(_) => O::PayupKakaopayApprove,
            Request::PayupKakaopayCancel(_) => O::PayupKakaopayCancel,
            Request::PaypleAuth(_) => O::PaypleAuth,
            Request::PaypleCardConfirm(_) => O::PaypleCardConfirm,
            Request::PaypleBillingPay(_) => O::PaypleBillingPay,
            Request::PaypleBillingInfo(_) => O::PaypleBillingInfo,
            Request::PaypleBillingDelete(_) => O::PaypleBillingDelete,
            Request::PaypleCancel(_) => O::PaypleCancel,
            Request::PaypleStatus(_) => O::PaypleStatus,
            Request::PaypleResult(_) => O::PaypleResult,
            Request::KcpKeyinApprove(_) => O::KcpKeyinApprove,
            Request::KcpCancel(_) => O::KcpCancel,
        }
    }
}

/// A typed result of any operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Response {
    PayupKeyinApproved(payup::KeyinApproved),
    PayupCancelled(payup::PayupCancelled),
    KakaoOrdered(payup::KakaoOrdered),
    KakaoWindow(payup::KakaoWindowHtml),
    KakaoApproved(payup::KakaoApproved),
    PaypleAuth(payple::PaypleAuth),
    PayplePayment(payple::PayplePayment),
    PaypleCancelled(payple::Cancelled),
    PaypleBillingInfo(payple::BillingInfo),
    PaypleBillingDeleted(payple::BillingDeleted),
    KcpApproved(kcp::KeyinApproved),
    KcpCancelled(kcp::Cancelled),
}

impl Response {
    /// The result document (as `payup call` prints it).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("results always serialize")
    }
}

/// An operation's result type: its name in the bindings (Python TypedDict, TypeScript interface) and its
/// JSON Schema (for [`crate::schema`]).
pub fn result_schema(op: Operation) -> (&'static str, schemars::Schema) {
    use Operation as O;
    use schemars::schema_for;
    match op {
        O::PayupKeyinApprove => ("PayupKeyinApproved", schema_for!(payup::KeyinApproved)),
        O::PayupKeyinCancel | O::PayupKakaopayCancel => ("PayupCancelled", schema_for!(payup::PayupCancelled)),
        O::PayupKakaopayOrder => ("KakaopayOrdered", schema_for!(payup::KakaoOrdered)),
        O::PayupKakaopayWindow => ("KakaopayWindow", schema_for!(payup::KakaoWindowHtml)),
        O::PayupKakaopayApprove => ("KakaopayApproved", schema_for!(payup::KakaoApproved)),
        O::PaypleAuth => ("PaypleAuth", schema_for!(payple::PaypleAuth)),
        O::PaypleCardConfirm | O::PaypleBillingPay | O::PaypleStatus | O::PaypleResult => {
            ("PayplePayment", schema_for!(payple::PayplePayment))
        }
        O::PaypleBillingInfo => ("PaypleBillingInfo", schema_for!(payple::BillingInfo)),
        O::PaypleBillingDelete => ("PaypleBillingDeleted", schema_for!(payple::BillingDeleted)),
        O::PaypleCancel => ("PaypleCancelled", schema_for!(payple::Cancelled)),
        O::KcpKeyinApprove => ("KcpKeyinApproved", schema_for!(kcp::KeyinApproved)),
        O::KcpCancel => ("KcpCancelled", schema_for!(kcp::Cancelled)),
    }
}

/// Runs a pure operation (no network). `None` for operations that need the gateway.
pub fn execute_pure(request: &Request) -> Option<Result<Response, Error>> {
    match request {
        Request::PayupKakaopayWindow(w) => Some(w.render().map(Response::KakaoWindow)),
        Request::PaypleResult(r) => Some(r.parse().map(Response::PayplePayment)),
        _ => None,
    }
}

/// What is known about a request, for an `ambiguous` error: which operation, order, transaction and amount.
pub fn ambiguous_context(request: &Request) -> crate::error::AmbiguousContext {
    let op = request.operation().name().to_string();
    let (order_number, transaction_id, amount) = match request {
        Request::PayupKeyinApprove(r) => (Some(r.order_number.clone()), None, Some(r.amount)),
        Request::PayupKeyinCancel(r) => (None, Some(r.transaction_id.clone()), None),
        Request::PayupKakaopayOrder(r) => (Some(r.order_number.clone()), None, Some(r.amount)),
        Request::PayupKakaopayApprove(r) => (None, Some(r.ordr_idxx.clone()), Some(r.amount)),
        Request::PayupKakaopayCancel(r) => (None, Some(r.transaction_id.clone()), None),
        Request::PaypleCardConfirm(r) => (Some(r.pay_oid.clone()), None, Some(r.amount)),
        Request::PaypleBillingPay(r) => (Some(r.pay_oid.clone()), None, Some(r.pay_total)),
        Request::PaypleCancel(r) => (Some(r.payment.pay_oid.clone()), None, Some(r.refund_total)),
        Request::KcpKeyinApprove(r) => (Some(r.ordr_idxx.clone()), None, Some(r.amount)),
        Request::KcpCancel(r) => (None, Some(r.tno.clone()), r.mod_mny),
        _ => (None, None, None),
    };
    crate::error::AmbiguousContext { operation: op, order_number, transaction_id, amount, tried: Vec::new() }
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
    pub payup: Option<payup::PayupCredentials>,
    pub payple: Option<payple::PaypleCredentials>,
    pub kcp: Option<kcp::KcpCredentials>,
}

impl Credentials {
    fn missing(section: &str, op: Operation) -> Error {
        Error::config(format!("the configuration has no \"{section}\" section, needed by {op}"))
            .with_gateway(op.gateway())
    }
    pub fn payup(&self, op: Operation) -> Result<&payup::PayupCredentials, Error> {
        self.payup.as_ref().ok_or_else(|| Self::missing("payup", op))
    }
    pub fn payple(&self, op: Operation) -> Result<&payple::PaypleCredentials, Error> {
        self.payple.as_ref().ok_or_else(|| Self::missing("payple", op))
    }
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
    pub fn new(request: &'r Request, now: crate::time::Timestamp) -> Self {
        Exchange { request, now, stage: Stage::Start }
    }

    pub fn request(&self) -> &'r Request {
        self.request
    }

    /// True once the operation's own call (not just Payple's partner auth) has been prepared: from then
    /// on, a lost response leaves the outcome unknown.
    pub fn is_at_main_call(&self) -> bool {
        self.stage == Stage::Call
    }

    fn payple_auth_for(&self) -> Option<payple::AuthRequest> {
        match self.request {
            Request::PaypleAuth(a) => Some(a.clone()),
            Request::PaypleBillingPay(b) => Some(b.auth()),
            Request::PaypleBillingInfo(_) => Some(payple::AuthRequest::work("PUSERINFO")),
            Request::PaypleBillingDelete(_) => Some(payple::AuthRequest::work("PUSERDEL")),
            Request::PaypleCancel(_) => Some(payple::AuthRequest::cancel()),
            Request::PaypleStatus(_) => Some(payple::AuthRequest::status()),
            _ => None,
        }
    }

    fn finish(&mut self, r: Result<Response, Error>) -> Next {
        self.stage = Stage::Finished;
        Next::Done(r)
    }

    pub fn start(&mut self, creds: &Credentials) -> Next {
        assert_eq!(self.stage, Stage::Start, "Exchange::start called twice");
        if let Some(r) = execute_pure(self.request) {
            return self.finish(r);
        }
        let op = self.request.operation();
        let prepared = match (self.request, self.payple_auth_for()) {
            (Request::PaypleAuth(a), _) => {
                self.stage = Stage::Call;
                creds.payple(op).and_then(|c| a.prepare(c))
            }
            (_, Some(auth)) => {
                self.stage = Stage::PaypleAuth;
                creds.payple(op).and_then(|c| self.validate_payple(c)).and_then(|c| auth.prepare(c))
            }
            (r, None) => {
                self.stage = Stage::Call;
                prepare_single(r, creds, self.now)
            }
        };
        match prepared {
            Ok(http) => Next::Send(http),
            Err(e) => self.finish(Err(e)),
        }
    }

    /// Catches a Payple request's own problems before partner auth is even sent.
    fn validate_payple<'c>(
        &self,
        creds: &'c payple::PaypleCredentials,
    ) -> Result<&'c payple::PaypleCredentials, Error> {
        if let Request::PaypleCancel(_) = self.request {
            if creds.refund_key.is_none() {
                return Err(Error::config(
                    "payple.refund_key is required for payple.cancel (PCD_REFUND_KEY, from Payple's admin pages)",
                )
                .with_gateway(Gateway::Payple));
            }
        }
        Ok(creds)
    }

    pub fn on_response(&mut self, creds: &Credentials, resp: &HttpResponse) -> Next {
        match self.stage {
            Stage::PaypleAuth => {
                let op = self.request.operation();
                let step = creds.payple(op).and_then(|c| {
                    let auth = payple::PaypleAuth::parse(resp)?;
                    match self.request {
                        Request::PaypleBillingPay(b) => b.prepare(c, &auth),
                        Request::PaypleBillingInfo(k) | Request::PaypleBillingDelete(k) => k.prepare(c, &auth),
                        Request::PaypleCancel(x) => x.prepare(c, &auth),
                        Request::PaypleStatus(s) => s.prepare(c, &auth),
                        _ => unreachable!("only two-step Payple operations reach this stage"),
                    }
                });
                match step {
                    Ok(http) => {
                        self.stage = Stage::Call;
                        Next::Send(http)
                    }
                    Err(e) => self.finish(Err(e)),
                }
            }
            Stage::Call => {
                let r = parse_single(self.request, resp);
                self.finish(r)
            }
            Stage::Start | Stage::Finished => panic!("Exchange::on_response called without a request in flight"),
        }
    }
}

fn prepare_single(r: &Request, creds: &Credentials, now: crate::time::Timestamp) -> Result<HttpRequest, Error> {
    let op = r.operation();
    match r {
        Request::PayupKeyinApprove(x) => x.prepare(creds.payup(op)?, now),
        Request::PayupKeyinCancel(x) => x.prepare(creds.payup(op)?),
        Request::PayupKakaopayOrder(x) => x.prepare(creds.payup(op)?, now),
        Request::PayupKakaopayApprove(x) => x.prepare(creds.payup(op)?),
        Request::PayupKakaopayCancel(x) => x.prepare(creds.payup(op)?),
        Request::PaypleCardConfirm(x) => x.prepare(creds.payple(op)?),
        Request::KcpKeyinApprove(x) => x.prepare(creds.kcp(op)?),
        Request::KcpCancel(x) => x.prepare(creds.kcp(op)?),
        _ => unreachable!("{op} is not a single-call operation"),
    }
}

fn parse_single(r: &Request, resp: &HttpResponse) -> Result<Response, Error> {
    Ok(match r {
        Request::PayupKeyinApprove(_) => Response::PayupKeyinApproved(payup::KeyinApproved::parse(resp)?),
        Request::PayupKeyinCancel(_) | Request::PayupKakaopayCancel(_) => {
            Response::PayupCancelled(payup::PayupCancelled::parse(resp)?)
        }
        Request::PayupKakaopayOrder(_) => Response::KakaoOrdered(payup::KakaoOrdered::parse(resp)?),
        Request::PayupKakaopayApprove(_) => Response::KakaoApproved(payup::KakaoApproved::parse(resp)?),
        Request::PaypleAuth(_) => Response::PaypleAuth(payple::PaypleAuth::parse(resp)?),
        Request::PaypleCardConfirm(_) | Request::PaypleBillingPay(_) | Request::PaypleStatus(_) => {
            Response::PayplePayment(payple::PayplePayment::parse(resp)?)
        }
        Request::PaypleBillingInfo(_) => Response::PaypleBillingInfo(payple::BillingInfo::parse(resp)?),
        Request::PaypleBillingDelete(_) => Response::PaypleBillingDeleted(payple::BillingDeleted::parse(resp)?),
        Request::PaypleCancel(_) => Response::PaypleCancelled(payple::Cancelled::parse(resp)?),
        Request::KcpKeyinApprove(_) => Response::KcpApproved(kcp::KeyinApproved::parse(resp)?),
        Request::KcpCancel(_) => Response::KcpCancelled(kcp::Cancelled::parse(resp)?),
        Request::PayupKakaopayWindow(_) | Request::PaypleResult(_) => unreachable!("pure operations send nothing"),
    })
}

/// The request that undoes a successful approval, where the gateway's API has one (for
/// `approve_then` and for approvals of the wrong amount). `reason` goes where a gateway wants one.
pub fn undo_for(request: &Request, response: &Response, reason: &str) -> Option<Request> {
    match (request, response) {
        (Request::PayupKeyinApprove(_), Response::PayupKeyinApproved(a)) => {
            Some(Request::PayupKeyinCancel(payup::KeyinCancel { transaction_id: a.transaction_id.clone() }))
        }
        (Request::PayupKakaopayApprove(_), Response::KakaoApproved(a)) => {
            Some(Request::PayupKakaopayCancel(payup::KakaoCancel {
                transaction_id: a.transaction_id().to_string(),
                cancel_reason: reason.to_string(),
            }))
        }
        (Request::PaypleBillingPay(q), Response::PayplePayment(a)) => Some(Request::PaypleCancel(payple::Cancel {
            payment: payple::PaymentRef {
                pay_oid: a.pay_oid.clone(),
                pay_date: a.pay_time.as_deref().map(|t| t.chars().take(8).collect()).unwrap_or_default(),
                reguler_flag: !q.simple_flag,
                pay_year: Some(q.pay_year.clone()),
                pay_month: Some(q.pay_month.clone()),
            },
            refund_total: a.pay_total.unwrap_or(0),
            pay_taxtotal: None,
        })),
        (Request::PaypleCardConfirm(_), Response::PayplePayment(a)) => Some(Request::PaypleCancel(payple::Cancel {
            payment: payple::PaymentRef {
                pay_oid: a.pay_oid.clone(),
                pay_date: a.pay_time.as_deref().map(|t| t.chars().take(8).collect()).unwrap_or_default(),
                reguler_flag: false,
                pay_year: None,
                pay_month: None,
            },
            refund_total: a.pay_total.unwrap_or(0),
            pay_taxtotal: None,
        })),
        // The net cancel KCP's samples send when the merchant cannot complete an approval (specs/README).
        (Request::KcpKeyinApprove(_), Response::KcpApproved(a)) => {
            Some(Request::KcpCancel(kcp::Cancel::full(&a.tno, reason)))
        }
        _ => None,
    }
}

/// A success that is not one: the gateway approved another amount or order than asked (DESIGN §4).
#[derive(Clone, Debug)]
pub struct Mismatch {
    pub requested: u64,
    pub approved: u64,
    pub transaction_id: String,
    /// `"order_number"`: the answer names another order or transaction (never undone);
    /// `"amount"`: the answer is for our request (or nothing in it says otherwise) and reports another amount.
    pub what: String,
    /// The request that undoes the approval: only when the answer is provably ours and the gateway's API
    /// allows one.
    pub undo: Option<Request>,
    /// Why the answer could not be proven to be ours, when it could not (then nothing is undone).
    pub unproven: Option<String>,
}

/// Whether a successful answer belongs to the request it came back for, judged by the identifiers the
/// gateway echoes (issue 14: a crossed connection, a pre-fork pool or a misrouting proxy can hand us the
/// answer to somebody else's request, and cancelling "our" wrong-amount approval would then cancel theirs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribution {
    /// Every echoed identifier matches the request.
    Ours,
    /// An echoed identifier names another order or transaction (what, and the value the answer holds).
    Other { field: &'static str, found: String },
    /// Nothing in the answer contradicts the request, but nothing proves it either (why).
    Unproven(String),
}

/// Compares an echoed identifier: empty in the answer proves nothing; another value is another order.
fn echoed(field: &'static str, asked: &str, found: &str) -> Attribution {
    if found.is_empty() {
        Attribution::Unproven(format!("the answer carries no {field}"))
    } else if found == asked {
        Attribution::Ours
    } else {
        Attribution::Other { field, found: found.to_string() }
    }
}

/// All of several checks: the first `Other` wins, then the first `Unproven`.
fn all_of(checks: impl IntoIterator<Item = Attribution>) -> Attribution {
    let mut result = Attribution::Ours;
    for c in checks {
        match c {
            Attribution::Other { .. } => return c,
            Attribution::Unproven(_) if result == Attribution::Ours => result = c,
            _ => {}
        }
    }
    result
}

/// A card number as the gateway echoes it masked (`41111111****1111`, already re-masked 6+4 by the
/// parser) against the number sent: every digit shown must be the sent digit at that place.
fn masked_card_matches(sent: &str, masked: &str) -> bool {
    let shown: Vec<char> = masked.chars().filter(|c| c.is_ascii_digit() || *c == '*').collect();
    shown.len() == sent.len() && shown.iter().zip(sent.chars()).all(|(m, s)| *m == '*' || *m == s)
}

/// Matches an answer to its request (see [`Attribution`]). What each gateway echoes:
/// - Payup keyin approve: `orderNumber` ("승인요청시의 가맹점 주문번호", payup-card-keyin.txt §2.1 응답).
/// - Payup KakaoPay approve: `transactionId`; the request carries `ordr_idxx`, and the spec calls both
///   "페이업 거래번호" (payup-kakaopay-kcp.txt §3.1 응답, §3.3 응답), but no sample shows the two side by side:
///   equal proves the answer ours; a different one is not taken as another order (that would make every
///   approval ambiguous if the gateway numbers them apart) but is never cancelled either.
/// - Payple: `PCD_PAY_OID` (and `PCD_PAYER_ID` where the request named one).
/// - Payup cancels and KCP cancel: the transaction id (`transactionId`, `tno`) of the cancel itself.
/// - NHN KCP keyin approve echoes no order number (kcp-keyin.txt 승인응답): only the card number with its
///   third group masked, and the instalment months. They can contradict the request (another card, another
///   quota) but never prove it ours: two approvals of one card with the same quota stay indistinguishable.
///   payup treats a consistent KCP answer as ours — the gateway's own samples cancel on that basis (net
///   cancel, specs/README) — and the fork-safe pool (payup-transport) keeps answers from crossing.
pub fn attribute(request: &Request, response: &Response) -> Attribution {
    match (request, response) {
        (Request::PayupKeyinApprove(q), Response::PayupKeyinApproved(a)) => {
            echoed("orderNumber", &q.order_number, &a.order_number)
        }
        (Request::PayupKakaopayApprove(q), Response::KakaoApproved(a)) => {
            match echoed("transactionId", &q.ordr_idxx, a.transaction_id()) {
                Attribution::Other { found, .. } => Attribution::Unproven(format!(
                    "its transactionId {found} is not the ordr_idxx sent (the spec calls both 페이업 거래번호)"
                )),
                other => other,
            }
        }
        (Request::PaypleBillingPay(q), Response::PayplePayment(a)) => all_of([
            echoed("PCD_PAY_OID", &q.pay_oid, &a.pay_oid),
            match a.payer_id.as_deref() {
                Some(found) if !found.is_empty() && found != q.payer_id => {
                    Attribution::Other { field: "PCD_PAYER_ID", found: found.to_string() }
                }
                _ => Attribution::Ours,
            },
        ]),
        (Request::PaypleCardConfirm(q), Response::PayplePayment(a)) => all_of([
            echoed("PCD_PAY_OID", &q.pay_oid, &a.pay_oid),
            match (q.payer_id.as_deref(), a.payer_id.as_deref()) {
                (Some(asked), Some(found)) if !asked.is_empty() && !found.is_empty() && asked != found => {
                    Attribution::Other { field: "PCD_PAYER_ID", found: found.to_string() }
                }
                _ => Attribution::Ours,
            },
        ]),
        (Request::PaypleCancel(q), Response::PaypleCancelled(a)) => {
            echoed("PCD_PAY_OID", &q.payment.pay_oid, &a.pay_oid)
        }
        (Request::PayupKeyinCancel(q), Response::PayupCancelled(a)) => {
            echoed("transactionId", &q.transaction_id, &a.transaction_id)
        }
        (Request::PayupKakaopayCancel(q), Response::PayupCancelled(a)) => {
            echoed("transactionId", &q.transaction_id, &a.transaction_id)
        }
        (Request::KcpCancel(q), Response::KcpCancelled(a)) => echoed("tno", &q.tno, &a.tno),
        (Request::KcpKeyinApprove(q), Response::KcpApproved(a)) => {
            let card = match a.card_no.as_deref() {
                None | Some("") => Attribution::Unproven("the answer carries no card_no".into()),
                Some(m) if masked_card_matches(q.card_no.expose(), m) => Attribution::Ours,
                Some(m) => Attribution::Other { field: "card_no", found: m.to_string() },
            };
            let quota = match a.quota.as_deref().map(str::parse::<u8>) {
                Some(Ok(n)) if n != q.quota => Attribution::Other { field: "quota", found: n.to_string() },
                _ => Attribution::Ours,
            };
            all_of([card, quota])
        }
        _ => Attribution::Unproven("this operation's answer carries no identifier of its request".into()),
    }
}

/// Checks a successful result against its request, attribution first: an answer that names another order
/// is `"order_number"` whatever its amount (nothing is undone: the transaction it names is not ours); only
/// then is the amount compared, and an approval of another amount is undone only when the answer is
/// provably ours.
pub fn check_result(request: &Request, response: &Response) -> Option<Mismatch> {
    let (requested, approved, id) = match (request, response) {
        (Request::PayupKeyinApprove(q), Response::PayupKeyinApproved(a)) => {
            (q.amount, a.amount, a.transaction_id.clone())
        }
        // A KakaoPay card result may omit the amount (§3.3: N); then there is nothing to compare.
        (Request::PayupKakaopayApprove(q), Response::KakaoApproved(a)) => {
            (q.amount, a.amount().unwrap_or(q.amount), a.transaction_id().to_string())
        }
        (Request::PaypleBillingPay(q), Response::PayplePayment(a)) => {
            (q.pay_total, a.pay_total.unwrap_or(0), a.pay_oid.clone())
        }
        (Request::PaypleCardConfirm(q), Response::PayplePayment(a)) => {
            (q.amount, a.pay_total.unwrap_or(0), a.pay_oid.clone())
        }
        // kcp-keyin.txt 승인응답: "반드시 업체의 DB금액과 비교하여 검증하시기 바랍니다".
        (Request::KcpKeyinApprove(q), Response::KcpApproved(a)) => (q.amount, a.amount, a.tno.clone()),
        // A refund or cancel of another amount than asked is not the one asked for either (never undone).
        (Request::PaypleCancel(q), Response::PaypleCancelled(a)) => (q.refund_total, a.refund_total, a.pay_oid.clone()),
        (Request::KcpCancel(q), Response::KcpCancelled(a)) => match (q.mod_mny, a.mod_mny) {
            (Some(asked), Some(done)) => (asked, done, a.tno.clone()),
            _ => (0, 0, a.tno.clone()),
        },
        (Request::PayupKeyinCancel(_) | Request::PayupKakaopayCancel(_), Response::PayupCancelled(a)) => {
            (0, 0, a.transaction_id.clone())
        }
        _ => return None,
    };
    let attribution = attribute(request, response);
    if let Attribution::Other { .. } = attribution {
        return Some(Mismatch {
            requested,
            approved,
            transaction_id: id,
            what: "order_number".into(),
            undo: None,
            unproven: None,
        });
    }
    if approved == requested {
        return None;
    }
    let is_cancel = matches!(request, Request::PaypleCancel(_) | Request::KcpCancel(_));
    let (undo, unproven) = match attribution {
        Attribution::Ours if !is_cancel => (undo_for(request, response, "승인 금액 불일치(자동취소)"), None),
        Attribution::Unproven(why) if !is_cancel => (None, Some(why)),
        _ => (None, None),
    };
    Some(Mismatch { requested, approved, transaction_id: id, what: "amount".into(), undo, unproven })
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
/// keys on the wire: never log it.
pub fn prepare_json(
    config: &Value,
    operation: &str,
    request: &Value,
    now_unix: i64,
    payple_auth: Option<&Value>,
) -> Result<Value, Error> {
    let cfg = crate::config::Config::from_json(config)?;
    let req = request_of(operation, request)?;
    let mut x = Exchange::new(&req, crate::time::Timestamp(now_unix));
    let mut next = x.start(&cfg.credentials);
    if let (Some(auth), Next::Send(_)) = (payple_auth, &next) {
        if !x.is_at_main_call() {
            let s = |k: &str| auth.get(k).cloned().unwrap_or(Value::Null);
            let answer = serde_json::json!({"result": "success", "cst_id": s("cst_id"), "custKey": s("cust_key"),
                "AuthKey": s("auth_key"), "return_url": s("return_url")});
            next = x.on_response(&cfg.credentials, &HttpResponse::new(200, answer.to_string()));
        }
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
    parse_single(&req, &HttpResponse::new(status, body.to_vec())).map(|r| r.to_json())
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
