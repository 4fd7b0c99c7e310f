//! Runs one of the core benchmarks' bodies N times, for instruction counts under callgrind (which do not
//! depend on the machine's load): `cargo run --release -p payup-core --example core_loop -- round_trip 10000`.
//! Two runs with different N, subtracted, give the instructions of one iteration without the start-up.

use payup_core::catalog::{Exchange, Next, Operation, Request};
use payup_core::{Config, HttpResponse, Timestamp, payup};
use serde_json::json;
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "round_trip".into());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let cfg = Config::from_json(
        &json!({"payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c"}}),
    )
    .unwrap();
    let doc = json!({"order_number": "TEST_00001", "card_no": "9490191412341234", "expire_month": "05", "expire_year": "19",
        "birthday": "890302", "card_pw": "00", "amount": 1004, "quota": 0, "item_name": "TEST 상품", "user_name": "최용수"});
    let req = Request::from_json(Operation::PayupKeyinApprove, &doc).unwrap();
    let body = serde_json::to_vec(&json!({"amount": "1004", "orderNumber": "TEST_00001", "authNumber": "00308225",
        "authDateTime": "20180212000000", "transactionId": "20180212000000ST0000", "cardName": "신한카드",
        "kakaoResultCode": "0000", "responseCode": "0000", "responseMsg": "성공"}))
    .unwrap();
    let resp = HttpResponse::new(200, body);
    let mut sink = 0usize;
    for _ in 0..n {
        match which.as_str() {
            "sign" => {
                sink += payup::approval_signature(
                    black_box("tester"),
                    black_box("ZP2017090911"),
                    black_box(1004),
                    black_box("25bcd7a82f5b4058818462cc7715964c"),
                    black_box("20170910132060"),
                )
                .len()
            }
            "prepare" => {
                let mut x = Exchange::new(black_box(&req), Timestamp(1_518_361_200));
                sink += match x.start(&cfg.credentials) {
                    Next::Send(http) => http.body.len(),
                    Next::Done(_) => 0,
                }
            }
            "parse" => {
                black_box(payup::KeyinApproved::parse(black_box(&resp)).unwrap());
            }
            _ => {
                let mut x = Exchange::new(&req, Timestamp(1_518_361_200));
                let _ = x.start(&cfg.credentials);
                black_box(x.on_response(&cfg.credentials, black_box(&resp)));
            }
        }
    }
    black_box(sink);
}
