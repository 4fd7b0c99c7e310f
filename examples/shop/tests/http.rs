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
    let buyer = "김<b>\"철수\"</b> & '영희'";
    let (status, window) = post(
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

    let (status, _) = post(&format!("{}/orders/{id}/cancel", shop.url()), &[]);
    assert_eq!(status, 303);
    assert_eq!(shop.order(&id).unwrap().status, Status::Cancelled);
    assert_eq!(txs(&sb, &id)[0]["status"], "cancelled");
    shop.stop();
}

#[test]
fn forged_kakaopay_post_back_is_not_approved() {
    let (sb, shop) = start();
    let (_, window) = post(
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
    let (status, page) = post(
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

    let (status, _) = post(&format!("{}/orders/{id}/cancel", shop.url()), &[]);
    assert_eq!(status, 303);
    assert_eq!(shop.order(&id).unwrap().status, Status::Cancelled, "{:?}", shop.order(&id));
    assert_eq!(txs(&sb, &id)[0]["status"], "cancelled");
    shop.stop();
}
