//! Every operation through the real client against the embedded sandbox (a real HTTP server on
//! loopback): successes, documented errors, faults and recovery.

use payup_core::{ErrorKind, Request};
use payup_sandbox::{KCP_TEST_CERT_PEM, Sandbox, SandboxConfig};
use payup_transport::{ApproveThenError, Client, Operation, Response};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn order(prefix: &str) -> String {
    format!("{prefix}{}-{}", std::process::id() % 10000, SEQ.fetch_add(1, Ordering::Relaxed))
}

fn config_for(base: &str, read_ms: u64) -> Value {
    json!({
        "env": "test",
        "timeouts": {"connect_ms": 2000, "read_ms": read_ms},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        "payple": {"cst_id": "test", "cust_key": "abcd1234567890",
                   "refund_key": "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0", "base_url": base},
        "kcp": {"site_cd": "T0000", "cert_info": KCP_TEST_CERT_PEM, "base_url": base}
    })
}

/// A `strict` sandbox: the SDK sends only what the specs define, so it never draws a warning, and a
/// warning here would be a refusal (README "Warnings").
fn setup() -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxConfig { strict: true, ..SandboxConfig::default() }).expect("sandbox");
    let client = Client::from_json(&config_for(sb.base_url(), 5000).to_string()).expect("client");
    (sb, client)
}

fn keyin(order_number: &str, card: &str, amount: u64) -> Value {
    json!({"order_number": order_number, "card_no": card, "expire_month": "12", "expire_year": "30",
           "birthday": "890302", "card_pw": "12", "amount": amount, "quota": 0, "item_name": "테스트 상품", "user_name": "홍길동"})
}

const CARD_OK: &str = "4111111111111111";
const CARD_DECLINED: &str = "4000000000000002";

/// The SDK drew no warning (README "Warnings"): none logged, none on any ledger entry.
fn assert_no_warnings(sb: &Sandbox) {
    let l = sb.transactions();
    assert_eq!(l["warnings"], json!([]));
    assert!(l["transactions"].as_array().unwrap().iter().all(|t| t["warnings"] == json!([])), "{l}");
}

fn ledger(sb: &Sandbox) -> Vec<Value> {
    sb.transactions()["transactions"].as_array().cloned().unwrap_or_default()
}

fn ledger_for(sb: &Sandbox, order_number: &str) -> Vec<Value> {
    ledger(sb).into_iter().filter(|t| t["order_number"] == order_number || t["id"] == order_number).collect()
}

#[test]
fn payup_keyin_approve_then_cancel() {
    let (sb, c) = setup();
    let o = order("K");
    let r = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1004)).unwrap();
    assert_eq!(
        (r["amount"].as_u64(), r["order_number"].as_str(), r["response_code"].as_str()),
        (Some(1004), Some(o.as_str()), Some("0000"))
    );
    let tx = r["transaction_id"].as_str().unwrap().to_string();
    assert_eq!(tx.len(), 20);
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "approved");
    let c2 = c.call_json("payup.keyin.cancel", &json!({"transaction_id": tx})).unwrap();
    assert_eq!(c2["transaction_id"], tx.as_str());
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "cancelled");
    // Documented cancel errors: 1005 cancelled already, 1004 unknown.
    let e = c.call_json("payup.keyin.cancel", &json!({"transaction_id": tx})).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("1005")));
    let e = c.call_json("payup.keyin.cancel", &json!({"transaction_id": "20000101000000ST9999"})).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("1004")));
    assert_no_warnings(&sb);
}

#[test]
fn payup_keyin_documented_errors() {
    let (sb, c) = setup();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("D"), CARD_DECLINED, 1000)).unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.gateway().map(|g| g.as_str())),
        (ErrorKind::Declined, Some("9101"), Some("payup"))
    );
    let e = c.call_json("payup.keyin.approve", &keyin(&order("L"), "4111111111111112", 1000)).unwrap_err();
    assert_eq!((e.kind(), e.code(), e.field()), (ErrorKind::Invalid, Some("6002"), Some("cardNo")));
    let e = c.call_json("payup.keyin.approve", &keyin(&order("A"), CARD_OK, 99)).unwrap_err();
    assert_eq!(e.code(), Some("5001"));
    let e = c.call_json("payup.keyin.approve", &keyin(&order("A"), CARD_OK, 10_000_001)).unwrap_err();
    assert_eq!(e.code(), Some("5002"));
    // Invalid before sending: the ledger does not move.
    let before = ledger(&sb).len();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("I"), "12", 1000)).unwrap_err();
    assert_eq!((e.kind(), e.field(), e.code()), (ErrorKind::Invalid, Some("card_no"), None));
    assert_eq!(ledger(&sb).len(), before);
    // A wrong key is a configuration problem (2001); an unknown merchant too (1001).
    let mut cfg = config_for(sb.base_url(), 5000);
    cfg["payup"]["api_cert_key"] = json!("0000000000000000");
    let e = Client::from_json(&cfg.to_string())
        .unwrap()
        .call_json("payup.keyin.approve", &keyin(&order("S"), CARD_OK, 1000))
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Config, Some("2001")));
    cfg["payup"]["merchant_id"] = json!("nobody");
    let e = Client::from_json(&cfg.to_string())
        .unwrap()
        .call_json("payup.keyin.approve", &keyin(&order("S"), CARD_OK, 1000))
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Config, Some("1001")));
}

