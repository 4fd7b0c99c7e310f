//! Soak: many approvals across the four gateways through the real client, faults of every kind armed on
//! about a fifth of them, then a reconciliation of the sandbox ledger against what the client reported.
//!
//!     cargo run --release -p payup-transport --example soak -- [--approvals 10000] [--threads 4] [--seed 1]
//!         [--journal PATH]
//!
//! With `--journal PATH` the client runs with an SQLite payment journal there (issue 17), and after the run:
//! every approval standing in the ledger must be known to the journal (approved, or pending / ambiguous /
//! unresolved), every journal approval must stand in the ledger, each approved order (except KakaoPay,
//! whose window token is spent) is sent again and must be replayed with nothing sent, and `recover` runs.
//!
//! Fails (exit 1) on any double approval of an order, any approval the client does not know about
//! (neither a success nor an `ambiguous` error naming it), or any success the ledger does not hold.
//!
//! With `--kill` (needs `--journal`; issue 17's soak with kills) the approvals run in worker processes
//! (this program with `--worker`, a chunk of orders each, several at once) which the driver kills with
//! SIGKILL at random points (about half of them, at a random moment of their run). An order a killed
//! worker did not report is given to a later worker (up to 3 attempts) (the merchant's retry: it must replay, be
//! refused `IN_FLIGHT`, or go through if nothing was sent), except KakaoPay's (its window token is spent).
//! After the last worker: the recover window is waited out, `payup recover` runs (`--payup PATH`, the CLI;
//! else `Client::recover` in this process), then the reconciliation of the whole ledger (no order
//! approved twice), the workers' reports (as above) and the journal (every standing approval known to it,
//! every approval it holds standing, each reported approval replayed with nothing sent).
//!
//!     soak --approvals 10000 --journal target/soak-kill.db --kill [--workers 4] [--chunk 25] [--payup target/release/payup]

use payup_core::ErrorKind;
use payup_sandbox::person::{self, KakaoChoice};
use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::Client;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

const FAULTS: [&str; 6] =
    ["delay", "http_500", "malformed_body", "reset_before_commit", "drop_after_commit", "wrong_amount"];
const READ_MS: u64 = 400;

#[derive(Clone, Debug)]
enum Outcome {
    Approved {
        amount: u64,
    },
    /// An approval of the wrong amount, cancelled by the client.
    Undone,
    Failed(ErrorKind),
    Ambiguous(String),
}

