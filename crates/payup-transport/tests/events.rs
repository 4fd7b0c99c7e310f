//! Exchange events (issue 20) against the embedded sandbox: one per HTTP exchange for a success, a decline,
//! `not_sent` and `ambiguous` (no answer: status null); none for an invalid request (nothing is sent); an amount mismatch
//! and its cancel (the `tracing` sink: tests/tracing.rs); and canary card data, password digits, birth dates,
//! keys and tokens in no event of any sink.

use payup_core::ErrorKind;
use payup_sandbox::{KCP_TEST_CERT_PEM, Sandbox, SandboxConfig};
use payup_transport::{Client, Event};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const CANARY_PAN: &str = "4556737586899855"; // Luhn-valid: the sandbox approves it
const CANARY_DECLINED: &str = "4556737586070002"; // Luhn-valid, ends in 0002: the issuer declines it
const CANARY_PW: &str = "47";
const CANARY_BIRTH: &str = "731205";
const PAYUP_KEY: &str = "25bcd7a82f5b4058818462cc7715964c";
const PAYPLE_CUST_KEY: &str = "abcd1234567890";

fn config(base: &str) -> Value {
    json!({
        "env": "test",
        "timeouts": {"connect_ms": 2000, "read_ms": 3000},
        "payup": {"merchant_id": "tester", "api_cert_key": PAYUP_KEY, "base_url": base},
        "payple": {"cst_id": "test", "cust_key": PAYPLE_CUST_KEY,
                   "refund_key": "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0", "base_url": base},
        "kcp": {"site_cd": "T0000", "cert_info": KCP_TEST_CERT_PEM, "base_url": base}
    })
}

fn keyin(order: &str, card: &str) -> Value {
    json!({"order_number": order, "card_no": card, "expire_month": "12", "expire_year": "30",
           "birthday": CANARY_BIRTH, "card_pw": CANARY_PW, "amount": 1004, "quota": 0, "item_name": "책", "user_name": "홍길동"})
}