#[test]
fn kcp_keyin_certified_and_uncertified() {
    let (sb, c) = setup();
    let base = json!({"ordr_idxx": order("KCP"), "good_name": "테스트 상품", "buyr_name": "홍길동", "amount": 1000, "card_no": CARD_OK, "card_expiry": "3012"});
    let r = c.call_json("kcp.keyin.approve", &base).unwrap();
    assert_eq!((r["res_cd"].as_str(), r["amount"].as_u64()), (Some("0000"), Some(1000)));
    assert!(!r["card_no"].as_str().unwrap().contains(CARD_OK));
    let mut cert = base.clone();
    cert["ordr_idxx"] = json!(order("KCP"));
    cert["card_taxno"] = json!("890302");
    cert["card_pwd"] = json!("12");
    let r = c.call_json("kcp.keyin.approve", &cert).unwrap();
    assert_eq!(r["res_cd"], "0000");
    assert_eq!(ledger_for(&sb, r["tno"].as_str().unwrap()).len(), 1);
    let mut declined = base.clone();
    declined["card_no"] = json!(CARD_DECLINED);
    let e = c.call_json("kcp.keyin.approve", &declined).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("8101")));
    assert_no_warnings(&sb);
}

#[test]
fn payple_billing_pay_info_status_cancel_delete() {
    let (sb, c) = setup();
    let payer_id = sb.register_payple_card(CARD_OK, "2324");
    let oid = order("P");
    let pay = json!({"payer_id": payer_id, "payer_no": "2324", "pay_goods": "정기구독", "pay_total": 1000,
        "pay_oid": oid, "pay_year": "2026", "pay_month": "11"});
    let r = c.call_json("payple.billing.pay", &pay).unwrap();
    assert_eq!(
        (r["pay_rst"].as_str(), r["pay_total"].as_u64(), r["pay_oid"].as_str()),
        (Some("success"), Some(1000), Some(oid.as_str()))
    );
    let date = r["pay_time"].as_str().unwrap()[..8].to_string();
    let info = c.call_json("payple.billing.info", &json!({"payer_id": payer_id, "payer_no": "2324"})).unwrap();
    assert_eq!(info["pay_rst"], "success");
    assert!(!info.to_string().contains(CARD_OK));
    let st = c.call_json("payple.status", &json!({"pay_oid": oid, "pay_date": date})).unwrap();
    assert_eq!((st["pay_total"].as_u64(), st["pay_oid"].as_str()), (Some(1000), Some(oid.as_str())));
    // The test account refuses partial refunds (payple-card.txt 주의사항).
    let e = c.call_json("payple.cancel", &json!({"pay_oid": oid, "pay_date": date, "refund_total": 500, "reguler_flag": true, "pay_year": "2026", "pay_month": "11"})).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("PAYC0003")));
    let r = c.call_json("payple.cancel", &json!({"pay_oid": oid, "pay_date": date, "refund_total": 1000, "reguler_flag": true, "pay_year": "2026", "pay_month": "11"})).unwrap();
    assert_eq!(r["refund_total"], 1000);
    assert_eq!(ledger_for(&sb, &oid)[0]["status"], "cancelled");
    let e = c.call_json("payple.cancel", &json!({"pay_oid": oid, "pay_date": date, "refund_total": 1000})).unwrap_err();
    assert_eq!(e.code(), Some("PAYC0002"));
    // A duplicate order number is refused, then the key is deleted and unknown.
    let e = c.call_json("payple.billing.pay", &pay).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined);
    let d = c.call_json("payple.billing.delete", &json!({"payer_id": payer_id})).unwrap();
    assert_eq!(d["pay_rst"], "success");
    let mut again = pay.clone();
    again["pay_oid"] = json!(order("P"));
    let e = c.call_json("payple.billing.pay", &again).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("SPCD0011")));
    assert_eq!(sb.transactions()["warnings"], json!([]));
}

/// payple-card.txt §3 "월 2회 이상 : PCD_SIMPLE_FLAG 이용": twice in one month with `simple_flag`, where a
/// monthly payment's second charge is RPCD0015; on a strict sandbox (no warning drawn).
#[test]
fn payple_billing_more_than_once_a_month_with_simple_flag() {
    let (sb, c) = setup();
    let payer_id = sb.register_payple_card(CARD_OK, "2324");
    let pay = |simple: bool| {
        json!({"payer_id": payer_id, "pay_goods": "간편결제", "pay_total": 1000, "pay_oid": order("S"),
            "pay_year": "2026", "pay_month": "12", "simple_flag": simple})
    };
    for _ in 0..2 {
        let r = c.call_json("payple.billing.pay", &pay(true)).unwrap();
        assert_eq!((r["pay_rst"].as_str(), r["pay_code"].as_str()), (Some("success"), Some("SPCD0000")), "{r}");
    }
    c.call_json("payple.billing.pay", &pay(false)).unwrap();
    let e = c.call_json("payple.billing.pay", &pay(false)).unwrap_err();
    assert_eq!(e.code(), Some("RPCD0015"));
    let info = c.call_json("payple.billing.info", &json!({"payer_id": payer_id, "payer_no": "2324"})).unwrap();
    assert_eq!(info["pay_bankname"], "신한카드");
    let d = c.call_json("payple.billing.delete", &json!({"payer_id": payer_id})).unwrap();
    assert_eq!(d["pay_code"], "0000");
    assert_eq!(sb.transactions()["warnings"], json!([]));
    let ledger = sb.transactions();
    assert!(ledger["transactions"].as_array().unwrap().iter().all(|t| t["warnings"] == json!([])));
}