fn arg_str<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.windows(2).find(|w| w[0] == name).map(|w| w[1].as_str())
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.windows(2).find(|w| w[0] == name).and_then(|w| w[1].parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--worker") {
        worker(&args);
        return;
    }
    if args.iter().any(|a| a == "--kill") {
        std::process::exit(kill_soak(&args));
    }
    let total = arg(&args, "--approvals", 10_000);
    let threads = arg(&args, "--threads", 4).max(1);
    let seed = arg(&args, "--seed", 1);
    let sb = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let mut cfg = sb.client_config();
    cfg["timeouts"] = json!({"connect_ms": 1000, "read_ms": READ_MS});
    let journal = arg_str(&args, "--journal");
    if let Some(path) = journal {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        cfg["journal"] = json!({ "sqlite": path });
    }
    let client = Client::from_json(&cfg.to_string()).expect("client");
    let payer_id = sb.register_payple_card("4111111111111111", "1");
    let outcomes: Mutex<BTreeMap<String, (String, Outcome)>> = Mutex::new(BTreeMap::new());
    let armed = std::sync::atomic::AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (client, sb, outcomes, payer_id, armed) = (&client, &sb, &outcomes, &payer_id, &armed);
            s.spawn(move || {
                let mut rng = StdRng::seed_from_u64(seed * 1000 + t);
                let mut i = t;
                while i < total {
                    let gateway = ["payup", "kakaopay", "payple", "kcp"][(i % 4) as usize];
                    let amount = 1000 + rng.random_range(0..100) * 100;
                    let order = format!("SOAK-{seed}-{i}");
                    let op = match gateway {
                        "payup" => "payup.keyin.approve",
                        "kakaopay" => "payup.kakaopay.approve",
                        "payple" => "payple.billing.pay",
                        _ => "kcp.keyin.approve",
                    };
                    if rng.random_range(0..5) == 0 {
                        let fault = FAULTS[rng.random_range(0..FAULTS.len())];
                        let delay = if rng.random_bool(0.5) { 20 } else { READ_MS + 300 };
                        sb.arm_fault(op, fault, Some(delay), 1).expect("arm");
                        armed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    let outcome = run(client, sb, gateway, &order, amount, payer_id);
                    outcomes.lock().unwrap().insert(order, (gateway.to_string(), outcome));
                    i += threads;
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let outcomes = outcomes.into_inner().unwrap();
    let mut code = reconcile(&sb, &outcomes, armed.into_inner(), elapsed);
    if journal.is_some() {
        code = code.max(reconcile_journal(&client, &sb, &outcomes, payer_id.as_str()));
    }
    std::process::exit(code);
}

fn classify(r: Result<Value, payup_core::Error>, amount_of: impl Fn(&Value) -> u64) -> Outcome {
    match r {
        Ok(v) => Outcome::Approved { amount: amount_of(&v) },
        Err(e) if e.code() == Some("AMOUNT_MISMATCH") && e.kind() != ErrorKind::Ambiguous => Outcome::Undone,
        Err(e) if e.kind() == ErrorKind::Ambiguous => {
            let ctx = e
                .ambiguous_context()
                .cloned()
                .as_ref()
                .map(|c| format!("{:?} {:?} tried {:?}", c.order_number, c.transaction_id, c.tried));
            Outcome::Ambiguous(format!("{} [{}]", e.message(), ctx.unwrap_or_default()))
        }
        Err(e) => Outcome::Failed(e.kind()),
    }
}

fn run(c: &Client, sb: &Sandbox, gateway: &str, order: &str, amount: u64, payer_id: &str) -> Outcome {
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
    match gateway {
        "payup" => classify(
            c.call_json("payup.keyin.approve", &json!({"order_number": order, "card_no": "4111111111111111", "expire_month": "12",
                "expire_year": "30", "birthday": "890302", "card_pw": "12", "amount": amount, "quota": 0, "item_name": "soak", "user_name": "soak"})),
            |v| n(v, "amount"),
        ),
        "kakaopay" => kakaopay(c, sb.base_url(), order, amount),
        "payple" => classify(
            c.call_json("payple.billing.pay", &json!({"payer_id": payer_id, "pay_goods": "soak", "pay_total": amount, "pay_oid": order,
                "pay_year": "2026", "pay_month": "11", "simple_flag": true})),
            |v| n(v, "pay_total"),
        ),
        _ => classify(
            c.call_json("kcp.keyin.approve", &json!({"ordr_idxx": order, "good_name": "soak", "buyr_name": "soak", "amount": amount,
                "card_no": "4111111111111111", "card_expiry": "3012"})),
            |v| n(v, "amount"),
        ),
    }
}

fn reconcile(
    sb: &Sandbox,
    outcomes: &BTreeMap<String, (String, Outcome)>,
    armed: u64,
    elapsed: std::time::Duration,
) -> i32 {
    let ledger = sb.transactions();
    let mut by_order: HashMap<String, Vec<&Value>> = HashMap::new();
    for t in ledger["transactions"].as_array().into_iter().flatten() {
        if let Some(o) = t["order_number"].as_str() {
            by_order.entry(o.to_string()).or_default().push(t);
        }
    }
    let mut problems = Vec::new();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut ambiguous = Vec::new();
    for (order, (gateway, outcome)) in outcomes {
        let entries = by_order.get(order).map(Vec::as_slice).unwrap_or(&[]);
        let standing: Vec<&&Value> = entries.iter().filter(|t| t["status"] == "approved").collect();
        if entries.len() > 1 {
            problems.push(format!("{order} ({gateway}): {} approvals in the ledger", entries.len()));
        }
        match outcome {
            Outcome::Approved { amount } => {
                *counts.entry("approved").or_default() += 1;
                if standing.len() != 1 || standing[0]["amount"].as_u64() != Some(*amount) {
                    problems.push(format!(
                        "{order} ({gateway}): the client reports an approval of {amount} the ledger does not hold"
                    ));
                }
            }
            Outcome::Undone => {
                *counts.entry("wrong amount, cancelled by the client").or_default() += 1;
                if !standing.is_empty() {
                    problems.push(format!(
                        "{order} ({gateway}): the client cancelled it, the ledger still has it approved"
                    ));
                }
            }
            Outcome::Failed(kind) => {
                *counts.entry(kind.as_str()).or_default() += 1;
                if !standing.is_empty() {
                    problems.push(format!(
                        "{order} ({gateway}): an approval the client does not know about (it reported {})",
                        kind.as_str()
                    ));
                }
            }
            Outcome::Ambiguous(what) => {
                *counts.entry("ambiguous (reported with identifiers)").or_default() += 1;
                ambiguous.push(format!("{order} ({gateway}) ledger: {} standing — {what}", standing.len()));
            }
        }
    }
    println!(
        "soak: {} approvals across 4 gateways in {:.1} s ({} faults armed)",
        outcomes.len(),
        elapsed.as_secs_f64(),
        armed
    );
    for (k, v) in &counts {
        println!("  {k:<40} {v}");
    }
    println!(
        "  {:<40} {}",
        "double approvals",
        problems.iter().filter(|p| p.contains("approvals in the ledger")).count()
    );
    println!(
        "  {:<40} {}",
        "approvals unknown to the client",
        problems.iter().filter(|p| p.contains("does not know")).count()
    );
    if !ambiguous.is_empty() {
        println!("ambiguous outcomes (the caller must reconcile these; each names its order):");
        for a in ambiguous.iter().take(50) {
            println!("  {a}");
        }
        if ambiguous.len() > 50 {
            println!("  … and {} more", ambiguous.len() - 50);
        }
    }
    if problems.is_empty() {
        println!("reconciliation: OK");
        0
    } else {
        println!("reconciliation FAILED:");
        for p in &problems {
            println!("  {p}");
        }
        1
    }
}

/// The journal against the ledger and the client's reports (`--journal`).
fn reconcile_journal(
    client: &Client,
    sb: &Sandbox,
    outcomes: &BTreeMap<String, (String, Outcome)>,
    payer_id: &str,
) -> i32 {
    use payup_core::journal::Status;
    let journal = client.journal().expect("journal");
    let entries = journal.list(None, None).expect("journal list");
    let ledger = sb.transactions();
    let standing: Vec<&Value> =
        ledger["transactions"].as_array().into_iter().flatten().filter(|t| t["status"] == "approved").collect();
    // A journal entry names the order (or, for KakaoPay, the ordr_idxx the ledger keeps as its order number
    // of the window) — match either.
    let known = |t: &Value| {
        entries.iter().any(|e| {
            let ids = [e.order_number.as_deref(), e.transaction_id.as_deref()];
            ids.iter().flatten().any(|id| Some(*id) == t["order_number"].as_str() || Some(*id) == t["id"].as_str())
                && matches!(e.status, Status::Approved | Status::Pending | Status::Ambiguous | Status::Unresolved)
        })
    };
    let mut problems = Vec::new();
    for t in &standing {
        if !known(t) {
            problems.push(format!("ledger approval {} (order {}) unknown to the journal", t["id"], t["order_number"]));
        }
    }
    let is_approval = |name: &str| payup_core::Operation::from_name(name).is_some_and(payup_core::journal::is_approval);
    for e in entries.iter().filter(|e| e.status == Status::Approved && is_approval(&e.operation)) {
        let ids = [e.order_number.as_deref(), e.transaction_id.as_deref()];
        let stands = standing.iter().any(|t| {
            ids.iter().flatten().any(|id| Some(*id) == t["order_number"].as_str() || Some(*id) == t["id"].as_str())
        });
        if !stands {
            problems.push(format!("journal entry {} approved, not standing in the ledger", e.id));
        }
    }
    // Every approved order again: replayed, nothing sent. Compared by order, not by the ledger's length: a
    // request held by a `delay` fault whose client gave up (ambiguous) may still land in the ledger meanwhile.
    let ids_of = |l: &Value| -> std::collections::BTreeSet<String> {
        l["transactions"].as_array().into_iter().flatten().map(|t| t["id"].to_string()).collect()
    };
    let before = ids_of(&ledger);
    let mut replayed = 0;
    let mut resent_orders = std::collections::BTreeSet::new();
    for (order, (gateway, outcome)) in outcomes {
        let Outcome::Approved { amount } = outcome else { continue };
        if gateway == "kakaopay" {
            continue;
        }
        resent_orders.insert(order.clone());
        let again = resend(client, gateway, order, *amount, payer_id);
        match again {
            Ok(v) if v["replayed"] == true => replayed += 1,
            other => problems.push(format!("{order} ({gateway}) sent again: not replayed: {other:?}")),
        }
    }
    let after = sb.transactions();
    let sent: Vec<&Value> = after["transactions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| !before.contains(&t["id"].to_string()))
        .filter(|t| t["order_number"].as_str().is_some_and(|o| resent_orders.contains(o)))
        .collect();
    if !sent.is_empty() {
        problems.push(format!("the replays sent {} requests: {sent:?}", sent.len()));
    }
    let summary = client.recover().expect("recover");
    let n = |k: &str| summary[k].as_array().map(Vec::len).unwrap_or(0);
    println!("journal: {} entries; {} approvals replayed with nothing sent", entries.len(), replayed);
    println!(
        "  recover: {} resolved, {} unresolved (no query API: by hand), {} still pending",
        n("resolved"),
        n("unresolved"),
        n("still_pending")
    );
    println!(
        "  {:<40} {}",
        "approvals unknown to the journal",
        problems.iter().filter(|p| p.contains("unknown to the journal")).count()
    );
    if problems.is_empty() {
        println!("journal reconciliation: OK");
        0
    } else {
        println!("journal reconciliation FAILED:");
        for p in problems.iter().take(50) {
            println!("  {p}");
        }
        1
    }
}

fn resend(c: &Client, gateway: &str, order: &str, amount: u64, payer_id: &str) -> Result<Value, payup_core::Error> {
    match gateway {
        "payup" => c.call_json("payup.keyin.approve", &json!({"order_number": order, "card_no": "4111111111111111", "expire_month": "12",
            "expire_year": "30", "birthday": "890302", "card_pw": "12", "amount": amount, "quota": 0, "item_name": "soak", "user_name": "soak"})),
        "payple" => c.call_json("payple.billing.pay", &json!({"payer_id": payer_id, "pay_goods": "soak", "pay_total": amount, "pay_oid": order,
            "pay_year": "2026", "pay_month": "11", "simple_flag": true})),
        _ => c.call_json("kcp.keyin.approve", &json!({"ordr_idxx": order, "good_name": "soak", "buyr_name": "soak", "amount": amount,
            "card_no": "4111111111111111", "card_expiry": "3012"})),
    }
}

/// The gateway and amount of order `i` of run `seed`: the same on every attempt (a retry sends the same
/// request, as a merchant's retry would).
fn order_of(seed: u64, i: u64) -> (&'static str, String, u64) {
    let gateway = ["payup", "kakaopay", "payple", "kcp"][(i % 4) as usize];
    let amount = 1000 + (seed.wrapping_mul(7919).wrapping_add(i.wrapping_mul(104_729)) % 100) * 100;
    (gateway, format!("SOAK-{seed}-{i}"), amount)
}

fn operation_of(gateway: &str) -> &'static str {
    match gateway {
        "payup" => "payup.keyin.approve",
        "kakaopay" => "payup.kakaopay.approve",
        "payple" => "payple.billing.pay",
        _ => "kcp.keyin.approve",
    }
}

fn outcome_json(o: &Outcome) -> Value {
    match o {
        Outcome::Approved { amount } => json!({"approved": amount}),
        Outcome::Undone => json!({"undone": true}),
        Outcome::Failed(k) => json!({"failed": k.as_str()}),
        Outcome::Ambiguous(w) => json!({"ambiguous": w}),
    }
}

fn outcome_of(v: &Value) -> Option<Outcome> {
    const KINDS: [ErrorKind; 5] =
        [ErrorKind::Invalid, ErrorKind::Config, ErrorKind::Declined, ErrorKind::NotSent, ErrorKind::Ambiguous];
    if let Some(a) = v["approved"].as_u64() {
        return Some(Outcome::Approved { amount: a });
    }
    if v["undone"] == true {
        return Some(Outcome::Undone);
    }
    if let Some(k) = v["failed"].as_str() {
        return KINDS.iter().find(|x| x.as_str() == k).map(|k| Outcome::Failed(*k));
    }
    v["ambiguous"].as_str().map(|w| Outcome::Ambiguous(w.to_string()))
}

/// `--worker CONFIG BASE_URL PAYER_ID SEED I,J,…`: approves those orders with the journal of CONFIG, arming
/// a fault (over the sandbox's control API) before about a fifth; one JSON line per finished order on
/// stdout, written at once (a line is one `write` below PIPE_BUF: a kill never leaves half of one).
fn worker(args: &[String]) {
    use std::io::Write;
    let at = args.iter().position(|a| a == "--worker").expect("--worker");
    let [config, base, payer_id, seed, orders] = [1, 2, 3, 4, 5].map(|k| args[at + k].clone());
    let seed: u64 = seed.parse().expect("seed");
    let client = Client::from_json(&std::fs::read_to_string(&config).expect("config")).expect("client");
    let sb_faults = format!("{base}/__sandbox/faults");
    let mut rng = StdRng::seed_from_u64(seed ^ u64::from(std::process::id()).wrapping_mul(0x9e37_79b9));
    let mut out = std::io::stdout().lock();
    for i in orders.split(',').filter_map(|i| i.parse::<u64>().ok()) {
        let (gateway, order, amount) = order_of(seed, i);
        let mut armed = false;
        if rng.random_range(0..5) == 0 {
            let fault = FAULTS[rng.random_range(0..FAULTS.len())];
            let delay = if rng.random_bool(0.5) { 20 } else { READ_MS + 300 };
            let body = json!({"operation": operation_of(gateway), "fault": fault, "delay_ms": delay, "times": 1});
            armed = person::request("POST", &sb_faults, "application/json", body.to_string().as_bytes())
                .is_ok_and(|(status, _)| status == 200);
        }
        let outcome = run_remote(&client, &base, gateway, &order, amount, &payer_id);
        let line =
            json!({"i": i, "order": order, "gateway": gateway, "armed": armed, "outcome": outcome_json(&outcome)});
        let _ = out.write_all(format!("{line}\n").as_bytes());
        let _ = out.flush();
    }
}

/// [`run`] from a worker process: the sandbox is reached by its URL (KakaoPay's buyer window too).
fn run_remote(c: &Client, base: &str, gateway: &str, order: &str, amount: u64, payer_id: &str) -> Outcome {
    if gateway != "kakaopay" {
        let r = resend(c, gateway, order, amount, payer_id);
        return classify(r, |v| v["amount"].as_u64().or(v["pay_total"].as_u64()).unwrap_or(0));
    }
    kakaopay(c, base, order, amount)
}

/// A KakaoPay order, the buyer paying by card in the sandbox's window (reached by its URL), and the approval.
fn kakaopay(c: &Client, base: &str, order: &str, amount: u64) -> Outcome {
    let ordered = match c.call_json(
        "payup.kakaopay.order",
        &json!({"order_number": order, "user_agent": "WP", "amount": amount,
        "item_name": "soak", "user_name": "soak", "return_url": "https://shop.example/r"}),
    ) {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(e.kind()),
    };
    let ordr = ordered["ordr_idxx"].as_str().unwrap_or_default();
    let f = match person::kakaopay_pc(base, ordr, KakaoChoice::Card) {
        Ok(f) => f,
        Err(_) => return Outcome::Failed(ErrorKind::Declined),
    };
    let mut req = serde_json::Map::new();
    for k in ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"] {
        req.insert(k.into(), f.get(k).cloned().unwrap_or(Value::Null));
    }
    req.insert("amount".into(), json!(amount));
    classify(c.call_json("payup.kakaopay.approve", &Value::Object(req)), |v| v["amount"].as_u64().unwrap_or(0))
}

struct Running {
    child: std::process::Child,
    orders: Vec<(u64, u32)>,
    reader: std::thread::JoinHandle<Vec<Value>>,
    kill_at: Option<Instant>,
    killed: bool,
    started: Instant,
}

/// The driver of `--kill`: see the module's documentation.
fn kill_soak(args: &[String]) -> i32 {
    use std::collections::{BTreeSet, VecDeque};
    use std::io::BufRead;
    use std::time::Duration;
    let total = arg(args, "--approvals", 10_000);
    let workers = arg(args, "--workers", 4).max(1) as usize;
    let chunk = arg(args, "--chunk", 25).max(1) as usize;
    let seed = arg(args, "--seed", 1);
    let Some(journal) = arg_str(args, "--journal") else {
        eprintln!("--kill needs --journal PATH");
        return 2;
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{journal}{suffix}"));
    }
    let sb = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let mut cfg = sb.client_config();
    cfg["timeouts"] = json!({"connect_ms": 1000, "read_ms": READ_MS});
    cfg["journal"] = json!({ "sqlite": journal });
    let config_path = format!("{journal}.config.json");
    std::fs::write(&config_path, cfg.to_string()).expect("config file");
    let client = Client::from_json(&cfg.to_string()).expect("client");
    let payer_id = sb.register_payple_card("4111111111111111", "1");
    let exe = std::env::current_exe().expect("this program");
    let mut rng = StdRng::seed_from_u64(seed);

    let mut queue: VecDeque<(u64, u32)> = (0..total).map(|i| (i, 1)).collect();
    let mut running: Vec<Running> = Vec::new();
    let mut outcomes: BTreeMap<String, (String, Outcome)> = BTreeMap::new();
    let (mut spawned, mut killed, mut retried, mut armed) = (0u64, 0u64, 0u64, 0u64);
    let mut unreported: BTreeSet<String> = BTreeSet::new();
    let started = Instant::now();
    // How long a worker that is not killed runs (a moving average; a first guess of 10 ms an order).
    let mut run_us: u64 = chunk as u64 * 10_000;
    while !queue.is_empty() || !running.is_empty() {
        while running.len() < workers && !queue.is_empty() {
            let orders: Vec<(u64, u32)> = (0..chunk).filter_map(|_| queue.pop_front()).collect();
            let list = orders.iter().map(|(i, _)| i.to_string()).collect::<Vec<_>>().join(",");
            let mut child = std::process::Command::new(&exe)
                .args(["--worker", &config_path, sb.base_url(), &payer_id, &seed.to_string(), &list])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("a worker");
            let stdout = child.stdout.take().expect("stdout");
            let reader = std::thread::spawn(move || {
                std::io::BufReader::new(stdout)
                    .lines()
                    .map_while(Result::ok)
                    .filter_map(|l| serde_json::from_str(&l).ok())
                    .collect()
            });
            // About half of the workers die by SIGKILL, at a random moment of their run: uniform over
            // the time a worker that is not killed takes (measured as the soak goes: debug or release).
            let kill_at = rng
                .random_bool(0.5)
                .then(|| Instant::now() + Duration::from_micros(rng.random_range(0..run_us.max(1000))));
            running.push(Running { child, orders, reader, kill_at, killed: false, started: Instant::now() });
            spawned += 1;
        }
        std::thread::sleep(Duration::from_millis(5));
        let mut k = 0;
        while k < running.len() {
            let w = &mut running[k];
            if !w.killed
                && w.kill_at.is_some_and(|t| Instant::now() >= t)
                && w.child.try_wait().ok().flatten().is_none()
            {
                // SIGKILL (std's kill): the process ends wherever it is, mid-request or mid-commit.
                let _ = w.child.kill();
                w.killed = true;
                killed += 1;
            }
            let Ok(Some(_)) = w.child.try_wait() else {
                k += 1;
                continue;
            };
            let w = running.swap_remove(k);
            if !w.killed {
                run_us = (run_us * 3 + w.started.elapsed().as_micros() as u64) / 4;
            }
            let lines = w.reader.join().expect("reader");
            let mut reported = BTreeSet::new();
            for l in &lines {
                let (Some(i), Some(order), Some(gateway), Some(outcome)) =
                    (l["i"].as_u64(), l["order"].as_str(), l["gateway"].as_str(), outcome_of(&l["outcome"]))
                else {
                    continue;
                };
                if l["armed"] == true {
                    armed += 1;
                }
                reported.insert(i);
                unreported.remove(order);
                outcomes.insert(order.to_string(), (gateway.to_string(), outcome));
            }
            for (i, attempt) in w.orders {
                if reported.contains(&i) {
                    continue;
                }
                let (gateway, order, _) = order_of(seed, i);
                if !w.killed {
                    eprintln!("a worker ended without reporting {order}");
                }
                if attempt < 3 && gateway != "kakaopay" {
                    queue.push_back((i, attempt + 1));
                    retried += 1;
                } else {
                    unreported.insert(order);
                }
            }
        }
    }
    let elapsed = started.elapsed();
    // The journal's live window: a younger pending entry is `still_pending` for recover (it may be live).
    let window = payup_core::journal::live_window_secs(1000, READ_MS) as u64 + 1;
    std::thread::sleep(Duration::from_secs(window));
    let summary: Value = match arg_str(args, "--payup") {
        Some(payup) => {
            let out = std::process::Command::new(payup)
                .args(["recover", "--config", &config_path])
                .output()
                .expect("payup recover");
            let code = out.status.code().unwrap_or(-1);
            if code != 0 && code != 1 {
                eprintln!("payup recover exited {code}: {}", String::from_utf8_lossy(&out.stdout));
                return 1;
            }
            serde_json::from_slice(&out.stdout).expect("recover's JSON")
        }
        None => client.recover().expect("recover"),
    };
    let n = |k: &str| summary[k].as_array().map(Vec::len).unwrap_or(0);
    println!(
        "soak with kills: {total} orders in {:.1} s by {spawned} worker processes, {killed} killed with SIGKILL, {retried} orders retried after a kill, {} never reported (their worker killed)",
        elapsed.as_secs_f64(),
        unreported.len()
    );
    println!(
        "  payup recover: {} resolved, {} unresolved (no query API: by hand), {} still pending",
        n("resolved"),
        n("unresolved"),
        n("still_pending")
    );
    // The whole ledger: no order approved twice, killed or not.
    let ledger = sb.transactions();
    let mut per_order: HashMap<String, usize> = HashMap::new();
    for t in ledger["transactions"].as_array().into_iter().flatten() {
        if let Some(o) = t["order_number"].as_str() {
            *per_order.entry(o.to_string()).or_default() += 1;
        }
    }
    let doubles: Vec<_> = per_order.iter().filter(|(_, n)| **n > 1).collect();
    println!("  {:<40} {}", "orders in the ledger more than once", doubles.len());
    let mut code = if doubles.is_empty() { 0 } else { 1 };
    for d in doubles.iter().take(20) {
        println!("  double: {d:?}");
    }
    code = code.max(reconcile(&sb, &outcomes, armed, elapsed));
    code.max(reconcile_journal(&client, &sb, &outcomes, payer_id.as_str()))
}
