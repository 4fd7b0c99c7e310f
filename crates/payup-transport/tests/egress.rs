//! Configuration for operations teams (issue 20): secrets by file reference, an explicit CONNECT proxy, extra
//! trust roots (`ca_file`), and per-call options. Against the embedded sandbox, a proxy and a TLS front
//! written in `common`. (References to environment variables and the ignored `HTTPS_PROXY` are in
//! `proxy_env.rs`: they change the process's environment.)

mod common;

use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::{CallOptions, Client, ErrorKind};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn order(prefix: &str) -> String {
    format!("{prefix}{}-{}", std::process::id() % 10000, SEQ.fetch_add(1, Ordering::Relaxed))
}

const CERT_KEY: &str = "25bcd7a82f5b4058818462cc7715964c";

fn config(base: &str, extra: Value) -> Value {
    let mut c = json!({"timeouts": {"connect_ms": 2000, "read_ms": 5000},
                       "payup": {"merchant_id": "tester", "api_cert_key": CERT_KEY, "base_url": base}});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn keyin(order_number: &str) -> Value {
    json!({"order_number": order_number, "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
           "birthday": "890302", "card_pw": "12", "amount": 1000, "quota": 0, "item_name": "책", "user_name": "홍길동"})
}

fn approve_and_cancel(c: &Client) -> Result<(), payup_transport::Error> {
    let r = c.call_json("payup.keyin.approve", &keyin(&order("E")))?;
    // The cancel is signed with api_cert_key (payup-card-keyin.txt §3): the resolved key is the real one.
    c.call_json("payup.keyin.cancel", &json!({"transaction_id": r["transaction_id"]}))?;
    Ok(())
}

fn dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("payup-egress-{name}-{}", std::process::id()))
}

#[test]
fn a_secret_by_file_reference_is_read_and_an_unreadable_one_names_its_key() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let d = dir("secret");
    let key_file = common::write_file(&d, "api_cert_key", &format!("{CERT_KEY}\n"));
    let mut cfg = config(sb.base_url(), json!({}));
    cfg["payup"]["api_cert_key"] = json!({"file": key_file});
    approve_and_cancel(&Client::from_json(&cfg.to_string()).unwrap()).unwrap();

    let missing = d.join("no-such-file").to_string_lossy().into_owned();
    cfg["payup"]["api_cert_key"] = json!({"file": missing});
    let e = Client::from_json(&cfg.to_string()).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Config, Some("payup.api_cert_key")), "{e}");
    assert!(e.message().contains("NotFound"), "{e}");
    // A file's content reaches no error: a readable file of a bad key is refused by name, not by value.
    let canary = common::write_file(&d, "bad_key", "CANARY-KEY-4111111111111111\n");
    let mut cfg = config("http://127.0.0.1:1", json!({"bogus": 1}));
    cfg["payup"]["api_cert_key"] = json!({"file": canary});
    let e = Client::from_json(&cfg.to_string()).unwrap_err();
    assert!(!format!("{e} {e:?} {}", e.to_json()).contains("CANARY"), "{e:?}");
}

#[test]
fn calls_go_through_the_configured_connect_proxy() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let proxy = common::connect_proxy(200);
    let c = Client::from_json(&config(sb.base_url(), json!({"proxy": proxy.url})).to_string()).unwrap();
    approve_and_cancel(&c).unwrap();
    let tunnels = proxy.tunnels.lock().unwrap().clone();
    let host_port = sb.base_url().trim_start_matches("http://").to_string();
    assert!(!tunnels.is_empty() && tunnels.iter().all(|t| *t == host_port), "{tunnels:?}");
}

#[test]
fn a_refused_tunnel_is_not_sent() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let before = sb.transactions()["transactions"].as_array().map_or(0, |t| t.len());
    let proxy = common::connect_proxy(403);
    let c = Client::from_json(&config(sb.base_url(), json!({"proxy": proxy.url})).to_string()).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("P"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSent, "{e}");
    assert_eq!(proxy.tunnels.lock().unwrap().len(), 1);
    // A proxy that is down: not sent either.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = Client::from_json(&config(sb.base_url(), json!({"proxy": format!("http://127.0.0.1:{port}")})).to_string())
        .unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("P"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSent, "{e}");
    assert_eq!(sb.transactions()["transactions"].as_array().map_or(0, |t| t.len()), before);
}

