//! Payple card: one-off window payments and recurring billing (payple-card.txt).
//!
//! Every server call is two steps: partner auth at `/php/auth.php` with a work flag, which answers
//! tokens and the URL to call next ("return_url may change: do not hard-code it"), then the call itself
//! with those tokens. Core prepares and parses both steps; the transport chains them.

use crate::catalog::{Amounts, Attribution, Catalogued, Credentials, Flow, Known, Recovery, Undo};
use crate::codes::Gateway;
use crate::error::Error;
use crate::fields::{self, Doc, Problems, check_bytes, check_digits, loose_str, loose_u64, yn};
use crate::http::{HttpRequest, HttpResponse, Target};
use crate::payple::PaypleAuth as PartnerAuth;
use crate::response;
use crate::secret::Secret;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value, json};

mod auth;
mod billing;
mod confirm;
mod payment;
mod refund;
mod result;
mod status;
pub use auth::*;
pub use billing::*;
pub use confirm::*;
pub use payment::*;
pub use refund::*;
pub use result::*;

/// A Payple merchant's credentials (payple-card.txt 가맹점 인증).
#[derive(Clone, Debug)]
pub struct PaypleCredentials {
    /// cst_id: the token standing for cst_id in the next call (payple-card.txt 파트너 인증)
    pub cst_id: String,
    /// custKey: the token standing for custKey in the next call (payple-card.txt 파트너 인증)
    pub cust_key: Secret,
    /// `PCD_REFUND_KEY`, the cancel token shown in Payple's admin pages; needed by `payple.cancel` only.
    pub refund_key: Option<Secret>,
    /// Sent as `Referer` on partner auth: hosts on AWS get AUTH0004 without it (payple-card.txt 호출정보).
    pub referer: Option<String>,
}

impl PaypleCredentials {
    /// A partner with its cst_id and custKey.
    pub fn new(cst_id: impl Into<String>, cust_key: impl Into<String>) -> Self {
        PaypleCredentials { cst_id: cst_id.into(), cust_key: Secret::opaque(cust_key), refund_key: None, referer: None }
    }

    /// Checks the credentials (a `config` error naming each bad field).
    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.cst_id.is_empty() {
            p.push("payple.cst_id", "is required");
        }
        if self.cust_key.is_empty() {
            p.push("payple.cust_key", "is required");
        }
        if let Some(r) = &self.referer
            && r.chars().any(|c| c.is_control())
        {
            p.push("payple.referer", "must not contain control characters");
        }
        p.into_result().map_err(|e| Error { kind: crate::ErrorKind::Config, ..e })
    }
}

/// The partner auth endpoint under Payple's base URL.
pub const AUTH_PATH: &str = "/php/auth.php";
/// CERT confirm, used when the window result carries no `PCD_PAY_COFURL` (payple-card.txt 1-1).
pub const CONFIRM_PATH: &str = "/php/PayCardConfirmAct.php?ACT_=PAYM";

fn payple_error(obj: &Map<String, Value>) -> Error {
    let rst = loose_str(obj.get("PCD_PAY_RST")).unwrap_or_default();
    let code = loose_str(obj.get("PCD_PAY_CODE")).filter(|c| !c.is_empty()).unwrap_or_else(|| rst.clone());
    let msg = loose_str(obj.get("PCD_PAY_MSG")).unwrap_or_default();
    Error::from_gateway_code(Gateway::Payple, if code.is_empty() { "error" } else { &code }, &msg)
}

/// A second-step response: `PCD_PAY_RST` "success", else an error from `PCD_PAY_CODE`.
fn payple_object(resp: &HttpResponse) -> Result<Map<String, Value>, Error> {
    let obj = response::json_object(Gateway::Payple, resp)?;
    match loose_str(obj.get("PCD_PAY_RST")).as_deref() {
        Some("success") => Ok(obj),
        Some(_) => Err(payple_error(&obj)),
        None => Err(response::unreadable(Gateway::Payple, resp, "it has no PCD_PAY_RST")),
    }
}

fn s(o: &Map<String, Value>, k: &str) -> String {
    loose_str(o.get(k)).unwrap_or_default()
}

fn opt(o: &Map<String, Value>, k: &str) -> Option<String> {
    loose_str(o.get(k)).filter(|v| !v.is_empty())
}

/// The first of several field-name variants that is present (billing responses say `PCD_PAY_CARDNAME`,
/// the result POST and query say `PCD_CARDNAME`, and the billing sample even says `PCD_PAY_CARDNANE`).
fn first(o: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| opt(o, k))
}

/// `PCD_PAYER_NO` is typed N (number) in the tables and sent as a number in the samples; we keep it a
/// string in our documents and send it as a JSON number when it is one.
fn payer_no_value(v: &str) -> Value {
    match v.parse::<u64>() {
        Ok(n) if n.to_string() == v => Value::from(n),
        _ => Value::String(v.to_string()),
    }
}

/// A Payple operation's own configuration needs, checked before partner auth is even sent.
pub(crate) fn check_credentials_for(op: crate::catalog::Operation, creds: &PaypleCredentials) -> Result<(), Error> {
    if op == crate::catalog::Operation::PaypleCancel && creds.refund_key.is_none() {
        return Err(Error::config(
            "payple.refund_key is required for payple.cancel (PCD_REFUND_KEY, from Payple's admin pages)",
        )
        .with_gateway(Gateway::Payple));
    }
    Ok(())
}

/// The second step of a two-step call needs partner auth's answer.
fn after_auth(auth: Option<&PaypleAuth>) -> Result<&PaypleAuth, Error> {
    auth.ok_or_else(|| Error::config("payple: partner auth must come first").with_gateway(Gateway::Payple))
}

/// The reference of a payment Payple reported (for its refund or its query).
fn payment_ref(a: &PayplePayment, reguler: bool, year: Option<&str>, month: Option<&str>) -> PaymentRef {
    PaymentRef {
        pay_oid: a.pay_oid.clone(),
        pay_date: a.pay_time.as_deref().map(|t| t.chars().take(8).collect()).unwrap_or_default(),
        reguler_flag: reguler,
        pay_year: year.map(str::to_string),
        pay_month: month.map(str::to_string),
    }
}

/// Refunds a payment in full, confirming first with the result query what was really paid.
pub(crate) fn refund_of(a: &PayplePayment, reference: PaymentRef) -> Undo {
    Undo {
        request: Cancel { payment: reference.clone(), refund_total: a.pay_total.unwrap_or(0), pay_taxtotal: None }
            .into(),
        confirm_with: Some(reference.into()),
    }
}
