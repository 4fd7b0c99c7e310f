//! What every bench/run driver shares: arguments, the approval request, latency figures and peak RSS.
//! Each driver prints one JSON line: `{"name", "calls", "seconds", "per_second", "p50_us", "p99_us", "rss_kb"}`.
//! With `BENCH_CONCURRENCY=N` (N > 1) the timed calls are shared by N threads on the one client, and the
//! name gets `@N` (bench/run's concurrent rows).
//! With `BENCH_PAIRED=1` the driver runs batches on demand for `bench/paired.py` (bench/README.md, "How the
//! ratios are measured"): after the warm-up it prints `ready`, then for each line read on stdin it times `CALLS`
//! calls and prints `batch SECONDS`; at the end of stdin it prints the report line over every timed call.

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

/// `BENCH_CONCURRENCY` (1 when unset).
pub fn concurrency() -> usize {
    std::env::var("BENCH_CONCURRENCY").ok().and_then(|s| s.parse().ok()).filter(|n| *n > 0).unwrap_or(1)
}

/// Runs `f` `warmup` times, then `calls` times timing each call (on `concurrency()` threads when it is
/// more than 1), and returns the report line.
pub fn measure(name: &str, calls: usize, warmup: usize, f: impl Fn(usize) + Sync) -> Value {
    let n = concurrency();
    if n > 1 {
        return measure_concurrent(&format!("{name}@{n}"), calls, warmup, n, f);
    }
    if paired() {
        return measure_paired(name, calls, warmup, f);
    }
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
    write_trace(&lat);
    report(name, total, &mut lat)
}

/// With `BENCH_TRACE=FILE`, each timed call's latency in µs, in call order, one a line (to see whether a run's
/// speed changes within the run or only between runs: bench/README.md, "How the ratios are measured").
fn write_trace(lat: &[Duration]) {
    if let Some(path) = std::env::var_os("BENCH_TRACE") {
        let text: String = lat.iter().map(|d| format!("{:.1}\n", d.as_secs_f64() * 1e6)).collect();
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("BENCH_TRACE {}: {e}", path.to_string_lossy()));
    }
}

/// `BENCH_PAIRED=1`: batches on demand (see the crate's doc).
pub fn paired() -> bool {
    std::env::var("BENCH_PAIRED").is_ok_and(|v| v == "1")
}

/// Warm-up, `ready`, then one batch of `calls` timed calls per line on stdin, `batch SECONDS` after each; the
/// report covers every timed call, its `seconds` the sum of the batches' (the waits between them excluded).
pub fn measure_paired(name: &str, calls: usize, warmup: usize, f: impl Fn(usize)) -> Value {
    use std::io::{BufRead, Write};
    for i in 0..warmup {
        f(i);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").and_then(|()| out.flush()).expect("stdout");
    let mut lat = Vec::new();
    let mut total = Duration::ZERO;
    let mut next = warmup;
    let mut line = String::new();
    let mut stdin = std::io::stdin().lock();
    while stdin.read_line(&mut line).expect("stdin") > 0 {
        line.clear();
        let start = Instant::now();
        for i in next..next + calls {
            let t = Instant::now();
            f(i);
            lat.push(t.elapsed());
        }
        let batch = start.elapsed();
        next += calls;
        total += batch;
        writeln!(out, "batch {}", batch.as_secs_f64()).and_then(|()| out.flush()).expect("stdout");
    }
    report(name, total, &mut lat)
}

/// `threads` callers share `calls` timed calls on one client (after `warmup` sequential ones); the
/// throughput is over the wall time of all of them, the percentiles over every call.
pub fn measure_concurrent(name: &str, calls: usize, warmup: usize, threads: usize, f: impl Fn(usize) + Sync) -> Value {
    for i in 0..warmup {
        f(i);
    }
    let per = calls.div_ceil(threads);
    let start = Instant::now();
    let mut lat: Vec<Duration> = std::thread::scope(|s| {
        let f = &f;
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut lat = Vec::with_capacity(per);
                    for i in 0..per {
                        let c = Instant::now();
                        f(warmup + t * per + i);
                        lat.push(c.elapsed());
                    }
                    lat
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().expect("a caller thread")).collect()
    });
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
