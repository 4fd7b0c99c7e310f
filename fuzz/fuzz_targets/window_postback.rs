//! What the KakaoPay window posts back to the merchant, turned into an approve request; and the window
//! page rendered from an arbitrary order result.
#![no_main]
use libfuzzer_sys::fuzz_target;
use payup_core::catalog::{prepare_json, pure_json};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let cfg = serde_json::json!({"payup": {"merchant_id": "tester", "api_cert_key": "k"}});
    let _ = prepare_json(&cfg, "payup.kakaopay.approve", &v, 0, None);
    let _ = pure_json("payup.kakaopay.window", &v);
});
