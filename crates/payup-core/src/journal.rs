//! The payment journal's pure part (issue 17): what an intent record holds, which orders are guarded and
//! how, what an outcome is recorded as, and what `payup recover` does with an entry. Storage (SQLite,
//! PostgreSQL) is `payup-journal`; executing is `payup-transport`. Nothing here touches a file or a clock.
//!
//! What a record never holds: card numbers (masks only), card password digits, birth dates, keys, and the
//! gateways' tokens (KakaoPay's `enc_data`/`enc_info`, Payple's billing key `PCD_PAYER_ID`). The request
//! fingerprint is a SHA-256 of the request's `Debug` form, where secrets are already masks.

use crate::catalog::{Credentials, Operation, OperationClass, Recovery, Request, Response};
use crate::codes::Gateway;
use crate::error::{Error, ErrorKind, PayupCode};
use crate::time::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Where the journal lives: the configuration document's `"journal"` key, `{"sqlite": "/path/payup.db"}` or
/// `{"postgres": "postgresql://user:pw@host:port/db"}`.
#[derive(Clone, PartialEq, Eq)]
pub enum JournalConfig {
    /// An SQLite file (created with its directory's permissions; WAL mode).
    Sqlite(String),
    /// A PostgreSQL connection URL (its password is never shown) and how many connections a client keeps
    /// (`"pool"`, 1–64, default [`DEFAULT_POOL`]).
    Postgres {
        /// `postgresql://user:pw@host:port/db[?sslmode=…&sslrootcert=…]`
        url: crate::secret::Secret,
        /// The most connections one client opens (each caller thread holds one for a transaction).
        pool: u32,
    },
}

/// The PostgreSQL journal's connections per client when `"pool"` is absent: a transaction holds one for a
/// few round trips, so 8 serve 16 concurrent callers with room (bench-journal's `journal-postgres-16`).
pub const DEFAULT_POOL: u32 = 8;

impl std::fmt::Debug for JournalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalConfig::Sqlite(p) => write!(f, "Sqlite({p:?})"),
            JournalConfig::Postgres { pool, .. } => write!(f, "Postgres(***, pool {pool})"),
        }
    }
}

impl JournalConfig {
    /// Reads the `"journal"` section (one key: `sqlite` or `postgres`, a non-empty string; with `postgres`,
    /// optionally `"pool"`, an integer 1–64).
    pub fn from_json(v: &Value) -> Result<JournalConfig, Error> {
        let bad = |rule: &str| Error::config(format!("configuration error: journal: {rule}"));
        let m = v.as_object().ok_or_else(|| bad("must be an object: {\"sqlite\": PATH} or {\"postgres\": URL}"))?;
        let mut m = m.clone();
        let pool = match m.remove("pool") {
            None => None,
            Some(p) => match p.as_u64().filter(|n| (1..=64).contains(n)) {
                Some(n) => Some(n as u32),
                None => return Err(bad("pool must be an integer from 1 to 64 (PostgreSQL connections per client)")),
            },
        };
        if m.len() != 1 {
            return Err(bad("must have exactly one key, \"sqlite\" or \"postgres\" (and \"pool\" with postgres)"));
        }
        let (k, val) = m.iter().next().expect("one key");
        if pool.is_some() && k != "postgres" {
            return Err(bad("pool is for the PostgreSQL journal only (SQLite has one writer at a time)"));
        }
        let s =
            val.as_str().filter(|s| !s.is_empty()).ok_or_else(|| bad(&format!("{k} must be a non-empty string")))?;
        match k.as_str() {
            "sqlite" => Ok(JournalConfig::Sqlite(s.to_string())),
            "postgres" if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Ok(JournalConfig::Postgres {
                    url: crate::secret::Secret::opaque(s),
                    pool: pool.unwrap_or(DEFAULT_POOL),
                })
            }
            "postgres" => Err(bad("postgres must be a URL postgresql://user:password@host:port/db")),
            _ => Err(bad("the key must be \"sqlite\" or \"postgres\"")),
        }
    }
}

