//! The person at the payment window, simulated over HTTP: what a browser would send to the sandbox's
//! window stand-ins, for `payup demo` and for tests (ours and merchants') that have no browser.
//!
//! Each function follows the real pages: it reads the form the merchant rendered (so a wrong form
//! fails here as it would in a browser), posts it, "clicks" a button, and returns exactly the fields
//! the browser would then post to the merchant.

use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// What the person does in the KakaoPay window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KakaoChoice {
    /// Pays with the KakaoPay-registered card.
    Card,
    /// Pays with KakaoPay money.
    Money,
    /// Closes the window (KCP `res_cd` 3001).
    Cancel,
    /// Pays with a KakaoPay card that the issuer declines: the window answers `res_cd` 0000, the approval
    /// (`/pay`) 9101.
    Decline,
}

impl KakaoChoice {
    fn as_str(self) -> &'static str {
        match self {
            KakaoChoice::Card => "card",
            KakaoChoice::Money => "money",
            KakaoChoice::Cancel => "cancel",
            KakaoChoice::Decline => "decline",
        }
    }
}

/// A minimal HTTP/1.1 POST to a loopback URL (the sandbox); returns (status, body).
pub fn post(url: &str, content_type: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
    request("POST", url, content_type, body)
}

/// A minimal HTTP/1.1 request to a loopback URL (the sandbox); returns (status, body).
pub fn request(method: &str, url: &str, content_type: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let rest = url.strip_prefix("http://").ok_or("the person only talks to the sandbox over http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut s = TcpStream::connect(authority).map_err(|e| format!("connect {authority}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nUser-Agent: Mozilla/5.0 (Linux; Android 14) payup-person\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|_| s.write_all(body)).map_err(|e| format!("send: {e}"))?;
    let mut r = BufReader::new(s);
    let mut status_line = String::new();
    r.read_line(&mut status_line).map_err(|e| format!("read: {e}"))?;
    let status: u16 = status_line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("bad status line")?;
    let mut len: Option<usize> = None;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
        if line.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok();
        }
    }
    let mut body = Vec::new();
    match len {
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body).map_err(|e| format!("read body: {e}"))?;
        }
        None => {
            r.read_to_end(&mut body).map_err(|e| format!("read body: {e}"))?;
        }
    }
    Ok((status, body))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The first `<form>` of a page with `id` or `name` (or the first form at all): its action and its
/// `<input>` fields, in order.
pub fn form_fields(html: &str, form_selector: Option<&str>) -> Option<(String, Vec<(String, String)>)> {
    let mut at = 0;
    while let Some(i) = html[at..].find("<form") {
        let start = at + i;
        let tag_end = html[start..].find('>')? + start;
        let end = html[tag_end..].find("</form>").map(|j| tag_end + j).unwrap_or(html.len());
        let tag = &html[start..=tag_end];
        let matches = form_selector
            .is_none_or(|sel| attr(tag, "name").as_deref() == Some(sel) || attr(tag, "id").as_deref() == Some(sel));
        if matches {
            let action = attr(tag, "action").unwrap_or_default();
            let mut fields = Vec::new();
            let body = &html[tag_end..end];
            let mut p = 0;
            while let Some(j) = body[p..].find("<input") {
                let s = p + j;
                let e = body[s..].find('>').map(|k| s + k).unwrap_or(body.len() - 1);
                let input = &body[s..=e];
                if let Some(name) = attr(input, "name") {
                    fields.push((name, attr(input, "value").unwrap_or_default()));
                }
                p = e + 1;
            }
            return Some((action, fields));
        }
        at = end;
    }
    None
}

fn urlencode(fields: &[(String, String)], euc_kr: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        for (j, part) in [k, v].into_iter().enumerate() {
            if j == 1 {
                out.push(b'=');
            }
            let bytes = if euc_kr { encoding_rs::EUC_KR.encode(part).0.into_owned() } else { part.as_bytes().to_vec() };
            for b in bytes {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b),
                    b' ' => out.push(b'+'),
                    _ => out.extend_from_slice(format!("%{b:02X}").as_bytes()),
                }
            }
        }
    }
    out
}

fn absolute(base: &str, action: &str) -> String {
    if action.starts_with("http://") || action.starts_with("https://") {
        action.to_string()
    } else {
        format!("{base}{action}")
    }
}

