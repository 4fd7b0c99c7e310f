mod common;
use common::*;
use serde_json::json;

fn approve_path() -> String {
    format!("/v2/api/payment/{MID}/keyin2")
}

#[test]
fn spec_sample_approval_and_cancel_succeed() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    // payup-card-keyin.txt §2.1 전문예시, with the signature recomputed for the sandbox identity and the
    // sample's card number (9490191412341234, not Luhn-valid) replaced by an approving test card.
    let ts = "20180212000000";
    let sig = sha256_hex(&format!("tester|TEST_00001|1004|{KEY}|{ts}"));
    let body = json!({
        "orderNumber":"TEST_00001", "cardNo": OK_CARD, "expireMonth":"05", "amount":"1004", "quota":"0",
        "birthday":"890302", "cardPw":"00", "itemName":"TEST 상품", "userName":"최용수", "mobileNumber":"01031889881",
        "userEmail":"test@payup.co.kr", "signature": sig, "timestamp": ts, "expireYear":"19"
    });
    let r = post_json(base, &approve_path(), &body);
    assert_eq!(r["responseCode"], "0000", "{r}");
    assert_eq!(r["responseMsg"], "성공");
    assert_eq!(r["amount"], "1004");
    assert_eq!(r["orderNumber"], "TEST_00001");
    assert_eq!(r["kakaoResultCode"], "");
    assert_eq!(r["noinf"], "N");
    let tid = r["transactionId"].as_str().unwrap();
    assert_eq!(tid.len(), 20);
    assert_eq!(&tid[14..16], "ST");
    assert!(tid[..14].bytes().chain(tid[16..].bytes()).all(|b| b.is_ascii_digit()));
    assert_eq!(r["authNumber"].as_str().unwrap().len(), 8);
    assert_eq!(r["authDateTime"].as_str().unwrap().len(), 14);
    for (_, v) in r.as_object().unwrap() {
        assert!(v.is_string(), "all values are strings: {r}");
    }
    let l = ledger(base);
    let t = tx(&l, tid);
    assert_eq!(t["gateway"], "payup");
    assert_eq!(t["operation"], "payup.keyin.approve");
    assert_eq!(t["amount"], 1004);
    assert_eq!(t["status"], "approved");
    assert_eq!(t["card"], "411111******1111");
    assert_eq!(t["order_number"], "TEST_00001");

    // §2.2 전문예시: no merchantId in the body (accepted), signature over merchantId|transactionId|apiCertKey.
    let c =
        post_json(base, "/v2/api/payment/tester/cancel2", &json!({"signature": cancel_sig(tid), "transactionId": tid}));
    assert_eq!(c["responseCode"], "0000", "{c}");
    assert_eq!(c["transactionId"], tid);
    assert_eq!(c["cancelDateTime"].as_str().unwrap().len(), 14);
    let l = ledger(base);
    assert_eq!(tx(&l, tid)["status"], "cancelled");
    assert_eq!(tx(&l, tid)["cancelled_amount"], 1004);
    // Cancel again → 1005; with merchantId in the body too (the table's form).
    let c = post_json(
        base,
        "/v2/api/payment/tester/cancel2",
        &json!({"merchantId": MID, "signature": cancel_sig(tid), "transactionId": tid}),
    );
    assert_eq!(c["responseCode"], "1005");
    assert_eq!(c["responseMsg"], "취소 가능 상태가 아닙니다.");
}

