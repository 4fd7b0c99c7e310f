//! A small HTTP/1.1 server on std::net: keep-alive, Content-Length and chunked request bodies.
//! Byte-level control lets the fault injector close a connection with no response or reset it
//! (SO_LINGER 0).
//!
//! On Unix a fixed set of worker threads (one per core) each runs a poll(2) loop over its own
//! connections, so that many keep-alive connections never mean many runnable threads fighting for
//! the state lock on few cores (bench/README.md, "sandbox tail latency": that was the cause of a p99
//! 100× the median). A request the `delay` fault holds moves its connection to a thread of its own, so
//! the wait never stalls the other connections of its worker. Elsewhere: one thread per connection.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
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
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A request's headers: names in lower case and values trimmed, in the order sent, kept in one `String`
/// (two allocations per request instead of a `String` per name and per value).
#[derive(Default)]
pub struct Headers {
    text: String,
    /// Each header's name `text[start..mid]` and value `text[mid..end]`.
    spans: Vec<(usize, usize, usize)>,
}

impl Headers {
    fn push(&mut self, name: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(name);
        self.text[start..].make_ascii_lowercase();
        let mid = self.text.len();
        self.text.push_str(value);
        self.spans.push((start, mid, self.text.len()));
    }

    /// The first value of `name` (lower case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.spans.iter().find(|&&(s, m, _)| &self.text[s..m] == name).map(|&(_, m, e)| &self.text[m..e])
    }
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
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
    /// A JSON object of string values written in `pairs`' order: the bytes `serde_json` writes for the
    /// same `json!` object (its escaping, no spaces, insertion order with `preserve_order`), without
    /// building the map: building and serializing it was ~15% of a keyin approval under callgrind.
    pub fn json_strings(pairs: &[(&str, &str)]) -> Response {
        let mut out = Vec::with_capacity(32 + pairs.iter().map(|(k, v)| k.len() + v.len() + 6).sum::<usize>());
        out.push(b'{');
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut out, k);
            out.push(b':');
            let _ = serde_json::to_writer(&mut out, v);
        }
        out.push(b'}');
        Response::new(200, "application/json; charset=utf-8", out)
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
    /// The `delay` fault: wait this long, then answer with [`crate::answer`].
    Delay(Duration),
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
    serialize_into(&mut out, resp, keep_alive, head_only);
    out
}

/// [`serialize`] appended to `out` (a connection's output buffer): the head written piece by piece, not
/// through `write!`'s formatting machinery.
pub fn serialize_into(out: &mut Vec<u8>, resp: &Response, keep_alive: bool, head_only: bool) {
    out.reserve(resp.body.len() + 256);
    out.extend_from_slice(b"HTTP/1.1 ");
    push_decimal(out, usize::from(resp.status));
    out.push(b' ');
    out.extend_from_slice(reason(resp.status).as_bytes());
    out.extend_from_slice(b"\r\nContent-Type: ");
    out.extend_from_slice(resp.content_type.as_bytes());
    out.extend_from_slice(b"\r\nContent-Length: ");
    push_decimal(out, resp.body.len());
    out.extend_from_slice(b"\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n");
    for (k, v) in &resp.headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(if keep_alive { b"Connection: keep-alive\r\n\r\n" } else { b"Connection: close\r\n\r\n" });
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
}

/// `n` in decimal (payup-core's writer, without the formatting machinery).
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    out.extend_from_slice(payup_core::decimal(n as u64, &mut digits).as_bytes());
}

/// The threads serving delayed connections, joined on stop.
type Spawned = Mutex<Vec<std::thread::JoinHandle<()>>>;

pub fn serve(listener: TcpListener, shared: Arc<Shared>) {
    // Every thread is joined on stop (each notices the stop flag within one 100 ms poll), so that a
    // stopped sandbox leaves no thread, and no reference to its state, behind: an embedding C program may
    // exit right after freeing it. (No clone of a socket is kept: it would delay the resets of faults.)
    let spawned: Arc<Spawned> = Arc::new(Mutex::new(Vec::new()));
    #[cfg(unix)]
    event_loop::serve(listener, &shared, &spawned);
    #[cfg(not(unix))]
    serve_threads(listener, &shared, &spawned);
    let handles = std::mem::take(&mut *crate::lock(&spawned));
    for h in handles {
        let _ = h.join();
    }
}

