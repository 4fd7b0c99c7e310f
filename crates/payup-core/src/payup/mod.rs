//! Payup: card keyin (payup-card-keyin.txt) and KakaoPay through NHN KCP (payup-kakaopay-kcp.txt).

use crate::catalog::{Amounts, Attribution, Catalogued, Credentials, Flow, Known, Recovery, Undo};
use crate::codes::Gateway;
use crate::error::{Error, ErrorKind};
use crate::fields::{self, Doc, Problems, check_bytes, check_digits, check_signable, yn};
use crate::http::{HttpRequest, HttpResponse, JsonBody, Target};
use crate::payple::PaypleAuth as PartnerAuth;
use crate::response;
use crate::secret::Secret;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The keyin cancel (§2.2) and the KakaoPay cancel (§3.4) answer alike (`PayupCancelled`) and are checked
/// alike: the answer must name the transaction cancelled.
macro_rules! cancel_flow {
    ($request:ty) => {
        impl Flow for $request {
            type Output = PayupCancelled;
            fn read(v: &Value) -> Result<Self, Error> {
                Self::from_json(v)
            }
            fn prepare(
                &self,
                creds: &Credentials,
                _: Timestamp,
                _: Option<&PartnerAuth>,
            ) -> Result<HttpRequest, Error> {
                self.prepare(creds.payup(Self::OPERATION)?)
            }
            fn parse(resp: &HttpResponse) -> Result<PayupCancelled, Error> {
                PayupCancelled::parse(resp)
            }
            fn known(&self) -> Known {
                Known::transaction(&self.transaction_id, None)
            }
            fn attribute(&self, a: &PayupCancelled) -> Attribution {
                Attribution::echoed("transactionId", &self.transaction_id, &a.transaction_id)
            }
            fn amounts(&self, a: &PayupCancelled) -> Option<Amounts> {
                Some(Amounts { requested: 0, reported: 0, transaction_id: a.transaction_id.clone(), is_cancel: true })
            }
        }
    };
}

mod kakaopay;
mod keyin;
mod window;
pub use kakaopay::*;
pub use keyin::*;
pub use window::*;

/// A Payup merchant's credentials (payup-card-keyin.txt §1.6).
#[derive(Clone, Debug)]
pub struct PayupCredentials {
    /// merchantId (payup-card-keyin.txt §1.6).
    pub merchant_id: String,
    /// apiCertKey, the key signatures are made with (payup-card-keyin.txt §1.6).
    pub api_cert_key: Secret,
}

impl PayupCredentials {
    /// A merchant with its ID and API certificate key.
    pub fn new(merchant_id: impl Into<String>, api_cert_key: impl Into<String>) -> Self {
        PayupCredentials { merchant_id: merchant_id.into(), api_cert_key: Secret::opaque(api_cert_key) }
    }

    /// The `timestamp` (KST, 14 digits) and approval `signature` an approval or a KakaoPay order carries
    /// (payup-card-keyin.txt §2.1.1, payup-kakaopay-kcp.txt §3.1.1).
    fn stamp(&self, order_number: &str, amount: u64, now: Timestamp) -> (String, String) {
        let timestamp = now.kst_14();
        let signature =
            approval_signature(&self.merchant_id, order_number, amount, self.api_cert_key.expose(), &timestamp);
        (timestamp, signature)
    }

    /// Checks the credentials (a `config` error naming each bad field).
    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.merchant_id.is_empty() {
            p.push("payup.merchant_id", "is required");
        }
        check_bytes(&mut p, "payup.merchant_id", &self.merchant_id, 20);
        check_signable(&mut p, "payup.merchant_id", &self.merchant_id);
        if !self.merchant_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            p.push("payup.merchant_id", "must be letters, digits, '-' or '_' (it is part of the URL path)");
        }
        if self.api_cert_key.is_empty() {
            p.push("payup.api_cert_key", "is required");
        }
        check_signable(&mut p, "payup.api_cert_key", self.api_cert_key.expose());
        p.into_result().map_err(|e| Error { kind: ErrorKind::Config, ..e })
    }
}

/// SHA-256 over the `|`-joined values with white space removed, as lowercase hex
/// (payup-card-keyin.txt §2.1.1 and §2.2.1; payup-kakaopay-kcp.txt §3.1.1 and §4.2.1).
pub fn sign(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"|");
        }
        if has_white_space(part) {
            h.update(part.chars().filter(|c| !c.is_whitespace()).collect::<String>().as_bytes());
        } else {
            h.update(part.as_bytes());
        }
    }
    crate::fields::lower_hex(&h.finalize())
}

