//! The form-encoded result Payple's window POSTs to the merchant (payple.result).
#![no_main]
use libfuzzer_sys::fuzz_target;
use payup_core::catalog::pure_json;

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = std::str::from_utf8(data) {
        let _ = pure_json("payple.result", &serde_json::json!({ "form": form }));
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = pure_json("payple.result", &serde_json::json!({ "fields": v }));
    }
});