fn kakao_order(c: &Client, ua: &str, amount: u64) -> Value {
    c.call_json(
        "payup.kakaopay.order",
        &json!({"order_number": order("KKO"), "user_agent": ua, "amount": amount, "item_name": "카카오 \"<상품>\" & '할인'",
            "user_name": "김철수", "return_url": "https://shop.example/kakao/return"}),
    )
    .unwrap()
}

fn approve_request(fields: &[(String, String)], amount: u64) -> Value {
    let mut req: serde_json::Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| {
            ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"].contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    req.insert("amount".into(), json!(amount));
    Value::Object(req)
}

#[test]
fn kakaopay_order_window_approve_cancel_and_its_codes() {
    use payup_sandbox::person::{self, KakaoChoice};
    let (sb, c) = setup();
    // Mobile (WM): the window page posts to pay_url; the person pays by card; the post-back approves.
    let o = kakao_order(&c, "WM", 2500);
    assert_eq!(o["good_mny"], 2500);
    assert!(o["pay_url"].as_str().unwrap().starts_with(sb.base_url()));
    let html = c.call_json("payup.kakaopay.window", &json!({"order": o, "user_agent": "WM"})).unwrap();
    let html = html["html"].as_str().unwrap();
    assert!(
        html.contains("accept-charset=\"euc-kr\"")
            && html.contains("카카오 &quot;&lt;상품&gt;&quot; &amp; &#39;할인&#39;")
    );
    let (ret_url, fields) = person::kakaopay_mobile(html, KakaoChoice::Card).unwrap();
    assert_eq!(ret_url, "https://shop.example/kakao/return");
    let a = c.call_json("payup.kakaopay.approve", &approve_request(&fields, 2500)).unwrap();
    assert_eq!((a["type"].as_str(), a["amount"].as_u64()), (Some("KAKAO_CARD"), Some(2500)));
    // 8002: the same post-back again (the order is paid).
    let e = c.call_json("payup.kakaopay.approve", &approve_request(&fields, 2500)).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("8002")));
    let tx = a["transaction_id"].as_str().unwrap();
    let x = c.call_json("payup.kakaopay.cancel", &json!({"transaction_id": tx, "cancel_reason": "고객 요청"})).unwrap();
    assert_eq!(x["transaction_id"], tx);
    let e = c.call_json("payup.kakaopay.cancel", &json!({"transaction_id": tx, "cancel_reason": "again"})).unwrap_err();
    assert_eq!(e.code(), Some("1005"));
    // PC (WP) with KakaoPay money.
    let o = kakao_order(&c, "WP", 3000);
    let f = person::kakaopay_pc(sb.base_url(), o["ordr_idxx"].as_str().unwrap(), KakaoChoice::Money).unwrap();
    let fields: Vec<(String, String)> =
        f.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect();
    let a = c.call_json("payup.kakaopay.approve", &approve_request(&fields, 3000)).unwrap();
    assert_eq!((a["type"].as_str(), a["cash_receipt"].as_u64()), (Some("KAKAO_MONEY"), Some(3000)));
    // The person closes the window: declined before anything is sent, with the window's code.
    let o = kakao_order(&c, "WP", 1000);
    let f = person::kakaopay_pc(sb.base_url(), o["ordr_idxx"].as_str().unwrap(), KakaoChoice::Cancel).unwrap();
    let fields: Vec<(String, String)> =
        f.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect();
    let e = c.call_json("payup.kakaopay.approve", &approve_request(&fields, 1000)).unwrap_err();
    assert_eq!((e.kind(), e.code(), e.gateway().map(|g| g.as_str())), (ErrorKind::Declined, Some("3001"), Some("kcp")));
    // 8001: an order the gateway does not know; 6002: a forged enc_data.
    let forged = json!({"res_cd": "0000", "enc_info": "x", "enc_data": "forged", "card_pay_method": "KAKAO_CARD",
        "ordr_idxx": "20000101000000ST9999", "amount": 1000});
    let e = c.call_json("payup.kakaopay.approve", &forged).unwrap_err();
    assert_eq!(e.code(), Some("8001"));
    let mut forged = forged;
    forged["ordr_idxx"] = o["ordr_idxx"].clone();
    let e = c.call_json("payup.kakaopay.approve", &forged).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Invalid, Some("6002")));
    // 9002: a refused window result forced through the raw gateway (the client itself refuses to send it).
    let base = sb.base_url();
    let (status, body) = payup_sandbox::person::post(
        &format!("{base}/ep/api/kakao/tester/pay"),
        "application/json",
        json!({"res_cd": "3001", "enc_info": "", "enc_data": "", "card_pay_method": "", "ordr_idxx": o["ordr_idxx"]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["responseCode"], "9002");
    // A WM order with a desktop User-Agent is refused before sending.
    let e = c
        .call_json("payup.kakaopay.order", &json!({"order_number": order("KKO"), "user_agent": "WM", "amount": 1000, "item_name": "i",
            "user_name": "u", "return_url": "https://shop.example/r", "http_user_agent": "Mozilla/5.0 (Windows NT 10.0)"}))
        .unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Invalid, Some("http_user_agent")));
    assert_no_warnings(&sb);
    // KakaoPay numbers carry KK (README "KakaoPay window decision"); the SDK takes them as any other.
    let paid = ledger(&sb).into_iter().filter(|t| t["operation"] == "payup.kakaopay.approve").collect::<Vec<_>>();
    assert!(!paid.is_empty() && paid.iter().all(|t| &t["id"].as_str().unwrap()[14..16] == "KK"), "{paid:?}");
}

