mod common;
use common::*;
use serde_json::{Value, json};

fn auth(base: &str, body: Value) -> Value {
    post_json(base, "/php/auth.php", &body)
}

fn auth_ok(base: &str, cst: &str, key: &str, flag: (&str, &str)) -> Value {
    let mut b = json!({"cst_id": cst, "custKey": key});
    b[flag.0] = json!(flag.1);
    let a = auth(base, b);
    assert_eq!(a["result"], "success", "{a}");
    a
}

/// Path (with query) of the auth's return_url.
fn next_path(base: &str, a: &Value) -> String {
    let url = a["return_url"].as_str().unwrap();
    assert_eq!(url, format!("{}{}", a["PCD_PAY_HOST"].as_str().unwrap(), a["PCD_PAY_URL"].as_str().unwrap()));
    url.strip_prefix(base).unwrap().to_string()
}

fn billing_sample(a: &Value) -> Value {
    // payple-card.txt §3 request sample (PCD_PAYER_NO and PCD_PAY_TOTAL as JSON numbers).
    json!({
        "PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
        "PCD_PAY_TYPE": "card", "PCD_PAYER_ID": "NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09", "PCD_PAYER_NO": 2324,
        "PCD_PAYER_HP": "01023456789", "PCD_PAYER_EMAIL": "dev@payple.kr", "PCD_PAY_GOODS": "정기구독",
        "PCD_PAY_TOTAL": 1000, "PCD_PAY_ISTAX": "Y", "PCD_PAY_TAXTOTAL": 10, "PCD_PAY_OID": "test201804000001",
        "PCD_PAY_YEAR": "2018", "PCD_PAY_MONTH": "04", "PCD_REGULER_FLAG": "Y",
        "PCD_USER_DEFINE1": "가맹점 정의1", "PCD_USER_DEFINE2": "가맹점 정의2"
    })
}

