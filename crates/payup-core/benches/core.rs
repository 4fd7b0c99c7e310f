//! Core micro-benchmarks: sign, prepare an approval, parse an approval response, render a window form.
//! `bench/run` runs them with `--output-format bencher` and records ns/op in bench/results.json.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use payup_core::catalog::{Exchange, Next, Operation, Request};
use payup_core::{Config, HttpResponse, Timestamp, payup};
use serde_json::json;

fn benches(c: &mut Criterion) {
    c.bench_function("sign_approval", |b| {
        b.iter(|| {
            payup::approval_signature(
                black_box("tester"),
                black_box("ZP2017090911"),
                black_box(1004),
                black_box("25bcd7a82f5b4058818462cc7715964c"),
                black_box("20170910132060"),
            )
        })
    });
    let cfg = Config::from_json(
        &json!({"payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c"}}),
    )
    .unwrap();
    let doc = json!({"order_number": "TEST_00001", "card_no": "9490191412341234", "expire_month": "05", "expire_year": "19",
        "birthday": "890302", "card_pw": "00", "amount": 1004, "quota": 0, "item_name": "TEST 상품", "user_name": "최용수"});
    let req = Request::from_json(Operation::PayupKeyinApprove, &doc).unwrap();
    c.bench_function("prepare_approval", |b| {
        b.iter(|| {
            let mut x = Exchange::new(black_box(&req), Timestamp(1_518_361_200));
            match x.start(&cfg.credentials) {
                Next::Send(http) => http.body.len(),
                Next::Done(_) => 0,
            }
        })
    });
    let body = serde_json::to_vec(&json!({"amount": "1004", "orderNumber": "TEST_00001", "authNumber": "00308225",
        "authDateTime": "20180212000000", "transactionId": "20180212000000ST0000", "cardName": "신한카드",
        "kakaoResultCode": "0000", "responseCode": "0000", "responseMsg": "성공"}))
    .unwrap();
    let resp = HttpResponse::new(200, body);
    c.bench_function("parse_approval", |b| b.iter(|| payup::KeyinApproved::parse(black_box(&resp)).unwrap()));
    c.bench_function("approval_round_trip", |b| {
        b.iter(|| {
            let mut x = Exchange::new(&req, Timestamp(1_518_361_200));
            let _ = x.start(&cfg.credentials);
            x.on_response(&cfg.credentials, black_box(&resp))
        })
    });
    let window = json!({"order": {"good_mny": 2500, "site_cd": "A8DTF", "ret_url": "https://shop.example/r", "buyr_name": "김철수",
        "ordr_idxx": "20180212000000ST0001", "good_name": "카카오 \"<상품>\" & 할인", "approval_key": "AK", "pay_url": "https://pay.example/m"},
        "user_agent": "WM"});
    let w = match Request::from_json(Operation::PayupKakaopayWindow, &window).unwrap() {
        Request::PayupKakaopayWindow(w) => w,
        _ => unreachable!(),
    };
    c.bench_function("render_window", |b| b.iter(|| black_box(&w).render().unwrap().html.len()));
}

criterion_group!(core, benches);
criterion_main!(core);
