//! The PostgreSQL journal (issue 17) against a real server (`scripts/postgres start`, its URL in
//! PAYUP_TEST_POSTGRES): 8 processes racing one order, two "servers" (two configurations) racing one order,
//! a `pg_dump` holding no card data or key, a dead server (config, nothing sent). Built with
//! `--features postgres`; run by scripts/test.
#![cfg(feature = "postgres")]

use payup_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const PAYUP: &str = env!("CARGO_BIN_EXE_payup");

fn url() -> String {
    std::env::var("PAYUP_TEST_POSTGRES")
        .expect("PAYUP_TEST_POSTGRES: the URL of a throw-away cluster (scripts/postgres start DIR prints it)")
}

fn config_file(tag: &str, base: &str, url: &str, connect_ms: u64) -> PathBuf {
    let cfg = json!({
        "timeouts": {"connect_ms": connect_ms, "read_ms": 3000},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        "journal": {"postgres": url}
    });
    let path = std::env::temp_dir().join(format!("payup-pg-{}-{tag}.json", std::process::id()));
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

fn spawn(args: &[&str], config: &Path, request: &Value) -> Child {
    let mut child = Command::new(PAYUP)
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(request.to_string().as_bytes());
    child
}

fn finish(child: Child) -> (i32, Value) {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("stdout is not JSON: {stdout}"));
    (out.status.code().unwrap_or(-1), v)
}

fn keyin(order: &str, card: &str) -> Value {
    json!({"order_number": order, "card_no": card, "expire_month": "12", "expire_year": "30",
           "birthday": "640217", "card_pw": "93", "amount": 1000, "quota": 0, "item_name": "book", "user_name": "Hong"})
}

fn approvals(sb: &Sandbox, order: &str) -> usize {
    let all = sb.transactions()["transactions"].as_array().cloned().unwrap_or_default();
    all.iter().filter(|t| t["order_number"] == order && t["status"] == "approved").count()
}

/// `configs` processes per configuration race one order, 3 rounds: exactly one request reaches the gateway.
fn race(tag: &str, configs: &[PathBuf], per_config: usize, sb: &Sandbox) {
    for round in 0..3 {
        let order = format!("PG-{tag}-{}-{round}", std::process::id());
        sb.arm_fault("payup.keyin.approve", "delay", Some(200), 1).unwrap();
        let children: Vec<Child> = configs
            .iter()
            .flat_map(|c| (0..per_config).map(move |_| c))
            .map(|c| spawn(&["call", "payup.keyin.approve"], c, &keyin(&order, "4111111111111111")))
            .collect();
        let n = children.len();
        let results: Vec<(i32, Value)> = children.into_iter().map(finish).collect();
        let fresh = results.iter().filter(|(c, v)| *c == 0 && v.get("replayed").is_none()).count();
        let replayed = results.iter().filter(|(c, v)| *c == 0 && v["replayed"] == true).count();
        let in_flight = results.iter().filter(|(c, v)| *c == 4 && v["error"]["payup_code"] == "IN_FLIGHT").count();
        assert_eq!(fresh, 1, "{results:?}");
        assert_eq!(fresh + replayed + in_flight, n, "{results:?}");
        assert_eq!(approvals(sb, &order), 1, "one request reached the gateway");
        sb.clear_faults();
    }
}

#[test]
fn eight_connections_racing_one_order_send_one_approval() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = config_file("race", sb.base_url(), &url(), 1000);
    race("8", &[cfg], 8, &sb);
}

#[test]
fn two_servers_racing_one_order_send_one_approval() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    // Two "servers": two configurations (their own timeouts) of one merchant on one PostgreSQL.
    let a = config_file("server-a", sb.base_url(), &url(), 1000);
    let b = config_file("server-b", sb.base_url(), &url(), 2000);
    race("2", &[a, b], 4, &sb);
}

#[test]
fn recover_and_list_work_on_postgres_and_pg_dump_holds_no_card_data() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = config_file("dump", sb.base_url(), &url(), 1000);
    let (card, birthday, pw, key) = ("4916338506082832", "640217", "93", "25bcd7a82f5b4058818462cc7715964c");
    let order = format!("PG-DUMP-{}", std::process::id());
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&order, card)));
    assert_eq!(code, 0, "{v}");
    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let lost = format!("PG-LOST-{}", std::process::id());
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&lost, card)));
    assert_eq!(code, 4, "{v}");
    let id = v["error"]["journal_id"].as_i64().unwrap();
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&lost, card)));
    assert_eq!((code, v["error"]["payup_code"].as_str()), (4, Some("IN_FLIGHT")), "{v}");
    let (code, v) = finish(spawn(&["recover"], &cfg, &json!({})));
    assert_eq!(code, 1, "{v}");
    assert!(v["unresolved"].as_array().unwrap().iter().any(|e| e["id"] == id), "{v}");
    let (code, v) = finish(spawn(&["journal", "list", "--status", "approved"], &cfg, &json!({})));
    assert_eq!(code, 0);
    assert!(v.as_array().unwrap().iter().any(|e| e["order_number"] == order.as_str()), "{v}");

    let dump = Command::new("pg_dump").arg(url()).output().expect("pg_dump");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(text.contains(&order), "the dump holds the journal");
    for canary in [card, &card[6..], key] {
        assert!(!text.contains(canary), "pg_dump holds {canary}");
    }
    assert!(!text.contains(birthday), "pg_dump holds the birth date");
    assert!(!text.contains(&format!("card_pw\":\"{pw}")), "pg_dump holds the password digits");
}

#[test]
fn a_dead_server_is_a_config_error_and_nothing_is_sent() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cfg =
        config_file("dead", sb.base_url(), &format!("postgresql://payup:pw-canary@127.0.0.1:{port}/postgres"), 1000);
    let order = format!("PG-DEAD-{}", std::process::id());
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&order, "4111111111111111")));
    assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("config")), "{v}");
    assert!(!v.to_string().contains("pw-canary"), "the URL's password is shown: {v}");
    assert_eq!(approvals(&sb, &order), 0);
    let tls = config_file("tls", sb.base_url(), &format!("{}?sslmode=require", url()), 1000);
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &tls, &keyin(&order, "4111111111111111")));
    assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("config")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("TLS"), "{v}");
    assert!(sb.transactions()["transactions"].as_array().unwrap().is_empty(), "nothing reached the gateway");
}
