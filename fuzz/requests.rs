//! A valid request document per operation (for the response fuzzer), shared with the Rust tests.

pub fn sample(op: &str) -> serde_json::Value {
    let all: serde_json::Value = serde_json::from_str(include_str!("../tests/vectors/minimal_requests.json")).unwrap();
    all["requests"][op].clone()
}
