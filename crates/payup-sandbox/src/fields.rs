//! The one reader of request fields, for the three gateways whose bodies are field lists (Payup, Payple,
//! NHN KCP). What differs between them is a [`Dialect`]: whether every value must be a JSON string, and
//! how a missing or malformed field is answered.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

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

/// A request's fields in the body's order: each value as text, and with its JSON type.
///
/// Read straight from the body: names and string values borrow the body's bytes unless they hold an
/// escape. Parsing into a `serde_json::Value` built an `IndexMap` (SipHash; payup-core turns on
/// serde_json's `preserve_order`) and a `String` per name and value, then copied them again as text:
/// ~30% of a keyin approval's instructions under callgrind (bench/README.md, "Sandbox tail latency",
/// 3.). A body has a dozen or two fields and a handler looks up ~40 times: a scan of short keys beats
/// hashing each lookup.
pub(crate) struct Fields<'a> {
    dialect: &'static Dialect,
    /// Each name and its value in the body's order; a repeated name keeps its first place and its last
    /// value, as `serde_json::Map` (an `IndexMap` with `preserve_order`) does.
    fields: Vec<(Cow<'a, str>, Raw<'a>)>,
}

/// A value as sent.
enum Raw<'a> {
    /// A string, borrowed from the body unless it held an escape.
    Str(Cow<'a, str>),
    /// Anything else, as `serde_json::Value` builds it, and its text (a number's or a boolean's; ""
    /// for anything else). Boxed: rare, and it keeps a field small (the fields of a body fit one
    /// small allocation).
    Other(Box<(Value, String)>),
}

impl<'a> Raw<'a> {
    fn other(v: Value) -> Raw<'a> {
        let text = match &v {
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        };
        Raw::Other(Box::new((v, text)))
    }
}

/// A top-level JSON object read as (name, value) pairs.
struct Pairs<'a>(Vec<(Cow<'a, str>, Raw<'a>)>);

