//! `ledger_cap` bounds memory: 50,000 Payup keyin approvals on one keep-alive connection against a sandbox
//! capped at 2,000 entries. The resident set after the last 40,000 approvals has grown by no more than a
//! bound far below what 40,000 kept entries need (not a timing assertion).
mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// This process's resident set (Linux `/proc/self/status` VmRSS), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Sends `n` approvals on `s` (one keep-alive connection), each read to its end by Content-Length.
fn approvals(s: &mut TcpStream, host: &str, from: usize, n: usize) {
    let mut buf = Vec::with_capacity(8192);
    for i in from..from + n {
        let body = keyin_body(&format!("MEM-{i}"), OK_CARD, "1000").to_string();
        let req = format!(
            "POST /v2/api/payment/{MID}/keyin2 HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        buf.clear();
        let mut chunk = [0u8; 4096];
        let total = loop {
            let k = s.read(&mut chunk).unwrap();
            assert!(k > 0, "connection closed");
            buf.extend_from_slice(&chunk[..k]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap();
                break end + 4 + len;
            }
        };
        while buf.len() < total {
            let k = s.read(&mut chunk).unwrap();
            assert!(k > 0, "connection closed");
            buf.extend_from_slice(&chunk[..k]);
        }
        assert!(buf.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf));
        assert!(String::from_utf8_lossy(&buf).contains("\"responseCode\":\"0000\""), "{i}");
    }
}

#[test]
fn fifty_thousand_approvals_under_a_ledger_cap_keep_memory_flat() {
    const CAP: usize = 2_000;
    let sb = Sandbox::start(SandboxConfig::from_json(&format!(r#"{{"ledger_cap": {CAP}}}"#)).unwrap()).unwrap();
    let host = sb.base_url().trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // Past the cap first, so that what follows is the steady state.
    approvals(&mut s, &host, 0, 10_000);
    let before = rss_kib();
    approvals(&mut s, &host, 10_000, 40_000);
    let after = rss_kib();
    let ledger = sb.transactions();
    let txs = ledger["transactions"].as_array().unwrap();
    assert!(txs.len() <= CAP, "{} entries", txs.len());
    assert_eq!(txs.last().unwrap()["order_number"], "MEM-49999");
    drop(ledger);
    // 40,000 kept entries would need tens of MiB; capped, the growth is allocator noise.
    let growth = after.saturating_sub(before);
    eprintln!("RSS before {before} KiB, after {after} KiB, growth {growth} KiB");
    assert!(growth < 12 * 1024, "RSS grew by {growth} KiB over 40,000 capped approvals");
}
