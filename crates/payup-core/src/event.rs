//! Exchange events (issue 20): one per HTTP exchange, defined here once and delivered by the transport (a
//! `tracing` event and the client's listener) and, through it, by every binding and the CLI.
//!
//! Pure: the transport measures the duration and hands in what it sent and received; this builds the event
//! and **redacts** it. Nothing here is built unless someone listens (the transport checks first).
//!
//! Redaction, in two passes over the bodies (JSON values; form-encoded bodies parsed to objects) and the URL's
//! query:
//! - by field name ([`crate::secret::wire_secret_kind`]): card numbers masked 6+4, password digits, birth
//!   dates, keys, tokens, signatures, `kcp_cert_info` / `kcp_sign_data` elided;
//! - by pattern: any run of 12–19 digits that passes the Luhn check is masked 6+4 wherever it appears (a
//!   gateway message, a body that is not JSON, a number value), except in an answer's own transaction
//!   numbers, approval numbers and times ([`crate::secret::wire_identifier`]: one in ten of them passes the
//!   Luhn check by chance, and a support desk looks payments up by them).

use crate::catalog::Operation;
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::{SecretKind, mask_card_number_if_full, wire_identifier, wire_secret_kind};
use serde::Serialize;
use serde_json::{Map, Value};

/// The longest text body (after redaction) an event keeps, in characters: an HTML error page is cut here.
pub const MAX_TEXT_BODY_CHARS: usize = 2048;

/// How an exchange ended, as far as this exchange goes (a later recovery query has its own event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// `success`, or the error's kind: `declined`, `config`, `not_sent`, `ambiguous` (never `invalid`:
    /// an invalid request is refused before anything is sent, so it has no event).
    pub kind: &'static str,
    /// The gateway's own code, when it answered one.
    pub gateway_code: Option<String>,
    /// payup's own code (AMOUNT_MISMATCH, ORDER_MISMATCH, INTERNAL), when there is one.
    pub payup_code: Option<&'static str>,
}

impl Outcome {
    /// The exchange succeeded (for Payple's partner auth: the next call could be prepared).
    pub fn success() -> Outcome {
        Outcome { kind: "success", gateway_code: None, payup_code: None }
    }

    /// The exchange ended with `error`.
    pub fn error(error: &Error) -> Outcome {
        Outcome {
            kind: error.kind().as_str(),
            gateway_code: error.gateway_code().map(str::to_string),
            payup_code: error.payup_code().map(|c| c.as_str()),
        }
    }

    /// The outcome of `result`.
    pub fn of<T>(result: &Result<T, Error>) -> Outcome {
        match result {
            Ok(_) => Outcome::success(),
            Err(e) => Outcome::error(e),
        }
    }
}

/// One HTTP exchange, redacted: safe to log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// The catalogue name of the operation the exchange belongs to (`payple.auth` for Payple's partner auth
    /// is reported under the operation it was sent for).
    pub operation: &'static str,
    /// `payup`, `payple` or `kcp`.
    pub gateway: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The URL, its query's secrets masked.
    pub url: String,
    /// The HTTP status; `None` when no answer came (`not_sent`, or `ambiguous` with the answer lost).
    pub status: Option<u16>,
    /// Wall time of the exchange, measured by the transport.
    pub duration_ms: u64,
    /// The request body, redacted.
    pub request_body: Value,
    /// The response body, redacted; `null` when no answer came.
    pub response_body: Value,
    /// How this exchange ended.
    pub outcome: Outcome,
}

impl Event {
    /// The event of one exchange: `request` sent to `url`, `response` if one came, after `duration_ms`.
    pub fn new(
        operation: Operation,
        request: &HttpRequest,
        url: &str,
        response: Option<&HttpResponse>,
        duration_ms: u64,
        outcome: Outcome,
    ) -> Event {
        Event {
            operation: operation.name(),
            gateway: request.gateway.as_str(),
            method: request.method,
            url: redact_url(url),
            status: response.map(|r| r.status),
            duration_ms,
            request_body: redact_body(&request.body, request.header("Content-Type")),
            response_body: response
                .map_or(Value::Null, |r| redact_answer_body(&r.body, header(&r.headers, "Content-Type"))),
            outcome,
        }
    }

