//! The one reader of request fields, for the three gateways whose bodies are field lists (Payup, Payple,
//! NHN KCP). What differs between them is a [`Dialect`]: whether every value must be a JSON string, and
//! how a missing or malformed field is answered.

use serde_json::{Map, Value};

use crate::http::Response;
use crate::state::Warning;
use crate::util;

/// How one gateway reads its fields and answers a bad one.
pub(crate) struct Dialect {
    /// Every value must be a JSON string, read as sent (Payup, KCP); else (Payple) numbers and booleans are
    /// read as their text, strings are trimmed, and anything else reads as empty.
    pub strings_only: bool,
    /// The body is not a JSON object (or form).
    pub not_an_object: fn() -> Response,
    /// A required field is absent or empty: the field's name.
    pub missing: fn(&str) -> Response,
    /// A field breaks a rule: the field's name and the rule (a gateway may not say it).
    pub invalid: fn(&str, &str) -> Response,
}

/// The rule named when `strings_only` refuses a value.
const NOT_A_STRING: &str = "문자열이어야 합니다";

/// A request's fields: each value with its JSON type, and as text.
pub(crate) struct Fields {
    dialect: &'static Dialect,
    raw: Map<String, Value>,
    /// The values as text, in the body's order: a body has a dozen or two fields and a handler looks up
    /// ~40 times, so a scan of short keys beats hashing each lookup with SipHash (~5% of a keyin
    /// approval's instructions under callgrind).
    text: Vec<(String, String)>,
}

impl Fields {
    /// A JSON object body.
    pub fn json(body: &[u8], dialect: &'static Dialect) -> Result<Fields, Response> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(raw)) => Fields::new(raw, dialect),
            _ => Err((dialect.not_an_object)()),
        }
    }

    /// An `application/x-www-form-urlencoded` body (first value wins).
    pub fn form(body: &[u8], dialect: &'static Dialect) -> Result<Fields, Response> {
        let mut raw = Map::new();
        for (k, v) in util::parse_form(body, None) {
            raw.entry(k).or_insert(Value::String(v));
        }
        Fields::new(raw, dialect)
    }

    fn new(raw: Map<String, Value>, dialect: &'static Dialect) -> Result<Fields, Response> {
        let mut text = Vec::with_capacity(raw.len());
        for (k, v) in &raw {
            let t = match v {
                Value::String(s) if dialect.strings_only => s.clone(),
                _ if dialect.strings_only => return Err((dialect.invalid)(k, NOT_A_STRING)),
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            text.push((k.clone(), t));
        }
        Ok(Fields { dialect, raw, text })
    }

    /// The value as text, when present and non-empty.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.text.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str()).filter(|s| !s.is_empty())
    }

    /// The value as text ("" when absent or empty).
    pub fn s(&self, k: &str) -> &str {
        self.get(k).unwrap_or("")
    }

    /// Present and non-empty.
    pub fn has(&self, k: &str) -> bool {
        self.get(k).is_some()
    }

    /// Sent at all, even empty.
    pub fn sent(&self, k: &str) -> bool {
        self.raw.contains_key(k)
    }

    /// The value with its JSON type (echoed fields such as Payple's PCD_PAYER_NO keep their type).
    pub fn raw(&self, k: &str) -> Value {
        self.raw.get(k).cloned().unwrap_or(Value::String(String::new()))
    }

    /// Each of `names` present and non-empty.
    pub fn require(&self, names: &[&str]) -> Result<(), Response> {
        match names.iter().find(|n| !self.has(n)) {
            Some(n) => Err((self.dialect.missing)(n)),
            None => Ok(()),
        }
    }

    /// When present and non-empty, `ok` must hold (else the dialect's answer naming the field and `rule`).
    pub fn rule(&self, k: &str, rule: &str, ok: impl Fn(&str) -> bool) -> Result<(), Response> {
        match self.get(k) {
            Some(v) if !ok(v) => Err((self.dialect.invalid)(k, rule)),
            _ => Ok(()),
        }
    }

    /// [`Fields::rule`] for a gateway that does not say the rule.
    pub fn check(&self, k: &str, ok: impl Fn(&str) -> bool) -> Result<(), Response> {
        self.rule(k, "", ok)
    }

    /// A whole number above zero.
    pub fn amount(&self, k: &str) -> Result<u64, Response> {
        let v = self.s(k);
        match v.parse::<u64>() {
            Ok(n) if util::all_digits(v) && n > 0 => Ok(n),
            _ => Err((self.dialect.invalid)(k, "")),
        }
    }
}

