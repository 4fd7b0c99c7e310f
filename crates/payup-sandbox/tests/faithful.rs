//! Fixes from the faithfulness review: what the real gateways would refuse is refused here too.

mod common;

use common::*;
use payup_sandbox::KCP_TEST_CERT_PEM;
use serde_json::json;

fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).unwrap()
}

#[test]
fn kcp_refuses_a_certificate_that_is_not_the_sites() {
    let sb = start();
    let base = sb.base_url();
    let dir = std::env::temp_dir().join(format!("payup-faithful-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=not-kcp", "-days", "1", "-keyout"])
        .arg(dir.join("k.pem"))
        .arg("-out")
        .arg(dir.join("c.pem"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let foreign = std::fs::read_to_string(dir.join("c.pem")).unwrap();
    let body = |cert: &str| {
        json!({"site_cd": "T0000", "kcp_cert_info": cert, "pay_method": "CARD", "cust_ip": "", "amount": "1000",
            "card_mny": "1000", "currency": "410", "quota": "00", "ordr_idxx": "F-1", "good_name": "g", "buyr_name": "b",
            "buyr_mail": "", "buyr_tel2": "", "card_tx_type": "11111000", "card_no": OK_CARD, "card_expiry": "3012"})
    };
    assert_eq!(post_json(base, "/gw/hub/v1/payment", &body(&foreign))["res_cd"], "V003");
    assert_eq!(post_json(base, "/gw/hub/v1/payment", &body(KCP_TEST_CERT_PEM))["res_cd"], "0000");
}

#[test]
fn payup_signatures_are_compared_exactly_and_mixed_tax_needs_the_merchant_setting() {
    let sb = start();
    let base = sb.base_url();
    let mut b = keyin_body("F-UP", OK_CARD, "1000");
    b["signature"] = json!(b["signature"].as_str().unwrap().to_uppercase());
    assert_eq!(post_json(base, "/v2/api/payment/tester/keyin2", &b)["responseCode"], "2001");
    // A configured merchant is not set up for mixed taxation unless its config says so.
    let cfg = SandboxConfig::from_json(r#"{"payup": [{"merchant_id": "plain", "api_cert_key": "k"}]}"#).unwrap();
    let sb2 = Sandbox::start(cfg).unwrap();
    let ts = now_ts();
    let sig = sha256_hex(&format!("plain|F-TAX|1000|k|{ts}"));
    let body = json!({"orderNumber": "F-TAX", "cardNo": OK_CARD, "expireMonth": "05", "expireYear": "29", "birthday": "890302",
        "cardPw": "00", "amount": "1000", "quota": "0", "itemName": "i", "userName": "u", "signature": sig, "timestamp": ts,
        "taxFlag": "Y", "taxAmount": "1000", "freeAmount": "0"});
    let r = post_json(sb2.base_url(), "/v2/api/payment/plain/keyin2", &body);
    assert_eq!(
        (r["responseCode"].as_str(), r["responseMsg"].as_str()),
        (Some("6002"), Some("taxFlag이 잘못되었습니다."))
    );
}

#[test]
fn the_card_cancel_api_does_not_cancel_kakaopay_money_nor_the_reverse() {
    let sb = start();
    let base = sb.base_url();
    // A keyin payment cannot be cancelled through KakaoPay's cancel.
    let tid = approve_keyin(base, "F-X1", "1000");
    let r = post_json(
        base,
        "/ep/api/kakao/tester/cancel",
        &json!({"transactionId": tid, "cancelReason": "r", "signature": cancel_sig(&tid)}),
    );
    assert_eq!(r["responseCode"], "1004");
    // KakaoPay money cannot be cancelled through the card cancel API (§3.4 비고 allows KakaoPay card only).
    let ts = now_ts();
    let sig = sha256_hex(&format!("tester|F-KM|1000|25bcd7a82f5b4058818462cc7715964c|{ts}"));
    let order = post_json_h(
        base,
        "/ep/api/kakao/tester/order",
        &json!({"orderNumber": "F-KM", "userAgent": "WP", "amount": "1000",
        "itemName": "i", "userName": "u", "returnUrl": "https://shop.example/r", "signature": sig, "timestamp": ts}),
        &[],
    );
    let ordr = order["ordr_idxx"].as_str().unwrap().to_string();
    let chosen = post_json(base, "/kcp/plugin/choose", &json!({"ordr_idxx": ordr, "choice": "money"}));
    let pick = |k: &str| chosen[k].clone();
    let paid = post_json(
        base,
        "/ep/api/kakao/tester/pay",
        &json!({"res_cd": pick("res_cd"), "enc_info": pick("enc_info"),
        "enc_data": pick("enc_data"), "tran_cd": pick("tran_cd"), "card_pay_method": pick("card_pay_method"), "ordr_idxx": ordr}),
    );
    assert_eq!(paid["type"], "KAKAO_MONEY", "{paid}");
    let tid = paid["transactionId"].as_str().unwrap().to_string();
    let r = post_json(
        base,
        "/v2/api/payment/tester/cancel2",
        &json!({"merchantId": "tester", "transactionId": tid, "signature": cancel_sig(&tid)}),
    );
    assert_eq!(r["responseCode"], "1005");
}

#[test]
fn the_mobile_window_checks_the_merchants_form_against_the_order() {
    let sb = start();
    let base = sb.base_url();
    let ts = now_ts();
    let sig = sha256_hex(&format!("tester|F-WM|2500|25bcd7a82f5b4058818462cc7715964c|{ts}"));
    let order = post_json_h(
        base,
        "/ep/api/kakao/tester/order",
        &json!({"orderNumber": "F-WM", "amount": "2500", "itemName": "i",
        "userName": "u", "returnUrl": "https://shop.example/r", "signature": sig, "timestamp": ts}),
        &[("User-Agent", "Mozilla/5.0 (iPhone)")],
    );
    let s = |k: &str| order[k].as_str().unwrap_or("").to_string();
    let form = |good_mny: &str| {
        form_encode(&[
            ("ordr_idxx", &s("ordr_idxx")),
            ("good_name", "i"),
            ("good_mny", good_mny),
            ("buyr_name", "u"),
            ("site_cd", &s("site_cd")),
            ("Ret_URL", &s("Ret_URL")),
            ("approval_key", &s("approval_key")),
            ("req_tx", "pay"),
            ("pay_method", "CARD"),
            ("ActionResult", "card"),
            ("currency", "410"),
            ("escw_used", "N"),
            ("kakaopay_direct", "Y"),
        ])
    };
    let wrong = post_form(base, "/kcp/mobile/pay", form("1").as_bytes(), "application/x-www-form-urlencoded");
    assert_eq!(wrong.status, 400);
    let right = post_form(base, "/kcp/mobile/pay", form("2500").as_bytes(), "application/x-www-form-urlencoded");
    assert_eq!(right.status, 200);
}