/// `s.contains(char::is_whitespace)`, byte by byte for ASCII (the usual case: ids, digits, hex keys).
fn has_white_space(s: &str) -> bool {
    if s.is_ascii() {
        // ASCII's White_Space characters are TAB, LF, VT, FF, CR and SPACE (what `char::is_whitespace` says).
        s.bytes().any(|b| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' '))
    } else {
        s.contains(char::is_whitespace)
    }
}

/// Approval / order signature: `merchantId|orderNumber|amount|apiCertKey|timestamp` (§2.1.1).
pub fn approval_signature(
    merchant_id: &str,
    order_number: &str,
    amount: u64,
    api_cert_key: &str,
    timestamp: &str,
) -> String {
    let mut digits = [0u8; 20];
    sign(&[merchant_id, order_number, crate::fields::decimal(amount, &mut digits), api_cert_key, timestamp])
}

/// Cancel signature: `merchantId|transactionId|apiCertKey` (§2.2.1).
pub fn cancel_signature(merchant_id: &str, transaction_id: &str, api_cert_key: &str) -> String {
    sign(&[merchant_id, transaction_id, api_cert_key])
}

const MAX_AMOUNT: u64 = 999_999_999_999; // 12 digits (§2.1 amount, length 12)

fn check_amount(p: &mut Problems, field: &str, amount: u64) {
    fields::check_range(p, field, amount, 1, MAX_AMOUNT, "must be 1–999,999,999,999 (at most 12 digits)");
}

fn check_order_number(p: &mut Problems, field: &str, value: &str) {
    check_bytes(p, field, value, 20);
    check_signable(p, field, value);
}

fn check_transaction_id(p: &mut Problems, value: &str) {
    check_bytes(p, "transaction_id", value, 20);
    check_signable(p, "transaction_id", value);
}

fn path(merchant_id: &str, action: &str) -> Target {
    // Without `format!` and its formatting machinery: every call builds one.
    const PREFIX: &str = "/v2/api/payment/";
    let mut p = String::with_capacity(PREFIX.len() + merchant_id.len() + 1 + action.len());
    p.push_str(PREFIX);
    p.push_str(merchant_id);
    p.push('/');
    p.push_str(action);
    Target::Path(p)
}

fn kakao_path(merchant_id: &str, action: &str) -> Target {
    Target::Path(format!("/ep/api/kakao/{merchant_id}/{action}"))
}

/// Every Payup response carries `responseCode` and `responseMsg`; "0000" is success (§3.1).
fn payup_object(resp: &HttpResponse) -> Result<Map<String, Value>, Error> {
    let obj = response::json_object(Gateway::Payup, resp)?;
    let code = fields::loose_str(obj.get("responseCode"));
    match code.as_deref() {
        Some("0000") => Ok(obj),
        Some(code) => {
            let msg = fields::loose_str(obj.get("responseMsg")).unwrap_or_default();
            Err(Error::from_gateway_code(Gateway::Payup, code, &msg))
        }
        None => Err(response::unreadable(Gateway::Payup, resp, "it has no responseCode")),
    }
}

fn s(obj: &Map<String, Value>, k: &str) -> String {
    fields::loose_str(obj.get(k)).unwrap_or_default()
}

fn opt_s(obj: &Map<String, Value>, k: &str) -> Option<String> {
    fields::loose_str(obj.get(k)).filter(|v| !v.is_empty())
}

fn amount_field(obj: &Map<String, Value>, k: &str) -> Result<Option<u64>, Error> {
    match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        v => fields::loose_u64(v)
            .map(Some)
            .ok_or_else(|| Error::ambiguous(Gateway::Payup, format!("the response's {k} is not a number"))),
    }
}

#[cfg(test)]
mod sign_tests {
    use super::sign;
    use sha2::{Digest, Sha256};

    /// §2.1.1's rule written plainly: the `|`-joined values with white space removed, SHA-256, lowercase hex.
    fn plain(parts: &[&str]) -> String {
        let joined: String = parts.join("|").chars().filter(|c| !c.is_whitespace()).collect();
        hex::encode(Sha256::digest(joined.as_bytes()))
    }

    #[test]
    fn sign_gives_the_rules_digest_for_short_long_and_spaced_texts() {
        let long = "x".repeat(250);
        let longer = "가".repeat(100);
        let cases: Vec<Vec<&str>> = vec![
            vec!["tester", "ZP2017090911", "1004", "25bcd7a82f5b4058818462cc7715964c", "20170910132060"],
            vec!["a b", "c\td", "상품 명", "\u{3000}x"],
            vec!["", "", ""],
            vec![&long, "12345"],
            vec![&longer, "1"],
        ];
        for parts in &cases {
            assert_eq!(sign(parts), plain(parts), "{parts:?}");
        }
    }
}