/// A deviation from the spec that the real gateway accepts (README "Warnings"): recorded in `warnings`, or,
/// when `strict`, refused with `refusal` (the gateway's code for breaking that rule). A warning names the
/// field, never its value, so no card number, password, birth date or key can reach one.
pub(crate) fn deviate(
    strict: bool,
    warnings: &mut Vec<Warning>,
    rule: &str,
    field: &str,
    evidence: &str,
    refusal: impl FnOnce() -> Response,
) -> Result<(), Response> {
    if strict {
        return Err(refusal());
    }
    warnings.push(Warning { rule: rule.into(), field: field.into(), evidence: evidence.into() });
    Ok(())
}

/// At most `n` bytes.
pub(crate) fn max_bytes(n: usize) -> impl Fn(&str) -> bool {
    move |s: &str| s.len() <= n
}

/// Digits only, at most `n` of them.
pub(crate) fn digits_max(n: usize) -> impl Fn(&str) -> bool {
    move |s: &str| util::all_digits(s) && s.len() <= n
}

/// Exactly `n` digits.
pub(crate) fn digits_exact(n: usize) -> impl Fn(&str) -> bool {
    move |s: &str| util::all_digits(s) && s.len() == n
}

/// A date of birth (6 digits) or a business number (10 digits).
pub(crate) fn birth_or_business(s: &str) -> bool {
    util::all_digits(s) && (s.len() == 6 || s.len() == 10)
}

/// A card number: 11 to 20 digits.
pub(crate) fn card_number(s: &str) -> bool {
    util::all_digits(s) && (11..=20).contains(&s.len())
}

/// A month `01`..`12`.
pub(crate) fn month(s: &str) -> bool {
    digits_exact(2)(s) && matches!(s.parse::<u32>(), Ok(1..=12))
}

/// Return the answer of a handler step that refused the request.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}
pub(crate) use tri;

#[cfg(test)]
mod tests {
    use super::*;

    fn name(k: &str) -> Response {
        Response::error(400, k)
    }
    fn named(k: &str, rule: &str) -> Response {
        Response::error(400, &format!("{k}|{rule}"))
    }
    fn not_object() -> Response {
        Response::error(400, "not an object")
    }
    static STRICT: Dialect = Dialect { strings_only: true, not_an_object: not_object, missing: name, invalid: named };
    static LENIENT: Dialect = Dialect { strings_only: false, not_an_object: not_object, missing: name, invalid: named };

    fn body(r: Response) -> String {
        String::from_utf8(r.body).unwrap()
    }

    #[test]
    fn strict_and_lenient() {
        let doc = br#"{"a":" x ","n":12,"e":""}"#;
        let e = Fields::json(doc, &STRICT).err().unwrap();
        assert!(body(e).contains("n|문자열이어야 합니다"));
        let f = Fields::json(doc, &LENIENT).ok().unwrap();
        assert_eq!((f.s("a"), f.s("n"), f.get("e"), f.sent("e"), f.has("zz")), ("x", "12", None, true, false));
        assert_eq!(f.raw("n"), serde_json::json!(12));
        assert!(body(f.require(&["a", "e"]).err().unwrap()).contains('e'));
        assert!(f.rule("n", "r", |s| s.len() == 2).is_ok());
        assert!(body(f.rule("a", "r", |s| s.len() == 2).err().unwrap()).contains("a|r"));
        assert_eq!(f.amount("n").ok(), Some(12));
        assert!(f.amount("a").is_err());
        let f = Fields::json(br#"{"a":" x "}"#, &STRICT).ok().unwrap();
        assert_eq!(f.s("a"), " x ");
        assert!(Fields::json(b"[]", &STRICT).is_err());
        assert_eq!(Fields::form(b"a=1&a=2", &LENIENT).ok().unwrap().s("a"), "1");
    }
}
