//! The request documents of `payup call` and the C ABI, for every operation, prepared with a config.
#![no_main]
use libfuzzer_sys::fuzz_target;
use payup_core::catalog::{Operation, prepare_json};

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let op = Operation::ALL[data[0] as usize % Operation::ALL.len()];
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&data[1..]) else { return };
    let cfg = serde_json::json!({
        "payup": {"merchant_id": "tester", "api_cert_key": "k"},
        "payple": {"cst_id": "test", "cust_key": "k", "refund_key": "r"},
        "kcp": {"site_cd": "T0000", "cert_info": "-----BEGIN CERTIFICATE-----MA==-----END CERTIFICATE-----"}
    });
    let auth = serde_json::json!({"cst_id": "t", "cust_key": "k", "auth_key": "a", "return_url": "https://testcpay.payple.kr/n"});
    let _ = prepare_json(&cfg, op.name(), &v, 1_700_000_000, Some(&auth));
});
