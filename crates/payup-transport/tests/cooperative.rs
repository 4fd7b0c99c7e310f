//! Cooperative calls (`payup_transport::coop`, issue 21) driven by a real event loop written here: `poll(2)` on
//! the descriptors the suspended calls wait for, on one thread, against the embedded sandbox (and a TLS front).
//! Node's addon drives the same tasks with libuv; what is asserted is the transport's side: many calls in
//! flight on one thread, timeouts, faults and their error classes, retries, name resolution, and pooled
//! connections shared with blocking calls.

mod common;

use payup_core::ErrorKind;
use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::coop::{Interest, Step, Task, Wait, Woke};
use payup_transport::{Client, Error};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn order(prefix: &str) -> String {
    format!("{prefix}{}-{}", std::process::id() % 10000, SEQ.fetch_add(1, Ordering::Relaxed))
}

fn config(base: &str, read_ms: u64) -> Value {
    json!({"timeouts": {"connect_ms": 2000, "read_ms": read_ms},
           "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
           "payple": {"cst_id": "test", "cust_key": "abcd1234567890",
                      "refund_key": "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0", "base_url": base}})
}

fn keyin(order_number: &str) -> Value {
    json!({"order_number": order_number, "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
           "birthday": "890302", "card_pw": "12", "amount": 1000, "quota": 0, "item_name": "책", "user_name": "홍길동"})
}

type Outcome = Result<Value, Error>;

/// What the loop saw: each task's outcome and the order they finished in, and the most tasks that were
/// suspended at once (more than one: the calls really were in flight together on this thread).
struct Ran {
    outcomes: Vec<Outcome>,
    finish_order: Vec<usize>,
    most_suspended: usize,
}

/// Runs `tasks` to completion on this thread: resumes each, then `poll`s what the suspended ones wait for.
fn drive(tasks: Vec<Task<Outcome>>) -> Ran {
    let mut tasks: Vec<Option<Task<Outcome>>> = tasks.into_iter().map(Some).collect();
    let mut waits: Vec<Option<Wait>> = vec![None; tasks.len()];
    let mut outcomes: Vec<Option<Outcome>> = (0..tasks.len()).map(|_| None).collect();
    let mut finish_order = Vec::new();
    let mut most_suspended = 0;
    let mut ready: Vec<(usize, Woke)> = (0..tasks.len()).map(|i| (i, Woke::Ready)).collect();
    loop {
        for (i, woke) in ready.drain(..) {
            let task = tasks[i].as_mut().expect("a finished task is not resumed");
            match task.resume(woke) {
                Step::Wait(w) => waits[i] = Some(w),
                Step::Done(r) => {
                    outcomes[i] = Some(r.expect("no task panics"));
                    finish_order.push(i);
                    tasks[i] = None;
                    waits[i] = None;
                }
            }
        }
        let pending: Vec<usize> = (0..waits.len()).filter(|&i| waits[i].is_some()).collect();
        if pending.is_empty() {
            break;
        }
        most_suspended = most_suspended.max(pending.len());
        let mut fds: Vec<libc::pollfd> = Vec::new();
        let mut fd_owner = Vec::new();
        let now = Instant::now();
        let mut timeout_ms: i32 = -1;
        for &i in &pending {
            let w = waits[i].unwrap();
            if let Some(fd) = w.fd {
                let events = match w.interest {
                    Interest::Read => libc::POLLIN,
                    Interest::Write => libc::POLLOUT,
                };
                fds.push(libc::pollfd { fd, events, revents: 0 });
                fd_owner.push(i);
            }
            if let Some(d) = w.deadline {
                let ms = d.saturating_duration_since(now).as_millis().min(60_000) as i32 + 1;
                timeout_ms = if timeout_ms < 0 { ms } else { timeout_ms.min(ms) };
            }
        }
        // SAFETY: `fds` is a live array of `fds.len()` pollfd entries.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        assert!(n >= 0, "poll: {}", std::io::Error::last_os_error());
        let now = Instant::now();
        for (k, fd) in fds.iter().enumerate() {
            if fd.revents != 0 {
                ready.push((fd_owner[k], Woke::Ready));
            }
        }
        for &i in &pending {
            if ready.iter().any(|(j, _)| *j == i) {
                continue;
            }
            if waits[i].unwrap().deadline.is_some_and(|d| d <= now) {
                ready.push((i, Woke::TimedOut));
            }
        }
        for (i, _) in &ready {
            waits[*i] = None;
        }
    }
    Ran {
        outcomes: outcomes.into_iter().map(|o| o.expect("every task finished")).collect(),
        finish_order,
        most_suspended,
    }
}

fn task(client: &Arc<Client>, op: &'static str, request: Value) -> Task<Outcome> {
    let client = client.clone();
    Task::new(move || client.call_json(op, &request)).unwrap()
}

