//! The payment journal across processes (issue 17), with the real `payup` binary, a real SQLite file and
//! the sandbox (a real HTTP server): a process killed while its approval waits at the gateway, 8
//! processes racing one order, a journal that cannot grow (a size-limited file), `payup recover` and
//! `payup journal list/show/resolve` with their exit codes.

use payup_core::journal::{JournalConfig, Status};
use payup_journal::Journal;
use payup_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PAYUP: &str = env!("CARGO_BIN_EXE_payup");

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("payup-cli-journal-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A configuration file for the sandbox with the journal at `db`; short timeouts so that `recover`'s
/// live window (2 × (connect + read) + 5 s) passes quickly.
fn config_file(dir: &Path, base: &str, db: &Path) -> PathBuf {
    let cfg = json!({
        "timeouts": {"connect_ms": 500, "read_ms": 1500},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        "payple": {"cst_id": "test", "cust_key": "abcd1234567890",
                   "refund_key": "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0", "base_url": base},
        "journal": {"sqlite": db.to_str().unwrap()}
    });
    let path = dir.join("config.json");
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

fn spawn(args: &[&str], config: &Path, request: &Value, limit_bytes: Option<u64>) -> Child {
    let mut cmd = Command::new(PAYUP);
    cmd.args(args).arg("--config").arg(config).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(limit) = limit_bytes {
        // A file size limit: every file the process writes stops growing there (EFBIG, SIGXFSZ ignored), as
        // on a full disk.
        unsafe {
            cmd.pre_exec(move || {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let l = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &l) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().unwrap();
    // `recover` and `journal` read no request: the pipe may be closed already.
    let _ = child.stdin.take().unwrap().write_all(request.to_string().as_bytes());
    child
}

fn finish(child: Child) -> (i32, Value) {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("stdout is not JSON: {stdout}"));
    (out.status.code().unwrap_or(-1), v)
}

fn run(args: &[&str], config: &Path, request: &Value) -> (i32, Value) {
    finish(spawn(args, config, request, None))
}

fn approvals_in_ledger(sb: &Sandbox, order: &str) -> usize {
    let all = sb.transactions()["transactions"].as_array().cloned().unwrap_or_default();
    all.iter().filter(|t| (t["order_number"] == order || t["id"] == order) && t["status"] == "approved").count()
}

fn keyin(order: &str) -> Value {
    json!({"order_number": order, "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
           "birthday": "731205", "card_pw": "47", "amount": 1000, "quota": 0, "item_name": "book", "user_name": "Hong"})
}

#[test]
fn a_process_killed_while_its_approval_waits_is_recovered_and_the_order_replays() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = tmpdir("kill");
    let db = dir.join("payup.db");
    let cfg = config_file(&dir, sb.base_url(), &db);
    let payer_id = sb.register_payple_card("4111111111111111", "1");
    let oid = format!("KILL-{}", std::process::id());
    let pay = json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1200, "pay_oid": oid,
                     "pay_year": "2026", "pay_month": "10"});
    // The gateway holds the answer for a second; the process is killed while it waits.
    sb.arm_fault("payple.billing.pay", "delay", Some(1000), 1).unwrap();
    let mut child = spawn(&["call", "payple.billing.pay"], &cfg, &pay, None);
    let journal = Journal::open(&JournalConfig::Sqlite(db.to_str().unwrap().into())).unwrap();
    let t = Instant::now();
    let pending = loop {
        let p = journal.list(Some(Status::Pending), None).unwrap();
        if !p.is_empty() {
            break p;
        }
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "payup ended before its intent showed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(t.elapsed() < Duration::from_secs(10), "no pending entry");
        std::thread::sleep(Duration::from_millis(5));
    };
    // The intent is committed before the first byte leaves; give the request time to reach the gateway.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let id = pending[0].id;
    // The sandbox completes the approval after its delay.
    let t = Instant::now();
    while approvals_in_ledger(&sb, &oid) == 0 {
        assert!(t.elapsed() < Duration::from_secs(5), "the gateway never took the approval");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(journal.get(id).unwrap().unwrap().status, Status::Pending);

    let (code, v) = run(&["call", "payple.billing.pay"], &cfg, &pay);
    assert_eq!(code, 4, "IN_FLIGHT is ambiguous: {v}");
    assert_eq!((v["error"]["payup_code"].as_str(), v["error"]["journal_id"].as_i64()), (Some("IN_FLIGHT"), Some(id)));

    // Too young to be judged: it may still be live in its process.
    let (code, v) = run(&["recover"], &cfg, &json!({}));
    assert_eq!((code, v["still_pending"][0]["id"].as_i64()), (1, Some(id)), "{v}");
    let live = payup_core::journal::live_window_secs(500, 1500) as u64;
    std::thread::sleep(Duration::from_secs(live + 1).saturating_sub(t.elapsed()));
    let (code, v) = run(&["recover"], &cfg, &json!({}));
    assert_eq!(code, 0, "{v}");
    assert_eq!((v["resolved"][0]["id"].as_i64(), v["resolved"][0]["status"].as_str()), (Some(id), Some("approved")));

    let (code, v) = run(&["call", "payple.billing.pay"], &cfg, &pay);
    assert_eq!(code, 0, "{v}");
    assert_eq!((v["replayed"].as_bool(), v["pay_total"].as_u64()), (Some(true), Some(1200)));
    assert_eq!(approvals_in_ledger(&sb, &oid), 1, "exactly one approval at the gateway");

    let (code, v) = run(&["journal", "list", "--status", "approved"], &cfg, &json!({}));
    assert_eq!(code, 0);
    let e = &v.as_array().unwrap()[0];
    for k in [
        "id",
        "operation",
        "gateway",
        "order_number",
        "transaction_id",
        "amount",
        "status",
        "created_at",
        "updated_at",
        "attempts",
    ] {
        assert!(e.get(k).is_some(), "{k} missing in {e}");
    }
    assert_eq!((e["order_number"].as_str(), e["amount"].as_u64()), (Some(oid.as_str()), Some(1200)));
    let (code, v) = run(&["journal", "show", &id.to_string()], &cfg, &json!({}));
    assert_eq!((code, v["status"].as_str()), (0, Some("approved")), "{v}");
    assert!(v["note"].as_str().unwrap().contains("payple.status"));
}

#[test]
fn eight_processes_racing_one_order_send_one_approval() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = tmpdir("race");
    let db = dir.join("payup.db");
    let cfg = config_file(&dir, sb.base_url(), &db);
    for round in 0..3 {
        let order = format!("RACE-{}-{round}", std::process::id());
        // Hold the first approval at the gateway a little, so that the others meet it in flight or approved.
        sb.arm_fault("payup.keyin.approve", "delay", Some(200), 1).unwrap();
        let children: Vec<Child> =
            (0..8).map(|_| spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&order), None)).collect();
        let results: Vec<(i32, Value)> = children.into_iter().map(finish).collect();
        let fresh = results.iter().filter(|(c, v)| *c == 0 && v.get("replayed").is_none()).count();
        let replayed = results.iter().filter(|(c, v)| *c == 0 && v["replayed"] == true).count();
        let in_flight = results.iter().filter(|(c, v)| *c == 4 && v["error"]["payup_code"] == "IN_FLIGHT").count();
        assert_eq!(fresh, 1, "exactly one process sent it: {results:?}");
        assert_eq!(fresh + replayed + in_flight, 8, "{results:?}");
        assert_eq!(approvals_in_ledger(&sb, &order), 1, "one request reached the gateway");
        sb.clear_faults();
    }
}