/// The journal's schema version (the `payup_schema` table holds the version a database is at).
pub const SCHEMA_VERSION: i64 = 1;

/// The fingerprint's own version, part of the fingerprint: a payup that fingerprints differently never
/// mistakes an old approval for another request.
const FINGERPRINT_VERSION: &str = "fp1";

/// The state of one journal entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The intent is recorded and the request may be at the gateway now (or the process died).
    Pending,
    /// The gateway approved the operation (for a cancel: the cancel went through).
    Approved,
    /// The gateway refused it: a new attempt of the order is allowed.
    Declined,
    /// Nothing left this machine: a new attempt is allowed.
    NotSent,
    /// The outcome is unknown (the response was lost, or it contradicted the request).
    Ambiguous,
    /// `payup recover` could not resolve it with any API: a person must check the gateway's admin pages.
    Unresolved,
    /// The approval was cancelled (by payup after a wrong amount, by a journaled cancel, or by a person).
    Cancelled,
}

impl Status {
    /// Every status, in the order of the documentation.
    pub const ALL: &'static [Status] = &[
        Status::Pending,
        Status::Approved,
        Status::Declined,
        Status::NotSent,
        Status::Ambiguous,
        Status::Unresolved,
        Status::Cancelled,
    ];

    /// The status's name in the journal and its documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Declined => "declined",
            Status::NotSent => "not_sent",
            Status::Ambiguous => "ambiguous",
            Status::Unresolved => "unresolved",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|x| x.as_str() == s)
    }

    /// Whether an entry in this status still holds its order's guard against a new attempt.
    pub fn holds_guard(self) -> bool {
        !matches!(self, Status::Declined | Status::NotSent)
    }

    /// The statuses a person may set with `payup journal resolve`.
    pub fn resolvable_to(self) -> bool {
        matches!(self, Status::Approved | Status::Declined | Status::Cancelled)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The intent record: written and committed before the first byte of the operation leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    /// The operation.
    pub operation: Operation,
    /// Its gateway.
    pub gateway: Gateway,
    /// The merchant: Payup's merchant id, Payple's cst_id, KCP's site_cd.
    pub merchant: String,
    /// The merchant's order number, when the request names one.
    pub order_number: Option<String>,
    /// The gateway's transaction the request names (cancels, KakaoPay's approval).
    pub transaction_id: Option<String>,
    /// The amount asked (KRW), where the request has one.
    pub amount: Option<u64>,
    /// SHA-256 (hex) of the request's non-secret form: tells "the same request again" from "another request
    /// for the same order".
    pub fingerprint: String,
    /// The order's guard (see [`guard_key`]): at most one entry holding it is pending or approved.
    pub guard_key: Option<String>,
    /// What `payup recover` does if the outcome stays unknown ([`stored_plan`]).
    pub recovery: Value,
    /// The KST date the payment was asked for (`YYYYMMDD`): Payple's result query looks there.
    pub asked_on: String,
    /// When the intent was recorded.
    pub created_at: Timestamp,
}

/// Whether an operation is journaled. Every operation that moves money or cards is: approvals, cancels and
/// refunds, billing-key deletion. Not journaled: read-only and pure operations; Payple's partner auth (it
/// only hands out a one-time key, and the operation it precedes is journaled); KakaoPay's order
/// registration (it registers an order and moves nothing: the window's approval, journaled, does).
pub fn is_journaled(op: Operation) -> bool {
    op.class() == OperationClass::Mutating && !matches!(op, Operation::PaypleAuth | Operation::PayupKakaopayOrder)
}

/// Whether `op` is an approval (its guard replays a recorded success).
pub fn is_approval(op: Operation) -> bool {
    matches!(
        op,
        Operation::PayupKeyinApprove
            | Operation::PayupKakaopayApprove
            | Operation::PaypleCardConfirm
            | Operation::PaypleBillingPay
            | Operation::KcpKeyinApprove
    )
}

