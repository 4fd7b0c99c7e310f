//! Reading request documents (JSON) field by field, and the field rules shared by the gateways.
//!
//! We read JSON by hand instead of deriving `Deserialize` so that (1) every broken field is reported at
//! once with its rule, and (2) no error message can ever echo a value (serde's messages quote the
//! offending value, which may be a card number).

use crate::error::{Error, FieldError};
use crate::schema::{Field, FieldType};
use serde_json::{Map, Value};
use std::cell::RefCell;

// ---- describe mode: the schema recorded from the readers and rules themselves (crate::schema) -----------

thread_local! {
    /// `Some` while [`describe`] runs a request reader: every field read and every rule checked is noted.
    static DESCRIBING: RefCell<Option<Describing>> = const { RefCell::new(None) };
}

struct Describing {
    fields: Vec<Field>,
    /// Only the first document read is the request's own (a nested one, such as a window's `order`, is not).
    docs_opened: usize,
}

/// Notes a field read by the request's own document (created at its first read).
fn note_field(name: &str, ty: FieldType, required: bool) {
    DESCRIBING.with(|d| {
        let mut d = d.borrow_mut();
        let Some(d) = d.as_mut() else { return };
        match d.fields.iter_mut().find(|f| f.name == name) {
            Some(f) => f.required = Some(f.required == Some(true) || required),
            None => d.fields.push(Field::request(name, ty, required)),
        }
    })
}

/// Notes a rule on a field already read (rules on fields of nested documents are not the request's).
fn note_rule(name: &str, rule: impl FnOnce(&mut Field)) {
    DESCRIBING.with(|d| {
        if let Some(f) = d.borrow_mut().as_mut().and_then(|d| d.fields.iter_mut().find(|f| f.name == name)) {
            rule(f);
        }
    })
}

/// Runs `read` (a request reader on an empty document) in describe mode and returns the fields it read, with
/// the rules its checks applied. Optional fields read as present and empty so that their rules run too.
pub fn describe(read: impl FnOnce()) -> Vec<Field> {
    DESCRIBING.with(|d| *d.borrow_mut() = Some(Describing { fields: Vec::new(), docs_opened: 0 }));
    read();
    DESCRIBING.with(|d| d.borrow_mut().take()).map(|d| d.fields).unwrap_or_default()
}

static EMPTY_OBJECT: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// Collects broken fields: the first [`Problems::LISTED`] by name, the rest counted. A document of 100,000
/// unknown keys then costs one pass, not a quadratic de-duplication and a message of megabytes.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>, pub usize);

impl Problems {
    /// How many broken fields an error names; more are counted in its message.
    pub const LISTED: usize = 64;

    pub fn push(&mut self, field: &str, rule: impl Into<String>) {
        if self.has(field) {
            return;
        }
        if self.0.len() < Self::LISTED {
            self.0.push(FieldError { field: field.to_string(), rule: rule.into() });
        } else {
            self.1 += 1;
        }
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|f| f.field == field)
    }
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() { Ok(()) } else { Err(Error::invalid_and_more(self.0, self.1)) }
    }

    /// Runs a request's checks: `invalid` listing every broken field, or Ok.
    pub fn run(check: impl FnOnce(&mut Problems)) -> Result<(), Error> {
        let mut p = Problems::default();
        check(&mut p);
        p.into_result()
    }
}

