//! A small HTTP/1.1 server on std::net: keep-alive, Content-Length and chunked request bodies,
//! one thread per connection. Byte-level control lets the fault injector close a connection with no
//! response or reset it (SO_LINGER 0).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::Shared;

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 4 * 1024 * 1024;

pub struct Request {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string (after `?`), possibly empty.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// `http://HOST` from the Host header (falls back to the listening address).
    pub fn base_url(&self, fallback: &str) -> String {
        match self.header("host") {
            Some(h) if !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()) => format!("http://{h}"),
            _ => fallback.to_string(),
        }
    }
}

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, content_type, headers: Vec::new(), body: body.into() }
    }
    pub fn json(v: &serde_json::Value) -> Response {
        Response::json_status(200, v)
    }
    pub fn json_status(status: u16, v: &serde_json::Value) -> Response {
        Response::new(status, "application/json; charset=utf-8", serde_json::to_vec(v).unwrap_or_default())
    }
    pub fn html(body: String) -> Response {
        Response::new(200, "text/html; charset=utf-8", body)
    }
    pub fn error(status: u16, msg: &str) -> Response {
        Response::json_status(status, &serde_json::json!({ "error": msg }))
    }
}

/// What the connection does after a request has been handled.
pub enum Reply {
    Send(Response),
    /// Close the connection without answering (FIN).
    Close,
    /// Reset the connection (RST via SO_LINGER 0).
    Reset,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

pub fn serialize(resp: &Response, keep_alive: bool, head_only: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(resp.body.len() + 256);
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n",
        resp.status,
        reason(resp.status),
        resp.content_type,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    out.extend_from_slice(if keep_alive { b"Connection: keep-alive\r\n\r\n" } else { b"Connection: close\r\n\r\n" });
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
    out
}

pub fn serve(listener: TcpListener, shared: Arc<Shared>) {
    // Live connections are joined on stop (each notices the stop flag within one read poll), so that a
    // stopped sandbox leaves no thread, and no reference to its state, behind: an embedding C program may
    // exit right after freeing it. (No clone of the socket is kept: it would delay the resets of faults.)
    let mut live: Vec<std::thread::JoinHandle<()>> = Vec::new();
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else { continue };
        live.retain(|h| !h.is_finished());
        let shared = shared.clone();
        if let Ok(h) = std::thread::Builder::new().name("sandbox-conn".into()).spawn(move || {
            let _ = connection(stream, &shared);
        }) {
            live.push(h);
        }
    }
    for h in live {
        let _ = h.join();
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

enum ReadOutcome {
    Request(Request, bool),
    Closed,
    Bad(u16, &'static str),
}

/// Read more bytes into `buf`, polling the stop flag on read timeouts.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, shared: &Shared) -> io::Result<usize> {
    let mut tmp = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut tmp) {
            Ok(n) => {
                buf.extend_from_slice(&tmp[..n]);
                return Ok(n);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if shared.stop.load(Ordering::SeqCst) {
                    return Ok(0);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, shared: &Shared) -> io::Result<ReadOutcome> {
    let head_end = loop {
        if let Some(p) = find_head_end(buf) {
            break p;
        }
        if buf.len() > MAX_HEAD {
            return Ok(ReadOutcome::Bad(413, "request head too large"));
        }
        if fill(stream, buf, shared)? == 0 {
            return Ok(ReadOutcome::Closed);
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(ReadOutcome::Bad(400, "bad request line"));
    };
    let mut headers = Vec::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let conn_hdr = get("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" { conn_hdr.contains("keep-alive") } else { !conn_hdr.contains("close") };
    let chunked = get("transfer-encoding").map(|t| t.to_ascii_lowercase().contains("chunked")).unwrap_or(false);
    let content_length = match get("content-length") {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= MAX_BODY => n,
            Ok(_) => return Ok(ReadOutcome::Bad(413, "body too large")),
            Err(_) => return Ok(ReadOutcome::Bad(400, "bad Content-Length")),
        },
        None => 0,
    };
    if get("expect").map(|e| e.eq_ignore_ascii_case("100-continue")).unwrap_or(false) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let mut pos = head_end + 4;
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(p) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                    break pos + p;
                }
                if fill(stream, buf, shared)? == 0 {
                    return Ok(ReadOutcome::Closed);
                }
            };
            let size_txt = String::from_utf8_lossy(&buf[pos..line_end]).into_owned();
            let size_txt = size_txt.split(';').next().unwrap_or("").trim().to_string();
            let Ok(size) = usize::from_str_radix(&size_txt, 16) else {
                return Ok(ReadOutcome::Bad(400, "bad chunk size"));
            };
            if body.len() + size > MAX_BODY {
                return Ok(ReadOutcome::Bad(413, "body too large"));
            }
            pos = line_end + 2;
            if size == 0 {
                // Trailers end with an empty line.
                loop {
                    if let Some(p) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                        let empty = p == 0;
                        pos += p + 2;
                        if empty {
                            break;
                        }
                    } else if fill(stream, buf, shared)? == 0 {
                        return Ok(ReadOutcome::Closed);
                    }
                }
                break;
            }
            while buf.len() < pos + size + 2 {
                if fill(stream, buf, shared)? == 0 {
                    return Ok(ReadOutcome::Closed);
                }
            }
            body.extend_from_slice(&buf[pos..pos + size]);
            pos += size + 2;
        }
        body
    } else {
        while buf.len() < pos + content_length {
            if fill(stream, buf, shared)? == 0 {
                return Ok(ReadOutcome::Closed);
            }
        }
        let b = buf[pos..pos + content_length].to_vec();
        pos += content_length;
        b
    };
    buf.drain(..pos);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    Ok(ReadOutcome::Request(Request { method: method.to_string(), path, query, headers, body }, keep_alive))
}

fn connection(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_millis(100)))?; // the stop-flag poll
    let mut buf = Vec::with_capacity(8 * 1024);
    loop {
        let (req, keep_alive) = match read_request(&mut stream, &mut buf, shared)? {
            ReadOutcome::Request(r, k) => (r, k),
            ReadOutcome::Closed => return Ok(()),
            ReadOutcome::Bad(status, msg) => {
                stream.write_all(&serialize(&Response::error(status, msg), false, false))?;
                return Ok(());
            }
        };
        let keep_alive = keep_alive && !shared.stop.load(Ordering::SeqCst);
        match crate::handle(shared, &req) {
            Reply::Send(resp) => {
                stream.write_all(&serialize(&resp, keep_alive, req.method == "HEAD"))?;
                if !keep_alive {
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                    return Ok(());
                }
            }
            Reply::Close => {
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return Ok(());
            }
            Reply::Reset => {
                let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
                drop(stream);
                return Ok(());
            }
        }
    }
}