/// The merchant identity of `gateway` in `creds` (empty when that section is missing: the call then fails
/// with `config` before anything is sent).
pub fn merchant_of(creds: &Credentials, gateway: Gateway) -> String {
    match gateway {
        Gateway::Payup => creds.payup.as_ref().map(|c| c.merchant_id.clone()),
        Gateway::Payple => creds.payple.as_ref().map(|c| c.cst_id.clone()),
        Gateway::Kcp => creds.kcp.as_ref().map(|c| c.site_cd.clone()),
    }
    .unwrap_or_default()
}

/// The guard of a request, if it has one:
/// - approvals: one per operation, merchant and order (`approve|payup.keyin.approve|M|ORDER`);
/// - full cancels (Payup keyin and KakaoPay cancels, KCP's `STSC`): one per transaction;
/// - KCP partial cancels (`STPC`) with `rem_mny`: one per transaction, balance before and amount — the
///   balance makes each partial cancel unique (kcp-keyin.txt 취소), so the same partial cancel sent twice is
///   replayed and the next one (a smaller balance) is not;
/// - none for KCP partial cancels without `rem_mny`, Payple refunds (nothing in `PCD_REFUND_TOTAL` tells a
///   second partial refund of the same amount from a double click) and billing-key deletion (a second
///   deletion is refused by Payple and moves nothing): those are journaled but not guarded.
pub fn guard_key(request: &Request, merchant: &str) -> Option<String> {
    let op = request.operation();
    let known = request.known();
    if is_approval(op) {
        let id = known.order_number.or(known.transaction_id)?;
        return Some(format!("approve|{op}|{merchant}|{id}"));
    }
    match request {
        Request::PayupKeyinCancel(c) => Some(format!("cancel|{op}|{merchant}|{}|full", c.transaction_id)),
        Request::PayupKakaopayCancel(c) => Some(format!("cancel|{op}|{merchant}|{}|full", c.transaction_id)),
        Request::KcpCancel(c) if c.mod_type == "STSC" => Some(format!("cancel|{op}|{merchant}|{}|full", c.tno)),
        Request::KcpCancel(c) => match (c.rem_mny, c.mod_mny) {
            (Some(rem), Some(amount)) => Some(format!("cancel|{op}|{merchant}|{}|partial|{rem}|{amount}", c.tno)),
            _ => None,
        },
        _ => None,
    }
}

/// The SHA-256 fingerprint of a request's non-secret form. The `Debug` form of a request shows its
/// [`crate::Secret`] fields as masks only; the gateways' tokens in it are hashed with the rest, never stored.
/// Per-call options (timeouts) are not part of a request, so never part of its fingerprint.
pub fn fingerprint(request: &Request, merchant: &str) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_VERSION.as_bytes());
    h.update([0]);
    h.update(merchant.as_bytes());
    h.update([0]);
    h.update(format!("{request:?}").as_bytes());
    hex::encode(h.finalize())
}

/// The intent record of `request`, or `None` when the operation is not journaled.
pub fn intent(request: &Request, creds: &Credentials, now: Timestamp) -> Option<Intent> {
    let op = request.operation();
    if !is_journaled(op) {
        return None;
    }
    let merchant = merchant_of(creds, op.gateway());
    let known = request.known();
    let asked_on = now.kst_date();
    Some(Intent {
        operation: op,
        gateway: op.gateway(),
        order_number: known.order_number,
        transaction_id: known.transaction_id,
        amount: known.amount,
        fingerprint: fingerprint(request, &merchant),
        guard_key: guard_key(request, &merchant),
        recovery: stored_plan(request, &asked_on),
        merchant,
        asked_on,
        created_at: now,
    })
}