/// A request document being read.
pub struct Doc<'a> {
    map: &'a Map<String, Value>,
    known: Vec<&'static str>,
    pub problems: Problems,
    /// Describe mode, and this is the request's own document (see [`describe`]).
    recording: bool,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Doc<'a> {
    pub fn new(value: &'a Value) -> Result<Self, Error> {
        match value {
            Value::Object(map) => {
                let recording = DESCRIBING.with(|d| {
                    d.borrow_mut().as_mut().is_some_and(|d| {
                        d.docs_opened += 1;
                        d.docs_opened == 1
                    })
                });
                Ok(Doc { map, known: Vec::with_capacity(16), problems: Problems::default(), recording })
            }
            other => Err(Error::invalid_field("(request)", format!("must be a JSON object, not {}", type_name(other)))),
        }
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        // A request has a dozen fields or so: comparing its keys costs less than hashing `name` (SipHash)
        // for the map's index. Keys are unique either way.
        let v = if self.map.len() <= 16 {
            self.map.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
        } else {
            self.map.get(name)
        };
        v.filter(|v| !v.is_null())
    }

    /// An optional string.
    pub fn opt_str(&mut self, name: &'static str) -> Option<String> {
        if self.recording {
            note_field(name, FieldType::String, false);
            return Some(String::new());
        }
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.problems.push(name, format!("must be a string, not {}", type_name(other)));
                None
            }
        }
    }

    /// A required, non-empty string. Missing → "is required"; the result is "" then.
    pub fn str(&mut self, name: &'static str) -> String {
        if self.recording {
            note_field(name, FieldType::String, true);
            return String::new();
        }
        match self.opt_str(name) {
            Some(s) if !s.is_empty() => s,
            Some(_) => {
                self.problems.push(name, "must not be empty");
                String::new()
            }
            None => {
                self.problems.push(name, "is required");
                String::new()
            }
        }
    }

    /// An optional non-negative integer (amounts are integers of KRW, never strings).
    pub fn opt_u64(&mut self, name: &'static str) -> Option<u64> {
        if self.recording {
            note_field(name, FieldType::Integer, false);
            note_rule(name, |f| f.min = f.min.or(Some(0)));
            return Some(0);
        }
        match self.get(name)? {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            Value::Number(_) => {
                self.problems.push(name, "must be a whole number ≥ 0");
                None
            }
            other => {
                self.problems.push(name, format!("must be an integer, not {}", type_name(other)));
                None
            }
        }
    }

    pub fn u64(&mut self, name: &'static str) -> u64 {
        if self.recording {
            let v = self.opt_u64(name);
            note_field(name, FieldType::Integer, true);
            return v.unwrap_or(0);
        }
        self.opt_u64(name).unwrap_or_else(|| {
            self.problems.push(name, "is required");
            0
        })
    }

    pub fn opt_bool(&mut self, name: &'static str) -> Option<bool> {
        if self.recording {
            note_field(name, FieldType::Boolean, false);
            return Some(false);
        }
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.problems.push(name, format!("must be true or false, not {}", type_name(other)));
                None
            }
        }
    }

    /// An optional object of string values (used for form fields).
    pub fn opt_object(&mut self, name: &'static str) -> Option<&'a Map<String, Value>> {
        if self.recording {
            note_field(name, FieldType::Object, false);
            return Some(&EMPTY_OBJECT);
        }
        match self.get(name)? {
            Value::Object(m) => Some(m),
            other => {
                self.problems.push(name, format!("must be an object, not {}", type_name(other)));
                None
            }
        }
    }

    /// A required object: missing → `rule` (and `None`).
    pub fn object(&mut self, name: &'static str, rule: &str) -> Option<&'a Map<String, Value>> {
        if self.recording {
            note_field(name, FieldType::Object, true);
            return Some(&EMPTY_OBJECT);
        }
        let v = self.opt_object(name);
        if v.is_none() {
            self.problems.push(name, rule);
        }
        v
    }

    /// Finishes reading `r` and runs its checks too, so that one error lists every broken field.
    pub fn finish_with<T>(self, r: T, check: impl FnOnce(&T, &mut Problems)) -> Result<T, Error> {
        let mut p = self.finish();
        check(&r, &mut p);
        p.into_result()?;
        Ok(r)
    }

    /// Reports fields this request does not know (a typo would otherwise be silently ignored).
    pub fn finish(mut self) -> Problems {
        // `push` names the first `Problems::LISTED` and counts the rest: linear in the number of keys.
        for k in self.map.keys().filter(|k| !self.known.contains(&k.as_str())) {
            self.problems.push(k, "is not a field of this request");
        }
        self.problems
    }
}

// ---- rules -------------------------------------------------------------------------------------
//
// Lengths count UTF-8 bytes, not characters. The specs declare UTF-8 (payup-card-keyin.txt §2.0) and give
// lengths without a unit; Korean gateways store these fields in byte-sized columns, so a Korean name
// of 17 syllables (51 bytes) may be refused or cut at the gateway although it has "only" 17 characters.
// Counting bytes can never let through a value the gateway's column cannot hold; the error message
// says "bytes" so a merchant sees why a short Korean name is refused.

/// `bytes` as lowercase hex digits (what `hex::encode` gives), without a `char` iterator.
pub fn lower_hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    lower_hex_into(bytes, &mut out);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// [`lower_hex`] into `out` (two bytes per input byte; a longer `out` keeps its tail), for a caller that
/// keeps the digits on its stack (the sandbox's signature check).
pub fn lower_hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0F)];
    }
}