    /// The event as its JSON document (snake_case fields, as defined above).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("an event always serializes")
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// A URL with every secret in its query masked (by name and by pattern). The path is kept (it holds the
/// merchant id, never a secret).
pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return redact_text(url) };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => match wire_secret_kind(k) {
                Some(kind) => format!("{k}={}", mask(kind, v)),
                None => format!("{k}={}", redact_text(v)),
            },
            None => redact_text(pair),
        })
        .collect();
    format!("{}?{}", redact_text(base), pairs.join("&"))
}

/// Whether the gateway's own identifiers and times ([`wire_identifier`]) are kept readable: in answers only.
/// A request's `transactionId` comes from merchant code (a cancel), and stays masked where it looks like a
/// card number.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Identifiers {
    Masked,
    Kept,
}

/// A body as a redacted JSON value: JSON as it is, a form-encoded body as an object, anything else as a
/// string (pattern-redacted, cut at [`MAX_TEXT_BODY_CHARS`]); an empty body is `null`.
pub fn redact_body(body: &[u8], content_type: Option<&str>) -> Value {
    redact_body_with(body, content_type, Identifiers::Masked)
}

/// [`redact_body`] for a gateway's answer: its transaction numbers, approval numbers and times
/// ([`wire_identifier`]) are kept as they are, never pattern-masked (one 14-digit time or transaction number
/// in ten passes the Luhn check by chance: `authDateTime` 20180212000000 of payup-card-keyin.txt §2.1 does).
/// Every secret field is still masked by name, and every other value by pattern.
pub fn redact_answer_body(body: &[u8], content_type: Option<&str>) -> Value {
    redact_body_with(body, content_type, Identifiers::Kept)
}

fn redact_body_with(body: &[u8], content_type: Option<&str>, ids: Identifiers) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return redact_value_with(v, ids);
    }
    let text = String::from_utf8_lossy(body);
    let is_form = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"));
    if is_form && let Ok(map) = crate::payple::parse_form(&text) {
        return redact_value_with(Value::Object(map), ids);
    }
    let redacted = redact_text(&redact_quoted_fields(&text));
    let n = redacted.chars().count();
    if n > MAX_TEXT_BODY_CHARS {
        let cut: String = redacted.chars().take(MAX_TEXT_BODY_CHARS).collect();
        return Value::String(format!("{cut}… ({} more characters)", n - MAX_TEXT_BODY_CHARS));
    }
    Value::String(redacted)
}

/// Redacts a JSON value: secret fields by name (at any depth), every other string and number by pattern.
pub fn redact_value(v: Value) -> Value {
    redact_value_with(v, Identifiers::Masked)
}

fn redact_value_with(v: Value, ids: Identifiers) -> Value {
    match v {
        Value::Object(map) => Value::Object(redact_object(map, ids)),
        Value::Array(items) => Value::Array(items.into_iter().map(|x| redact_value_with(x, ids)).collect()),
        Value::String(s) => Value::String(redact_text(&s)),
        Value::Number(n) => {
            let s = n.to_string();
            if is_card_like(&s) { Value::String(mask_card_number_if_full(&s)) } else { Value::Number(n) }
        }
        other => other,
    }
}

fn redact_object(map: Map<String, Value>, ids: Identifiers) -> Map<String, Value> {
    map.into_iter()
        .map(|(k, v)| {
            let v = match (wire_secret_kind(&k), v) {
                (_, Value::Null) => Value::Null,
                (Some(kind), Value::String(s)) => Value::String(mask(kind, &s)),
                (Some(kind), Value::Number(n)) => Value::String(mask(kind, &n.to_string())),
                (Some(SecretKind::CardNumber), other) => redact_value_with(other, ids),
                (Some(SecretKind::Opaque), _) => Value::String("***".into()),
                (None, v @ (Value::String(_) | Value::Number(_)))
                    if ids == Identifiers::Kept && wire_identifier(&k) =>
                {
                    v
                }
                (None, other) => redact_value_with(other, ids),
            };
            (k, v)
        })
        .collect()
}

