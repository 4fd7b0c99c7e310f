//! A client used before `fork()` (issue 14): each child must open connections of its own. Without the
//! pool's pid check the children write into the parent's pooled socket, read each other's answers, and the
//! amount check cancels other buyers' payments. Its own test binary: one test, so that no other test thread
//! is running when it forks.

use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::Client;
use serde_json::json;

const CHILDREN: u64 = 3;
const EACH: u64 = 60;

fn keyin(order: &str, amount: u64) -> serde_json::Value {
    json!({"order_number": order, "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
           "birthday": "890302", "card_pw": "12", "amount": amount, "quota": 0, "item_name": "상품", "user_name": "홍길동"})
}

#[test]
fn children_forked_after_a_call_get_their_own_connections() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let mut config = sb.client_config();
    config["timeouts"] = json!({"connect_ms": 2000, "read_ms": 5000});
    let client = Client::from_json(&config.to_string()).unwrap();
    // The pool now holds a keep-alive connection that every child inherits.
    client.call_json("payup.keyin.approve", &keyin("FORK-P", 999)).unwrap();

    let mut pids = Vec::new();
    for c in 0..CHILDREN {
        // SAFETY: the child only uses its own copy of `client` and then _exits; no other thread of this test
        // binary is running (the sandbox's threads stay in the parent and are never touched by the child).
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let mut bad = 0;
            for i in 0..EACH {
                let order = format!("FORK-{c}-{i}");
                let amount = 1000 + c * 1000 + i;
                match client.call_json("payup.keyin.approve", &keyin(&order, amount)) {
                    Ok(r) if r["order_number"] == order.as_str() && r["amount"] == amount => {}
                    _ => bad += 1,
                }
            }
            if c == 0 {
                // The child's sandbox handle reaches the parent's live server over HTTP (not its stale copy).
                let seen = sb.transactions()["transactions"].as_array().map_or(0, Vec::len);
                if seen < EACH as usize + 1 || sb.register_payple_card("4111111111111111", "1").is_empty() {
                    bad += 1;
                }
            }
            // SAFETY: ends the child at once, running no destructor of the parent's state.
            unsafe { libc::_exit(bad.min(255)) };
        }
        pids.push(pid);
    }
    for pid in pids {
        let mut status = 0;
        // SAFETY: waits for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "a child did not exit normally");
        assert_eq!(libc::WEXITSTATUS(status), 0, "a child had wrong or failed approvals");
    }
    let ledger = sb.transactions();
    let txs = ledger["transactions"].as_array().unwrap();
    assert_eq!(txs.len() as u64, CHILDREN * EACH + 1, "exactly the approvals made");
    assert!(txs.iter().all(|t| t["status"] == "approved"), "no approval was cancelled");
    assert!(ledger["payple_billing_keys"].as_array().unwrap().iter().any(|k| k["card"] == "411111******1111"));
    // The parent's own pool still works.
    client.call_json("payup.keyin.approve", &keyin("FORK-P2", 998)).unwrap();
}
