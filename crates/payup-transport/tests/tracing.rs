//! Exchange events as `tracing` events (issue 20): a plain `tracing-subscriber` shows them with no payup code.
//! Its own test binary, one test: tracing caches each callsite's interest process-wide, and a call on another
//! test's thread (no subscriber) racing with this one's scoped subscriber could cache "never".

use payup_sandbox::{KCP_TEST_CERT_PEM, Sandbox, SandboxConfig};
use payup_transport::Client;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const CANARY_PAN: &str = "4556737586899855";
const CANARY_DECLINED: &str = "4556737586070002";

fn config(base: &str) -> Value {
    json!({
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        "kcp": {"site_cd": "T0000", "cert_info": KCP_TEST_CERT_PEM, "base_url": base}
    })
}

fn keyin(order: &str, card: &str) -> Value {
    json!({"order_number": order, "card_no": card, "expire_month": "12", "expire_year": "30",
           "birthday": "731205", "card_pw": "47", "amount": 1004, "quota": 0, "item_name": "책", "user_name": "홍길동"})
}

fn assert_no_secret(what: &str, text: &str) {
    for canary in [CANARY_PAN, CANARY_DECLINED, "731205", "25bcd7a82f5b4058818462cc7715964c", "\"47\""] {
        assert!(!text.contains(canary), "{what} leaks {canary}: {text}");
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn tracing_subscriber_users_see_events_with_no_code() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let client = Client::from_json(&config(sb.base_url()).to_string()).unwrap();
    let out = Buffer::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        client.call_json("payup.keyin.approve", &keyin("EV-TR", CANARY_PAN)).unwrap();
        client.call_json("payup.keyin.approve", &keyin("EV-TR2", CANARY_DECLINED)).unwrap_err();
    });
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("DEBUG payup:") && lines[0].contains("payup.keyin.approve POST"), "{text}");
    assert!(lines[0].contains("outcome=\"success\"") && lines[1].contains("outcome=\"declined\""), "{text}");
    assert!(lines[0].contains("455673******9855"), "{text}");
    assert_no_secret("tracing output", &text);

    // At INFO, nothing is built or written.
    let out = Buffer::default();
    let writer = out.clone();
    let info =
        tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(move || writer.clone()).finish();
    tracing::subscriber::with_default(info, || {
        client.call_json("payup.keyin.approve", &keyin("EV-TR3", CANARY_PAN)).unwrap();
    });
    assert!(out.0.lock().unwrap().is_empty());
}
