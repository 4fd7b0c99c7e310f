//! What every bench/run driver shares: arguments, the approval request, latency figures and peak RSS.
//! Each driver prints one JSON line: `{"name", "calls", "seconds", "per_second", "p50_us", "p99_us", "rss_kb"}`.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `DRIVER CONFIG_FILE [CALLS [WARMUP]]`.
pub struct Args {
    pub config: String,
    pub calls: usize,
    pub warmup: usize,
}

impl Args {
    pub fn from_env() -> Args {
        let a: Vec<String> = std::env::args().skip(1).collect();
        let Some(path) = a.first() else {
            eprintln!("usage: DRIVER CONFIG_FILE [CALLS [WARMUP]]");
            std::process::exit(2);
        };
        let config = std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2)
        });
        let num = |i: usize, d: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
        Args { config, calls: num(1, 3000), warmup: num(2, 300) }
    }
}

/// The Payup keyin approval every driver sends (the test card the sandbox approves).
pub fn approval(order_number: &str) -> Value {
    json!({"order_number": order_number, "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
        "birthday": "890302", "card_pw": "12", "amount": 1004, "quota": 0, "item_name": "벤치 상품", "user_name": "홍길동"})
}

/// Runs `f` `warmup` times, then `calls` times timing each call, and returns the report line.
pub fn measure(name: &str, calls: usize, warmup: usize, mut f: impl FnMut(usize)) -> Value {
    for i in 0..warmup {
        f(i);
    }
    let mut lat = Vec::with_capacity(calls);
    let start = Instant::now();
    for i in 0..calls {
        let t = Instant::now();
        f(warmup + i);
        lat.push(t.elapsed());
    }
    let total = start.elapsed();
    report(name, total, &mut lat)
}

pub fn report(name: &str, total: Duration, lat: &mut [Duration]) -> Value {
    lat.sort_unstable();
    let pct = |p: f64| {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1e6
    };
    let secs = total.as_secs_f64();
    json!({"name": name, "calls": lat.len(), "seconds": secs, "per_second": lat.len() as f64 / secs,
        "p50_us": pct(0.50), "p99_us": pct(0.99), "rss_kb": peak_rss_kb()})
}

/// VmHWM of this process (kB), 0 when /proc is not there.
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}
