//! Raw HTTP helpers for the sandbox tests: std TcpStream, no payup-core encoders or signers.
#![allow(dead_code)]

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub use payup_sandbox::{Sandbox, SandboxConfig};

pub const MID: &str = "tester";
pub const KEY: &str = "25bcd7a82f5b4058818462cc7715964c";
pub const OK_CARD: &str = "4111111111111111";
pub const DECLINE_CARD: &str = "4000000000000002";
pub const BAD_CARD: &str = "4111111111111112";

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str())
    }
}

fn host_of(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// One request on a fresh connection (`Connection: close`).
pub fn try_request(
    base: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> std::io::Result<Resp> {
    let host = host_of(base);
    let mut s = TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !content_type.is_empty() {
        head += &format!("Content-Type: {content_type}\r\n");
    }
    for (k, v) in extra {
        head += &format!("{k}: {v}\r\n");
    }
    head += "\r\n";
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    if raw.is_empty() {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed with no response"));
    }
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> std::io::Result<Resp> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no header end"))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(raw.len() - end - 4);
    Ok(Resp { status, headers, body: raw[end + 4..end + 4 + len].to_vec() })
}

pub fn request(base: &str, method: &str, path: &str, content_type: &str, body: &[u8], extra: &[(&str, &str)]) -> Resp {
    try_request(base, method, path, content_type, body, extra).expect("request failed")
}

pub fn get(base: &str, path: &str) -> Resp {
    request(base, "GET", path, "", b"", &[])
}

pub fn post_json(base: &str, path: &str, body: &Value) -> Value {
    post_json_h(base, path, body, &[])
}

pub fn post_json_h(base: &str, path: &str, body: &Value, extra: &[(&str, &str)]) -> Value {
    let r = request(base, "POST", path, "application/json; charset=utf-8", body.to_string().as_bytes(), extra);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

pub fn post_form(base: &str, path: &str, body: &[u8], content_type: &str) -> Resp {
    request(base, "POST", path, content_type, body, &[])
}

pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", pct(k.as_bytes()), pct(v.as_bytes()))).collect::<Vec<_>>().join("&")
}

pub fn pct(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.*".contains(b) {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// (action, hidden fields) of every `<form>` in a page (the sandbox writes attributes in double quotes).
pub fn forms(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<form") {
        let f = &rest[i..];
        let end = f.find("</form>").unwrap_or(f.len());
        let body = &f[..end];
        let action = attr(body, "action").unwrap_or_default();
        let mut fields = Vec::new();
        let mut r = body;
        while let Some(j) = r.find("<input") {
            let tag_end = r[j..].find('>').unwrap() + j;
            let tag = &r[j..tag_end];
            if let Some(n) = attr(tag, "name") {
                fields.push((n, attr(tag, "value").unwrap_or_default()));
            }
            r = &r[tag_end..];
        }
        out.push((action, fields));
        rest = &f[end..];
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(html_unescape(&tag[i..j]))
}

pub fn field<'a>(fields: &'a [(String, String)], k: &str) -> &'a str {
    fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no field {k}"))
}

pub fn ledger(base: &str) -> Value {
    get(base, "/__sandbox/transactions").json()
}

pub fn tx<'a>(ledger: &'a Value, id: &str) -> &'a Value {
    ledger["transactions"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap_or_else(|| panic!("no tx {id}"))
}

pub fn now_ts() -> String {
    // KST timestamp in the YYYYMMDDHHMMSS form the Payup requests carry (any 14 digits pass).
    "20240101120000".to_string()
}

/// A Payup keyin approval body signed with the sandbox identity.
pub fn keyin_body(order: &str, card: &str, amount: &str) -> Value {
    let ts = now_ts();
    let sig = sha256_hex(&format!("{MID}|{order}|{amount}|{KEY}|{ts}"));
    serde_json::json!({
        "orderNumber": order, "cardNo": card, "expireMonth": "05", "expireYear": "29",
        "birthday": "890302", "cardPw": "00", "amount": amount, "quota": "0",
        "itemName": "TEST 상품", "userName": "최용수", "signature": sig, "timestamp": ts,
    })
}

pub fn approve_keyin(base: &str, order: &str, amount: &str) -> String {
    let r = post_json(base, &format!("/v2/api/payment/{MID}/keyin2"), &keyin_body(order, OK_CARD, amount));
    assert_eq!(r["responseCode"], "0000", "{r}");
    r["transactionId"].as_str().unwrap().to_string()
}

pub fn cancel_sig(tid: &str) -> String {
    sha256_hex(&format!("{MID}|{tid}|{KEY}"))
}
