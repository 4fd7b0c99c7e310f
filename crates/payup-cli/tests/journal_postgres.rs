//! The PostgreSQL journal (issue 17) against real servers (`scripts/postgres start`): 8 processes racing one
//! order, two "servers" (two configurations) racing one order, 16 threads on one pool, a `pg_dump` holding no
//! card data or key, a dead server, a server dying under a running client, a server refusing the intent's
//! write (config, nothing sent), and TLS (`scripts/postgres start DIR tls`). The URL of the plain cluster is
//! PAYUP_TEST_POSTGRES, the TLS cluster's directory PAYUP_TEST_POSTGRES_TLS, a directory for a cluster a test
//! starts and stops itself PAYUP_TEST_POSTGRES_SCRATCH. Compiled with payup-cli's `--features postgres` (it
//! only turns these tests on: the PostgreSQL journal is in every build); run by scripts/test.
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

/// Whether `text` holds `digits` with no digit right before or after it.
fn holds_number(text: &str, digits: &str) -> bool {
    text.match_indices(digits).any(|(i, _)| {
        let before = text[..i].chars().next_back().is_some_and(|c| c.is_ascii_digit());
        let after = text[i + digits.len()..].chars().next().is_some_and(|c| c.is_ascii_digit());
        !before && !after
    })
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
    // As a number of its own: six digits also turn up inside the sandbox's random 8-digit auth numbers.
    assert!(!holds_number(&text, birthday), "pg_dump holds the birth date");
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
    // TLS asked of a server without it: refused, never a plaintext connection instead.
    let tls = config_file("tls", sb.base_url(), &format!("{}?sslmode=require", url()), 1000);
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &tls, &keyin(&order, "4111111111111111")));
    assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("config")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("TLS"), "{v}");
    assert!(sb.transactions()["transactions"].as_array().unwrap().is_empty(), "nothing reached the gateway");
}

