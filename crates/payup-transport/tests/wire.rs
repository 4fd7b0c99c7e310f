//! The wire's write coalescing and pool probing (issue 21) against a plain TCP server on loopback: a request
//! leaves as one write (head and body together), a kept-alive connection is reused, and a connection the
//! server closed after its answer is never reused (the probe at checkout still runs).

use payup_transport::wire::Wire;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

const BODY: &[u8] = br#"{"orderNumber":"W-1","amount":"1004","itemName":"wire test"}"#;

/// Reads one request; returns what the first read returned and the whole request.
fn read_request(s: &mut TcpStream) -> (Vec<u8>, Vec<u8>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut all = Vec::new();
    let mut first = None;
    loop {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "the client closed before its request was complete: {:?}", String::from_utf8_lossy(&all));
        all.extend_from_slice(&buf[..n]);
        first.get_or_insert_with(|| buf[..n].to_vec());
        if let Some(end) = all.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&all[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().expect("a length"))
                .unwrap_or(0);
            if all.len() >= end + 4 + len {
                return (first.unwrap_or_default(), all);
            }
        }
    }
}

fn answer(s: &mut TcpStream) {
    s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").expect("write");
}

#[test]
fn a_request_leaves_in_one_write_and_a_closed_connection_is_not_reused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2/api/payment/tester/keyin2", listener.local_addr().unwrap());
    let (closed_tx, closed_rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        let mut accepted = 0;
        // Connection 1: two requests (keep-alive), then the server closes it.
        let (mut c1, _) = listener.accept().unwrap();
        accepted += 1;
        let mut firsts = Vec::new();
        for _ in 0..2 {
            let (first, all) = read_request(&mut c1);
            assert!(all.ends_with(BODY), "the body arrived");
            firsts.push((first.len(), all.len()));
            answer(&mut c1);
        }
        drop(c1);
        closed_tx.send(()).unwrap();
        // Connection 2: the request after the close.
        let (mut c2, _) = listener.accept().unwrap();
        accepted += 1;
        let (first, all) = read_request(&mut c2);
        firsts.push((first.len(), all.len()));
        answer(&mut c2);
        (accepted, firsts)
    });

    let wire = Wire::new(Duration::from_secs(5), Duration::from_secs(5));
    let headers = vec![("Content-Type".to_string(), "application/json; charset=utf-8".to_string())];
    for _ in 0..2 {
        let r = wire.post(&url, &headers, BODY).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
    }
    closed_rx.recv().unwrap();
    // Give the FIN time to arrive (it is queued to this socket by the server's close on loopback).
    std::thread::sleep(Duration::from_millis(200));
    let r = wire.post(&url, &headers, BODY).unwrap_or_else(|e| panic!("after the server closed: {e:?}"));
    assert_eq!(r.status, 200);

    let (accepted, firsts) = server.join().unwrap();
    assert_eq!(accepted, 2, "one kept-alive connection for the first two requests, a new one after the close");
    for (first, all) in firsts {
        // Head and body in one write: the server's first read holds the whole request.
        assert_eq!(first, all, "the request arrived in pieces");
    }
}

/// A body larger than ureq's output buffer goes out in several writes, the head first: every byte arrives,
/// in order.
#[test]
fn a_body_larger_than_the_buffer_arrives_whole() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/big", listener.local_addr().unwrap());
    let body: Vec<u8> = (0..600_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let want = body.clone();
    let server = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let (_, all) = read_request(&mut c);
        answer(&mut c);
        all
    });
    let wire = Wire::new(Duration::from_secs(5), Duration::from_secs(5));
    let headers = vec![("Content-Type".to_string(), "application/octet-stream".to_string())];
    let r = wire.post(&url, &headers, &body).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.status, 200);
    let all = server.join().unwrap();
    assert!(all.starts_with(b"POST /big HTTP/1.1\r\n"), "the head first");
    assert!(all.ends_with(&want), "the body whole and in order");
}