/// `n` in decimal (what `n.to_string()` gives), written into `buf` without the formatting machinery.
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).expect("decimal digits are ASCII")
}

pub fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn check_bytes(p: &mut Problems, field: &str, value: &str, max: usize) {
    note_rule(field, |f| f.max_bytes = Some(max));
    if value.len() > max {
        p.push(field, format!("must be at most {max} bytes of UTF-8 (a Korean syllable takes 3)"));
    }
}

pub fn check_digits(p: &mut Problems, field: &str, value: &str, min: usize, max: usize) {
    note_rule(field, |f| f.digits = Some([min, max]));
    if !is_digits(value) || value.len() < min || value.len() > max {
        let len = if min == max { format!("{min}") } else { format!("{min}–{max}") };
        p.push(field, format!("must be {len} digits"));
    }
}

/// Values that go into a `|`-joined signature must not contain `|` or white space, which the
/// gateway strips before hashing (payup-card-keyin.txt §2.1.1 "공백제거").
pub fn check_signable(p: &mut Problems, field: &str, value: &str) {
    note_rule(field, |f| f.pattern = f.pattern.take().or(Some(r"^[^|\s]*$".into())));
    let breaks = if value.is_ascii() {
        // The same test byte by byte: ASCII's white space (TAB, LF, VT, FF, CR, SPACE) and controls
        // (0x00–0x1F, DEL) are exactly `< 0x20`, SPACE and 0x7F.
        value.bytes().any(|b| b == b'|' || b < 0x20 || b == b' ' || b == 0x7F)
    } else {
        value.chars().any(|c| c == '|' || c.is_whitespace() || c.is_control())
    };
    if breaks {
        p.push(field, "must not contain '|', white space or control characters (they break the signature)");
    }
}

pub fn check_month(p: &mut Problems, field: &str, value: &str) {
    note_rule(field, |f| f.pattern = Some("^(0[1-9]|1[0-2])$".into()));
    let ok = value.len() == 2 && is_digits(value) && matches!(value.parse::<u8>(), Ok(1..=12));
    if !ok {
        p.push(field, "must be a two-digit month 01–12");
    }
}

pub fn check_email(p: &mut Problems, field: &str, value: &str, max: usize) {
    check_bytes(p, field, value, max);
    note_rule(field, |f| f.pattern = Some(r"^[^@\s]+@[^@\s]+$".into()));
    let at = value.find('@');
    if !matches!(at, Some(i) if i > 0 && i + 1 < value.len()) || value.contains(char::is_whitespace) {
        p.push(field, "must be an e-mail address");
    }
}

pub fn check_url(p: &mut Problems, field: &str, value: &str, max: usize) {
    check_bytes(p, field, value, max);
    note_rule(field, |f| f.pattern = Some(r"^https?://\S+$".into()));
    if !(value.starts_with("https://") || value.starts_with("http://")) || value.contains(char::is_whitespace) {
        p.push(field, "must be an absolute http(s) URL");
    }
}

pub fn check_card_number(p: &mut Problems, field: &str, value: &str, min: usize, max: usize) {
    note_rule(field, |f| f.digits = Some([min, max]));
    if !is_digits(value) || value.len() < min || value.len() > max {
        p.push(field, format!("must be {min}–{max} digits without '-'"));
    }
    // No Luhn check here: the gateway is the authority on card numbers, and the specs' own sample
    // numbers (9490191412341234, 1234567800000000) fail it. The sandbox's issuer applies it.
}

/// An integer within `min..=max`.
pub fn check_range(p: &mut Problems, field: &str, value: u64, min: u64, max: u64, rule: &str) {
    note_rule(field, |f| {
        f.min = Some(min);
        f.max = Some(max);
    });
    if !(min..=max).contains(&value) {
        p.push(field, rule);
    }
}

/// A string that must be one of `values` (absent is allowed: pass `None`).
pub fn check_one_of(p: &mut Problems, field: &str, value: Option<&str>, values: &[&str], rule: &str) {
    note_rule(field, |f| f.one_of = Some(values.iter().map(|v| v.to_string()).collect()));
    if let Some(v) = value
        && !values.contains(&v)
    {
        p.push(field, rule);
    }
}