#[test]
fn a_journal_that_cannot_grow_sends_nothing() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = tmpdir("full");
    let db = dir.join("payup.db");
    let cfg = config_file(&dir, sb.base_url(), &db);
    let (code, _) = run(&["journal", "list"], &cfg, &json!({}));
    assert_eq!(code, 0, "the journal exists");
    let check = |label: &str, why: &str| {
        let order = format!("FULL-{}-{label}", std::process::id());
        // The process may not grow any file by a byte: a full disk, for SQLite.
        let (code, v) = finish(spawn(&["call", "payup.keyin.approve"], &cfg, &keyin(&order), Some(1)));
        assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("config")), "{label}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains("nothing was sent") && message.contains(why), "{label}: {v}");
        assert_eq!(approvals_in_ledger(&sb, &order), 0, "{label}: a request was sent without its intent");
    };
    // 1. No process has the journal open: opening it (its WAL and shared-memory files) fails.
    check("open", "cannot set the SQLite journal to WAL");
    // 2. Another process holds it open (WAL and shared memory exist, the WAL checkpointed to zero bytes):
    //    the journal opens, and writing the intent fails.
    let holder = Journal::open(&JournalConfig::Sqlite(db.to_str().unwrap().into())).unwrap();
    holder.checkpoint().unwrap();
    assert_eq!(std::fs::metadata(db.with_extension("db-wal")).unwrap().len(), 0);
    check("intent", "cannot commit the intent");
    assert!(holder.list(None, None).unwrap().is_empty(), "no intent was recorded");
    assert!(sb.transactions()["transactions"].as_array().unwrap().is_empty(), "nothing reached the gateway");
}

#[test]
fn recover_exit_codes_and_resolve_by_hand() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = tmpdir("resolve");
    let db = dir.join("payup.db");
    let cfg = config_file(&dir, sb.base_url(), &db);
    let (code, v) = run(&["recover"], &cfg, &json!({}));
    assert_eq!(code, 0, "an empty journal: {v}");
    let order = format!("HAND-{}", std::process::id());
    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let (code, v) = run(&["call", "payup.keyin.approve"], &cfg, &keyin(&order));
    assert_eq!(code, 4, "{v}");
    let id = v["error"]["journal_id"].as_i64().expect("journal_id");
    let (code, v) = run(&["recover"], &cfg, &json!({}));
    assert_eq!((code, v["unresolved"][0]["id"].as_i64()), (1, Some(id)), "keyin has no query API: {v}");
    let (code, v) = run(&["journal", "resolve", &id.to_string(), "--status", "approved"], &cfg, &json!({}));
    assert_eq!((code, v["status"].as_str()), (0, Some("approved")), "{v}");
    let (code, v) = run(&["journal", "resolve", &id.to_string(), "--status", "declined"], &cfg, &json!({}));
    assert_eq!((code, v["error"]["kind"].as_str()), (2, Some("invalid")), "a resolved entry stays: {v}");
    let (code, v) = run(&["recover"], &cfg, &json!({}));
    assert_eq!(code, 0, "{v}");
    let (code, v) = run(&["call", "payup.keyin.approve"], &cfg, &keyin(&order));
    assert_eq!((code, v["replayed"].as_bool()), (0, Some(true)), "{v}");
    let (code, v) = run(&["recover"], &dir.join("missing.json"), &json!({}));
    assert_eq!(code, 2, "could not run: {v}");
    let (code, v) = run(&["journal", "list", "--since", "2026-13-01"], &cfg, &json!({}));
    assert_eq!(code, 2, "{v}");
}