/// Serve `stream` on a thread of its own (blocking reads with a stop-flag poll), `buf` holding what was
/// already read from it and `first` a request already read whose answer is still due.
fn spawn_connection(
    stream: TcpStream,
    buf: Vec<u8>,
    first: Option<(Request, bool, Duration)>,
    shared: &Arc<Shared>,
    spawned: &Arc<Spawned>,
) {
    let sh = shared.clone();
    let h = std::thread::Builder::new().name("sandbox-conn".into()).spawn(move || {
        let _ = connection(stream, buf, first, &sh);
    });
    if let Ok(h) = h {
        let mut list = crate::lock(spawned);
        list.retain(|h| !h.is_finished());
        list.push(h);
    }
}

#[cfg(not(unix))]
fn serve_threads(listener: TcpListener, shared: &Arc<Shared>, spawned: &Arc<Spawned>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else { continue };
        spawn_connection(stream, Vec::with_capacity(8 * 1024), None, shared, spawned);
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    // From one `\r` to the next rather than a 4-byte comparison at every offset (`windows(4)` was ~40%
    // of parsing a request under callgrind).
    let mut from = 0;
    while let Some(i) = buf[from..].iter().position(|&b| b == b'\r') {
        let at = from + i;
        if buf.get(at..at + 4) == Some(b"\r\n\r\n") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The lines of a request head, as `head.split("\r\n")` gives them, found from one `\r` to the next (the
/// two-byte pattern search `split` runs was ~15% of parsing a request under callgrind).
fn crlf_lines(head: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(head);
    std::iter::from_fn(move || {
        let r = rest?;
        let b = r.as_bytes();
        let mut from = 0;
        while let Some(i) = b[from..].iter().position(|&c| c == b'\r') {
            let at = from + i;
            if b.get(at + 1) == Some(&b'\n') {
                rest = Some(&r[at + 2..]);
                return Some(&r[..at]);
            }
            from = at + 1;
        }
        rest = None;
        Some(r)
    })
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf[from..].windows(2).position(|w| w == b"\r\n").map(|p| from + p)
}

/// One request parsed from the front of a connection's buffer.
enum Parsed {
    /// A whole request and its keep-alive flag; `used` bytes of the buffer were used; `expect_continue`:
    /// it asked for `100 Continue` (sent before its answer if it was not sent while the body arrived).
    Request {
        req: Request,
        keep_alive: bool,
        used: usize,
        expect_continue: bool,
    },
    /// More bytes are needed: at least `need` in all (0: any more). `expect_continue`: the head is in
    /// and asks for `100 Continue` before its body is sent.
    Incomplete {
        need: usize,
        expect_continue: bool,
    },
    Bad(u16, &'static str),
}

fn parse_request(buf: &[u8]) -> Parsed {
    let Some(head_end) = find_head_end(buf) else {
        if buf.len() > MAX_HEAD {
            return Parsed::Bad(413, "request head too large");
        }
        return Parsed::Incomplete { need: 0, expect_continue: false };
    };
    let head = String::from_utf8_lossy(&buf[..head_end]);
    let mut lines = crlf_lines(&head);
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Parsed::Bad(400, "bad request line");
    };
    let mut headers = Headers { text: String::with_capacity(head.len()), spans: Vec::with_capacity(8) };
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push(k.trim(), v.trim());
        }
    }
    let get = |name: &str| headers.get(name);
    let conn_hdr = get("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" { conn_hdr.contains("keep-alive") } else { !conn_hdr.contains("close") };
    let chunked = get("transfer-encoding").map(|t| t.to_ascii_lowercase().contains("chunked")).unwrap_or(false);
    let content_length = match get("content-length") {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= MAX_BODY => n,
            Ok(_) => return Parsed::Bad(413, "body too large"),
            Err(_) => return Parsed::Bad(400, "bad Content-Length"),
        },
        None => 0,
    };
    let expect_continue = get("expect").map(|e| e.eq_ignore_ascii_case("100-continue")).unwrap_or(false);
    let incomplete = |need: usize| Parsed::Incomplete { need, expect_continue };
    let mut pos = head_end + 4;
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let Some(line_end) = find_crlf(buf, pos) else { return incomplete(0) };
            let size_txt = String::from_utf8_lossy(&buf[pos..line_end]);
            let size_txt = size_txt.split(';').next().unwrap_or("").trim();
            let Ok(size) = usize::from_str_radix(size_txt, 16) else {
                return Parsed::Bad(400, "bad chunk size");
            };
            if body.len() + size > MAX_BODY {
                return Parsed::Bad(413, "body too large");
            }
            pos = line_end + 2;
            if size == 0 {
                // Trailers end with an empty line.
                loop {
                    let Some(p) = find_crlf(buf, pos) else { return incomplete(0) };
                    let empty = p == pos;
                    pos = p + 2;
                    if empty {
                        break;
                    }
                }
                break;
            }
            if buf.len() < pos + size + 2 {
                return incomplete(pos + size + 2);
            }
            body.extend_from_slice(&buf[pos..pos + size]);
            pos += size + 2;
        }
        body
    } else {
        if buf.len() < pos + content_length {
            return incomplete(pos + content_length);
        }
        let b = buf[pos..pos + content_length].to_vec();
        pos += content_length;
        b
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    let req = Request { method: method.to_string(), path, query, headers, body };
    Parsed::Request { req, keep_alive, used: pos, expect_continue }
}