/// The server that dies while a client holds its pool: the next approval is a `config` error with nothing
/// sent (its connections are found closed and a new one cannot be opened), never a request without its intent.
#[test]
fn a_server_that_dies_under_a_running_client_sends_nothing_more() {
    let Some(dir) = std::env::var_os("PAYUP_TEST_POSTGRES_SCRATCH") else {
        panic!("PAYUP_TEST_POSTGRES_SCRATCH: a directory for a second throw-away cluster (scripts/test sets it)")
    };
    let dir = PathBuf::from(dir).join(format!("dying-{}", std::process::id()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres");
    let out = Command::new(&script).arg("start").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pg = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let config = json!({
        "timeouts": {"connect_ms": 1000, "read_ms": 3000},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": sb.base_url()},
        "journal": {"postgres": pg, "pool": 2}
    });
    let client = payup_transport::Client::from_json(&config.to_string()).unwrap();
    let call = |order: &str| client.call_json("payup.keyin.approve", &keyin(order, "4111111111111111"));
    let before = format!("PG-ALIVE-{}", std::process::id());
    assert!(call(&before).is_ok());
    let stop = Command::new(&script).arg("stop").arg(&dir).output().unwrap();
    assert!(stop.status.success(), "{}", String::from_utf8_lossy(&stop.stderr));
    for i in 0..3 {
        let order = format!("PG-DIED-{}-{i}", std::process::id());
        let e = call(&order).expect_err("the journal is gone");
        assert_eq!(e.kind(), payup_core::ErrorKind::Config, "{e:?}");
        assert_eq!(approvals(&sb, &order), 0, "a request was sent without its intent");
    }
    assert_eq!(approvals(&sb, &before), 1);
}

/// A TLS cluster (`scripts/postgres start DIR tls`: ssl=on, only TLS accepted, a throw-away CA).
fn tls_cluster() -> (String, PathBuf) {
    let dir = PathBuf::from(std::env::var_os("PAYUP_TEST_POSTGRES_TLS").expect(
        "PAYUP_TEST_POSTGRES_TLS: the directory of a TLS cluster (scripts/postgres start DIR tls; scripts/test sets it)",
    ));
    (std::fs::read_to_string(dir.join("url")).unwrap().trim().to_string(), dir)
}

#[test]
fn tls_verify_full_with_the_ca_journals_and_a_wrong_ca_or_plaintext_is_refused() {
    let (pg, dir) = tls_cluster();
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let ca = dir.join("ca.pem");
    let with = |tag: &str, query: String| config_file(tag, sb.base_url(), &format!("{pg}?{query}"), 1000);
    let order = |tag: &str| format!("PGT-{tag}-{}", std::process::id());

    // verify-full with the CA: the chain and the name (IP 127.0.0.1) check out; the approval is journaled.
    let good = with("tls-full", format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &good, &keyin(&order("full"), "4111111111111111")));
    assert_eq!(code, 0, "{v}");
    let (code, v) = finish(spawn(&["journal", "list", "--status", "approved"], &good, &json!({})));
    assert_eq!(code, 0, "{v}");
    assert!(v.as_array().unwrap().iter().any(|e| e["order_number"] == order("full").as_str()), "{v}");
    // The same order again over TLS replays (the guard works over the encrypted connection).
    let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &good, &keyin(&order("full"), "4111111111111111")));
    assert_eq!((code, &v["replayed"]), (0, &json!(true)), "{v}");
    // The CA as a percent-encoded path, and verify-ca and require with it.
    let encoded = ca.display().to_string().replace('/', "%2F");
    for (tag, query) in [
        ("enc", format!("sslmode=verify-full&sslrootcert={encoded}")),
        ("ca", format!("sslmode=verify-ca&sslrootcert={}", ca.display())),
        ("req", format!("sslrootcert={}&sslmode=require", ca.display())),
        // require without a root: encrypted, unverified (libpq's meaning); the server only takes TLS.
        ("reqnr", "sslmode=require".to_string()),
    ] {
        let cfg = with(&format!("tls-{tag}"), query);
        let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&order(tag), "4111111111111111")));
        assert_eq!(code, 0, "{tag}: {v}");
    }
    // Another host name at the same address (hostaddr): verify-ca takes it, verify-full refuses it.
    let renamed = |mode: &str| {
        let u = format!(
            "{}?sslmode={mode}&sslrootcert={}&hostaddr=127.0.0.1",
            pg.replace("127.0.0.1", "pg.invalid"),
            ca.display()
        );
        config_file(&format!("tls-name-{mode}"), sb.base_url(), &u, 1000)
    };
    let (code, v) = finish(spawn(
        &["call", "payup.keyin.approve"],
        &renamed("verify-ca"),
        &keyin(&order("nca"), "4111111111111111"),
    ));
    assert_eq!(code, 0, "verify-ca, another name: {v}");
    let (code, v) = finish(spawn(
        &["call", "payup.keyin.approve"],
        &renamed("verify-full"),
        &keyin(&order("nfull"), "4111111111111111"),
    ));
    assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("config")), "verify-full, another name: {v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("certificate not valid for name"), "{v}");
    assert_eq!(approvals(&sb, &order("nfull")), 0);

    // Refused, nothing sent: a wrong CA (verify-full, verify-ca, and require with a root), Mozilla's roots
    // (the throw-away CA is not one of them), an unreadable CA file, plaintext (the server rejects it).
    let wrong = dir.join("wrong-ca.pem");
    for (tag, query, why) in [
        ("wfull", format!("sslmode=verify-full&sslrootcert={}", wrong.display()), "certificate"),
        ("wca", format!("sslmode=verify-ca&sslrootcert={}", wrong.display()), "certificate"),
        ("wreq", format!("sslmode=require&sslrootcert={}", wrong.display()), "certificate"),
        ("moz", "sslmode=verify-full".to_string(), "certificate"),
        ("miss", "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem".to_string(), "sslrootcert"),
        ("plain", "sslmode=disable".to_string(), "no encryption"),
        ("ccert", "sslmode=verify-full&sslcert=/tmp/c.pem".to_string(), "sslcert"),
        ("bmode", "sslmode=sometimes".to_string(), "sslmode"),
    ] {
        let cfg = with(&format!("tls-{tag}"), query);
        let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&order(tag), "4111111111111111")));
        assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("config")), "{tag}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{tag}: {message}");
        assert_eq!(approvals(&sb, &order(tag)), 0, "{tag}: sent without its intent");
    }
}

