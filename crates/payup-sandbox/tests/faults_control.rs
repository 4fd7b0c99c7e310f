mod common;
use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn arm(base: &str, body: serde_json::Value) -> Resp {
    request(base, "POST", "/__sandbox/faults", "application/json", body.to_string().as_bytes(), &[])
}

fn keyin(base: &str, order: &str) -> std::io::Result<Resp> {
    try_request(
        base,
        "POST",
        &format!("/v2/api/payment/{MID}/keyin2"),
        "application/json",
        keyin_body(order, OK_CARD, "1000").to_string().as_bytes(),
        &[],
    )
}

fn count(base: &str, order: &str) -> usize {
    ledger(base)["transactions"].as_array().unwrap().iter().filter(|t| t["order_number"] == order).count()
}

#[test]
fn each_fault_behaves_as_named() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let op = "payup.keyin.approve";

    assert_eq!(arm(base, json!({"operation": op, "fault": "delay", "delay_ms": 300})).status, 200);
    let t = Instant::now();
    let r = keyin(base, "F-delay").unwrap();
    let e = t.elapsed();
    assert!(e >= Duration::from_millis(300) && e < Duration::from_secs(10), "{e:?}");
    assert_eq!(r.json()["responseCode"], "0000");

    arm(base, json!({"operation": op, "fault": "http_500"}));
    assert_eq!(keyin(base, "F-500").unwrap().status, 500);
    assert_eq!(count(base, "F-500"), 0);

    arm(base, json!({"operation": op, "fault": "malformed_body"}));
    let r = keyin(base, "F-malformed").unwrap();
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert_eq!(count(base, "F-malformed"), 1);

    arm(base, json!({"operation": op, "fault": "reset_before_commit"}));
    assert!(keyin(base, "F-reset").is_err());
    assert_eq!(count(base, "F-reset"), 0);

    arm(base, json!({"operation": op, "fault": "drop_after_commit"}));
    assert!(keyin(base, "F-drop").is_err());
    assert_eq!(count(base, "F-drop"), 1);
    assert_eq!(
        ledger(base)["transactions"].as_array().unwrap().iter().find(|t| t["order_number"] == "F-drop").unwrap()["status"],
        "approved"
    );

    arm(base, json!({"operation": op, "fault": "wrong_amount"}));
    let r = keyin(base, "F-amount").unwrap().json();
    assert_eq!(r["amount"], "2000");
    let l = ledger(base);
    assert_eq!(
        l["transactions"].as_array().unwrap().iter().find(|t| t["order_number"] == "F-amount").unwrap()["amount"],
        1000
    );

    // times: the next 2 calls, then normal again; other operations are not affected.
    sb.arm_fault(op, "http_500", None, 2).unwrap();
    let tid = approve_keyin_status(base, "F-other");
    assert_eq!(tid, 500);
    assert_eq!(keyin(base, "F-x").unwrap().status, 500);
    assert_eq!(keyin(base, "F-x").unwrap().status, 200);
    sb.arm_fault("kcp.keyin.approve", "http_500", None, 1).unwrap();
    assert_eq!(keyin(base, "F-y").unwrap().status, 200);
    // Clear.
    assert_eq!(request(base, "DELETE", "/__sandbox/faults", "", b"", &[]).status, 200);
    assert_eq!(get(base, "/__sandbox/faults").json()["faults"], json!([]));
    sb.arm_fault(op, "http_500", None, 1).unwrap();
    sb.clear_faults();
    assert_eq!(keyin(base, "F-z").unwrap().status, 200);

    // Faults on a Payple second step (drop after commit: the payment exists).
    let a = post_json(
        base,
        "/php/auth.php",
        &json!({"cst_id": "test", "custKey": "abcd1234567890", "PCD_REGULER_FLAG": "Y"}),
    );
    sb.arm_fault("payple.billing.pay", "drop_after_commit", None, 1).unwrap();
    let body = json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"], "PCD_PAY_TYPE": "card",
        "PCD_PAYER_ID": "NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09", "PCD_PAY_GOODS": "g", "PCD_PAY_TOTAL": 1000, "PCD_PAY_OID": "F-payple",
        "PCD_PAY_YEAR": "2030", "PCD_PAY_MONTH": "01", "PCD_REGULER_FLAG": "Y"});
    assert!(
        try_request(
            base,
            "POST",
            "/php/RePayCardAct.php?ACT_=PAYM",
            "application/json",
            body.to_string().as_bytes(),
            &[]
        )
        .is_err()
    );
    assert_eq!(tx(&ledger(base), "F-payple")["status"], "approved");
}

