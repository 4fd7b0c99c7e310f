//! One HTTP exchange over ureq, classified by whether any request byte left this machine.
//!
//! ureq does not say whether a failed call wrote anything, and that is the line between `not_sent`
//! (safe to resend) and `ambiguous` (never resend blindly), so we chain our own connector after TLS:
//! its transport marks a thread-local flag the moment ureq hands it request bytes to transmit. TLS
//! handshake bytes travel below it and do not count: a certificate failure is `not_sent`.
//!
//! Egress (issue 20): an explicit HTTP CONNECT proxy (the configuration's `proxy`, never the environment's
//! `HTTPS_PROXY`) and extra trust roots (`ca_file`) beside Mozilla's. The CONNECT request to the proxy is
//! written below the tracker too: a refused tunnel is `not_sent`.

use arc_swap::ArcSwap;
use payup_core::config::ProxyConfig;
use payup_core::{Error, Gateway, HttpResponse};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector, Transport,
};

thread_local! {
    static REQUEST_BYTES_WRITTEN: Cell<bool> = const { Cell::new(false) };
}

/// Whether the exchange running on this thread has handed request bytes to the network.
pub(crate) fn request_bytes_written() -> bool {
    REQUEST_BYTES_WRITTEN.with(|w| w.get())
}

/// Sets [`request_bytes_written`] (a cooperative call's own, restored after it was suspended: `coop.rs`).
pub(crate) fn set_request_bytes_written(written: bool) {
    REQUEST_BYTES_WRITTEN.with(|w| w.set(written));
}

/// The largest response body we read (gateway answers are a few hundred bytes).
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// Marks request bytes written, on connections to the gateway only: ureq runs the whole chain again to
/// reach a CONNECT proxy (`ConnectProxyConnector`), and the `CONNECT host:port` line it writes there is not
/// the request.
#[derive(Debug)]
struct WriteTracker {
    /// The proxy's `host:port`, whose own connection is not tracked.
    proxy: Option<(String, u16)>,
}

impl<In: Transport> Connector<In> for WriteTracker {
    type Out = Tracked<In>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        let to_proxy = self.proxy.as_ref().is_some_and(|(host, port)| {
            details.uri.host().is_some_and(|h| h.trim_matches(['[', ']']).eq_ignore_ascii_case(host))
                && details.uri.port_u16().unwrap_or(80) == *port
        });
        Ok(chained.map(|inner| Tracked { inner, track: !to_proxy, held: Vec::new(), exchanged: false }))
    }
}

/// The tracking transport. It also holds back the first write of a request (ureq writes the head and the
/// body as two writes) and sends it together with the next one, or before the first read, so that a small
/// request leaves in one write and one TCP segment instead of two (issue 21: a syscall fewer per call, and
/// the server reads the whole request at once). Nothing is held across a read: the server needs the whole
/// request before it answers.
#[derive(Debug)]
struct Tracked<T> {
    inner: T,
    track: bool,
    /// The first write of the request, copied out of the output buffer, not sent yet.
    held: Vec<u8>,
    /// Bytes went either way since the last liveness probe (see `is_open`).
    exchanged: bool,
}

impl<T: Transport> Tracked<T> {
    /// Sends what is held back, alone.
    fn flush_held(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.held.is_empty() {
            return Ok(());
        }
        let n = self.held.len();
        let output = self.inner.buffers().output();
        if output.len() < n {
            // Never: what was held came out of this buffer.
            return Err(ureq::Error::Io(std::io::Error::other("held request bytes exceed the output buffer")));
        }
        output[..n].copy_from_slice(&self.held);
        self.held.clear();
        self.inner.transmit_output(n, timeout)
    }
}