/// The recovery plan of `request` as the journal stores it, so that `payup recover` runs it in another
/// process without the request (which held card data):
/// - `{"query": {"operation": "payple.status", "request": {…}}}`: Payple's result query (payple-card.txt
///   결제결과 조회);
/// - `{"ask_again": {"already_done": "8002", …}}`: KakaoPay (payup-kakaopay-kcp.txt §3.3). Asking again
///   needs the window's `enc_data`, a token the journal never keeps: `payup recover` marks such an entry
///   `unresolved` with that instruction, and the merchant's own retry of the same approval (which carries the
///   token) is where asking again happens;
/// - `{"by_hand": "…"}`: no API can tell (Payup keyin and KCP keyin have no query in the specs).
pub fn stored_plan(request: &Request, asked_on: &str) -> Value {
    match request.recovery(asked_on) {
        Recovery::Query(Request::PaypleStatus(r)) => json!({"query": {"operation": Operation::PaypleStatus.name(),
            "request": {"pay_oid": r.pay_oid, "pay_date": r.pay_date, "reguler_flag": r.reguler_flag,
                        "pay_year": r.pay_year, "pay_month": r.pay_month}}}),
        Recovery::Query(q) => json!({"by_hand": format!("no stored form for the recovery query {}", q.operation())}),
        Recovery::AskAgain { already_done, meaning, lost } => json!({"ask_again": {
            "already_done": already_done, "meaning": meaning, "lost": lost}}),
        Recovery::Unresolvable => json!({"by_hand": by_hand(request.operation())}),
    }
}

fn by_hand(op: Operation) -> String {
    let page = match op.gateway() {
        Gateway::Payup => "Payup's merchant pages",
        Gateway::Payple => "Payple's partner admin",
        Gateway::Kcp => "KCP's merchant admin",
    };
    format!(
        "{op} has no query API in the specs: look the order up in {page}, then run `payup journal resolve ID --status approved|declined|cancelled`"
    )
}

/// What the guard decides for a new intent, given the entry that holds its guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// No entry holds the guard (or the one that did was declined / not sent): record and send.
    Proceed,
    /// The same request was approved: return its recorded result, send nothing.
    Replay,
    /// The order was approved (or cancelled) with another amount or request: `invalid` DUPLICATE_ORDER.
    Duplicate,
    /// An earlier attempt is pending, ambiguous or unresolved: `ambiguous` IN_FLIGHT, send nothing.
    InFlight,
}

/// The guard's decision against the entry holding the guard (`None`: nobody holds it).
pub fn decide(holder: Option<(Status, &str)>, fingerprint: &str) -> Guard {
    match holder {
        None => Guard::Proceed,
        Some((status, _)) if !status.holds_guard() => Guard::Proceed,
        Some((Status::Approved, fp)) if fp == fingerprint => Guard::Replay,
        Some((Status::Approved | Status::Cancelled, _)) => Guard::Duplicate,
        Some(_) => Guard::InFlight,
    }
}