fn approve_keyin_status(base: &str, order: &str) -> u16 {
    keyin(base, order).unwrap().status
}

#[test]
fn control_api_errors_reset_dashboard() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    assert!(!base.ends_with('/') && base.starts_with("http://127.0.0.1:"));
    let r = arm(base, json!({"operation": "payup.nothing", "fault": "http_500"}));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("unknown operation"));
    let r = arm(base, json!({"operation": "kcp.cancel", "fault": "explode"}));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("unknown fault"));
    assert_eq!(request(base, "POST", "/__sandbox/faults", "application/json", b"[]", &[]).status, 400);
    assert!(sb.arm_fault("kcp.cancel", "nope", None, 1).is_err());
    // Every catalogue operation is armable.
    for op in payup_sandbox::OPERATIONS {
        assert_eq!(arm(base, json!({"operation": op, "fault": "http_500", "times": 1})).status, 200, "{op}");
    }
    sb.clear_faults();

    let item = "<script>alert('x')</script>";
    let ts = now_ts();
    let mut b = keyin_body("R-1", OK_CARD, "1000");
    b["itemName"] = json!(item);
    b["signature"] = json!(sha256_hex(&format!("{MID}|R-1|1000|{KEY}|{ts}")));
    post_json(base, &format!("/v2/api/payment/{MID}/keyin2"), &b);
    let dash = get(base, "/__sandbox/");
    assert_eq!(dash.status, 200);
    assert!(dash.text().contains("R-1") && !dash.text().contains("<script>alert"));
    assert_eq!(sb.transactions(), ledger(base));
    assert_eq!(request(base, "POST", "/__sandbox/reset", "", b"", &[]).status, 200);
    let l = ledger(base);
    assert_eq!(l["transactions"], json!([]));
    // The spec's sample billing keys are registered again.
    assert_eq!(l["payple_billing_keys"].as_array().unwrap().len(), 2);
    assert_eq!(get(base, "/nowhere").status, 404);
    assert_eq!(get(base, "/v2/api/payment/tester/keyin2").status, 405);
}