#[test]
fn spec_samples_billing_refund_query_info_delete() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    // Billing (§3).
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    assert_eq!(a["result_msg"], "사용자 인증완료");
    assert_eq!(a["AuthKey"].as_str().unwrap().len(), 64);
    let path = next_path(base, &a);
    assert_eq!(path, "/php/RePayCardAct.php?ACT_=PAYM");
    let r = post_json(base, &path, &billing_sample(&a));
    assert_eq!(r["PCD_PAY_RST"], "success", "{r}");
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0000");
    assert_eq!(r["PCD_PAYER_NO"], 2324);
    assert_eq!(r["PCD_PAY_TOTAL"], 1000);
    assert_eq!(r["PCD_PAY_CARDNUM"], "4111********1111");
    assert_eq!(r["PCD_PAY_CARDTRADENUM"].as_str().unwrap().len(), 24);
    for k in ["PCD_PAY_CARDNAME", "PCD_PAY_CARDAUTHNO", "PCD_PAY_CARDRECEIPT", "PCD_PAY_TIME"] {
        assert!(!r[k].as_str().unwrap().is_empty(), "{k}");
    }
    assert_eq!(r["PCD_USER_DEFINE1"], "가맹점 정의1");
    let receipt = r["PCD_PAY_CARDRECEIPT"].as_str().unwrap().strip_prefix(base).unwrap().to_string();
    assert_eq!(get(base, &receipt).status, 200);
    let pay_date = &r["PCD_PAY_TIME"].as_str().unwrap()[..8];
    // The AuthKey is single use: CPCA0001.
    let r2 = post_json(base, &path, &billing_sample(&a));
    assert_eq!(r2["PCD_PAY_CODE"], "CPCA0001");
    // Same OID again → CPCA0201; same month with REGULER Y → RPCD0015 (new OID).
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    assert_eq!(post_json(base, &path, &billing_sample(&a))["PCD_PAY_CODE"], "CPCA0201");
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_PAY_OID"] = json!("test201804000002");
    assert_eq!(post_json(base, &path, &b)["PCD_PAY_CODE"], "RPCD0015");
    // PCD_SIMPLE_FLAG (more than once a month) is fine, raw cst_id/custKey accepted.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_SIMPLE_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_CST_ID"] = json!("test");
    b["PCD_CUST_KEY"] = json!("abcd1234567890");
    b["PCD_PAY_OID"] = json!("test201804000003");
    b["PCD_REGULER_FLAG"] = json!("N");
    b["PCD_SIMPLE_FLAG"] = json!("Y");
    b["PCD_PAY_TOTAL"] = json!("2000");
    let r = post_json(base, &path, &b);
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0000", "{r}");

    // Result query ("결제결과 조회").
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAYCHK_FLAG", "Y"));
    assert_eq!(next_path(base, &a), "/php/PayChkAct.php");
    let q = json!({"PCD_CST_ID": "test", "PCD_CUST_KEY": "abcd1234567890", "PCD_AUTH_KEY": a["AuthKey"], "PCD_PAYCHK_FLAG": "Y",
        "PCD_PAY_TYPE": "card", "PCD_REGULER_FLAG": "Y", "PCD_PAY_YEAR": "2018", "PCD_PAY_MONTH": "04",
        "PCD_PAY_OID": "test201804000001", "PCD_PAY_DATE": pay_date});
    let r = post_json(base, "/php/PayChkAct.php", &q);
    assert_eq!(r["PCD_PAY_RST"], "success", "{r}");
    assert_eq!(r["PCD_PAY_TOTAL"], "1000");
    assert_eq!(r["PCD_CARDNAME"], "신한카드");
    assert!(r["PCD_CARDNUM"].as_str().unwrap().contains('*'));
    assert_eq!(r["PCD_CARDTRADENUM"].as_str().unwrap().len(), 24);
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAYCHK_FLAG", "Y"));
    let mut q2 = q.clone();
    q2["PCD_AUTH_KEY"] = a["AuthKey"].clone();
    q2["PCD_PAY_DATE"] = json!("20180502");
    assert_eq!(post_json(base, "/php/PayChkAct.php", &q2)["PCD_PAY_CODE"], "PCHK0001");

    // Refund (§4 sample; PCD_PAY_DATE = the payment's date).
    let refund = |total: Value, date: &str| {
        let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAYCANCEL_FLAG", "Y"));
        assert_eq!(next_path(base, &a), "/php/PayChkAct.php");
        post_json(
            base,
            "/php/PayChkAct.php",
            &json!({
                "PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
                "PCD_REFUND_KEY": "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0",
                "PCD_PAYCANCEL_FLAG": "Y", "PCD_PAY_OID": "test201804000001", "PCD_REGULER_FLAG": "Y",
                "PCD_PAY_YEAR": "2019", "PCD_PAY_MONTH": "09", "PCD_PAY_DATE": date.parse::<u64>().unwrap(),
                "PCD_REFUND_TOTAL": total, "PCD_PAY_TAXTOTAL": 10
            }),
        )
    };
    assert_eq!(refund(json!(1000), "20180502")["PCD_PAY_CODE"], "PAYC0001");
    assert_eq!(refund(json!(500), pay_date)["PCD_PAY_CODE"], "PAYC0003");
    assert_eq!(refund(json!(1500), pay_date)["PCD_PAY_CODE"], "PAYC0004");
    let r = refund(json!(1000), pay_date);
    assert_eq!(r["PCD_PAY_CODE"], "PAYC0000", "{r}");
    assert_eq!(r["PCD_PAY_MSG"], "환불성공");
    assert_eq!(r["PCD_REFUND_TOTAL"], 1000);
    assert_eq!(r["PCD_PAYER_ID"], "NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09");
    assert_eq!(refund(json!(1000), pay_date)["PCD_PAY_CODE"], "PAYC0002");
    let l = ledger(base);
    let t = tx(&l, "test201804000001");
    assert_eq!((t["status"].as_str(), t["cancelled_amount"].as_u64()), (Some("cancelled"), Some(1000)));
    assert_eq!(t["operation"], "payple.billing.pay");

    // PUSERINFO (§6) and PUSERDEL (§5) on the other sample key.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_WORK", "PUSERINFO"));
    let path = next_path(base, &a);
    assert_eq!(path, "/php/cPayUser/api/cPayUserAct.php?ACT_=PUSERINFO");
    let r = post_json(
        base,
        &path,
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
        "PCD_PAYER_ID": "d0toSS9sT084bVJSNThScnFXQm9Gdz09", "PCD_PAYER_NO": 122323}),
    );
    assert_eq!(r["PCD_PAY_CODE"], "0000", "{r}");
    assert_eq!(r["PCD_PAY_BANKNUM"], "4111-****-****-1111");
    assert_eq!(r["PCD_PAYER_HP"], "010-****-3333");
    assert_eq!(r["PCD_PAYER_NO"], 122323);
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_WORK", "PUSERDEL"));
    let path = next_path(base, &a);
    assert_eq!(path, "/php/cPayUser/api/cPayUserAct.php?ACT_=PUSERDEL");
    let del = json!({"PCD_CST_ID": "test", "PCD_CUST_KEY": "abcd1234567890", "PCD_AUTH_KEY": a["AuthKey"],
        "PCD_PAYER_ID": "NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09", "PCD_PAYER_NO": 2324});
    let r = post_json(base, &path, &del);
    assert_eq!((r["PCD_PAY_RST"].as_str(), r["PCD_PAY_MSG"].as_str()), (Some("success"), Some("해지완료")), "{r}");
    assert_eq!(r["PCD_PAY_WORK"], "PUSERDEL");
    // Deleted keys are unknown.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_WORK", "PUSERDEL"));
    let mut d = del.clone();
    d["PCD_AUTH_KEY"] = a["AuthKey"].clone();
    assert_eq!(post_json(base, &path, &d)["PCD_PAY_CODE"], "SPCD0011");
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_PAY_OID"] = json!("after-delete");
    assert_eq!(post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &b)["PCD_PAY_CODE"], "SPCD0011");
    let l = ledger(base);
    let k = l["payple_billing_keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["payer_id"] == "NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09")
        .unwrap();
    assert_eq!(k["status"], "deleted");
}