impl<T: Transport> Transport for Tracked<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if amount > 0 && self.track {
            // Set before writing: a write that fails half-way may still have delivered bytes.
            set_request_bytes_written(true);
        }
        self.exchanged = true;
        if amount == 0 {
            return self.inner.transmit_output(0, timeout);
        }
        let n = self.held.len();
        if n == 0 {
            // The first write (the request head): keep it for the next one.
            self.held.extend_from_slice(&self.inner.buffers().output()[..amount]);
            return Ok(());
        }
        let output = self.inner.buffers().output();
        if n + amount > output.len() {
            // No room for both (a body as large as the buffer): the head alone first, then this write,
            // which flushing the head would overwrite in the buffer, so it is set aside meanwhile.
            let this_write = output[..amount].to_vec();
            self.flush_held(timeout)?;
            self.inner.buffers().output()[..amount].copy_from_slice(&this_write);
            return self.inner.transmit_output(amount, timeout);
        }
        // The held head, then this write, in one buffer and one write.
        output.copy_within(..amount, n);
        output[..n].copy_from_slice(&self.held);
        self.held.clear();
        self.inner.transmit_output(n + amount, timeout)
    }
    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.exchanged = true;
        self.flush_held(timeout)?;
        self.inner.maybe_await_input(timeout)
    }
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.exchanged = true;
        self.flush_held(timeout)?;
        self.inner.await_input(timeout)
    }
    /// ureq 3.5 probes a connection twice between two requests (pool.rs): when it returns to the pool
    /// after its answer, and again when it is taken out for the next request; each probe is three
    /// syscalls (a non-blocking read between two `ioctl`s). The first one is left out: the probe at
    /// checkout always runs before a connection carries another request, and sees whatever the first
    /// would have seen (early bytes after the answer, a close), so a stale connection is still never used.
    fn is_open(&mut self) -> bool {
        if !self.held.is_empty() {
            return false;
        }
        if std::mem::take(&mut self.exchanged) {
            return true;
        }
        self.inner.is_open()
    }
    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// How a failed exchange ended.
#[derive(Debug)]
pub enum SendFailure {
    /// No request byte left: safe to send again.
    NotSent(String),
    /// Request bytes left; the gateway may have acted.
    Ambiguous(String),
}

impl SendFailure {
    /// The error document for this failure (`not_sent` or `ambiguous`), for `gateway`.
    pub fn into_error(self, gateway: Gateway) -> Error {
        match self {
            SendFailure::NotSent(m) => Error::not_sent(gateway, m),
            SendFailure::Ambiguous(m) => Error::ambiguous(gateway, m),
        }
    }
}

/// A keep-alive pool of HTTPS connections with certificate verification always on, owned by one process.
///
/// Fork safety (issue 14): a pooled connection is a socket, and `fork()` hands the child a copy of the
/// parent's. Two processes writing requests to one socket read each other's answers, so the pool records
/// the pid that filled it, and a process that finds another pid there (a pre-forked worker: gunicorn
/// `--preload`, uwsgi, `multiprocessing`, a PHP-FPM master) starts a pool of its own before sending
/// anything. It never uses the inherited pool in any way — no write, no probe (ureq probes a pooled socket
/// by reading it non-blocking, which would take the parent's bytes and flip O_NONBLOCK on the shared file),
/// not even its lock (another parent thread may have held it at the fork). The inherited pool is dropped,
/// which only closes the child's copies of the descriptors: rustls and ureq send nothing on drop, and the
/// parent's sockets stay open in the parent.
#[derive(Debug, Clone)]
pub struct Wire {
    shared: Arc<Shared>,
}

/// Where calls go out: the configuration's `proxy` and `ca_file` (`payup_core::Config`).
#[derive(Debug, Clone, Default)]
pub struct Egress {
    /// The explicit HTTP CONNECT proxy, if any (the environment's proxy variables are never read).
    pub proxy: Option<ProxyConfig>,
    /// DER certificates trusted as roots besides Mozilla's (webpki) roots.
    pub extra_roots: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct Shared {
    connect: Duration,
    read: Duration,
    egress: Egress,
    /// Loaded without a lock on every call (arc-swap): a fork can happen at any instant.
    pool: ArcSwap<Pool>,
}

#[derive(Debug)]
struct Pool {
    pid: u32,
    agent: ureq::Agent,
}

impl Wire {
    /// A wire with these connect and read timeouts; its pool fills on first use.
    pub fn new(connect: Duration, read: Duration) -> Wire {
        Wire::with_egress(connect, read, Egress::default())
    }