#[test]
fn payple_window_cert_confirm_and_forged_reqkey() {
    use payup_sandbox::person::{self, PaypleCard};
    let (sb, c) = setup();
    let auth = c.call_json("payple.auth", &json!({})).unwrap();
    let oid = order("PW");
    let obj = json!({"PCD_PAY_TYPE": "card", "PCD_PAY_WORK": "CERT", "PCD_CARD_VER": "02", "PCD_PAYER_NO": "7",
        "PCD_PAY_GOODS": "상품", "PCD_PAY_TOTAL": "3000", "PCD_PAY_OID": oid});
    let w = person::payple_window(&auth, obj.as_object().unwrap(), &PaypleCard::default()).unwrap();
    let r = c.call_json("payple.result", &json!({"fields": w})).unwrap();
    assert_eq!((r["pay_oid"].as_str(), r["pay_total"].as_u64()), (Some(oid.as_str()), Some(3000)));
    // A post-back with a made-up PCD_PAY_REQKEY approves nothing.
    let mut forged = json!({"auth_key": r["auth_key"], "pay_reqkey": "made-up", "pay_cofurl": r["pay_cofurl"], "pay_oid": oid, "amount": 3000});
    let e = c.call_json("payple.card.confirm", &forged).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid, "{e}");
    assert!(ledger_for(&sb, &oid).iter().all(|t| t["status"] != "approved"));
    // The merchant's own amount is checked: confirming for another amount is refused and undone.
    forged["pay_reqkey"] = r["pay_reqkey"].clone();
    forged["amount"] = json!(2000);
    let e = c.call_json("payple.card.confirm", &forged).unwrap_err();
    assert_eq!(e.code(), Some("AMOUNT_MISMATCH"), "{e}");
    assert!(ledger_for(&sb, &oid).iter().all(|t| t["status"] != "approved"), "{:?}", ledger_for(&sb, &oid));
}

#[test]
fn payple_auth_answers_tokens_for_the_window() {
    let (sb, c) = setup();
    let r = c.call_json("payple.auth", &json!({})).unwrap();
    assert_eq!(r["result"], "success");
    assert!(r["return_url"].as_str().unwrap().starts_with(sb.base_url()));
    assert!(!r["auth_key"].as_str().unwrap().is_empty());
    let mut cfg = config_for(sb.base_url(), 5000);
    cfg["payple"]["cust_key"] = json!("wrong");
    let e = Client::from_json(&cfg.to_string()).unwrap().call_json("payple.auth", &json!({})).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Config, Some("AUTH0002")));
}

#[test]
fn missing_refund_key_and_missing_sections_are_config_errors_before_sending() {
    let (sb, _) = setup();
    let mut cfg = config_for(sb.base_url(), 5000);
    cfg["payple"].as_object_mut().unwrap().remove("refund_key");
    cfg.as_object_mut().unwrap().remove("kcp");
    let c = Client::from_json(&cfg.to_string()).unwrap();
    let e = c
        .call_json("payple.cancel", &json!({"pay_oid": "x", "pay_date": "20260101", "refund_total": 100}))
        .unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Config, None));
    assert!(e.message().contains("refund_key"));
    let e = c.call_json("kcp.keyin.approve", &json!({"ordr_idxx": "x", "good_name": "g", "buyr_name": "b", "amount": 1, "card_no": CARD_OK, "card_expiry": "3012"})).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let e = c.call_json("no.such.op", &json!({})).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Invalid, Some("operation")));
}

// ---- faults ------------------------------------------------------------------------------------

#[test]
fn each_fault_kind_gives_its_error_class() {
    let (sb, c) = setup();
    for (fault, kind, approvals) in [
        ("http_500", ErrorKind::Ambiguous, 0),
        ("malformed_body", ErrorKind::Ambiguous, 1),
        ("reset_before_commit", ErrorKind::Ambiguous, 0),
        ("drop_after_commit", ErrorKind::Ambiguous, 1),
    ] {
        sb.arm_fault("payup.keyin.approve", fault, None, 1).unwrap();
        let o = order("F");
        let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
        assert_eq!(e.kind(), kind, "{fault}: {e}");
        let ctx = e.ambiguous_context().expect("ambiguous context");
        assert_eq!((ctx.order_number.as_deref(), ctx.amount), (Some(o.as_str()), Some(1000)), "{fault}");
        assert_eq!(ledger_for(&sb, &o).len(), approvals, "{fault}: ledger");
    }
    // The next call is unaffected (faults are armed for N calls).
    c.call_json("payup.keyin.approve", &keyin(&order("F"), CARD_OK, 1000)).unwrap();
}

