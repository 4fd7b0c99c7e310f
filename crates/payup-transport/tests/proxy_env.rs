//! One test, alone in its binary, because it sets this process's environment: the proxy variables are
//! ignored (only the configuration's `proxy` sets one), and `{"env": NAME}` references read the environment.

mod common;

use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::{Client, ErrorKind};
use serde_json::json;

#[test]
fn proxy_variables_are_ignored_and_env_references_are_read() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let proxy = common::connect_proxy(200);
    // SAFETY: this binary's only test; nothing else runs while the environment is set.
    unsafe {
        for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(var, &proxy.url);
        }
        std::env::set_var("PAYUP_TEST_API_CERT_KEY", "25bcd7a82f5b4058818462cc7715964c");
    }
    let cfg = json!({"payup": {"merchant_id": "tester", "api_cert_key": {"env": "PAYUP_TEST_API_CERT_KEY"},
                               "base_url": sb.base_url()}});
    let c = Client::from_json(&cfg.to_string()).unwrap();
    let r = c
        .call_json(
            "payup.keyin.approve",
            &json!({"order_number": "ENV-1", "card_no": "4111111111111111",
            "expire_month": "12", "expire_year": "30", "birthday": "890302", "card_pw": "12", "amount": 1000,
            "quota": 0, "item_name": "책", "user_name": "홍길동"}),
        )
        .unwrap();
    c.call_json("payup.keyin.cancel", &json!({"transaction_id": r["transaction_id"]})).unwrap();
    assert!(proxy.tunnels.lock().unwrap().is_empty(), "HTTPS_PROXY & co. must be ignored");

    let cfg = json!({"payple": {"cst_id": "test", "cust_key": {"env": "PAYUP_TEST_UNSET_VARIABLE"}}});
    let e = Client::from_json(&cfg.to_string()).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Config, Some("payple.cust_key")), "{e}");
    assert!(e.message().contains("PAYUP_TEST_UNSET_VARIABLE"), "{e}");
}