    /// A wire through `egress` (an explicit proxy, extra trust roots).
    pub fn with_egress(connect: Duration, read: Duration, egress: Egress) -> Wire {
        let pool = ArcSwap::from_pointee(Pool { pid: std::process::id(), agent: agent(connect, read, &egress) });
        Wire { shared: Arc::new(Shared { connect, read, egress, pool }) }
    }

    /// This process's agent: a new pool after a fork (see [`Wire`]).
    fn agent(&self) -> ureq::Agent {
        let pid = std::process::id();
        let current = self.shared.pool.load();
        if current.pid == pid {
            return current.agent.clone();
        }
        drop(current);
        self.reset_after_fork();
        self.shared.pool.load().agent.clone()
    }

    /// Starts a new pool when the current one was filled by another process (a no-op otherwise). Called on
    /// the first use after a fork; bindings may call it eagerly from their own after-fork hooks (Python's
    /// `os.register_at_fork`).
    pub fn reset_after_fork(&self) {
        let pid = std::process::id();
        let (connect, read, egress) = (self.shared.connect, self.shared.read, &self.shared.egress);
        self.shared.pool.rcu(|p| {
            if p.pid == pid { p.clone() } else { Arc::new(Pool { pid, agent: agent(connect, read, egress) }) }
        });
    }

    /// POSTs `body` to `url`. The error messages name what failed, never the body.
    pub fn post(&self, url: &str, headers: &[(String, String)], body: &[u8]) -> Result<HttpResponse, SendFailure> {
        self.post_with(url, headers, body, None)
    }

    /// [`Wire::post`] with this exchange's read timeout in place of the wire's (a per-call option).
    pub fn post_with(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
        read_timeout: Option<Duration>,
    ) -> Result<HttpResponse, SendFailure> {
        set_request_bytes_written(false);
        let result = self.try_post(url, headers, body, read_timeout);
        let written = request_bytes_written();
        result.map_err(|e| classify(&e, written))
    }

    fn try_post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
        read_timeout: Option<Duration>,
    ) -> Result<HttpResponse, ureq::Error> {
        let mut req = self.agent().post(url);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(read) = read_timeout {
            // The same four phases as the agent's read timeout (`agent`), for this request only.
            req = req
                .config()
                .timeout_send_request(Some(read))
                .timeout_send_body(Some(read))
                .timeout_recv_response(Some(read))
                .timeout_recv_body(Some(read))
                .build();
        }
        let mut resp = req.send(body)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = resp.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_vec()?;
        Ok(HttpResponse { status, headers, body })
    }
}

fn agent(connect: Duration, read: Duration, egress: &Egress) -> ureq::Agent {
    // Never `Proxy::try_from_env`: only the configuration sets a proxy (issue 20).
    let proxy = egress.proxy.as_ref().map(|p| {
        let mut b = ureq::Proxy::builder(ureq::ProxyProtocol::Http).host(&p.host).port(p.port);
        if let Some(u) = &p.username {
            b = b.username(u);
        }
        if let Some(pw) = &p.password {
            b = b.password(pw.expose());
        }
        // The proxy resolves the gateway's name (as corporate egress requires).
        b.resolve_target(false).build().expect("a host and port make a valid proxy")
    });
    let roots = if egress.extra_roots.is_empty() {
        ureq::tls::RootCerts::WebPki
    } else {
        let builtin = webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|c| ureq::tls::Certificate::from_der(c));
        let extra = egress.extra_roots.iter().map(|der| ureq::tls::Certificate::from_der(der).to_owned());
        builtin.chain(extra).collect::<Vec<_>>().into()
    };
    let config = ureq::config::Config::builder()
        .http_status_as_error(false) // error bodies carry the gateway's codes
        // No resolve timeout (nor a global one): with either set, ureq 3.5 resolves the host on a new
        // thread for every request, pooled connection or not (ureq resolver.rs `resolve_async`), which
        // cost 4× the throughput (bench/README.md). The system resolver's own timeouts bound a lookup.
        .timeout_connect(Some(connect))
        .timeout_send_request(Some(read))
        .timeout_send_body(Some(read))
        .timeout_recv_response(Some(read))
        .timeout_recv_body(Some(read))
        // A redirect would turn the POST into a GET to any host, past the loopback-only http rule and
        // Payple's same-host check, and its answer would read as the operation's: a 3xx is not an answer.
        .max_redirects(0)
        // The configuration's proxy or none: HTTPS_PROXY & co. are ignored.
        .proxy(proxy)
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .max_idle_connections_per_host(16)
        .max_response_header_size(64 * 1024)
        .user_agent(format!("payup/{}", payup_core::VERSION))
        .build();
    let tracker = WriteTracker { proxy: egress.proxy.as_ref().map(|p| (p.host.clone(), p.port)) };
    // ConnectProxyConnector does nothing unless `proxy` is set; then it opens the tunnel (the CONNECT
    // request) and TcpConnector passes it on to TLS.
    // TcpConnector is ours (`tcp.rs`): ureq's, with waits a cooperative call suspends at.
    let connector =
        ().chain(ConnectProxyConnector::default())
            .chain(crate::tcp::TcpConnector)
            .chain(RustlsConnector::default())
            .chain(tracker);
    ureq::Agent::with_parts(config, connector, SystemResolver)
}

