//! The HTTP layer itself (src/http.rs): keep-alive, pipelining, many connections at once, and the
//! `delay` fault holding only its own connection (the worker loops serve several connections each).
mod common;
use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn connect(base: &str) -> TcpStream {
    let s = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

fn keyin_request(order: &str) -> Vec<u8> {
    let body = keyin_body(order, OK_CARD, "1000").to_string();
    format!(
        "POST /v2/api/payment/{MID}/keyin2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const GET_FAULTS: &[u8] = b"GET /__sandbox/faults HTTP/1.1\r\nHost: x\r\n\r\n";

/// Read exactly one response (by its Content-Length) from a keep-alive connection.
fn read_one(s: &mut TcpStream, pending: &mut Vec<u8>) -> Resp {
    let mut tmp = [0u8; 4096];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap();
            if pending.len() >= end + 4 + len {
                let r = parse_response(&pending[..end + 4 + len]).unwrap();
                pending.drain(..end + 4 + len);
                return r;
            }
        }
        let n = s.read(&mut tmp).unwrap();
        assert!(n > 0, "connection closed mid-response");
        pending.extend_from_slice(&tmp[..n]);
    }
}

#[test]
fn a_delayed_request_holds_up_only_its_own_connection() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url().to_string();
    // Enough keep-alive connections that some share the delayed one's worker thread.
    let mut others: Vec<TcpStream> = (0..8).map(|_| connect(&base)).collect();
    let mut pending = Vec::new();
    for s in &mut others {
        s.write_all(GET_FAULTS).unwrap();
        assert_eq!(read_one(s, &mut pending).status, 200);
    }
    sb.arm_fault("payup.keyin.approve", "delay", Some(1500), 1).unwrap();
    let delayed = std::thread::spawn({
        let base = base.clone();
        move || {
            let mut s = connect(&base);
            let t = Instant::now();
            s.write_all(&keyin_request("SRV-delay")).unwrap();
            let mut pending = Vec::new();
            let r = read_one(&mut s, &mut pending);
            let waited = t.elapsed();
            // The connection stays usable after the delay (keep-alive).
            s.write_all(&keyin_request("SRV-after")).unwrap();
            let again = read_one(&mut s, &mut pending);
            (r.json()["responseCode"].clone(), waited, again.json()["responseCode"].clone())
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    for s in &mut others {
        s.write_all(&keyin_request("SRV-other")).unwrap();
        assert_eq!(read_one(s, &mut pending).json()["responseCode"], "0000");
    }
    let others_took = t.elapsed();
    let (code, waited, again) = delayed.join().unwrap();
    assert_eq!(code, "0000");
    assert!(waited >= Duration::from_millis(1500), "{waited:?}");
    assert_eq!(again, "0000");
    // Answered while the delayed request was still waiting (it had 1.3 s left).
    assert!(others_took < Duration::from_millis(1000), "{others_took:?}");
    assert!(others_took < waited, "{others_took:?} vs {waited:?}");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let mut s = connect(sb.base_url());
    let mut all = Vec::new();
    for i in 0..5 {
        all.extend_from_slice(&keyin_request(&format!("SRV-P{i}")));
    }
    s.write_all(&all).unwrap();
    let mut pending = Vec::new();
    for i in 0..5 {
        let r = read_one(&mut s, &mut pending).json();
        assert_eq!(r["responseCode"], "0000");
        assert_eq!(r["orderNumber"], format!("SRV-P{i}"));
    }
}

#[test]
fn many_connections_at_once() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let mut conns: Vec<TcpStream> = (0..200).map(|_| connect(sb.base_url())).collect();
    for (i, s) in conns.iter_mut().enumerate() {
        s.write_all(&keyin_request(&format!("SRV-M{i}"))).unwrap();
    }
    let mut pending = Vec::new();
    for (i, s) in conns.iter_mut().enumerate() {
        let r = read_one(s, &mut pending).json();
        assert!(pending.is_empty());
        assert_eq!(r["orderNumber"], format!("SRV-M{i}"));
    }
    let ledger = ledger(sb.base_url());
    assert_eq!(ledger["transactions"].as_array().unwrap().len(), 200);
    // A large answer (the ledger, written in several parts) on a keep-alive connection, then another request.
    let mut s = connect(sb.base_url());
    s.write_all(b"GET /__sandbox/transactions HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let r = read_one(&mut s, &mut pending);
    assert_eq!(r.json()["transactions"].as_array().unwrap().len(), 200);
    s.write_all(GET_FAULTS).unwrap();
    assert_eq!(read_one(&mut s, &mut pending).json()["faults"], json!([]));
}