/// One entry as the journal returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The entry's id (`journal_id`).
    pub id: i64,
    /// The operation's name.
    pub operation: String,
    /// The gateway's name.
    pub gateway: String,
    /// The merchant id.
    pub merchant: String,
    /// The order number, if any.
    pub order_number: Option<String>,
    /// The transaction id, if known.
    pub transaction_id: Option<String>,
    /// The amount (KRW), if any.
    pub amount: Option<u64>,
    /// Its status.
    pub status: Status,
    /// Attempts of this guard so far (1 for the first).
    pub attempts: i64,
    /// The fingerprint of the request.
    pub fingerprint: String,
    /// The stored recovery plan.
    pub recovery: Value,
    /// The KST date asked.
    pub asked_on: String,
    /// The recorded result document (masked), when approved.
    pub result: Option<Value>,
    /// The recorded error document, when not approved.
    pub error: Option<Value>,
    /// What recover or a person noted.
    pub note: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Entry {
    /// The entry as `payup journal list/show` print it.
    pub fn to_json(&self, full: bool) -> Value {
        let mut v = json!({
            "id": self.id, "operation": self.operation, "gateway": self.gateway,
            "order_number": self.order_number, "transaction_id": self.transaction_id, "amount": self.amount,
            "status": self.status.as_str(), "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at), "attempts": self.attempts,
        });
        if full {
            let m = v.as_object_mut().expect("an object");
            m.insert("merchant".into(), json!(self.merchant));
            m.insert("asked_on".into(), json!(self.asked_on));
            m.insert("fingerprint".into(), json!(self.fingerprint));
            m.insert("recovery".into(), self.recovery.clone());
            m.insert("result".into(), self.result.clone().unwrap_or(Value::Null));
            m.insert("error".into(), self.error.clone().unwrap_or(Value::Null));
            m.insert("note".into(), json!(self.note));
        }
        v
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of unix seconds.
pub fn iso_utc(unix: i64) -> String {
    let c = Timestamp(unix - 9 * 3600).kst();
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// Unix seconds of `YYYY-MM-DD` 00:00 UTC (`payup journal list --since`).
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (s[0..4].parse().ok()?, s[5..7].parse().ok()?, s[8..10].parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

/// The outcome of one journaled call, as recorded after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The entry's new status.
    pub status: Status,
    /// The transaction the answer names, when there is one.
    pub transaction_id: Option<String>,
    /// The result document (tokens masked), for a success.
    pub result: Option<Value>,
    /// The error document, for a failure.
    pub error: Option<Value>,
}

/// What a call's result is recorded as. An approval of another amount that payup cancelled is `cancelled`;
/// an `invalid` or `config` error without a gateway code was refused before anything was sent.
pub fn outcome(result: &Result<Response, Error>) -> Outcome {
    match result {
        Ok(r) => {
            let doc = storable(r.to_json());
            Outcome {
                status: Status::Approved,
                transaction_id: transaction_id_of(&doc),
                result: Some(doc),
                error: None,
            }
        }
        Err(e) => {
            let status = match e.kind() {
                ErrorKind::Declined if e.payup_code() == Some(PayupCode::AmountMismatch) => Status::Cancelled,
                ErrorKind::Declined => Status::Declined,
                ErrorKind::Invalid if e.gateway_code().is_some() => Status::Declined,
                ErrorKind::Invalid | ErrorKind::Config | ErrorKind::NotSent => Status::NotSent,
                _ => Status::Ambiguous,
            };
            let tx = e.ambiguous_context().and_then(|c| c.transaction_id.clone());
            Outcome { status, transaction_id: tx, result: None, error: Some(storable(e.to_json())) }
        }
    }
}

fn transaction_id_of(doc: &Value) -> Option<String> {
    ["transaction_id", "tno", "pay_oid"]
        .iter()
        .find_map(|k| doc.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string))
}

/// Fields of result documents that carry a gateway token, masked before a document is stored.
const TOKEN_FIELDS: &[&str] = &["payer_id", "enc_data", "enc_info", "approval_key", "auth_key", "cust_key"];

/// A document as the journal may store it: token fields masked.
pub fn storable(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    if TOKEN_FIELDS.contains(&k.as_str()) && !v.is_null() {
                        (k, Value::String("***".into()))
                    } else {
                        (k, storable(v))
                    }
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(storable).collect()),
        // Card numbers never get here whole: every parser masks them 6+4, and gateway messages are redacted
        // when the error is built (error.rs). Strings are kept as they are (transaction ids are long digit runs).
        other => other,
    }
}

/// The recorded result of an approval, replayed: the document with `"replayed": true`.
pub fn replayed(result: &Value, journal_id: i64) -> Value {
    let mut v = match result {
        Value::Object(_) => result.clone(),
        // Resolved by hand (`payup journal resolve`): no result document was recorded.
        _ => json!({"note": "approved by hand (payup journal resolve): no result document was recorded"}),
    };
    if let Some(m) = v.as_object_mut() {
        m.insert("replayed".into(), Value::Bool(true));
        m.insert("journal_id".into(), json!(journal_id));
    }
    v
}