/// A string that must match `pattern` (a regular expression, for the schema), checked by `ok`.
pub fn check_pattern(p: &mut Problems, field: &str, ok: bool, pattern: &str, rule: &str) {
    note_rule(field, |f| f.pattern = Some(pattern.to_string()));
    if !ok {
        p.push(field, rule);
    }
}

pub fn yn(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

/// A response value that should be a string but may arrive as a number (or be absent): borrowed from
/// the body when it can be.
#[derive(Debug, Default)]
pub struct Loose<'a>(Option<std::borrow::Cow<'a, str>>);

impl Loose<'_> {
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }

    /// An amount: `Some(None)` when absent or empty, `None` when present but not a whole number.
    pub fn amount(&self) -> Option<Option<u64>> {
        match self.as_str().trim() {
            "" => Some(None),
            s => s.parse().ok().map(Some),
        }
    }
}

impl Loose<'_> {
    /// The value as an owned string ("" when absent), moved out when it was already owned.
    pub fn into_string(self) -> String {
        match self.0 {
            Some(std::borrow::Cow::Owned(s)) => s,
            Some(std::borrow::Cow::Borrowed(s)) => s.to_owned(),
            None => String::new(),
        }
    }
}

impl std::fmt::Display for Loose<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Loose<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use std::borrow::Cow;
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Loose<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads a gateway response value that should be a string but may be a number (Payple prints both).
pub fn loose_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a gateway amount sent as a number or a digit string.
pub fn loose_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn lower_hex_and_decimal_write_what_hex_and_to_string_write() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&bytes), hex::encode(&bytes));
        assert_eq!(lower_hex(&[]), "");
        let mut buf = [0u8; 20];
        for n in [0, 1, 9, 10, 99, 100, 1004, 999_999_999_999, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }

    #[test]
    fn check_signable_judges_ascii_and_other_text_alike() {
        // Every ASCII character alone, and with a non-ASCII one beside it (the `char` path): one verdict.
        for b in 0u8..0x80 {
            let ascii = format!("a{}b", b as char);
            let other = format!("가{}b", b as char);
            let (mut p, mut q) = (Problems::default(), Problems::default());
            check_signable(&mut p, "f", &ascii);
            check_signable(&mut q, "f", &other);
            let expected = b == b'|' || (b as char).is_whitespace() || (b as char).is_control();
            assert_eq!(!p.0.is_empty(), expected, "byte {b:#04x}");
            assert_eq!(!q.0.is_empty(), expected, "byte {b:#04x} beside a Korean syllable");
        }
        for s in ["가나다", "a\u{3000}b", "a\u{85}b", "a\u{a0}b"] {
            let mut p = Problems::default();
            check_signable(&mut p, "f", s);
            assert_eq!(!p.0.is_empty(), s.chars().any(|c| c.is_whitespace() || c.is_control()), "{s:?}");
        }
    }
    use super::*;

    #[test]
    fn errors_never_quote_values() {
        let v = serde_json::json!({"a": 4111111111111111u64, "b": "x"});
        let mut d = Doc::new(&v).unwrap();
        let _ = d.str("a");
        let p = d.finish();
        let text = format!("{:?}", p.0);
        assert!(!text.contains("4111"), "{text}");
        assert_eq!(p.0[0].rule, "must be a string, not a number");
        assert_eq!(p.0[1].field, "b");
    }

    #[test]
    fn a_document_of_many_unknown_keys_is_one_error_naming_the_first_and_counting_the_rest() {
        let mut v = serde_json::Map::new();
        for i in 0..100_000 {
            v.insert(format!("extra_{i}"), serde_json::json!(i));
        }
        let v = Value::Object(v);
        let mut d = Doc::new(&v).unwrap();
        let _ = d.str("a");
        let e = d.finish().into_result().unwrap_err();
        assert_eq!(e.fields.len(), Problems::LISTED);
        assert_eq!(e.field.as_deref(), Some("a"));
        assert!(e.message().ends_with(&format!("and {} more", 100_000 + 1 - Problems::LISTED)), "{}", e.message());
        assert!(e.message().len() < 4096);
    }
}