/// Read more bytes into `buf`, polling the stop flag on read timeouts (blocking connections).
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

/// What to do with a connection after one request's reply was decided.
enum After {
    KeepOpen,
    Closed,
}

/// Write (or carry out) `reply` on a blocking connection.
fn finish_blocking(stream: &mut TcpStream, reply: Reply, req: &Request, keep_alive: bool) -> io::Result<After> {
    match reply {
        Reply::Send(resp) => {
            stream.write_all(&serialize(&resp, keep_alive, req.method == "HEAD"))?;
            if !keep_alive {
                let _ = stream.shutdown(std::net::Shutdown::Write);
                return Ok(After::Closed);
            }
            Ok(After::KeepOpen)
        }
        Reply::Close => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            Ok(After::Closed)
        }
        Reply::Reset => {
            let _ = socket2::SockRef::from(&*stream).set_linger(Some(Duration::ZERO));
            Ok(After::Closed)
        }
        Reply::Delay(_) => unreachable!("a delay is waited out before the answer"),
    }
}

/// A connection on a thread of its own: blocking reads, one request at a time.
fn connection(
    mut stream: TcpStream,
    mut buf: Vec<u8>,
    first: Option<(Request, bool, Duration)>,
    shared: &Shared,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_millis(100)))?; // the stop-flag poll
    let mut pending = first;
    loop {
        let (req, keep_alive, delay) = match pending.take() {
            Some(p) => p,
            None => {
                let mut continue_sent = false;
                loop {
                    match parse_request(&buf) {
                        Parsed::Request { req, keep_alive, used, expect_continue } => {
                            buf.drain(..used);
                            if expect_continue && !continue_sent {
                                stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
                            }
                            break (req, keep_alive, Duration::ZERO);
                        }
                        Parsed::Incomplete { need, expect_continue } => {
                            if expect_continue && !continue_sent {
                                stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
                                continue_sent = true;
                            }
                            loop {
                                if fill(&mut stream, &mut buf, shared)? == 0 {
                                    return Ok(());
                                }
                                if buf.len() >= need {
                                    break;
                                }
                            }
                        }
                        Parsed::Bad(status, msg) => {
                            stream.write_all(&serialize(&Response::error(status, msg), false, false))?;
                            return Ok(());
                        }
                    }
                }
            }
        };
        let reply = if delay.is_zero() {
            crate::handle(shared, &req)
        } else {
            std::thread::sleep(delay);
            crate::answer(shared, &req, None)
        };
        let reply = match reply {
            Reply::Delay(d) => {
                std::thread::sleep(d);
                crate::answer(shared, &req, None)
            }
            r => r,
        };
        let keep_alive = keep_alive && !shared.stop.load(Ordering::SeqCst);
        if let After::Closed = finish_blocking(&mut stream, reply, &req, keep_alive)? {
            return Ok(());
        }
    }
}