/// The `invalid` DUPLICATE_ORDER error: the order was already approved with another amount or request.
pub fn duplicate_order(intent: &Intent, holder_id: i64) -> Error {
    let mut e = Error::invalid_field(
        "order_number",
        format!(
            "the order was already {} with another amount or request (journal entry {holder_id}): use a new order number; nothing was sent",
            if is_approval(intent.operation) { "approved" } else { "done" }
        ),
    )
    .with_gateway(intent.gateway)
    .with_payup_code(PayupCode::DuplicateOrder);
    e.journal_id = Some(holder_id);
    // Refused by payup, nothing was sent: the error is not the gateway's code.
    e
}

/// For a successful full cancel: the transaction whose approval it cancels (its journal entry becomes
/// `cancelled`).
pub fn cancelled_by(request: &Request) -> Option<String> {
    match request {
        Request::PayupKeyinCancel(c) => Some(c.transaction_id.clone()),
        Request::PayupKakaopayCancel(c) => Some(c.transaction_id.clone()),
        Request::KcpCancel(c) if c.mod_type == "STSC" => Some(c.tno.clone()),
        _ => None,
    }
}

/// The `ambiguous` IN_FLIGHT error: an earlier attempt of the order is pending, ambiguous or unresolved.
pub fn in_flight(intent: &Intent, holder_id: i64, holder: Status) -> Error {
    let mut ctx = crate::flow::Known {
        order_number: intent.order_number.clone(),
        transaction_id: intent.transaction_id.clone(),
        amount: intent.amount,
    }
    .context(intent.operation);
    ctx.tried.push(format!("journal: entry {holder_id} is {holder}"));
    let mut e = Error::ambiguous(
        intent.gateway,
        format!(
            "an earlier attempt of this order (journal entry {holder_id}) is {holder}: nothing was sent; run `payup recover`, or `payup journal resolve {holder_id}` after checking the gateway"
        ),
    )
    .with_payup_code(PayupCode::InFlight)
    .with_ambiguous(ctx);
    e.journal_id = Some(holder_id);
    e
}

/// The `config` error of a journal that cannot record an intent (nothing was sent).
pub fn unwritable(what: &str) -> Error {
    Error::config(format!("the payment journal could not record the intent ({what}): nothing was sent"))
}

/// What `payup recover` does with one entry.
#[derive(Clone, Debug)]
pub enum RecoverStep {
    /// Run this read-only query; [`judge_query`] reads its answer.
    Query(Request),
    /// Nothing to run: mark the entry `unresolved` with this note.
    Unresolved(String),
}

/// The step for an entry whose outcome is unknown, from its stored plan.
pub fn recover_step(entry: &Entry) -> RecoverStep {
    if let Some(q) = entry.recovery.get("query") {
        let op = q.get("operation").and_then(Value::as_str).and_then(Operation::from_name);
        if let (Some(op), Some(doc)) = (op, q.get("request"))
            && let Ok(r) = Request::from_json(op, doc)
        {
            return RecoverStep::Query(r);
        }
        return RecoverStep::Unresolved("the stored recovery query cannot be read".into());
    }
    if let Some(a) = entry.recovery.get("ask_again") {
        let code = a.get("already_done").and_then(Value::as_str).unwrap_or("");
        return RecoverStep::Unresolved(format!(
            "{} is recovered by asking the approval again ({code} = already paid), which needs the window's enc_data: the journal keeps no token. Send the same approval again (the guard lets it through as a recovery), or check Payup's merchant pages, then `payup journal resolve {}`",
            entry.operation, entry.id
        ));
    }
    let why = entry.recovery.get("by_hand").and_then(Value::as_str).unwrap_or("no recovery plan");
    RecoverStep::Unresolved(why.to_string())
}

/// What the recovery query's answer means for the entry.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// The gateway reports the payment, of the amount asked: approved, with this result.
    Approved(Value, Option<String>),
    /// The gateway reports the payment with another amount: cancel it with this plan.
    WrongAmount(crate::flow::Undo, u64),
    /// The gateway reports no payment of the order: the approval never happened.
    NotFound(String),
    /// The answer does not settle it (why).
    Unknown(String),
}

