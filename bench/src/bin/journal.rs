//! The payment journal's cost (issue 17): Payup keyin approvals through the client with no journal, the
//! SQLite journal or the PostgreSQL journal, sequential or with N
//! concurrent callers sharing one client.
//!
//!     bench-journal CONFIG CALLS WARMUP none|sqlite:PATH|postgres:URL CALLERS [POOL]
//!
//! POOL is the PostgreSQL journal's `"pool"` (its default when absent); the row is then named
//! `journal-postgres-CALLERS-poolN`.

use payup_core::{Operation, Request, Response};
use payup_transport::Client;
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() < 5 {
        eprintln!("usage: bench-journal CONFIG CALLS WARMUP none|sqlite:PATH|postgres:URL CALLERS");
        std::process::exit(2);
    }
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&a[0]).expect("config")).expect("JSON");
    let (calls, warmup): (usize, usize) = (a[1].parse().expect("CALLS"), a[2].parse().expect("WARMUP"));
    let callers: usize = a[4].parse::<usize>().expect("CALLERS").max(1);
    let kind = match a[3].split_once(':') {
        Some(("sqlite", path)) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            config["journal"] = serde_json::json!({ "sqlite": path });
            "sqlite"
        }
        Some(("postgres", url)) => {
            config["journal"] = serde_json::json!({ "postgres": url });
            if let Some(pool) = a.get(5) {
                config["journal"]["pool"] = serde_json::json!(pool.parse::<u32>().expect("POOL"));
            }
            "postgres"
        }
        _ => "none",
    };
    let client = Client::from_json(&config.to_string()).unwrap_or_else(|e| panic!("config: {}", e.message()));
    // Unique orders per run: a PostgreSQL journal outlives the process.
    let run = format!("{}-{}", std::process::id(), Instant::now().elapsed().as_nanos() % 1000);
    let approve = |i: usize| {
        let doc = payup_bench::approval(&format!("BJ{run}-{i}"));
        let req = Request::from_json(Operation::PayupKeyinApprove, &doc).expect("a valid request");
        match client.execute(req) {
            Ok(Response::PayupKeyinApproved(r)) if r.amount == 1004 => {}
            Ok(other) => panic!("unexpected result {other:?}"),
            Err(e) => panic!("approval failed: {} {}", e.kind().as_str(), e.message()),
        }
    };
    for i in 0..warmup {
        approve(i);
    }
    let lat = Mutex::new(Vec::with_capacity(calls));
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..callers {
            let (approve, lat) = (&approve, &lat);
            s.spawn(move || {
                let mut mine: Vec<Duration> = Vec::new();
                let mut i = warmup + t;
                while i < warmup + calls {
                    let started = Instant::now();
                    approve(i);
                    mine.push(started.elapsed());
                    i += callers;
                }
                lat.lock().unwrap().extend(mine);
            });
        }
    });
    let total = start.elapsed();
    let mut name = if callers == 1 { format!("journal-{kind}-seq") } else { format!("journal-{kind}-{callers}") };
    if let (Some(pool), "postgres") = (a.get(5), kind) {
        name.push_str(&format!("-pool{pool}"));
    }
    println!("{}", payup_bench::report(&name, total, &mut lat.into_inner().unwrap()));
}