#[cfg(unix)]
mod event_loop {
    use super::*;
    use std::os::unix::io::AsRawFd;
    use std::sync::atomic::AtomicUsize;

    /// How long a worker waits in poll(2) before it looks at the stop flag again.
    const POLL_MS: i32 = 100;

    struct Conn {
        stream: TcpStream,
        /// Bytes read and not yet parsed.
        buf: Vec<u8>,
        /// Parse again only once the buffer holds this many bytes (a body still arriving).
        need: usize,
        continue_sent: bool,
        /// An answer not yet fully written, and how much of it was.
        out: Vec<u8>,
        out_pos: usize,
        /// Close once `out` is written (the request said `Connection: close`, or the server stops).
        close_after: bool,
    }

    enum Next {
        Keep,
        Drop,
        /// The `delay` fault: the connection leaves the loop for a thread of its own.
        Delay(Request, bool, Duration),
    }

    pub(super) fn serve(listener: TcpListener, shared: &Arc<Shared>, spawned: &Arc<Spawned>) {
        if listener.set_nonblocking(true).is_err() {
            return;
        }
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
        let listener = Arc::new(listener);
        let counts: Arc<Vec<AtomicUsize>> = Arc::new((0..workers).map(|_| AtomicUsize::new(0)).collect());
        let listening = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for i in 1..workers {
            let (l, sh, sp, c) = (listener.clone(), shared.clone(), spawned.clone(), counts.clone());
            let ls = listening.clone();
            if let Ok(h) = std::thread::Builder::new()
                .name("sandbox-worker".into())
                .spawn(move || worker(i, &l, &sh, &sp, &c, &ls))
            {
                handles.push(h);
            }
        }
        // The calling thread (the sandbox's accept thread) is worker 0.
        worker(0, &listener, shared, spawned, &counts, &listening);
        for h in handles {
            let _ = h.join();
        }
    }

