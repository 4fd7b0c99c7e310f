//! The shop over plain HTTP, without a browser: the sandbox's `person` plays the buyer at the windows
//! (the browser tests in tests/browser.test.mjs do the same in headless Chromium).

use payup_example_shop::{Shop, ShopOptions, Status};
use payup_sandbox::person::{self, KakaoChoice, PaypleCard};
use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::Client;
use serde_json::{Map, Value, json};

const FORM: &str = "application/x-www-form-urlencoded";

fn start() -> (Sandbox, Shop) {
    let sb = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let client = Client::from_json(&sb.client_config().to_string()).expect("client");
    let shop = Shop::start(client, ShopOptions { addr: "127.0.0.1:0".into(), public_url: None }).expect("shop");
    (sb, shop)
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

fn post(url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (status, body) = person::post(url, FORM, &form(fields)).expect("post");
    (status, String::from_utf8(body).expect("utf-8"))
}

/// A buyer's browser: the shop's session cookie and the CSRF token of its forms, over raw HTTP/1.1.
struct Buyer {
    cookie: String,
    csrf: String,
}

/// One HTTP/1.1 exchange (Connection: close): (status, Set-Cookie value if any, body).
fn raw(url: &str, method: &str, cookie: Option<&str>, body: &[u8]) -> (u16, Option<String>, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nUser-Agent: {UA}\r\nContent-Type: {FORM}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(c) = cookie {
        head += &format!("Cookie: {c}\r\n");
    }
    head += "\r\n";
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8(out).expect("utf-8");
    let (headers, body) = text.split_once("\r\n\r\n").expect("a response");
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    let set_cookie =
        headers.lines().find_map(|l| l.strip_prefix("Set-Cookie: ")).map(|v| v.split(';').next().unwrap().to_string());
    (status, set_cookie, body.to_string())
}

/// person::post's phone User-Agent (the KakaoPay mobile window).
const UA: &str = "Mozilla/5.0 (Linux; Android 13; SM-S911N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";

impl Buyer {
    /// Opens the shop's home page: a new session and its token.
    fn new(shop: &Shop) -> Buyer {
        let (status, cookie, page) = raw(&format!("{}/", shop.url()), "GET", None, b"");
        assert_eq!(status, 200);
        let cookie = cookie.expect("the shop sets its session cookie");
        let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf field");
        Buyer { cookie, csrf: csrf.to_string() }
    }

    /// A form post from the shop's own page: the session cookie and the CSRF token.
    fn post(&self, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut f = fields.to_vec();
        f.push(("csrf", &self.csrf));
        let (status, _, body) = raw(url, "POST", Some(&self.cookie), &form(&f));
        (status, body)
    }

    fn get(&self, url: &str) -> (u16, String) {
        let (status, _, body) = raw(url, "GET", Some(&self.cookie), b"");
        (status, body)
    }
}

fn order_of(url: &str) -> String {
    url.split("order=").nth(1).expect("order= in the URL").to_string()
}

fn txs(sb: &Sandbox, id: &str) -> Vec<Value> {
    let l = sb.transactions();
    l["transactions"].as_array().unwrap().iter().filter(|t| t["order_number"] == id || t["id"] == id).cloned().collect()
}

/// The mobile window (person::post sends an Android User-Agent): pay, approve, cancel.
#[test]
fn kakaopay_mobile_pay_and_cancel() {
    let (sb, shop) = start();
    let browser = Buyer::new(&shop);
    let buyer = "김<b>\"철수\"</b> & '영희'";
    let (status, window) = browser.post(
        &format!("{}/checkout", shop.url()),
        &[("product", "special"), ("buyer_name", buyer), ("method", "kakaopay")],
    );
    assert_eq!(status, 200, "{window}");
    assert!(window.contains("김&lt;b&gt;&quot;철수&quot;&lt;/b&gt; &amp; &#39;영희&#39;"), "{window}");
    let (ret_url, fields) = person::kakaopay_mobile(&window, KakaoChoice::Card).expect("the window");
    let id = order_of(&ret_url);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _) = post(&ret_url, &fields);
    assert_eq!(status, 303);
    let order = shop.order(&id).unwrap();
    assert_eq!(order.status, Status::Paid, "{:?}", order.failure);
    assert_eq!(order.buyer_name, buyer);
    let t = txs(&sb, &id);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0]["status"], "approved");
    assert_eq!(t[0]["amount"], 3900);

    // A second post of the same result is ignored: the order is paid once.
    let (status, page) = post(&ret_url, &fields);
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("id=\"failure\""));

    // A forged cross-site cancel is refused: without the session (SameSite keeps the cookie off a
    // cross-site POST), with the session but without the token, and from another session with its own.
    let cancel_url = format!("{}/orders/{id}/cancel", shop.url());
    let (status, page) = post(&cancel_url, &[]);
    assert_eq!(status, 403, "{page}");
    let (status, _, page) = raw(&cancel_url, "POST", Some(&browser.cookie), b"");
    assert_eq!(status, 403, "{page}");
    let (status, page) = Buyer::new(&shop).post(&cancel_url, &[]);
    assert_eq!(status, 404, "{page}");
    assert_eq!(shop.order(&id).unwrap().status, Status::Paid);
    // The order's pages are the buyer's only: another session (or none) sees no such order.
    let receipt = format!("{}/orders/{id}", shop.url());
    assert_eq!(browser.get(&receipt).0, 200);
    assert_eq!(Buyer::new(&shop).get(&receipt).0, 404);
    assert_eq!(raw(&receipt, "GET", None, b"").0, 404);
    assert!(!Buyer::new(&shop).get(&format!("{}/orders", shop.url())).1.contains(&id));
    assert!(browser.get(&format!("{}/orders", shop.url())).1.contains(&id));

    let (status, _) = browser.post(&cancel_url, &[]);
    assert_eq!(status, 303);
    assert_eq!(shop.order(&id).unwrap().status, Status::Cancelled);
    assert_eq!(txs(&sb, &id)[0]["status"], "cancelled");
    shop.stop();
}