/// Reads the answer of [`RecoverStep::Query`] for `entry` (Payple's result query, payple-card.txt 결제결과 조회).
pub fn judge_query(entry: &Entry, query: &Request, answer: &Result<Response, Error>) -> Verdict {
    match (query, answer) {
        (Request::PaypleStatus(reference), Ok(Response::PayplePayment(p))) => {
            if p.pay_oid != reference.pay_oid {
                return Verdict::Unknown(format!("the query answered for another order ({})", p.pay_oid));
            }
            let reported = p.pay_total.unwrap_or(0);
            match entry.amount {
                Some(asked) if asked != reported => {
                    Verdict::WrongAmount(crate::payple::refund_of(p, reference.clone()), reported)
                }
                _ => {
                    let doc = storable(Response::PayplePayment(p.clone()).to_json());
                    Verdict::Approved(doc, Some(p.pay_oid.clone()))
                }
            }
        }
        (_, Ok(_)) => Verdict::Unknown("the query answered with another result type".into()),
        (_, Err(e)) if e.kind() == ErrorKind::Declined => {
            Verdict::NotFound(format!("the result query finds no payment: {}", e.message()))
        }
        (_, Err(e)) => Verdict::Unknown(format!("the result query failed: {}", e.kind().as_str())),
    }
}

/// The result query again for the next KST day, when the approval could have reached the gateway after
/// midnight: Payple's result query looks up one date (`PCD_PAY_DATE`, payple-card.txt 결제결과 조회), and an
/// intent recorded at 23:59:58 may be paid at 00:00:03. `live_secs` is [`live_window_secs`]: the latest the
/// call could still have been sent after its intent. `None` when the window stays within the asked day.
pub fn next_day_query(entry: &Entry, query: &Request, live_secs: i64) -> Option<Request> {
    let Request::PaypleStatus(r) = query else { return None };
    let latest = Timestamp(entry.created_at + live_secs).kst_date();
    (latest != r.pay_date).then(|| {
        let mut next = r.clone();
        next.pay_date = latest;
        Request::PaypleStatus(next)
    })
}

/// A later cancel or refund of approval `entry` that went through or whose outcome is not known (pending,
/// ambiguous, unresolved, approved), among `entries`: same gateway and merchant, and the approval's order
/// number or transaction id. `payup recover` must not call such an approval `approved` on the strength of a
/// result query alone (a refunded Payple payment may still be reported by it): a refund that went through
/// makes it `cancelled`, one in doubt leaves it for a person.
pub fn cancel_of<'a>(entry: &Entry, entries: &'a [Entry]) -> Option<&'a Entry> {
    let approval = Operation::from_name(&entry.operation).is_some_and(is_approval);
    if !approval {
        return None;
    }
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    entries.iter().find(|c| {
        c.id > entry.id
            && c.gateway == entry.gateway
            && c.merchant == entry.merchant
            && Operation::from_name(&c.operation).is_some_and(|o| is_journaled(o) && !is_approval(o))
            && (same(&c.order_number, &entry.order_number) || same(&c.transaction_id, &entry.transaction_id))
            && matches!(c.status, Status::Pending | Status::Ambiguous | Status::Unresolved | Status::Approved)
    })
}