fn mask(kind: SecretKind, value: &str) -> String {
    match kind {
        // A gateway's masked number (`12345678****1234`) is narrowed to 6+4; a full one masked.
        SecretKind::CardNumber if value.is_empty() => String::new(),
        SecretKind::CardNumber => redact_text(&mask_card_number_if_full(value)),
        SecretKind::Opaque => "***".into(),
    }
}

/// The Luhn check (ISO/IEC 7812-1 Annex B) over a string of digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let Some(d) = c.checked_sub(b'0').filter(|d| *d <= 9).map(u32::from) else { return false };
        sum += if i % 2 == 1 { [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][d as usize] } else { d };
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

fn is_card_like(digits: &str) -> bool {
    (12..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && luhn_valid(digits)
}

/// Masks, in free text, every run of 12–19 digits (single spaces or '-' allowed between digits) that passes
/// the Luhn check: at most its first 6 and last 4 digits stay.
pub fn redact_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single separators between digits.
        let mut j = i;
        while j < chars.len() {
            let separator = (chars[j] == ' ' || chars[j] == '-') && chars.get(j + 1).is_some_and(char::is_ascii_digit);
            if !chars[j].is_ascii_digit() && !separator {
                break;
            }
            j += 1;
        }
        let run: String = chars[i..j].iter().collect();
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        if is_card_like(&digits) {
            out.push_str(&mask_card_number_if_full(&run));
        } else if digits.len() > 19 {
            // A longer run may hold a card number inside it (an id and a number glued together): check
            // every 12–19 digit window of the digits-only runs.
            out.push_str(&redact_windows(&run));
        } else {
            out.push_str(&run);
        }
        i = j;
    }
    out
}

/// Within one long run, masks each 12–19 digit window that passes Luhn (shown digits: none of a window's
/// middle). Over-redaction is the safe side.
fn redact_windows(run: &str) -> String {
    let mut chars: Vec<char> = run.chars().collect();
    let positions: Vec<usize> = chars.iter().enumerate().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
    let digits: Vec<char> = positions.iter().map(|&i| chars[i]).collect();
    let mut hide = vec![false; digits.len()];
    for len in 12..=19 {
        for start in 0..=digits.len().saturating_sub(len) {
            if start + len > digits.len() {
                break;
            }
            let window: String = digits[start..start + len].iter().collect();
            if luhn_valid(&window) {
                for h in hide.iter_mut().skip(start + 6).take(len - 10) {
                    *h = true;
                }
            }
        }
    }
    for (k, &pos) in positions.iter().enumerate() {
        if hide[k] {
            chars[pos] = '*';
        }
    }
    chars.into_iter().collect()
}