/// KakaoPay's mobile (WM) window: submits the merchant's window page (the `payup.kakaopay.window` HTML)
/// to `pay_url` as the browser would (EUC-KR, as its `accept-charset` asks), chooses, and returns the
/// fields the window then posts to the merchant's `Ret_URL`, with that URL.
pub fn kakaopay_mobile(window_html: &str, choice: KakaoChoice) -> Result<(String, Vec<(String, String)>), String> {
    let (pay_url, fields) =
        form_fields(window_html, Some("form")).ok_or("the window page has no form named \"form\"")?;
    let base = pay_url.split('/').take(3).collect::<Vec<_>>().join("/");
    let (status, page) =
        post(&pay_url, "application/x-www-form-urlencoded; charset=euc-kr", &urlencode(&fields, true))?;
    let page = String::from_utf8_lossy(&page);
    if status != 200 {
        return Err(format!("the window answered HTTP {status}: {page}"));
    }
    let button = format!("choose-{}", choice.as_str());
    let (action, choose) = page
        .split("<form")
        .skip(1)
        .map(|f| format!("<form{f}"))
        .find(|f| f.contains(&format!("id=\"{button}\"")))
        .and_then(|f| form_fields(&f, None))
        .ok_or_else(|| format!("the window page has no {button} button"))?;
    let (status, done) =
        post(&absolute(&base, &action), "application/x-www-form-urlencoded", &urlencode(&choose, false))?;
    let done = String::from_utf8_lossy(&done);
    if status != 200 {
        return Err(format!("the window answered HTTP {status}"));
    }
    form_fields(&done, None).ok_or_else(|| "the window did not post back to the merchant".to_string())
}

/// KakaoPay's PC (WP) window: what the `payplus_web.jsp` stand-in does after the person's choice; returns
/// the result fields that `m_Completepayment` receives.
pub fn kakaopay_pc(sandbox_base: &str, ordr_idxx: &str, choice: KakaoChoice) -> Result<Map<String, Value>, String> {
    let body = json!({"ordr_idxx": ordr_idxx, "choice": choice.as_str()}).to_string();
    let (_, out) = post(&format!("{sandbox_base}/kcp/plugin/choose"), "application/json", body.as_bytes())?;
    match serde_json::from_slice(&out) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err("the window script got no JSON".into()),
    }
}

/// A card the person types into Payple's window.
#[derive(Clone, Debug)]
pub struct PaypleCard {
    /// The card number typed in the window.
    pub card_no: String,
    /// MMYY, as typed.
    pub expiry_mmyy: String,
    /// The birth date typed (YYMMDD).
    pub birth: String,
    /// The first 2 digits of the card password.
    pub pw2: String,
}

impl Default for PaypleCard {
    fn default() -> Self {
        PaypleCard {
            card_no: "4111111111111111".into(),
            expiry_mmyy: "1230".into(),
            birth: "890302".into(),
            pw2: "12".into(),
        }
    }
}

/// Payple's window (`PaypleCpayAuthCheck(obj)`): given the partner-auth answer the merchant's
/// `payple_auth_file` returned (the `payple.auth` result document) and the `obj.PCD_*` fields, pays with
/// `card` and returns the result fields the merchant receives (by `PCD_RST_URL` or `callbackFunction`).
pub fn payple_window(auth: &Value, obj: &Map<String, Value>, card: &PaypleCard) -> Result<Map<String, Value>, String> {
    let s = |k: &str| auth[k].as_str().unwrap_or_default().to_string();
    let mut body: Map<String, Value> =
        obj.iter().filter(|(k, _)| k.starts_with("PCD_")).map(|(k, v)| (k.clone(), v.clone())).collect();
    body.insert("PCD_AUTH_KEY".into(), json!(s("auth_key")));
    body.insert("PCD_CST_ID".into(), json!(s("cst_id")));
    body.insert("PCD_CUST_KEY".into(), json!(s("cust_key")));
    body.insert("card_no".into(), json!(card.card_no));
    body.insert("card_expiry".into(), json!(card.expiry_mmyy));
    body.insert("card_birth".into(), json!(card.birth));
    body.insert("card_pw".into(), json!(card.pw2));
    let (_, out) = post(&s("return_url"), "application/json", Value::Object(body).to_string().as_bytes())?;
    match serde_json::from_slice(&out) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err("the Payple window got no JSON".into()),
    }
}

/// Registers a card for billing through the control API; returns its billing key (`PCD_PAYER_ID`).
pub fn register_payple_card(sandbox_base: &str, card_no: &str, payer_no: &str) -> Result<String, String> {
    let body = json!({"card_no": card_no, "payer_no": payer_no}).to_string();
    let (_, out) = post(&format!("{sandbox_base}/__sandbox/payple/billing-keys"), "application/json", body.as_bytes())?;
    let v: Value = serde_json::from_slice(&out).map_err(|_| "no JSON from the control API")?;
    v["payer_id"].as_str().map(String::from).ok_or_else(|| format!("no payer_id: {v}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_forms_and_unescapes() {
        let html = r#"<form name="other"><input name="x" value="1"></form><form name="form" action="http://h/p?a=1&amp;b=2"><input type="hidden" name="good_name" value="&quot;&lt;상품&gt;&amp;&#39;"><input name="e"></form>"#;
        let (action, fields) = form_fields(html, Some("form")).unwrap();
        assert_eq!(action, "http://h/p?a=1&b=2");
        assert_eq!(fields, [("good_name".to_string(), "\"<상품>&'".to_string()), ("e".to_string(), String::new())]);
        assert_eq!(urlencode(&fields[..1], true), b"good_name=%22%3C%BB%F3%C7%B0%3E%26%27".to_vec());
    }
}