#[test]
fn auth_codes_ttl_and_params() {
    let cfg = SandboxConfig::from_json(
        r#"{"payple": [{"cst_id": "aws", "cust_key": "k2", "refund_key": "r2", "referers": ["https://shop.example"]}],
            "payple_auth_ttl_secs": 1}"#,
    )
    .unwrap();
    let sb = Sandbox::start(cfg).unwrap();
    let base = sb.base_url();
    let code = |v: Value| auth(base, v)["result_code"].as_str().unwrap_or("").to_string();
    assert_eq!(code(json!({"cst_id": "nobody", "custKey": "x", "PCD_PAY_TYPE": "card"})), "AUTH0001");
    assert_eq!(code(json!({"cst_id": "test", "custKey": "wrong", "PCD_PAY_TYPE": "card"})), "AUTH0002");
    // No work flag: accepted as a window auth with a warning (tests/replay.rs); AUTH0003 only under strict.
    assert_eq!(auth(base, json!({"cst_id": "test", "custKey": "abcd1234567890"}))["result"], "success");
    assert_eq!(code(json!({"cst_id": "aws", "custKey": "k2", "PCD_PAY_TYPE": "card"})), "AUTH0004");
    let a = post_json_h(
        base,
        "/php/auth.php",
        &json!({"cst_id": "aws", "custKey": "k2", "PCD_PAY_TYPE": "card"}),
        &[("Referer", "https://shop.example/order")],
    );
    assert_eq!(a["result"], "success");
    // Window auth also carries cPayHost / cPayUrl (the spec's sample).
    assert_eq!(a["cPayUrl"], "/index.php?ACT_=PAYM");
    // Expired AuthKey → CPCA0001.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &billing_sample(&a))["PCD_PAY_CODE"], "CPCA0001");
    // Missing parameter → SPCD0100 naming it; an AuthKey for another work → SPCD0100 PCD_AUTH_KEY.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b.as_object_mut().unwrap().remove("PCD_PAY_GOODS");
    let r = post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &b);
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0100");
    assert!(r["PCD_PAY_MSG"].as_str().unwrap().contains("PCD_PAY_GOODS"));
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAYCHK_FLAG", "Y"));
    let r = post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &billing_sample(&a));
    assert!(r["PCD_PAY_MSG"].as_str().unwrap().contains("PCD_AUTH_KEY"), "{r}");
    // Wrong custKey token in the second step → AUTH0002.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_CUST_KEY"] = json!("nope");
    assert_eq!(post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &b)["PCD_PAY_CODE"], "AUTH0002");
    // Unknown billing key → SPCD0011; a key registered to a declining card → SPCD0101.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_PAYER_ID"] = json!("unknown");
    assert_eq!(post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &b)["PCD_PAY_CODE"], "SPCD0011");
    let declining = sb.register_payple_card(DECLINE_CARD, "77");
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_PAYER_ID"] = json!(declining);
    b["PCD_PAY_OID"] = json!("declined-1");
    assert_eq!(post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &b)["PCD_PAY_CODE"], "SPCD0101");
    assert!(!ledger(base).to_string().contains("declined-1"));
}