/// How long after its intent a pending entry may still be live in the process that wrote it: `payup
/// recover` leaves younger pending entries alone (`still_pending`).
pub fn live_window_secs(connect_timeout_ms: u64, read_timeout_ms: u64) -> i64 {
    // Payple's two calls each get both timeouts; a few seconds on top for the process to record the outcome.
    (2 * (connect_timeout_ms + read_timeout_ms)).div_ceil(1000) as i64 + 5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_decisions() {
        assert_eq!(decide(None, "a"), Guard::Proceed);
        assert_eq!(decide(Some((Status::Declined, "a")), "a"), Guard::Proceed);
        assert_eq!(decide(Some((Status::NotSent, "b")), "a"), Guard::Proceed);
        assert_eq!(decide(Some((Status::Approved, "a")), "a"), Guard::Replay);
        assert_eq!(decide(Some((Status::Approved, "b")), "a"), Guard::Duplicate);
        assert_eq!(decide(Some((Status::Cancelled, "a")), "a"), Guard::Duplicate);
        for s in [Status::Pending, Status::Ambiguous, Status::Unresolved] {
            assert_eq!(decide(Some((s, "a")), "a"), Guard::InFlight);
        }
    }

    #[test]
    fn dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_date("2026-12-01"), Some(1_796_083_200));
        assert_eq!(iso_utc(1_796_083_200), "2026-12-01T00:00:00Z");
        assert_eq!(parse_date("2026-13-01"), None);
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
    }

    #[test]
    fn a_recovery_query_also_looks_at_the_next_day_only_across_midnight() {
        let req = json!({"payer_id": "K", "pay_goods": "g", "pay_total": 1000, "pay_oid": "O1",
                         "pay_year": "2026", "pay_month": "11"});
        let r = Request::from_json(Operation::PaypleBillingPay, &req).unwrap();
        // 2026-11-30 23:59:58 KST and 12:00 KST, as unix seconds.
        for (created_at, next) in [(1_796_050_798, Some("20261201")), (1_796_007_600, None)] {
            let asked_on = Timestamp(created_at).kst_date();
            assert_eq!(asked_on, "20261130");
            let entry = Entry {
                id: 1,
                operation: "payple.billing.pay".into(),
                gateway: "payple".into(),
                merchant: "m".into(),
                order_number: Some("O1".into()),
                transaction_id: None,
                amount: Some(1000),
                status: Status::Pending,
                attempts: 1,
                fingerprint: "f".into(),
                recovery: stored_plan(&r, &asked_on),
                asked_on,
                result: None,
                error: None,
                note: None,
                created_at,
                updated_at: created_at,
            };
            let RecoverStep::Query(q) = recover_step(&entry) else { panic!("a query plan") };
            let Request::PaypleStatus(first) = &q else { panic!() };
            assert_eq!(first.pay_date, "20261130");
            let again = next_day_query(&entry, &q, live_window_secs(1000, 5000));
            let date = again.map(|a| match a {
                Request::PaypleStatus(a) => a.pay_date,
                _ => unreachable!(),
            });
            assert_eq!(date.as_deref(), next, "created at {created_at}");
        }
    }

    #[test]
    fn storable_masks_tokens() {
        let v = storable(json!({"payer_id": "BILLINGKEY", "tx": "20261201215828ST0000", "x": [{"enc_data": "T"}]}));
        assert_eq!(v["payer_id"], "***");
        assert_eq!(v["x"][0]["enc_data"], "***");
        assert_eq!(v["tx"], "20261201215828ST0000");
    }

    #[test]
    fn journal_config_reads_the_pool_and_refuses_bad_ones() {
        let url = "postgresql://u:pw@h:5432/db";
        let pool_of = |v: Value| match JournalConfig::from_json(&v) {
            Ok(JournalConfig::Postgres { pool, url: u }) => {
                assert_eq!(u.expose(), url);
                Ok(pool)
            }
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(pool_of(json!({"postgres": url})), Ok(DEFAULT_POOL));
        assert_eq!(pool_of(json!({"postgres": url, "pool": 16})), Ok(16));
        for bad in [json!(0), json!(65), json!("8"), json!(2.5), json!(-1)] {
            let e = pool_of(json!({"postgres": url, "pool": bad})).unwrap_err();
            assert!(e.contains("pool must be an integer from 1 to 64"), "{e}");
        }
        let e = JournalConfig::from_json(&json!({"sqlite": "/tmp/x.db", "pool": 4})).unwrap_err().to_string();
        assert!(e.contains("pool is for the PostgreSQL journal only"), "{e}");
        let e = JournalConfig::from_json(&json!({"pool": 4})).unwrap_err().to_string();
        assert!(e.contains("exactly one key"), "{e}");
        let debug = format!("{:?}", JournalConfig::from_json(&json!({"postgres": url})).unwrap());
        assert!(!debug.contains("pw") && debug.contains("pool 8"), "{debug}");
    }
}