    /// `listening`: how many workers have the listener in their poll set right now.
    fn worker(
        me: usize,
        listener: &TcpListener,
        shared: &Arc<Shared>,
        spawned: &Arc<Spawned>,
        counts: &[AtomicUsize],
        listening: &AtomicUsize,
    ) {
        let mut conns: Vec<Conn> = Vec::new();
        let mut fds: Vec<libc::pollfd> = Vec::new();
        // Every read goes through this one buffer (a 16 KiB array on the stack was zeroed per request:
        // 11% of a keyin approval's instructions under callgrind).
        let mut scratch = vec![0u8; 16 * 1024];
        while !shared.stop.load(Ordering::SeqCst) {
            // New connections go to the worker with the fewest: this one polls the listener while it is
            // (one of) those, or while no worker does. Without the second rule a burst of connects waited up to
            // POLL_MS (issue 21: 16 calls opening connections at once from Node saw 50-113 ms): the fewest
            // worker accepted until it had more, stopped listening, and the other was asleep in a poll it had
            // begun without the listener, when it had more.
            let mine = conns.len();
            counts[me].store(mine, Ordering::Relaxed);
            let accepting =
                counts.iter().all(|c| c.load(Ordering::Relaxed) >= mine) || listening.load(Ordering::SeqCst) == 0;
            if accepting {
                listening.fetch_add(1, Ordering::SeqCst);
            }
            fds.clear();
            if accepting {
                fds.push(libc::pollfd { fd: listener.as_raw_fd(), events: libc::POLLIN, revents: 0 });
            }
            let first_conn = fds.len();
            for c in &conns {
                let events = if c.out_pos < c.out.len() { libc::POLLOUT } else { libc::POLLIN };
                fds.push(libc::pollfd { fd: c.stream.as_raw_fd(), events, revents: 0 });
            }
            // SAFETY: `fds` is a valid, initialised array of `fds.len()` pollfd structs for the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, POLL_MS) };
            if accepting {
                listening.fetch_sub(1, Ordering::SeqCst);
            }
            if n <= 0 {
                continue; // timeout (look at the stop flag) or EINTR
            }
            let stopping = shared.stop.load(Ordering::SeqCst);
            // Walk backwards so that removing a connection keeps the indices of those not yet seen.
            for i in (0..conns.len()).rev() {
                if fds[first_conn + i].revents == 0 {
                    continue;
                }
                match service(&mut conns[i], shared, stopping, &mut scratch) {
                    Next::Keep => {}
                    Next::Drop => {
                        conns.swap_remove(i);
                    }
                    Next::Delay(req, keep_alive, d) => {
                        let c = conns.swap_remove(i);
                        spawn_connection(c.stream, c.buf, Some((req, keep_alive, d)), shared, spawned);
                    }
                }
            }
            if accepting && fds[0].revents != 0 {
                loop {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if stopping {
                                continue;
                            }
                            if stream.set_nonblocking(true).is_err() || stream.set_nodelay(true).is_err() {
                                continue;
                            }
                            conns.push(Conn {
                                stream,
                                buf: Vec::with_capacity(8 * 1024),
                                need: 0,
                                continue_sent: false,
                                out: Vec::new(),
                                out_pos: 0,
                                close_after: false,
                            });
                            // One at a time while another worker has fewer.
                            let mine = conns.len();
                            counts[me].store(mine, Ordering::Relaxed);
                            if counts.iter().any(|c| c.load(Ordering::Relaxed) < mine) {
                                break;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break, // WouldBlock (another worker took it), or a failed accept
                    }
                }
            }
        }
        counts[me].store(0, Ordering::Relaxed);
    }