/// A string that borrows the body when it holds no escape.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// One value: a string (borrowed when it can be), or any other JSON value built as `serde_json::Value`
/// builds it.
impl<'de> Deserialize<'de> for Raw<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Raw<'de>, E> {
                Ok(Raw::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Raw<'de>, E> {
                Ok(Raw::Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Raw<'de>, E> {
                Ok(Raw::Str(Cow::Owned(s)))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Raw<'de>, E> {
                Ok(Raw::other(Value::Bool(b)))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Raw<'de>, E> {
                Ok(Raw::other(Value::Number(n.into())))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Raw<'de>, E> {
                Ok(Raw::other(Value::Number(n.into())))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Raw<'de>, E> {
                // As serde_json's own Value visitor.
                Ok(Raw::other(Number::from_f64(n).map_or(Value::Null, Value::Number)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Raw<'de>, E> {
                Ok(Raw::other(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Raw<'de>, E> {
                Ok(Raw::other(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Raw<'de>, A::Error> {
                Value::deserialize(SeqAccessDeserializer::new(seq)).map(Raw::other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Raw<'de>, A::Error> {
                Value::deserialize(MapAccessDeserializer::new(map)).map(Raw::other)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut pairs: Vec<(Cow<'de, str>, Raw<'de>)> = Vec::with_capacity(16);
                while let Some(Text(k)) = map.next_key::<Text<'de>>()? {
                    let v: Raw<'de> = map.next_value()?;
                    match pairs.iter_mut().find(|(name, _)| *name == k) {
                        Some(slot) => slot.1 = v,
                        None => pairs.push((k, v)),
                    }
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> Fields<'a> {
    /// A JSON object body.
    pub fn json(body: &'a [u8], dialect: &'static Dialect) -> Result<Fields<'a>, Response> {
        match serde_json::from_slice::<Pairs<'a>>(body) {
            Ok(Pairs(fields)) => Fields::new(fields, dialect),
            _ => Err((dialect.not_an_object)()),
        }
    }

    /// An `application/x-www-form-urlencoded` body (first value wins).
    pub fn form(body: &[u8], dialect: &'static Dialect) -> Result<Fields<'a>, Response> {
        let mut fields: Vec<(Cow<'a, str>, Raw<'a>)> = Vec::new();
        for (k, v) in util::parse_form(body, None) {
            if !fields.iter().any(|(name, _)| *name == k) {
                fields.push((Cow::Owned(k), Raw::Str(Cow::Owned(v))));
            }
        }
        Fields::new(fields, dialect)
    }

    fn new(fields: Vec<(Cow<'a, str>, Raw<'a>)>, dialect: &'static Dialect) -> Result<Fields<'a>, Response> {
        if dialect.strings_only
            && let Some((k, _)) = fields.iter().find(|(_, v)| matches!(v, Raw::Other(_)))
        {
            return Err((dialect.invalid)(k, NOT_A_STRING));
        }
        Ok(Fields { dialect, fields })
    }

    fn value(&self, k: &str) -> Option<&Raw<'a>> {
        // Length and first byte before the whole comparison: most names differ there, and `==` on
        // strings of one length calls `memcmp` (2.5% of the sandbox's CPU under wrk in `perf record`;
        // callgrind: −580 instructions per keyin approval).
        let k = k.as_bytes();
        self.fields
            .iter()
            .find(|(name, _)| {
                let n = name.as_bytes();
                n.len() == k.len() && n.first() == k.first() && n == k
            })
            .map(|(_, v)| v)
    }

    /// The value as text, when present and non-empty.
    pub fn get(&self, k: &str) -> Option<&str> {
        let text = match self.value(k)? {
            Raw::Str(s) if self.dialect.strings_only => s,
            Raw::Str(s) => s.trim(),
            Raw::Other(o) => o.1.as_str(),
        };
        Some(text).filter(|s| !s.is_empty())
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
        self.value(k).is_some()
    }

    /// The value with its JSON type (echoed fields such as Payple's PCD_PAYER_NO keep their type).
    pub fn raw(&self, k: &str) -> Value {
        match self.value(k) {
            Some(Raw::Str(s)) => Value::String(s.to_string()),
            Some(Raw::Other(o)) => o.0.clone(),
            None => Value::String(String::new()),
        }
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

    /// What `serde_json::Value` (an `IndexMap` with `preserve_order`) made of the same bodies: a repeated
    /// name keeps its first place and its last value; escapes decoded; any value kept with its type.
    #[test]
    fn reads_bodies_as_serde_json_value_did() {
        let doc = br#"{"a":"1","b":{"x":[1,2.5,null]},"a":" \u0041\n\"q\" ","c":true,"d":null,"e\u0031":-3,"f":1e2}"#;
        let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
        let f = Fields::json(doc, &LENIENT).ok().unwrap();
        let names: Vec<&str> = f.fields.iter().map(|(k, _)| &**k).collect();
        let expected: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(names, expected);
        for k in &expected {
            assert_eq!(f.raw(k), v[*k], "{k}");
        }
        assert_eq!(
            (f.s("a"), f.s("c"), f.s("e1"), f.s("f"), f.get("b"), f.get("d")),
            ("A\n\"q\"", "true", "-3", "100.0", None, None)
        );
        assert!(f.sent("d") && !f.sent("zz"));
        // Strict: the first value in the body's order that is not a string is the one named.
        let e = Fields::json(br#"{"a":"x","n":{"k":1},"m":2}"#, &STRICT).err().unwrap();
        assert!(body(e).contains("n|"));
        // A repeated name's last value decides.
        assert!(Fields::json(br#"{"a":1,"a":"x"}"#, &STRICT).is_ok());
        for bad in [&b""[..], b"[]", b"\"a\"", b"1", b"null", b"{\"a\":\"x\"} 1", b"{\"a\":\"\xff\"}", b"{\"a\"}"] {
            assert!(Fields::json(bad, &LENIENT).is_err(), "{bad:?}");
        }
        assert!(Fields::json(b" {\"a\":\"x\"}\n", &STRICT).is_ok());
    }
}
