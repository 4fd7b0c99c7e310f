//! The floor for the Rust client: a bare ureq 3 agent (default config, keep-alive) POSTing the bytes
//! payup-core prepared once for a Payup keyin approval, reading the body and checking the response code
//! with a substring test (no JSON parse, no validation, no signing per call).

use payup_core::catalog::Next;
use payup_core::{Config, Exchange, Operation, Request, Target, Timestamp};
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let args = payup_bench::Args::from_env();
    let cfg = Config::from_json_str(&args.config).unwrap_or_else(|e| panic!("config: {}", e.message()));
    let req = Request::from_json(Operation::PayupKeyinApprove, &payup_bench::approval("BU1")).expect("valid");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut x = Exchange::new(&req, Timestamp(now));
    let Next::Send(http) = x.start(&cfg.credentials) else { panic!("nothing to send") };
    let Target::Path(path) = &http.target else { panic!("an absolute target") };
    let base = cfg.base(http.gateway).expect("a payup section").url.clone();
    let url = format!("{base}{path}");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let body = http.body.clone();
    let line = payup_bench::measure("bare-ureq", args.calls, args.warmup, |_| {
        let mut resp = agent
            .post(&url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(&body[..])
            .expect("the sandbox answers");
        let text = resp.body_mut().read_to_string().expect("a body");
        assert!(text.contains("\"responseCode\":\"0000\""), "not approved");
    });
    println!("{line}");
}