#[test]
fn a_delayed_response_times_out_as_ambiguous() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let c = Client::from_json(&config_for(sb.base_url(), 300).to_string()).unwrap();
    sb.arm_fault("payup.keyin.approve", "delay", Some(2000), 1).unwrap();
    let t = std::time::Instant::now();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("T"), CARD_OK, 1000)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "{e}");
    assert!(e.message().contains("timed out"), "{e}");
    assert!(t.elapsed() < std::time::Duration::from_millis(1900), "the read timeout did not apply");
}

#[test]
fn drop_after_commit_on_billing_pay_is_recovered_by_the_result_query() {
    let (sb, c) = setup();
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    sb.arm_fault("payple.billing.pay", "drop_after_commit", None, 1).unwrap();
    let oid = order("R");
    let r = c
        .call_json("payple.billing.pay", &json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1500, "pay_oid": oid, "pay_year": "2026", "pay_month": "10"}))
        .expect("recovered through payple.status");
    assert_eq!((r["pay_oid"].as_str(), r["pay_total"].as_u64()), (Some(oid.as_str()), Some(1500)));
    let entries = ledger_for(&sb, &oid);
    assert_eq!(entries.len(), 1, "exactly one approval: {entries:?}");
}

#[test]
fn wrong_amount_is_cancelled_and_reported() {
    let (sb, c) = setup();
    sb.arm_fault("payup.keyin.approve", "wrong_amount", None, 1).unwrap();
    let o = order("W");
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("AMOUNT_MISMATCH")), "{e}");
    assert!(e.message().contains("cancelled"), "{e}");
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "cancelled");
}

#[test]
fn read_only_calls_are_retried_when_nothing_was_sent() {
    let (sb, c) = setup();
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    // Partner auth is reset once: the query itself was never sent, so it is retried and succeeds.
    sb.arm_fault("payple.auth", "reset_before_commit", None, 1).unwrap();
    let info = c.call_json("payple.billing.info", &json!({"payer_id": payer_id, "payer_no": "1"})).unwrap();
    assert_eq!(info["pay_rst"], "success");
    // A payment is never retried: the same failure gives not_sent and no payment.
    sb.arm_fault("payple.auth", "reset_before_commit", None, 1).unwrap();
    let oid = order("N");
    let e = c
        .call_json("payple.billing.pay", &json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000, "pay_oid": oid, "pay_year": "2026", "pay_month": "09"}))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSent, "{e}");
    assert!(ledger_for(&sb, &oid).is_empty());
}

#[test]
fn approve_then_cancels_when_the_commit_fails() {
    let (sb, c) = setup();
    let o = order("C");
    let req = Request::from_json(Operation::PayupKeyinApprove, &keyin(&o, CARD_OK, 2000)).unwrap();
    let r = c.approve_then(req, |_approved: &Response| Err::<(), _>("database is down"));
    match r {
        Err(ApproveThenError::Commit { error, cancel, .. }) => {
            assert_eq!(error, "database is down");
            assert!(cancel.is_ok(), "{cancel:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "cancelled");
    let o2 = order("C");
    let req = Request::from_json(Operation::PayupKeyinApprove, &keyin(&o2, CARD_OK, 2000)).unwrap();
    let (_, saved) = c.approve_then(req, |_| Ok::<_, ()>("saved")).unwrap();
    assert_eq!(saved, "saved");
    assert_eq!(ledger_for(&sb, &o2)[0]["status"], "approved");
}

// ---- TLS and URLs ------------------------------------------------------------------------------

#[test]
fn http_to_a_non_loopback_host_is_a_config_error() {
    let e = Client::from_json(
        &json!({"payup": {"merchant_id": "tester", "api_cert_key": "k", "base_url": "http://api.payup.co.kr"}})
            .to_string(),
    )
    .unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Config, Some("payup.base_url")));
}

#[test]
fn a_refused_connection_is_not_sent() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = Client::from_json(&config_for(&format!("http://127.0.0.1:{port}"), 1000).to_string()).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("X"), CARD_OK, 1000)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSent, "{e}");
}

#[test]
fn a_self_signed_certificate_is_refused_before_sending() {
    let dir = std::env::temp_dir().join(format!("payup-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), KCP_TEST_CERT_PEM).unwrap();
    std::fs::write(dir.join("key.pem"), payup_sandbox::KCP_TEST_KEY_PEM).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept", &port.to_string(), "-cert", "cert.pem", "-key", "key.pem"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let c = Client::from_json(&config_for(&format!("https://127.0.0.1:{port}"), 2000).to_string()).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("TLS"), CARD_OK, 1000)).unwrap_err();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(e.kind(), ErrorKind::NotSent, "{e}");
    assert!(e.message().contains("TLS") || e.message().contains("certificate"), "{e}");
}

/// A one-connection stand-in server: reads one request, then writes `response` (and may stall).
fn canned_server(response: Vec<u8>, stall_ms: u64) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // Read the whole request (headers and body): closing with unread input would reset the connection.
        let (mut got, mut buf) = (Vec::new(), [0u8; 8192]);
        loop {
            let n = s.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).to_ascii_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text
                    .split("content-length:")
                    .nth(1)
                    .and_then(|r| r.split("\r\n").next())
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    .unwrap_or(0);
                if got.len() >= end + 4 + len || n == 0 {
                    break;
                }
            }
        }
        let _ = s.write_all(&response);
        std::thread::sleep(std::time::Duration::from_millis(stall_ms));
    });
    (base, handle)
}

