//! The payup Rust client: typed `execute` of a Payup keyin approval, one keep-alive connection, sequential.

use payup_core::{Operation, Request, Response};
use payup_transport::Client;

fn main() {
    let args = payup_bench::Args::from_env();
    let client = Client::from_json(&args.config).unwrap_or_else(|e| panic!("config: {}", e.message()));
    let line = payup_bench::measure("rust-client", args.calls, args.warmup, |i| {
        let doc = payup_bench::approval(&format!("BR{i}"));
        let req = Request::from_json(Operation::PayupKeyinApprove, &doc).expect("a valid request");
        match client.execute(req) {
            Ok(Response::PayupKeyinApproved(r)) if r.amount == 1004 => {}
            Ok(_) => panic!("unexpected result"),
            Err(e) => panic!("approval failed: {} {}", e.kind().as_str(), e.message()),
        }
    });
    println!("{line}");
}