#[test]
fn codes() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let p = approve_path();
    let code = |body: &serde_json::Value| post_json(base, &p, body);

    // 6001 names the missing field.
    let mut b = keyin_body("O1", OK_CARD, "1000");
    b.as_object_mut().unwrap().remove("cardNo");
    let r = code(&b);
    assert_eq!(r["responseCode"], "6001");
    assert_eq!(r["responseMsg"], "cardNo은 필수입니다.");
    // 6002: a number instead of a string.
    let mut b = keyin_body("O1", OK_CARD, "1000");
    b["amount"] = json!(1000);
    let r = code(&b);
    assert_eq!(
        (r["responseCode"].as_str(), r["responseMsg"].as_str()),
        (Some("6002"), Some("amount이 잘못되었습니다."))
    );
    // 6002: formats.
    for (k, v) in [
        ("expireMonth", "13"),
        ("expireYear", "2029"),
        ("birthday", "8903"),
        ("cardPw", "000"),
        ("quota", "03"),
        ("quota", "25"),
        ("kakaoSend", "y"),
        ("orderNumber", "123456789012345678901"),
        ("timestamp", "2024"),
        ("mobileNumber", "010-1234-5678"),
    ] {
        let mut b = keyin_body("O1", OK_CARD, "1000");
        b[k] = json!(v);
        let r = code(&b);
        assert_eq!(r["responseCode"], "6002", "{k}={v}: {r}");
        assert!(r["responseMsg"].as_str().unwrap().starts_with(k), "{r}");
    }
    // 6002 cardNo: a Luhn-invalid number.
    let r = code(&keyin_body("O1", BAD_CARD, "1000"));
    assert_eq!(
        (r["responseCode"].as_str(), r["responseMsg"].as_str()),
        (Some("6002"), Some("cardNo이 잘못되었습니다."))
    );
    // 6003: not JSON.
    let r = request(base, "POST", &p, "application/json", b"orderNumber=1", &[]).json();
    assert_eq!(r["responseCode"], "6003");
    // 2001 signature.
    let mut b = keyin_body("O1", OK_CARD, "1000");
    b["amount"] = json!("1001");
    assert_eq!(code(&b)["responseCode"], "2001");
    // 1001 unknown merchant.
    let r = post_json(base, "/v2/api/payment/nobody/keyin2", &keyin_body("O1", OK_CARD, "1000"));
    assert_eq!(r["responseCode"], "1001");
    // 5001 / 5002 limits.
    assert_eq!(code(&keyin_body("O1", OK_CARD, "99"))["responseCode"], "5001");
    assert_eq!(code(&keyin_body("O1", OK_CARD, "10000001"))["responseCode"], "5002");
    assert_eq!(code(&keyin_body("O1", OK_CARD, "10000000"))["responseCode"], "0000");
    // 9101 issuer decline.
    let r = code(&keyin_body("O1", DECLINE_CARD, "1000"));
    assert_eq!(r["responseCode"], "9101");
    // 1004 cancel of an unknown transaction (the §2.2 sample's transactionId).
    let tid = "20180205152504ST0009";
    let r =
        post_json(base, "/v2/api/payment/tester/cancel2", &json!({"signature": cancel_sig(tid), "transactionId": tid}));
    assert_eq!(r["responseCode"], "1004");
    // Cancel: 2001 and 6002 merchantId mismatch, 6001 transactionId.
    let tid = approve_keyin(base, "O2", "5000");
    let r =
        post_json(base, "/v2/api/payment/tester/cancel2", &json!({"signature": cancel_sig("x"), "transactionId": tid}));
    assert_eq!(r["responseCode"], "2001");
    let r = post_json(
        base,
        "/v2/api/payment/tester/cancel2",
        &json!({"merchantId": "other", "signature": cancel_sig(&tid), "transactionId": tid}),
    );
    assert_eq!(r["responseCode"], "6002");
    let r = post_json(base, "/v2/api/payment/tester/cancel2", &json!({"signature": cancel_sig(&tid)}));
    assert_eq!(r["responseMsg"], "transactionId은 필수입니다.");
    // Only approvals are in the ledger.
    let l = ledger(base);
    assert_eq!(l["transactions"].as_array().unwrap().len(), 2);
}

#[test]
fn tax_split_kakao_send_and_spec_signature_vector() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    // payup-card-keyin.txt §2.1.1 vector.
    assert_eq!(
        sha256_hex("tester|ZP2017090911|1004|25bcd7a82f5b4058818462cc7715964c|20170910132060"),
        "d186b8fedccffd291e0619fbf8b247c3f283e3769571eb57b68a50b46af23b75"
    );
    let mut b = keyin_body("ZP2017090911", OK_CARD, "1004");
    b["timestamp"] = json!("20170910132060");
    b["signature"] = json!("d186b8fedccffd291e0619fbf8b247c3f283e3769571eb57b68a50b46af23b75");
    b["taxFlag"] = json!("Y");
    b["taxAmount"] = json!("1000");
    b["freeAmount"] = json!("4");
    b["kakaoSend"] = json!("Y");
    b["mobileNumber"] = json!("01031889881");
    let r = post_json(base, &approve_path(), &b);
    assert_eq!(r["responseCode"], "0000", "{r}");
    assert_eq!((r["taxAmount"].as_str(), r["vatAmount"].as_str()), (Some("909"), Some("91")));
    assert_eq!(r["freeAmount"], "4");
    assert_eq!(r["kakaoResultCode"], "0000");
    b["freeAmount"] = json!("5");
    assert_eq!(post_json(base, &approve_path(), &b)["responseMsg"], "taxAmount이 잘못되었습니다.");
    b.as_object_mut().unwrap().remove("freeAmount");
    assert_eq!(post_json(base, &approve_path(), &b)["responseCode"], "6001");
}