fn json_response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn payple_next_url_off_the_configured_host_is_refused() {
    // A stand-in Payple whose partner auth points the next call at another host.
    let body = json!({"result": "success", "cst_id": "t", "custKey": "k", "AuthKey": "a",
        "return_url": "http://127.0.0.2:9/php/PayChkAct.php"});
    let (base, served) = canned_server(json_response(&body.to_string()), 0);
    let c = Client::from_json(&config_for(&base, 2000).to_string()).unwrap();
    let e = c.call_json("payple.status", &json!({"pay_oid": "o", "pay_date": "20260101"})).unwrap_err();
    served.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert!(e.message().contains("127.0.0.2"), "{e}");
}

#[test]
fn a_success_for_another_order_is_ambiguous_and_nothing_is_cancelled() {
    let body = json!({"responseCode": "0000", "responseMsg": "성공", "transactionId": "20260101000000ST0001",
        "orderNumber": "SOMEONE_ELSE", "amount": "1000"});
    // One connection only: a cancel attempt would find nobody listening and show up as a different error.
    let (base, served) = canned_server(json_response(&body.to_string()), 0);
    let c = Client::from_json(&config_for(&base, 2000).to_string()).unwrap();
    let o = order("OM");
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
    served.join().unwrap();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Ambiguous, Some("ORDER_MISMATCH")), "{e}");
    let ctx = e.ambiguous_context().cloned().expect("context");
    assert_eq!(
        (ctx.order_number.as_deref(), ctx.transaction_id.as_deref()),
        (Some(o.as_str()), Some("20260101000000ST0001"))
    );
    assert!(e.message().contains("nothing was cancelled"), "{}", e.message());
}

#[test]
fn a_redirect_is_not_followed_and_not_an_answer() {
    let redirect = b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
    let (base, served) = canned_server(redirect, 0);
    let c = Client::from_json(&config_for(&base, 2000).to_string()).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("RD"), CARD_OK, 1000)).unwrap_err();
    served.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "{e}");
}

#[test]
fn response_bodies_are_capped() {
    let big = format!("{{\"responseCode\": \"0000\", \"pad\": \"{}\"}}", "x".repeat(2 << 20));
    let (base, served) = canned_server(json_response(&big), 0);
    let c = Client::from_json(&config_for(&base, 2000).to_string()).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("BIG"), CARD_OK, 1000)).unwrap_err();
    served.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "{e}");
    assert!(e.message().contains("exceeds"), "{e}");
}

#[test]
fn a_body_that_stalls_after_the_headers_times_out() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"respon".to_vec();
    let (base, served) = canned_server(head, 1500);
    let c = Client::from_json(&config_for(&base, 300).to_string()).unwrap();
    let t = std::time::Instant::now();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("STALL"), CARD_OK, 1000)).unwrap_err();
    assert!(t.elapsed() < std::time::Duration::from_millis(1400), "the body read timeout did not apply");
    served.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "{e}");
    assert!(e.message().contains("timed out"), "{e}");
}

// ---- KCP cancel (issue: kcp.cancel, RSA-signed) -------------------------------------------------

fn kcp_client(sb: &Sandbox, key: &str) -> Client {
    let mut cfg = config_for(sb.base_url(), 5000);
    cfg["kcp"]["private_key"] = json!(key);
    Client::from_json(&cfg.to_string()).unwrap()
}

fn kcp_approve(c: &Client, amount: u64) -> String {
    let r = c
        .call_json(
            "kcp.keyin.approve",
            &json!({"ordr_idxx": order("KC"), "good_name": "g", "buyr_name": "b", "amount": amount,
            "card_no": CARD_OK, "card_expiry": "3012"}),
        )
        .unwrap();
    r["tno"].as_str().unwrap().to_string()
}