#[test]
fn partial_refund_on_a_configured_merchant_and_control_billing_key() {
    let cfg = SandboxConfig::from_json(
        r#"{"payple": [{"cst_id": "live1", "cust_key": "ck", "refund_key": "rk", "partial_refund": true}]}"#,
    )
    .unwrap();
    let sb = Sandbox::start(cfg).unwrap();
    let base = sb.base_url();
    let r = post_json(
        base,
        "/__sandbox/payple/billing-keys",
        &json!({"card_no": "5555555555554444", "payer_no": "9", "cst_id": "live1"}),
    );
    let payer_id = r["payer_id"].as_str().unwrap().to_string();
    let a = auth_ok(base, "live1", "ck", ("PCD_REGULER_FLAG", "Y"));
    let mut b = billing_sample(&a);
    b["PCD_PAYER_ID"] = json!(payer_id);
    b["PCD_PAY_OID"] = json!("P-1");
    b["PCD_PAY_TOTAL"] = json!(3000);
    let r = post_json(base, "/php/RePayCardAct.php?ACT_=PAYM", &b);
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0000", "{r}");
    assert_eq!(r["PCD_PAY_CARDNUM"], "5555********4444");
    let date = r["PCD_PAY_TIME"].as_str().unwrap()[..8].to_string();
    let refund = |total: u64, path: &str| {
        let a = auth_ok(base, "live1", "ck", ("PCD_PAYCANCEL_FLAG", "Y"));
        post_json(
            base,
            path,
            &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_REFUND_KEY": "rk", "PCD_PAYCANCEL_FLAG": "Y", "PCD_PAY_OID": "P-1", "PCD_PAY_DATE": date, "PCD_REFUND_TOTAL": total}),
        )
    };
    assert_eq!(refund(1000, "/php/PayChkAct.php")["PCD_PAY_CODE"], "PAYC0000");
    let t = tx(&ledger(base), "P-1").clone();
    assert_eq!((t["status"].as_str(), t["cancelled_amount"].as_u64()), (Some("partially_cancelled"), Some(1000)));
    assert_eq!(refund(2001, "/php/PayChkAct.php")["PCD_PAY_CODE"], "PAYC0004");
    // The auth sample's cPayCAct.php path reaches the same refund handler.
    assert_eq!(refund(2000, "/php/account/api/cPayCAct.php")["PCD_PAY_CODE"], "PAYC0000");
    let t = tx(&ledger(base), "P-1").clone();
    assert_eq!((t["status"].as_str(), t["cancelled_amount"].as_u64()), (Some("cancelled"), Some(3000)));
    // Wrong refund key.
    let a = auth_ok(base, "live1", "ck", ("PCD_PAYCANCEL_FLAG", "Y"));
    let r = post_json(
        base,
        "/php/PayChkAct.php",
        &json!({"PCD_CST_ID": "live1", "PCD_CUST_KEY": "ck", "PCD_AUTH_KEY": a["AuthKey"],
        "PCD_REFUND_KEY": "nope", "PCD_PAYCANCEL_FLAG": "Y", "PCD_PAY_OID": "P-1", "PCD_PAY_DATE": date, "PCD_REFUND_TOTAL": 1}),
    );
    assert!(r["PCD_PAY_MSG"].as_str().unwrap().contains("PCD_REFUND_KEY"));
}

