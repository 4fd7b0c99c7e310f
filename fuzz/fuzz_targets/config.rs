//! The configuration document (CLI, C ABI, Python, Node).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = payup_core::Config::from_json_str(s);
    }
});