#[test]
fn kcp_full_and_partial_cancels() {
    let sb = Sandbox::start(SandboxConfig { strict: true, ..SandboxConfig::default() }).unwrap();
    let c = kcp_client(&sb, payup_sandbox::KCP_TEST_KEY_PEM);
    // Full cancel, then a cancel of the cancelled payment (8202).
    let tno = kcp_approve(&c, 1000);
    let r = c.call_json("kcp.cancel", &json!({"tno": tno, "mod_type": "STSC", "mod_desc": "고객 요청"})).unwrap();
    assert_eq!((r["res_cd"].as_str(), r["rem_mny"].as_u64()), (Some("0000"), Some(0)));
    assert_eq!(ledger_for(&sb, &tno)[0]["status"], "cancelled");
    let e = c.call_json("kcp.cancel", &json!({"tno": tno, "mod_desc": "again"})).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("8202")));
    // Two partial cancels down to zero; a wrong rem_mny is refused (8204).
    let tno = kcp_approve(&c, 3000);
    let part =
        |m: u64, r: u64| json!({"tno": tno, "mod_type": "STPC", "mod_desc": "부분취소", "mod_mny": m, "rem_mny": r});
    let e = c.call_json("kcp.cancel", &part(1000, 2500)).unwrap_err();
    assert_eq!(e.code(), Some("8204"));
    let r = c.call_json("kcp.cancel", &part(1000, 3000)).unwrap();
    assert_eq!(r["rem_mny"], 2000);
    assert_eq!(ledger_for(&sb, &tno)[0]["status"], "partially_cancelled");
    let r = c.call_json("kcp.cancel", &part(2000, 2000)).unwrap();
    assert_eq!(r["rem_mny"], 0);
    assert_eq!(ledger_for(&sb, &tno)[0]["status"], "cancelled");
    // Over-cancelling is caught before sending.
    let e = c.call_json("kcp.cancel", &part(5000, 2000)).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Invalid, Some("mod_mny")));
    assert_no_warnings(&sb);
}

#[test]
fn kcp_cancel_signed_with_another_key_is_refused() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("payup-kcp-other-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        .output()
        .unwrap();
    let other = String::from_utf8(out.stdout).unwrap();
    let good = kcp_client(&sb, payup_sandbox::KCP_TEST_KEY_PEM);
    let tno = kcp_approve(&good, 1000);
    let e = kcp_client(&sb, &other).call_json("kcp.cancel", &json!({"tno": tno, "mod_desc": "x"})).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Config, Some("8133")));
    assert_eq!(ledger_for(&sb, &tno)[0]["status"], "approved");
    // The encrypted test key with KCP's test password signs as well.
    let mut cfg = config_for(sb.base_url(), 5000);
    cfg["kcp"]["private_key"] = json!(payup_sandbox::KCP_TEST_KEY_ENC_PEM);
    cfg["kcp"]["private_key_password"] = json!("changeit");
    let enc = Client::from_json(&cfg.to_string()).unwrap();
    enc.call_json("kcp.cancel", &json!({"tno": tno, "mod_desc": "x"})).unwrap();
    // Without a key, kcp.cancel is a configuration error and nothing is sent.
    let e = Client::from_json(&config_for(sb.base_url(), 5000).to_string())
        .unwrap()
        .call_json("kcp.cancel", &json!({"tno": tno, "mod_desc": "x"}))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

#[test]
fn kcp_approve_then_and_amount_mismatch_cancel_automatically() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let c = kcp_client(&sb, payup_sandbox::KCP_TEST_KEY_PEM);
    let o = order("KT");
    let req = Request::from_json(
        Operation::KcpKeyinApprove,
        &json!({"ordr_idxx": o, "good_name": "g", "buyr_name": "b", "amount": 1000, "card_no": CARD_OK, "card_expiry": "3012"}),
    )
    .unwrap();
    match c.approve_then(req, |_| Err::<(), _>("db write failed")) {
        Err(ApproveThenError::Commit { cancel: Ok(Response::KcpCancelled(x)), .. }) => assert_eq!(x.rem_mny, Some(0)),
        other => panic!("{other:?}"),
    }
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "cancelled");
    sb.arm_fault("kcp.keyin.approve", "wrong_amount", None, 1).unwrap();
    let o = order("KW");
    let e = c
        .call_json("kcp.keyin.approve", &json!({"ordr_idxx": o, "good_name": "g", "buyr_name": "b", "amount": 1000, "card_no": CARD_OK, "card_expiry": "3012"}))
        .unwrap_err();
    assert_eq!(e.code(), Some("AMOUNT_MISMATCH"), "{e}");
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "cancelled");
}

// ---- attribution before correction (issue 14) ----------------------------------------------------------

/// `crossed_answer` hands this request the answer of the previous one (another order, another amount): what
/// a pool shared across fork() or a misrouting proxy does. Nothing may be cancelled: the transaction in the
/// answer is somebody else's.
#[test]
fn a_crossed_keyin_answer_is_order_mismatch_and_the_other_buyers_payment_stands() {
    let (sb, c) = setup();
    let first = order("XA");
    let a = c.call_json("payup.keyin.approve", &keyin(&first, CARD_OK, 1004)).unwrap();
    sb.arm_fault("payup.keyin.approve", "crossed_answer", None, 1).unwrap();
    let second = order("XB");
    let e = c.call_json("payup.keyin.approve", &keyin(&second, CARD_OK, 2000)).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Ambiguous, Some("ORDER_MISMATCH")), "{e}");
    assert!(e.message().contains("nothing was cancelled"), "{e}");
    let ctx = e.ambiguous_context().cloned().expect("context");
    assert_eq!((ctx.order_number.as_deref(), ctx.amount), (Some(second.as_str()), Some(2000)));
    // Both payments stand: the first buyer's was not cancelled, and ours is in the ledger for a person.
    assert_eq!(ledger_for(&sb, &first)[0]["status"], "approved");
    assert_eq!(ledger_for(&sb, &first)[0]["id"], a["transaction_id"]);
    assert_eq!(ledger_for(&sb, &second)[0]["status"], "approved");
    assert_eq!(ledger(&sb).iter().filter(|t| t["status"] == "cancelled").count(), 0);
}