    /// Write what is pending of `c.out`; true when all of it is written.
    fn flush(c: &mut Conn) -> io::Result<bool> {
        while c.out_pos < c.out.len() {
            match c.stream.write(&c.out[c.out_pos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => c.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        c.out.clear();
        c.out_pos = 0;
        Ok(true)
    }

    /// The connection is ready: write what is pending, read what arrived, answer every whole request.
    fn service(c: &mut Conn, shared: &Shared, stopping: bool, tmp: &mut [u8]) -> Next {
        match flush(c) {
            Ok(true) => {}
            Ok(false) => return Next::Keep,
            Err(_) => return Next::Drop,
        }
        if c.close_after {
            let _ = c.stream.shutdown(std::net::Shutdown::Write);
            return Next::Drop;
        }
        let mut eof = false;
        loop {
            match c.stream.read(tmp) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => {
                    c.buf.extend_from_slice(&tmp[..n]);
                    if n < tmp.len() {
                        break; // drained, most likely: poll(2) says if more came (saves a read of EAGAIN)
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Next::Drop,
            }
        }
        // Answer the requests the buffer holds, one after the other (pipelining), while the answers
        // can be written straight away.
        while c.buf.len() >= c.need.max(1) {
            let (req, keep_alive) = match parse_request(&c.buf) {
                Parsed::Request { req, keep_alive, used, expect_continue } => {
                    c.buf.drain(..used);
                    c.need = 0;
                    if expect_continue && !c.continue_sent {
                        c.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                    }
                    c.continue_sent = false;
                    (req, keep_alive)
                }
                Parsed::Incomplete { need, expect_continue } => {
                    c.need = need.max(c.buf.len() + 1);
                    if expect_continue && !c.continue_sent {
                        c.continue_sent = true;
                        c.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                        if flush(c).is_err() {
                            return Next::Drop;
                        }
                    }
                    break;
                }
                Parsed::Bad(status, msg) => {
                    c.out.extend_from_slice(&serialize(&Response::error(status, msg), false, false));
                    c.close_after = true;
                    return after_write(c);
                }
            };
            let keep_alive = keep_alive && !stopping;
            match crate::handle(shared, &req) {
                Reply::Send(resp) => {
                    serialize_into(&mut c.out, &resp, keep_alive, req.method == "HEAD");
                    c.close_after = !keep_alive;
                    match after_write(c) {
                        Next::Keep if c.out.is_empty() => {}
                        other => return other,
                    }
                }
                Reply::Close => {
                    let _ = flush(c); // a `100 Continue` still due
                    let _ = c.stream.shutdown(std::net::Shutdown::Both);
                    return Next::Drop;
                }
                Reply::Reset => {
                    let _ = flush(c);
                    let _ = socket2::SockRef::from(&c.stream).set_linger(Some(Duration::ZERO));
                    return Next::Drop;
                }
                Reply::Delay(d) => {
                    let _ = flush(c);
                    return Next::Delay(req, keep_alive, d);
                }
            }
        }
        if !eof {
            return Next::Keep;
        }
        if c.out_pos < c.out.len() {
            // The client finished sending; the answer it waits for is still written, then closed.
            c.close_after = true;
            return Next::Keep;
        }
        Next::Drop
    }

    /// After an answer was queued: write it; close when it was the last one.
    fn after_write(c: &mut Conn) -> Next {
        match flush(c) {
            Ok(true) if c.close_after => {
                let _ = c.stream.shutdown(std::net::Shutdown::Write);
                Next::Drop
            }
            Ok(_) => Next::Keep,
            Err(_) => Next::Drop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Response, crlf_lines, find_head_end, serialize};

    #[test]
    fn head_lines_split_as_str_split_does() {
        for head in ["", "a", "a\r\nb", "a\r\n", "\r\n\r\n", "a\rb\r\nc\n\r\r\n", "\r", "x\r\r\n\ny"] {
            assert_eq!(crlf_lines(head).collect::<Vec<_>>(), head.split("\r\n").collect::<Vec<_>>(), "{head:?}");
        }
    }

    #[test]
    fn serialized_head() {
        let mut r = Response::new(405, "text/plain", "no");
        r.headers.push(("Allow", "POST".into()));
        assert_eq!(
            serialize(&r, true, false),
            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\
              Access-Control-Allow-Origin: *\r\nCache-Control: no-store\r\nAllow: POST\r\nConnection: keep-alive\r\n\r\nno"
        );
        let head = serialize(&Response::new(200, "x", vec![b'.'; 12345]), false, true);
        assert!(head.ends_with(b"Content-Length: 12345\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"));
    }

    #[test]
    fn json_strings_writes_what_serde_json_writes() {
        let tricky = "\"\\/\u{0}\u{1f}\u{7f}\t\r\n\u{2028}é한글😀<>&";
        let pairs = [("a", "1"), ("b\"", tricky), ("", ""), ("responseMsg", "성공")];
        let mut map = serde_json::Map::new();
        for (k, v) in pairs {
            map.insert(k.into(), v.into());
        }
        assert_eq!(Response::json_strings(&pairs).body, serde_json::to_vec(&map).unwrap());
        assert_eq!(Response::json_strings(&[]).body, b"{}");
    }

    #[test]
    fn head_end() {
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(23));
        assert_eq!(find_head_end(b"\r\n\r\n"), Some(0));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nA: \r\r\n\r\n"), Some(20));
        for partial in [&b""[..], b"\r", b"\r\n", b"\r\n\r", b"GET / HTTP/1.1\r\nHost: x\r\n", b"a\r\r\r\n\r"] {
            assert_eq!(find_head_end(partial), None, "{partial:?}");
        }
    }
}