/// A client whose events land in the returned list.
fn recording(base: &str) -> (Client, Arc<Mutex<Vec<Event>>>) {
    let client = Client::from_json(&config(base).to_string()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    client.set_event_listener(Some(Arc::new(move |e: &Event| sink.lock().unwrap().push(e.clone()))));
    (client, seen)
}

fn take(seen: &Mutex<Vec<Event>>) -> Vec<Event> {
    std::mem::take(&mut *seen.lock().unwrap())
}

fn assert_no_secret(what: &str, text: &str) {
    for canary in [CANARY_PAN, CANARY_DECLINED, CANARY_BIRTH, PAYUP_KEY, PAYPLE_CUST_KEY, "\"47\"", "MII"] {
        assert!(!text.contains(canary), "{what} leaks {canary}: {text}");
    }
}

#[test]
fn success_decline_invalid_not_sent_and_ambiguous() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let (c, seen) = recording(sb.base_url());

    let r = c.call_json("payup.keyin.approve", &keyin("EV-OK", CANARY_PAN)).unwrap();
    let [e] = take(&seen).try_into().unwrap();
    assert_eq!((e.operation, e.gateway, e.method, e.status), ("payup.keyin.approve", "payup", "POST", Some(200)));
    assert_eq!(e.url, format!("{}/v2/api/payment/tester/keyin2", sb.base_url()));
    assert_eq!((e.outcome.kind, e.outcome.gateway_code.as_deref()), ("success", None));
    assert_eq!(e.request_body["cardNo"], "455673******9855");
    assert_eq!((&e.request_body["cardPw"], &e.request_body["birthday"]), (&json!("***"), &json!("***")));
    assert_eq!(e.request_body["orderNumber"], "EV-OK");
    // The answer as it came, redacted: a transaction id whose digits happen to pass Luhn (one in ten) is
    // masked like a card number, by design (README "Logging and events").
    assert_eq!(e.response_body["orderNumber"], "EV-OK");
    let tx = e.response_body["transactionId"].as_str().unwrap();
    let id = r["transaction_id"].as_str().unwrap();
    assert!(tx == id || (tx.len() == id.len() && tx.contains('*') && tx.ends_with(&id[id.len() - 4..])), "{tx}");
    assert_no_secret("success", &e.to_json().to_string());

    let err = c.call_json("payup.keyin.approve", &keyin("EV-DECL", CANARY_DECLINED)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Declined);
    let [e] = take(&seen).try_into().unwrap();
    assert_eq!((e.status, e.outcome.kind, e.outcome.gateway_code.as_deref()), (Some(200), "declined", Some("9101")));
    assert_no_secret("decline", &e.to_json().to_string());

    let mut bad = keyin("EV-BAD", CANARY_PAN);
    bad["expire_month"] = json!("13");
    assert_eq!(c.call_json("payup.keyin.approve", &bad).unwrap_err().kind(), ErrorKind::Invalid);
    assert!(take(&seen).is_empty(), "an invalid request sends nothing and has no event");

    // Payple: partner auth and the call are two exchanges, both events, the tokens elided.
    let payer_id = sb.register_payple_card(CANARY_PAN, "2324");
    let pay = json!({"payer_id": payer_id, "payer_no": "2324", "pay_goods": "정기구독", "pay_total": 1000,
        "pay_oid": "EV-P1", "pay_year": "2026", "pay_month": "11"});
    c.call_json("payple.billing.pay", &pay).unwrap();
    let [auth, call] = take(&seen).try_into().unwrap();
    assert_eq!((auth.operation, auth.outcome.kind, call.outcome.kind), ("payple.billing.pay", "success", "success"));
    assert_eq!((&auth.request_body["custKey"], &auth.response_body["AuthKey"]), (&json!("***"), &json!("***")));
    let text = format!("{} {}", auth.to_json(), call.to_json());
    assert!(!text.contains(&payer_id), "the billing key leaks: {text}");
    assert_no_secret("payple", &text);

    // KCP with card_taxno / card_pwd: the certificate and the signature data elided.
    let kcp = json!({"ordr_idxx": "EV-K1", "good_name": "상품", "buyr_name": "홍길동", "amount": 1000,
        "card_no": CANARY_PAN, "card_expiry": "3012", "card_taxno": CANARY_BIRTH, "card_pwd": CANARY_PW});
    c.call_json("kcp.keyin.approve", &kcp).unwrap();
    let [e] = take(&seen).try_into().unwrap();
    assert_eq!((&e.request_body["kcp_cert_info"], &e.request_body["card_pwd"]), (&json!("***"), &json!("***")));
    assert_no_secret("kcp", &e.to_json().to_string());

    // ambiguous: the sandbox approves, then closes the connection without an answer.
    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let err = c.call_json("payup.keyin.approve", &keyin("EV-AMB", CANARY_PAN)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    let events = take(&seen);
    assert_eq!(events.len(), 1, "Payup's keyin has no recovery query: {events:?}");
    let e = &events[0];
    assert_eq!((e.status, e.outcome.kind, &e.response_body), (None, "ambiguous", &Value::Null));
    assert_eq!(e.request_body["cardNo"], "455673******9855");

    // A gateway that answers 500: an answer, ambiguous.
    sb.arm_fault("payup.keyin.approve", "http_500", None, 1).unwrap();
    c.call_json("payup.keyin.approve", &keyin("EV-500", CANARY_PAN)).unwrap_err();
    let [e] = take(&seen).try_into().unwrap();
    assert_eq!((e.status, e.outcome.kind), (Some(500), "ambiguous"));
    assert!(e.response_body.is_string(), "an HTML body is kept as text: {:?}", e.response_body);

    // Another amount than asked: the approval's exchange is ambiguous AMOUNT_MISMATCH, the cancel that
    // undoes it has its own event.
    sb.arm_fault("payup.keyin.approve", "wrong_amount", None, 1).unwrap();
    let err = c.call_json("payup.keyin.approve", &keyin("EV-WA", CANARY_PAN)).unwrap_err();
    assert_eq!(err.payup_code().map(|c| c.as_str()), Some("AMOUNT_MISMATCH"));
    let [approve, cancel] = take(&seen).try_into().unwrap();
    assert_eq!((approve.outcome.kind, approve.outcome.payup_code), ("ambiguous", Some("AMOUNT_MISMATCH")));
    assert_eq!((cancel.operation, cancel.outcome.kind), ("payup.keyin.cancel", "success"));
    assert_eq!(cancel.request_body["signature"], "***");

    // not_sent: nothing listens on the port; a read-only query is tried three times, three events.
    let (c, seen) = recording("http://127.0.0.1:9");
    let err = c.call_json("payup.keyin.approve", &keyin("EV-NS", CANARY_PAN)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotSent);
    let [e] = take(&seen).try_into().unwrap();
    assert_eq!((e.status, e.outcome.kind, &e.response_body), (None, "not_sent", &Value::Null));
    assert_no_secret("not_sent", &e.to_json().to_string());
    let status = json!({"pay_oid": "EV-Q", "pay_date": "20261130"});
    assert_eq!(c.call_json("payple.status", &status).unwrap_err().kind(), ErrorKind::NotSent);
    assert_eq!(take(&seen).iter().map(|e| (e.status, e.outcome.kind)).collect::<Vec<_>>(), vec![(None, "not_sent"); 3]);

    // No listener: nothing is built, the call is the same.
    c.set_event_listener(None);
    assert_eq!(
        c.call_json("payup.keyin.approve", &keyin("EV-NS2", CANARY_PAN)).unwrap_err().kind(),
        ErrorKind::NotSent
    );
    assert!(take(&seen).is_empty());
}