#[test]
fn a_crossed_payple_billing_answer_refunds_nobody() {
    let (sb, c) = setup();
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    let pay = |oid: &str, total: u64| {
        json!({"payer_id": payer_id, "pay_goods": "정기구독", "pay_total": total, "pay_oid": oid,
               "pay_year": "2026", "pay_month": "11", "simple_flag": true})
    };
    let first = order("XPA");
    c.call_json("payple.billing.pay", &pay(&first, 1000)).unwrap();
    sb.arm_fault("payple.billing.pay", "crossed_answer", None, 1).unwrap();
    let second = order("XPB");
    let e = c.call_json("payple.billing.pay", &pay(&second, 3000)).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Ambiguous, Some("ORDER_MISMATCH")), "{e}");
    assert_eq!(ledger_for(&sb, &first)[0]["status"], "approved", "{:?}", ledger_for(&sb, &first));
    assert_eq!(ledger_for(&sb, &second)[0]["status"], "approved");
}

#[test]
fn a_crossed_kcp_answer_for_another_card_cancels_nothing() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let c = kcp_client(&sb, payup_sandbox::KCP_TEST_KEY_PEM);
    let approve = |o: &str, card: &str, amount: u64| json!({"ordr_idxx": o, "good_name": "g", "buyr_name": "b", "amount": amount, "card_no": card, "card_expiry": "3012"});
    let first = order("XKA");
    c.call_json("kcp.keyin.approve", &approve(&first, "5555555555554444", 1000)).unwrap();
    sb.arm_fault("kcp.keyin.approve", "crossed_answer", None, 1).unwrap();
    let second = order("XKB");
    let e = c.call_json("kcp.keyin.approve", &approve(&second, CARD_OK, 5000)).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Ambiguous, Some("ORDER_MISMATCH")), "{e}");
    assert_eq!(ledger_for(&sb, &first)[0]["status"], "approved");
    assert_eq!(ledger_for(&sb, &second)[0]["status"], "approved");
}

/// The counterpart: an answer that is provably ours with another amount is still cancelled (wrong_amount
/// keeps the order number), as `wrong_amount_is_cancelled_and_reported` shows for the keyin approval; here
/// for Payple, where the refund goes to the order in the answer — ours.
#[test]
fn our_own_payple_answer_with_another_amount_is_refunded() {
    let (sb, c) = setup();
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    sb.arm_fault("payple.billing.pay", "wrong_amount", None, 1).unwrap();
    let o = order("XPW");
    let e = c
        .call_json(
            "payple.billing.pay",
            &json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000, "pay_oid": o,
            "pay_year": "2026", "pay_month": "11", "simple_flag": true}),
        )
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("AMOUNT_MISMATCH")), "{e}");
    assert_eq!(ledger_for(&sb, &o)[0]["status"], "cancelled");
}

/// `call_str` (what the C ABI runs): the typed text reader for a plain approval, the general reader for
/// anything else, with the general reader's errors; text that is not JSON is refused before anything is sent.
#[test]
fn call_str_reads_text_like_call_text_and_gives_its_errors() {
    let (sb, c) = setup();
    let options = payup_transport::CallOptions::default();
    // The plain case (the typed reader) and one the typed reader leaves to the general one (a null field).
    let plain = keyin(&order("CS"), CARD_OK, 1004);
    let mut with_null = keyin(&order("CS"), CARD_OK, 1004);
    with_null["mobile_number"] = Value::Null;
    for doc in [&plain, &with_null] {
        let text = c.call_str("payup.keyin.approve", &doc.to_string(), &options).expect("approved");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["order_number"], doc["order_number"]);
        assert_eq!(v["amount"], 1004);
        assert_eq!(ledger_for(&sb, doc["order_number"].as_str().unwrap()).len(), 1);
    }
    let sent = ledger(&sb).len();
    // A broken field: the same error as call_text's.
    let mut broken = keyin(&order("CS"), CARD_OK, 1004);
    broken["expire_month"] = json!("13");
    let e = c.call_str("payup.keyin.approve", &broken.to_string(), &options).unwrap_err();
    let expected = c.call_text("payup.keyin.approve", &broken, &options).unwrap_err();
    assert_eq!((e.kind(), e.field(), e.message()), (ErrorKind::Invalid, expected.field(), expected.message()));
    // Not JSON: named as the request's text, with the position only.
    let e = c.call_str("payup.keyin.approve", "{\"card_no\": \"4111111111111111\",", &options).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Invalid, Some("request_json")));
    assert!(e.message().contains("is not valid JSON (line 1, column"), "{}", e.message());
    assert!(!e.message().contains("4111"), "{}", e.message());
    // An unknown operation: call_text's error.
    let e = c.call_str("payup.nope", &plain.to_string(), &options).unwrap_err();
    let expected = c.call_text("payup.nope", &plain, &options).unwrap_err();
    assert_eq!((e.kind(), e.message()), (expected.kind(), expected.message()));
    assert_eq!(ledger(&sb).len(), sent, "nothing sent for refused requests");
}
