//! Plain HTTP values: what core prepares for the transport to send, and what it parses back.

use crate::codes::Gateway;

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A path and query, relative to the gateway's configured base URL.
    Path(String),
    /// An absolute URL handed out by the gateway itself (Payple's second step). The transport must
    /// refuse it unless it is on the configured gateway host.
    Url(String),
}

/// A request ready to send. The body holds secrets on the wire: this type's `Debug` omits it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The gateway this request is for.
    pub gateway: Gateway,
    /// The HTTP method (`POST`).
    pub method: &'static str,
    /// Where to send it: a path under the gateway's base URL, or a URL the gateway gave.
    pub target: Target,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Writes a JSON object straight into bytes, fields in the order they are added (the spec tables'
/// order): the hot approval paths skip building a `serde_json::Value` first.
pub(crate) struct JsonBody {
    buf: Vec<u8>,
}

impl JsonBody {
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(640);
        buf.push(b'{');
        JsonBody { buf }
    }

    /// A key: one of the gateway's field names, written by this crate's code (plain ASCII names that
    /// need no escaping, so they are copied as they are: the bytes `serde_json` writes for them).
    fn key(&mut self, k: &str) {
        debug_assert!(!needs_escape(k.as_bytes()), "a request field name needs no escaping");
        let open: &[u8] = if self.buf.len() > 1 { b",\"" } else { b"\"" };
        self.buf.extend_from_slice(open);
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    /// `s` as a JSON string, the bytes `serde_json` writes: a string with nothing to escape (no control
    /// character, quote or backslash; serde_json leaves every other character as it is) is copied as it is.
    fn string(&mut self, s: &str) {
        if !needs_escape(s.as_bytes()) {
            self.buf.reserve(s.len() + 2);
            self.buf.push(b'"');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.push(b'"');
        } else {
            serde_json::to_writer(&mut self.buf, s).expect("writing a string to a Vec cannot fail");
        }
    }

    /// A string field.
    pub fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.string(v);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(b'}');
        self.buf
    }
}

/// Whether `s` holds a byte JSON escapes: a control character (< 0x20), a quote or a backslash. Eight
/// bytes at a time: a request body is a few hundred bytes, nearly all of which need nothing.
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The classic tests "some byte of x is below n" and "some byte of x is zero" (exact for existence).
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if below(x, 0x20) || below(x ^ (ONES * u64::from(b'"')), 1) || below(x ^ (ONES * u64::from(b'\\')), 1) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

impl HttpRequest {
    pub(crate) fn post_json(gateway: Gateway, target: Target, body: &serde_json::Value) -> Self {
        Self::post_json_bytes(gateway, target, serde_json::to_vec(body).expect("a JSON value always serializes"))
    }

    pub(crate) fn post_json_bytes(gateway: Gateway, target: Target, body: Vec<u8>) -> Self {
        HttpRequest {
            gateway,
            method: "POST",
            target,
            headers: vec![("Content-Type".into(), "application/json; charset=utf-8".into())],
            body,
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (for tests and the shared vectors).
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("gateway", &self.gateway)
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes, not shown>", self.body.len()))
            .finish()
    }
}

/// A response as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with `status` and `body`, no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::JsonBody;

    #[test]
    fn a_json_body_holds_the_bytes_serde_json_writes() {
        // Every ASCII character at every place of an 8-byte block and of the tail after one.
        let mut samples: Vec<String> = Vec::new();
        for b in 0u8..0x80 {
            for at in 0..20 {
                samples.push(format!("{}{}{}", "a".repeat(at), b as char, "가".repeat(3)));
            }
        }
        samples.extend(["", "TEST 상품", "최용수", "\u{7f}", "\u{2028}", "\"\\", "a\u{0}b"].map(String::from));
        for s in &samples {
            let mut b = JsonBody::new();
            b.str("k", s);
            let expected = serde_json::to_vec(&serde_json::json!({ "k": s })).unwrap();
            assert_eq!(b.finish(), expected, "{s:?}");
        }
    }
}