#[test]
fn a_local_ca_in_ca_file_is_trusted_and_is_needed() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let ca = common::local_ca("trust");
    let base = common::tls_front(&ca, sb.base_url());
    let ca_file = ca.ca_pem().to_string_lossy().into_owned();
    approve_and_cancel(&Client::from_json(&config(&base, json!({"ca_file": ca_file})).to_string()).unwrap()).unwrap();

    let before = sb.transactions()["transactions"].as_array().map_or(0, |t| t.len());
    let c = Client::from_json(&config(&base, json!({})).to_string()).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&order("T"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSent, "{e}");
    assert!(e.message().contains("certificate") || e.message().contains("TLS"), "{e}");
    assert_eq!(sb.transactions()["transactions"].as_array().map_or(0, |t| t.len()), before, "nothing was sent");

    let e = Client::from_json(&config(&base, json!({"ca_file": "/nonexistent/ca.pem"})).to_string()).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Config, Some("ca_file")), "{e}");
}

#[test]
fn https_through_the_proxy_with_the_local_ca() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let ca = common::local_ca("proxied");
    let base = common::tls_front(&ca, sb.base_url());
    let proxy = common::connect_proxy(200);
    let extra = json!({"proxy": proxy.url, "ca_file": ca.ca_pem().to_string_lossy()});
    approve_and_cancel(&Client::from_json(&config(&base, extra).to_string()).unwrap()).unwrap();
    let tunnels = proxy.tunnels.lock().unwrap().clone();
    assert!(!tunnels.is_empty() && tunnels.iter().all(|t| *t == base.trim_start_matches("https://")), "{tunnels:?}");
}

#[test]
fn a_per_call_timeout_overrides_the_read_timeout_for_that_call_only() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let c = Client::from_json(&config(sb.base_url(), json!({})).to_string()).unwrap();
    let o = order("TO");
    sb.arm_fault("payup.keyin.approve", "delay", Some(1500), 1).unwrap();
    let t = Instant::now();
    let e = c.call_with("payup.keyin.approve", &keyin(&o), &CallOptions { timeout_ms: Some(300) }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "bytes left: an approval that timed out is ambiguous: {e}");
    assert!(e.message().contains("timed out"), "{e}");
    assert!(t.elapsed() < Duration::from_millis(1400), "the per-call timeout did not apply");
    // The client's own timeout (5 s) is unaffected: the same delay now completes.
    sb.arm_fault("payup.keyin.approve", "delay", Some(1000), 1).unwrap();
    c.call_json("payup.keyin.approve", &keyin(&order("TO"))).unwrap();
    // A longer per-call timeout than the configuration's applies too.
    let short = Client::from_json(
        &json!({"timeouts": {"read_ms": 300}, "payup": {"merchant_id": "tester",
        "api_cert_key": CERT_KEY, "base_url": sb.base_url()}})
        .to_string(),
    )
    .unwrap();
    sb.arm_fault("payup.keyin.approve", "delay", Some(800), 1).unwrap();
    short.call_with("payup.keyin.approve", &keyin(&order("TO")), &CallOptions { timeout_ms: Some(3000) }).unwrap();
}

#[test]
fn call_options_are_checked_before_anything_is_sent() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let c = Client::from_json(&config(sb.base_url(), json!({})).to_string()).unwrap();
    for bad in [json!({"timeout_ms": 0}), json!({"timeout_ms": 600_001}), json!({"timeout_ms": "5"})] {
        let e = CallOptions::from_json(&bad).unwrap_err();
        assert_eq!((e.kind(), e.field()), (ErrorKind::Invalid, Some("timeout_ms")), "{bad}");
    }
    let e = CallOptions::from_json(&json!({"order_number": "x"})).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Invalid, Some("order_number")));
    assert_eq!(CallOptions::from_json(&json!({"timeout_ms": 2500})).unwrap().timeout_ms, Some(2500));
    let e = c.call_with("payup.keyin.approve", &keyin(&order("O")), &CallOptions { timeout_ms: Some(0) }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(sb.transactions()["transactions"].as_array().map_or(0, |t| t.len()), 0);
}