/// ureq's resolver (the system's `getaddrinfo`, blocking), except in a cooperative call (`coop.rs`): there a
/// host name is resolved on a thread of its own while the call is suspended, since a lookup can take as long
/// as the system's DNS timeouts and the loop must not stop meanwhile. An IP address needs no lookup.
#[derive(Debug, Default)]
struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let literal = uri.host().is_some_and(|h| h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok());
        if literal || !crate::coop::active() {
            return DefaultResolver::default().resolve(uri, config, timeout);
        }
        use std::os::fd::AsRawFd;
        type Answer = Option<Result<ResolvedSocketAddrs, ureq::Error>>;
        let answer: Arc<std::sync::Mutex<Answer>> = Arc::default();
        // The thread closes its end when it has answered: our end turns readable (EOF).
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().map_err(ureq::Error::Io)?;
        ours.set_nonblocking(true).map_err(ureq::Error::Io)?;
        let (uri, config, slot) = (uri.clone(), config.clone(), answer.clone());
        std::thread::Builder::new()
            .name("payup-resolve".into())
            .spawn(move || {
                let found = DefaultResolver::default().resolve(&uri, &config, timeout);
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(found);
                drop(theirs);
            })
            .map_err(ureq::Error::Io)?;
        loop {
            if let Some(found) = answer.lock().unwrap_or_else(|e| e.into_inner()).take() {
                return found;
            }
            let wait =
                crate::coop::Wait { fd: Some(ours.as_raw_fd()), interest: crate::coop::Interest::Read, deadline: None };
            if crate::coop::suspend(wait) == crate::coop::Woke::TimedOut {
                // Only when the loop could not watch our end (there is no deadline).
                return Err(ureq::Error::Io(std::io::Error::other("the host name lookup could not be awaited")));
            }
        }
    }
}

fn classify(e: &ureq::Error, written: bool) -> SendFailure {
    let what = describe(e);
    if written {
        SendFailure::Ambiguous(format!(
            "{what} after the request was sent; the operation may or may not have taken effect"
        ))
    } else {
        SendFailure::NotSent(format!("{what}; nothing was sent"))
    }
}

fn describe(e: &ureq::Error) -> String {
    use ureq::Error as E;
    match e {
        E::Timeout(t) => format!("timed out ({t:?})"),
        E::HostNotFound => "the host name did not resolve".into(),
        E::ConnectionFailed => "the connection failed".into(),
        // rustls reports certificate problems through io::Error (InvalidData): show the inner cause.
        E::Io(io) => match io.get_ref() {
            Some(inner) => format!("connection error ({:?}: {inner})", io.kind()),
            None => format!("connection error ({:?})", io.kind()),
        },
        E::Tls(m) => format!("TLS error: {m}"),
        E::Rustls(r) => format!("TLS error: {r}"),
        E::BodyExceedsLimit(n) => format!("the response body exceeds {n} bytes"),
        E::Protocol(p) => format!("HTTP protocol error: {p}"),
        E::BadUri(_) => "the URL is invalid".into(),
        E::ConnectProxyFailed(m) => format!("the proxy refused the tunnel ({m})"),
        other => format!("HTTP error: {other}"),
    }
}