#[test]
fn forged_kakaopay_post_back_is_not_approved() {
    let (sb, shop) = start();
    let (_, window) = Buyer::new(&shop).post(
        &format!("{}/checkout", shop.url()),
        &[("product", "mug"), ("buyer_name", "홍길동"), ("method", "kakaopay")],
    );
    let (_, fields) = person::form_fields(&window, Some("form")).unwrap();
    let ret_url = fields.iter().find(|(k, _)| k == "Ret_URL").map(|(_, v)| v.clone()).unwrap();
    let ordr_idxx = fields.iter().find(|(k, _)| k == "ordr_idxx").map(|(_, v)| v.clone()).unwrap();
    let id = order_of(&ret_url);
    let (status, _) = post(
        &ret_url,
        &[
            ("res_cd", "0000"),
            ("enc_info", "forgedinfo"),
            ("enc_data", "forgeddata"),
            ("card_pay_method", "KAKAO_CARD"),
            ("ordr_idxx", &ordr_idxx),
        ],
    );
    assert_eq!(status, 303);
    let order = shop.order(&id).unwrap();
    assert_eq!(order.status, Status::Failed);
    assert!(order.failure.as_ref().unwrap().1.contains("6002"), "{:?}", order.failure);
    assert!(txs(&sb, &id).is_empty());
    shop.stop();
}

/// Payple CERT: the shop's payple_auth_file, the window (as the person), PCD_RST_URL, confirm, refund.
#[test]
fn payple_pay_confirm_and_cancel() {
    let (sb, shop) = start();
    let browser = Buyer::new(&shop);
    let (status, page) = browser.post(
        &format!("{}/checkout", shop.url()),
        &[("product", "keyboard"), ("buyer_name", "이영희"), ("method", "payple")],
    );
    assert_eq!(status, 200);
    let (_, fields) = person::form_fields(&page, Some("payple_order")).unwrap();
    let obj: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let id = obj["PCD_PAY_OID"].as_str().unwrap().to_string();
    let rst_url = obj["PCD_RST_URL"].as_str().unwrap().to_string();

    // The shop's payple_auth_file answers with the names Payple's script reads.
    let pcd: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, auth) = post(&format!("{}/payple/auth", shop.url()), &pcd);
    assert_eq!(status, 200);
    let auth: Value = serde_json::from_str(&auth).unwrap();
    assert_eq!(auth["result"], "success", "{auth}");
    let as_payup = json!({"auth_key": auth["AuthKey"], "cst_id": auth["cst_id"], "cust_key": auth["custKey"],
                          "return_url": auth["return_url"]});
    let card = PaypleCard {
        card_no: "4556737586899855".into(),
        birth: "731205".into(),
        pw2: "47".into(),
        ..Default::default()
    };
    let result = person::payple_window(&as_payup, &obj, &card).unwrap();
    assert_eq!(result["PCD_PAY_RST"], "success");
    let posted: Vec<(String, String)> = result
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
        .collect();
    let posted: Vec<(&str, &str)> = posted.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, body) = post(&rst_url, &posted);
    assert_eq!(status, 303, "{body}");
    let order = shop.order(&id).unwrap();
    assert_eq!(order.status, Status::Paid, "{:?}", order.failure);
    assert!(!format!("{order:?}").contains("4556737586899855"));
    assert_eq!(txs(&sb, &id)[0]["status"], "approved");

    // An auth for a settled order is refused.
    let (_, again) = post(&format!("{}/payple/auth", shop.url()), &pcd);
    assert!(again.contains("\"result\":\"error\""), "{again}");

    let (status, _) = browser.post(&format!("{}/orders/{id}/cancel", shop.url()), &[]);
    assert_eq!(status, 303);
    assert_eq!(shop.order(&id).unwrap().status, Status::Cancelled, "{:?}", shop.order(&id));
    assert_eq!(txs(&sb, &id)[0]["status"], "cancelled");
    shop.stop();
}