/// In a body that is not JSON (a cut-off answer), masks `"name":"value"` of every secret field name.
fn redact_quoted_fields(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(q) = rest.find('"') {
        out.push_str(&rest[..=q]);
        rest = &rest[q + 1..];
        let Some(end) = rest.find('"') else { break };
        let name = &rest[..end];
        out.push_str(name);
        out.push('"');
        rest = &rest[end + 1..];
        let Some(kind) = wire_secret_kind(name) else { continue };
        let after = rest.trim_start();
        let Some(value) = after.strip_prefix(':') else { continue };
        let value = value.trim_start();
        out.push_str(&rest[..rest.len() - value.len()]);
        if let Some(v) = value.strip_prefix('"') {
            let close = v.find('"').unwrap_or(v.len());
            out.push('"');
            out.push_str(&mask(kind, &v[..close]));
            // The closing quote is the value's: the next quote opens a name again.
            out.push_str(&v[close..(close + 1).min(v.len())]);
            rest = &v[(close + 1).min(v.len())..];
        } else {
            let close = value.find([',', '}', ' ']).unwrap_or(value.len());
            out.push_str(&mask(kind, &value[..close]));
            rest = &value[close..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111") && luhn_valid("4556737586899855") && luhn_valid("79927398713"));
        assert!(!luhn_valid("4111111111111112") && !luhn_valid("9490191412341234") && !luhn_valid(""));
    }

    #[test]
    fn fields_are_redacted_by_name_at_any_depth() {
        let body = json!({"cardNo": "9490191412341234", "cardPw": "47", "birthday": "731205", "amount": "1004",
            "PCD_CUST_KEY": "k", "x": [{"card_taxno": 731205, "kcp_cert_info": "-----BEGIN"}], "card_no": "",
            "PCD_PAY_CARDNUM": "12345678****1234", "signature": "abc", "res_msg": "카드 4111-1111-1111-1111 오류"});
        let r = redact_body(body.to_string().as_bytes(), Some("application/json"));
        assert_eq!(
            r,
            json!({"cardNo": "949019******1234", "cardPw": "***", "birthday": "***", "amount": "1004",
            "PCD_CUST_KEY": "***", "x": [{"card_taxno": "***", "kcp_cert_info": "***"}], "card_no": "",
            "PCD_PAY_CARDNUM": "123456******1234", "signature": "***", "res_msg": "카드 4111-11**-****-1111 오류"})
        );
    }

    #[test]
    fn pattern_masks_luhn_runs_only() {
        assert_eq!(redact_text("no 4556737586899855 here"), "no 455673******9855 here");
        // Digits that fail Luhn stay readable (a timestamp, a short id); one run in ten passes it by chance
        // and is masked too (20180212000000 does): over-redaction is the safe side.
        assert_eq!(redact_text("20180212000001 / 1234567890123"), "20180212000001 / 1234567890123");
        assert_eq!(redact_text("20180212000000"), "20180******000");
        assert_eq!(redact_text("id4556737586899855"), "id455673******9855");
        let glued = redact_text("A4556737586899855123456");
        assert!(glued.starts_with("A455673******") && !glued.contains("4556737586899855"), "{glued}");
        assert_eq!(redact_value(json!(4556737586899855u64)), json!("455673******9855"));
        assert_eq!(redact_text("4111 1111 1111 1111"), "4111 11** **** 1111");
    }

    #[test]
    fn an_answer_keeps_the_gateway_identifiers_and_times() {
        // payup-card-keyin.txt §2.1's own sample answer: its authDateTime passes the Luhn check.
        let answer = json!({"authNumber": "00308225", "authDateTime": "20180212000000",
            "transactionId": "20180212000000ST0000", "cardNo": "9490191412341234", "res_msg": "20180212000000",
            "tno": 20180212000000u64, "PCD_PAY_TIME": "20180212000000", "PCD_PAY_CARDTRADENUM": "20180212000000"});
        let r = redact_answer_body(answer.to_string().as_bytes(), Some("application/json"));
        assert_eq!(
            r,
            json!({"authNumber": "00308225", "authDateTime": "20180212000000",
            "transactionId": "20180212000000ST0000", "cardNo": "949019******1234", "res_msg": "20180******000",
            "tno": 20180212000000u64, "PCD_PAY_TIME": "20180212000000", "PCD_PAY_CARDTRADENUM": "20180212000000"})
        );
        // A request (a cancel's transactionId comes from merchant code) is masked by pattern as before.
        let request = redact_body(br#"{"transactionId": "4556737586899855"}"#, Some("application/json"));
        assert_eq!(request, json!({"transactionId": "455673******9855"}));
        // An identifier's name never shields a nested value.
        let nested = redact_answer_body(br#"{"tno": {"x": "4556737586899855"}}"#, None);
        assert_eq!(nested, json!({"tno": {"x": "455673******9855"}}));
    }

    #[test]
    fn other_bodies() {
        assert_eq!(redact_body(b"", None), Value::Null);
        assert_eq!(
            redact_body(
                b"PCD_PAY_CARDNUM=4111111111111111&PCD_AUTH_KEY=tok&a=b+c",
                Some("application/x-www-form-urlencoded")
            ),
            json!({"PCD_PAY_CARDNUM": "411111******1111", "PCD_AUTH_KEY": "***", "a": "b c"})
        );
        assert_eq!(
            redact_body(br#"{"cardNo": "9490191412341234", "cardPw":"47", "amount": 12"#, None),
            json!(r#"{"cardNo": "949019******1234", "cardPw":"***", "amount": 12"#)
        );
        let html = format!("<html>{}</html>", "x".repeat(5000));
        assert!(redact_body(html.as_bytes(), None).as_str().unwrap().ends_with("(2965 more characters)"));
        assert_eq!(
            redact_url("https://h/p?AuthKey=t&card_no=4111111111111111&a=1"),
            "https://h/p?AuthKey=***&card_no=411111******1111&a=1"
        );
    }
}