fn window_post(base: &str, a: &Value, extra: Value) -> Value {
    let mut body = json!({
        "PCD_AUTH_KEY": a["AuthKey"], "PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"],
        "PCD_CPAY_VER": "1.0.1", "PCD_PAY_TYPE": "card", "PCD_CARD_VER": "02", "PCD_PAYER_NO": "2335",
        "PCD_PAYER_NAME": "홍길동", "PCD_PAYER_HP": "01012345678", "PCD_PAY_GOODS": "휴대폰", "PCD_PAY_TOTAL": "1000",
        "PCD_PAY_OID": "test0553941001540967923", "PCD_REGULER_FLAG": "N",
        "card_no": OK_CARD, "card_expiry": "1230", "card_birth": "900101", "card_pw": "00"
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let path = next_path(base, a);
    assert_eq!(path, "/index.php?ACT_=PAYM");
    post_json(base, &path, &body)
}

#[test]
fn window_cert_confirm_pay_and_register() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let js = get(base, "/js/cpay.payple.1.0.1.js").text();
    for s in [
        "function PaypleCpayAuthCheck(obj)",
        "payple_auth_file",
        "callbackFunction",
        "PCD_RST_URL",
        "결제하기",
        "닫기",
        "return_url",
    ] {
        assert!(js.contains(s), "{s}");
    }
    // CERT (the spec's window sample): pending, then confirm.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    let r = window_post(base, &a, json!({"PCD_PAY_WORK": "CERT"}));
    assert_eq!(r["PCD_PAY_RST"], "success", "{r}");
    for k in [
        "PCD_PAY_RST",
        "PCD_PAY_MSG",
        "PCD_AUTH_KEY",
        "PCD_PAY_REQKEY",
        "PCD_PAY_COFURL",
        "PCD_PAY_OID",
        "PCD_PAY_TYPE",
        "PCD_PAY_WORK",
        "PCD_PAYER_ID",
        "PCD_PAYER_NO",
        "PCD_REGULER_FLAG",
        "PCD_PAY_YEAR",
        "PCD_PAY_MONTH",
        "PCD_PAY_GOODS",
        "PCD_PAY_TOTAL",
        "PCD_PAY_TIME",
        "PCD_CARDNUM",
        "PCD_CARDNAME",
        "PCD_CARDTRADENUM",
    ] {
        assert!(r[k].is_string(), "{k}: {r}");
    }
    assert_eq!(r["PCD_CARDNUM"], "41111111****1111");
    assert_eq!(r["PCD_PAY_COFURL"], format!("{base}/php/PayCardConfirmAct.php?ACT_=PAYM"));
    assert_eq!(tx(&ledger(base), "test0553941001540967923")["status"], "pending");
    let reqkey = r["PCD_PAY_REQKEY"].as_str().unwrap();
    let confirm = |reqkey: &str, authkey: &Value| {
        post_json(
            base,
            "/php/PayCardConfirmAct.php?ACT_=PAYM",
            &json!({"PCD_CST_ID": "test", "PCD_CUST_KEY": "abcd1234567890",
            "PCD_AUTH_KEY": authkey, "PCD_PAY_REQKEY": reqkey, "PCD_PAYER_ID": ""}),
        )
    };
    let r = confirm("RmFBWWFBTWNS9qNTgzU2xdd2XRNHR2", &a["AuthKey"]);
    assert!(r["PCD_PAY_MSG"].as_str().unwrap().contains("PCD_PAY_REQKEY"), "{r}");
    let r = confirm(reqkey, &a["AuthKey"]);
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0000", "{r}");
    assert_eq!(r["PCD_PAY_WORK"], "CERT");
    assert_eq!(r["PCD_PAY_TOTAL"], 1000);
    let t = tx(&ledger(base), "test0553941001540967923").clone();
    assert_eq!((t["status"].as_str(), t["operation"].as_str()), (Some("approved"), Some("payple.card.confirm")));
    assert_eq!(confirm(reqkey, &a["AuthKey"])["PCD_PAY_CODE"], "SPCD0100");
    // Duplicate OID → CPCA0201.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    assert_eq!(window_post(base, &a, json!({"PCD_PAY_WORK": "PAY"}))["PCD_PAY_CODE"], "CPCA0201");
    // PAY with a recurring card (PCD_CARD_VER 01) → approved and a billing key issued.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    let r = window_post(
        base,
        &a,
        json!({"PCD_PAY_WORK": "PAY", "PCD_CARD_VER": "01", "PCD_PAY_OID": "W-2", "PCD_REGULER_FLAG": "Y", "PCD_PAY_YEAR": "2024", "PCD_PAY_MONTH": "05"}),
    );
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0000", "{r}");
    let payer_id = r["PCD_PAYER_ID"].as_str().unwrap();
    assert!(!payer_id.is_empty());
    assert_eq!(tx(&ledger(base), "W-2")["status"], "approved");
    // AUTH (register only) → CDAU0000 and a key; decline card in PAY → SPCD0101; Luhn-invalid → SPCD0100.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    let r = window_post(base, &a, json!({"PCD_PAY_WORK": "AUTH", "PCD_CARD_VER": "01", "PCD_PAY_OID": ""}));
    assert_eq!(r["PCD_PAY_CODE"], "CDAU0000", "{r}");
    let registered = r["PCD_PAYER_ID"].as_str().unwrap().to_string();
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    assert_eq!(
        window_post(base, &a, json!({"PCD_PAY_WORK": "PAY", "PCD_PAY_OID": "W-3", "card_no": DECLINE_CARD}))["PCD_PAY_CODE"],
        "SPCD0101"
    );
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    let r = window_post(base, &a, json!({"PCD_PAY_WORK": "PAY", "PCD_PAY_OID": "W-4", "card_no": BAD_CARD}));
    assert!(r["PCD_PAY_MSG"].as_str().unwrap().contains("card_no"));
    // CERT with a declining card: confirm → SPCD0101, the pending payment is gone.
    let a = auth_ok(base, "test", "abcd1234567890", ("PCD_PAY_TYPE", "card"));
    let r = window_post(base, &a, json!({"PCD_PAY_WORK": "CERT", "PCD_PAY_OID": "W-5", "card_no": DECLINE_CARD}));
    assert_eq!(confirm(r["PCD_PAY_REQKEY"].as_str().unwrap(), &a["AuthKey"])["PCD_PAY_CODE"], "SPCD0101");
    let l = ledger(base);
    assert!(l["transactions"].as_array().unwrap().iter().all(|t| t["id"] != "W-5"));
    let keys: Vec<&str> =
        l["payple_billing_keys"].as_array().unwrap().iter().map(|k| k["payer_id"].as_str().unwrap()).collect();
    assert!(keys.contains(&payer_id) && keys.contains(&registered.as_str()));
    // No full card number anywhere in the ledger.
    assert!(!l.to_string().contains(OK_CARD) && !l.to_string().contains(DECLINE_CARD));
}