#[test]
fn sixteen_approvals_in_flight_on_one_thread_are_each_approved_once() {
    let sb = Sandbox::start(SandboxConfig { strict: true, ..SandboxConfig::default() }).unwrap();
    let client = Arc::new(Client::from_json(&config(sb.base_url(), 5000).to_string()).unwrap());
    let orders: Vec<String> = (0..16).map(|_| order("C")).collect();
    let ran = drive(orders.iter().map(|o| task(&client, "payup.keyin.approve", keyin(o))).collect());
    assert!(ran.most_suspended > 1, "the calls ran one after another, not together");
    for (o, outcome) in orders.iter().zip(&ran.outcomes) {
        let r = outcome.as_ref().unwrap_or_else(|e| panic!("{o}: {e}"));
        assert_eq!(r["order_number"], json!(o));
    }
    let ledger = sb.transactions()["transactions"].as_array().cloned().unwrap();
    for o in &orders {
        assert_eq!(ledger.iter().filter(|t| t["order_number"] == json!(o)).count(), 1, "{o}");
    }
    // The pool the tasks filled serves a blocking call on another thread too (the socket's mode is switched).
    let c = client.clone();
    std::thread::spawn(move || c.call_json("payup.keyin.approve", &keyin(&order("B"))).unwrap()).join().unwrap();
    let again = drive(vec![task(&client, "payup.keyin.approve", keyin(&order("C")))]);
    assert!(again.outcomes[0].is_ok(), "{:?}", again.outcomes[0]);
}

#[test]
fn a_delayed_answer_times_out_as_ambiguous_while_other_calls_finish() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let client = Arc::new(Client::from_json(&config(sb.base_url(), 400).to_string()).unwrap());
    // The first approval to reach the sandbox is held 3 s; which of the four that is depends on which
    // connection opens first.
    sb.arm_fault("payup.keyin.approve", "delay", Some(3000), 1).unwrap();
    let started = Instant::now();
    let ran = drive((0..4).map(|_| task(&client, "payup.keyin.approve", keyin(&order("S")))).collect());
    let failed: Vec<usize> = (0..4).filter(|&i| ran.outcomes[i].is_err()).collect();
    assert_eq!(failed.len(), 1, "exactly the delayed call fails: {:?}", ran.outcomes);
    let e = ran.outcomes[failed[0]].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Ambiguous, "{e}");
    assert!(e.message().contains("timed out"), "{e}");
    assert!(started.elapsed() < Duration::from_millis(2500), "the read timeout did not apply");
    assert_eq!(ran.finish_order.last(), Some(&failed[0]), "the delayed call held the others up");
}

#[test]
fn faults_give_the_same_error_classes_as_blocking_calls() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let client = Arc::new(Client::from_json(&config(sb.base_url(), 5000).to_string()).unwrap());
    for (fault, kind) in [
        ("http_500", ErrorKind::Ambiguous),
        ("malformed_body", ErrorKind::Ambiguous),
        ("reset_before_commit", ErrorKind::Ambiguous),
        ("drop_after_commit", ErrorKind::Ambiguous),
    ] {
        sb.arm_fault("payup.keyin.approve", fault, None, 1).unwrap();
        let ran = drive(vec![task(&client, "payup.keyin.approve", keyin(&order("F")))]);
        let e = ran.outcomes[0].as_ref().unwrap_err();
        assert_eq!(e.kind(), kind, "{fault}: {e}");
    }
    // A read-only call whose request never left (its partner auth was reset) is retried after a (suspended)
    // backoff; a payment is not.
    let payer_id = sb.register_payple_card("4111111111111111", "1");
    sb.arm_fault("payple.auth", "reset_before_commit", None, 1).unwrap();
    let ran = drive(vec![task(&client, "payple.billing.info", json!({"payer_id": payer_id, "payer_no": "1"}))]);
    assert_eq!(ran.outcomes[0].as_ref().map(|r| r["pay_rst"].clone()).unwrap(), json!("success"));
    sb.arm_fault("payple.auth", "reset_before_commit", None, 1).unwrap();
    let pay = json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000, "pay_oid": order("P"),
                     "pay_year": "2026", "pay_month": "09"});
    let ran = drive(vec![task(&client, "payple.billing.pay", pay)]);
    assert_eq!(ran.outcomes[0].as_ref().unwrap_err().kind(), ErrorKind::NotSent);
    // A refused connection: nothing was sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = Arc::new(Client::from_json(&config(&format!("http://127.0.0.1:{port}"), 1000).to_string()).unwrap());
    let ran = drive(vec![task(&refused, "payup.keyin.approve", keyin(&order("X")))]);
    assert_eq!(ran.outcomes[0].as_ref().unwrap_err().kind(), ErrorKind::NotSent);
}

#[test]
fn a_host_name_is_resolved_off_the_loop_and_tls_runs_over_suspending_reads() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let port = sb.base_url().rsplit(':').next().unwrap().to_string();
    let by_name = Arc::new(Client::from_json(&config(&format!("http://localhost:{port}"), 5000).to_string()).unwrap());
    let ran = drive(vec![task(&by_name, "payup.keyin.approve", keyin(&order("N")))]);
    assert!(ran.outcomes[0].is_ok(), "{:?}", ran.outcomes[0]);

    let ca = common::local_ca("coop");
    let base = common::tls_front(&ca, sb.base_url());
    let mut cfg = config(&base, 5000);
    cfg["ca_file"] = json!(ca.ca_pem().to_string_lossy());
    let tls = Arc::new(Client::from_json(&cfg.to_string()).unwrap());
    let ran = drive((0..4).map(|_| task(&tls, "payup.keyin.approve", keyin(&order("T")))).collect());
    assert!(ran.outcomes.iter().all(|o| o.is_ok()), "{:?}", ran.outcomes);
}