/// One client, its pool of 4 connections shared by 16 threads: racing one order sends one approval (the
/// others replay or are `IN_FLIGHT`), and 16 threads on their own orders all go through with one each.
#[test]
fn sixteen_threads_on_one_pool_race_one_order_and_run_their_own() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let config = json!({
        "timeouts": {"connect_ms": 1000, "read_ms": 3000},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": sb.base_url()},
        "journal": {"postgres": url(), "pool": 4}
    });
    let client = payup_transport::Client::from_json(&config.to_string()).unwrap();
    let shared = format!("PG-POOL-{}", std::process::id());
    sb.arm_fault("payup.keyin.approve", "delay", Some(200), 1).unwrap();
    let results: Vec<Result<Value, payup_core::Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| s.spawn(|| client.call_json("payup.keyin.approve", &keyin(&shared, "4111111111111111"))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let fresh = results.iter().filter(|r| r.as_ref().is_ok_and(|v| v.get("replayed").is_none())).count();
    let replayed = results.iter().filter(|r| r.as_ref().is_ok_and(|v| v["replayed"] == true)).count();
    let in_flight =
        results.iter().filter(|r| r.as_ref().is_err_and(|e| e.to_json()["error"]["payup_code"] == "IN_FLIGHT")).count();
    assert_eq!((fresh, fresh + replayed + in_flight), (1, 16), "{results:?}");
    assert_eq!(approvals(&sb, &shared), 1);
    sb.clear_faults();
    let own: Vec<String> = (0..16).map(|t| format!("PG-OWN-{}-{t}", std::process::id())).collect();
    std::thread::scope(|s| {
        for order in &own {
            let client = &client;
            s.spawn(move || {
                let v = client.call_json("payup.keyin.approve", &keyin(order, "4111111111111111")).unwrap();
                assert!(v.get("replayed").is_none(), "{v}");
            });
        }
    });
    for order in &own {
        assert_eq!(approvals(&sb, order), 1, "{order}");
    }
    let approved = client.journal().unwrap().list(Some(payup_core::journal::Status::Approved), None).unwrap();
    assert!(own.iter().all(|o| approved.iter().any(|e| e.order_number.as_deref() == Some(o))));
}

/// The server refuses the intent's write on a live connection (a trigger raising, as a full disk's "could
/// not extend file" would): a `config` error, nothing sent, no entry; when the write is allowed again the
/// same order goes through.
#[test]
fn a_server_that_refuses_the_intent_write_sends_nothing() {
    let psql = |url: &str, sql: &str| {
        let out = Command::new("psql").args([url, "-v", "ON_ERROR_STOP=1", "-qc", sql]).output().expect("psql");
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let db = format!("payup_full_{}", std::process::id());
    psql(&url(), &format!("DROP DATABASE IF EXISTS {db}"));
    psql(&url(), &format!("CREATE DATABASE {db}"));
    let db_url = format!("{}/{db}", url().rsplit_once('/').unwrap().0);
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let config = json!({
        "timeouts": {"connect_ms": 1000, "read_ms": 3000},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": sb.base_url()},
        "journal": {"postgres": db_url, "pool": 2}
    });
    let client = payup_transport::Client::from_json(&config.to_string()).unwrap();
    psql(
        &db_url,
        "CREATE FUNCTION payup_test_full() RETURNS trigger LANGUAGE plpgsql AS \
         $$BEGIN RAISE EXCEPTION 'could not extend file: No space left on device (test)'; END$$; \
         CREATE TRIGGER payup_test_full BEFORE INSERT ON payup_journal FOR EACH ROW EXECUTE FUNCTION payup_test_full()",
    );
    let order = format!("PG-FULL-{}", std::process::id());
    for _ in 0..2 {
        let e = client.call_json("payup.keyin.approve", &keyin(&order, "4111111111111111")).unwrap_err();
        assert_eq!(e.kind(), payup_core::ErrorKind::Config, "{e:?}");
        assert!(e.message().contains("No space left on device") && e.message().contains("nothing was sent"), "{e:?}");
        assert_eq!(approvals(&sb, &order), 0, "a request was sent without its intent");
    }
    assert!(client.journal().unwrap().list(None, None).unwrap().is_empty(), "no entry was recorded");
    psql(&db_url, "DROP TRIGGER payup_test_full ON payup_journal");
    let v = client.call_json("payup.keyin.approve", &keyin(&order, "4111111111111111")).unwrap();
    assert!(v.get("replayed").is_none(), "{v}");
    assert_eq!(approvals(&sb, &order), 1);
    drop(client);
    psql(&url(), &format!("DROP DATABASE {db} WITH (FORCE)"));
}
