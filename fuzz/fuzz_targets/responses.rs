//! Every gateway's responses: any status and body, parsed as the answer to any operation.
#![no_main]
use libfuzzer_sys::fuzz_target;
use payup_core::catalog::{Operation, parse_json};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let op = Operation::ALL[data[0] as usize % Operation::ALL.len()];
    let status = [200u16, 400, 404, 500, 502][data[1] as usize % 5];
    // A valid request for the operation, so that parsing is what gets exercised.
    let req = payup_fuzz_requests::sample(op.name());
    let _ = parse_json(op.name(), &req, status, &data[2..]);
});

#[path = "../requests.rs"]
mod payup_fuzz_requests;