#[test]
fn keep_alive_and_shutdown() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let host = sb.base_url().trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let body = keyin_body("KA-1", OK_CARD, "1000").to_string();
    let req = format!(
        "POST /v2/api/payment/tester/keyin2 HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    // Two pipelined requests on one connection.
    s.write_all(format!("{req}{req}").as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while String::from_utf8_lossy(&got).matches("\"responseMsg\"").count() < 2 {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8_lossy(&got).matches("HTTP/1.1 200").count(), 2);
    let base = sb.base_url().to_string();
    sb.shutdown();
    assert!(
        std::net::TcpStream::connect(base.trim_start_matches("http://")).is_err()
            || try_request(&base, "GET", "/__sandbox/transactions", "", b"", &[]).is_err()
    );
}

#[test]
fn state_file_survives_restart() {
    let dir = std::env::temp_dir().join(format!("payup-sandbox-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let tid = {
        let sb = Sandbox::start_on("127.0.0.1:0", SandboxConfig::default(), Some(file.clone())).unwrap();
        let tid = approve_keyin(sb.base_url(), "S-1", "1000");
        let id = sb.register_payple_card("5555555555554444", "42");
        assert!(std::fs::read_to_string(&file).unwrap().contains(&id));
        tid
    };
    let sb = Sandbox::start_on("127.0.0.1:0", SandboxConfig::default(), Some(file.clone())).unwrap();
    let base = sb.base_url();
    assert_eq!(tx(&ledger(base), &tid)["status"], "approved");
    // And the restored transaction can be cancelled.
    let r = post_json(
        base,
        "/v2/api/payment/tester/cancel2",
        &json!({"signature": cancel_sig(&tid), "transactionId": tid}),
    );
    assert_eq!(r["responseCode"], "0000");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("cancelled") && !text.contains("5555555555554444"));
    drop(sb);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(Sandbox::start_on("0.0.0.0:0", SandboxConfig::default(), None).is_err(), "loopback only");
}

#[test]
fn config_json() {
    let c = SandboxConfig::from_json(r#"{"payup": [{"merchant_id": "m2", "api_cert_key": "k", "max_amount": 5000}], "kcp": [{"site_cd": "A1234", "private_key": "ignored"}]}"#).unwrap();
    assert_eq!(c.payup.len(), 2);
    assert_eq!(c.payup[1].min_amount, 100);
    assert_eq!(c.kcp.len(), 2);
    assert!(SandboxConfig::from_json(r#"{"payup": [{"merchant_id": "x"}]}"#).is_err());
    assert!(SandboxConfig::from_json(r#"{"typo": []}"#).is_err());
    let sb = Sandbox::start(c).unwrap();
    let base = sb.base_url();
    let ts = now_ts();
    let sig = sha256_hex(&format!("m2|O|6000|k|{ts}"));
    let mut b = keyin_body("O", OK_CARD, "6000");
    b["signature"] = json!(sig);
    assert_eq!(post_json(base, "/v2/api/payment/m2/keyin2", &b)["responseCode"], "5002");
}

#[test]
fn no_full_card_number_password_or_birth_date_is_kept() {
    let canary = "4242424242424242";
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let mut b = keyin_body("C-1", canary, "1000");
    b["birthday"] = json!("770707");
    b["cardPw"] = json!("93");
    b["signature"] = json!(sha256_hex(&format!("{MID}|C-1|1000|{KEY}|{}", now_ts())));
    assert_eq!(post_json(base, &format!("/v2/api/payment/{MID}/keyin2"), &b)["responseCode"], "0000");
    let kcp = json!({"site_cd":"T0000", "kcp_cert_info": payup_sandbox::KCP_TEST_CERT_PEM, "pay_method":"CARD", "amount":"1000",
        "card_mny":"1000", "currency":"410", "quota":"00", "ordr_idxx":"C-2", "card_tx_type":"11121000",
        "card_no": canary, "card_expiry":"2607", "card_taxno":"770707", "card_pwd":"93"});
    assert_eq!(post_json(base, "/gw/hub/v1/payment", &kcp)["res_cd"], "0000");
    post_json(base, "/__sandbox/payple/billing-keys", &json!({"card_no": canary, "payer_no": "1"}));
    let a = post_json(
        base,
        "/php/auth.php",
        &json!({"cst_id": "test", "custKey": "abcd1234567890", "PCD_PAY_TYPE": "card"}),
    );
    let w = post_json(
        base,
        "/index.php?ACT_=PAYM",
        &json!({"PCD_AUTH_KEY": a["AuthKey"], "PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"],
        "PCD_PAY_WORK": "PAY", "PCD_CARD_VER": "01", "PCD_PAY_GOODS": "g", "PCD_PAY_TOTAL": "1000", "PCD_PAY_OID": "C-3",
        "card_no": canary, "card_expiry": "1230", "card_birth": "770707", "card_pw": "93"}),
    );
    assert_eq!(w["PCD_PAY_RST"], "success", "{w}");
    let everything = format!(
        "{}{}{}",
        ledger(base),
        get(base, "/__sandbox/").text(),
        serde_json::to_string(&sb.transactions()).unwrap()
    );
    for secret in [canary, "770707", "\"93\""] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    assert!(everything.contains("424242******4242"));
}

#[test]
fn chunked_body_and_expect_continue() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let host = sb.base_url().trim_start_matches("http://").to_string();
    let body = keyin_body("CH-1", OK_CARD, "1000").to_string();
    let (a, b) = body.split_at(body.len() / 2);
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let req = format!(
        "POST /v2/api/payment/tester/keyin2 HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert!(text.starts_with("HTTP/1.1 100 Continue\r\n\r\n"), "{text}");
    let r = parse_response(&raw[25..]).unwrap();
    assert_eq!(r.json()["responseCode"], "0000", "{}", r.text());
}
