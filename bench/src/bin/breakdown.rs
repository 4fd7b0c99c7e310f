//! Where the Rust client's time goes (bench/run --breakdown, and evidence for bench/README.md): the same
//! prepared approval bytes POSTed by (a) a bare ureq agent, (b) a bare ureq agent with payup's timeouts,
//! (c) payup-transport's `Wire` (its connector chain and config), then (d) the whole client.

use payup_core::catalog::Next;
use payup_core::{Config, Exchange, Operation, Request, Target, Timestamp};
use payup_transport::wire::Wire;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, NextTimeout, RustlsConnector, TcpConnector, Transport,
};

/// A transport layer that forwards everything, as payup-transport's write tracker does (minus the flag).
#[derive(Debug)]
struct PassThrough;

impl<In: Transport> Connector<In> for PassThrough {
    type Out = Passed<In>;
    fn connect(&self, _: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Passed { inner }))
    }
}

#[derive(Debug)]
struct Passed<T> {
    inner: T,
}

impl<T: Transport> Transport for Passed<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.inner.transmit_output(amount, timeout)
    }
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.await_input(timeout)
    }
    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }
    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

fn main() {
    let args = payup_bench::Args::from_env();
    let cfg = Config::from_json_str(&args.config).unwrap_or_else(|e| panic!("config: {}", e.message()));
    let req = Request::from_json(Operation::PayupKeyinApprove, &payup_bench::approval("BD1")).expect("valid");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut x = Exchange::new(&req, Timestamp(now));
    let Next::Send(http) = x.start(&cfg.credentials) else { panic!("nothing to send") };
    let Target::Path(path) = &http.target else { panic!("an absolute target") };
    let url = format!("{}{}", cfg.base(http.gateway).expect("payup").url, path);
    let body = http.body.clone();
    let ct = "application/json; charset=utf-8";
    let check = |t: &[u8]| assert!(t.windows(21).any(|w| w == b"\"responseCode\":\"0000\""), "not approved");

    let plain: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let line = payup_bench::measure("ureq-default", args.calls, args.warmup, |_| {
        let mut r = plain.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
        check(r.body_mut().read_to_string().expect("body").as_bytes());
    });
    println!("{line}");

    let t = Some(Duration::from_millis(cfg.read_timeout_ms));
    let timed: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_millis(cfg.connect_timeout_ms)))
        .timeout_send_request(t)
        .timeout_send_body(t)
        .timeout_recv_response(t)
        .timeout_recv_body(t)
        .build()
        .into();
    let line = payup_bench::measure("ureq-with-timeouts", args.calls, args.warmup, |_| {
        let mut r = timed.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
        check(r.body_mut().read_to_string().expect("body").as_bytes());
    });
    println!("{line}");

    // Wire's connector chain (Tcp → Rustls → a pass-through transport like Wire's write tracker) with
    // ureq's default config, with and without the pass-through layer.
    let chain = ().chain(TcpConnector::default()).chain(RustlsConnector::default());
    let cfg_default = ureq::config::Config::builder().http_status_as_error(false).build();
    let chained = ureq::Agent::with_parts(cfg_default.clone(), chain, DefaultResolver::default());
    let line = payup_bench::measure("ureq-tcp-rustls-chain", args.calls, args.warmup, |_| {
        let mut r = chained.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
        check(r.body_mut().read_to_string().expect("body").as_bytes());
    });
    println!("{line}");
    let chain = ().chain(TcpConnector::default()).chain(RustlsConnector::default()).chain(PassThrough);
    let tracked = ureq::Agent::with_parts(cfg_default, chain, DefaultResolver::default());
    let line = payup_bench::measure("ureq-chain+passthrough", args.calls, args.warmup, |_| {
        let mut r = tracked.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
        check(r.body_mut().read_to_string().expect("body").as_bytes());
    });
    println!("{line}");

    // Wire's pool setting alone: 16 idle connections per host (ureq's default total is 10).
    let idle16: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).max_idle_connections_per_host(16).build().into();
    let line = payup_bench::measure("ureq-idle-per-host-16", args.calls, args.warmup, |_| {
        let mut r = idle16.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
        check(r.body_mut().read_to_string().expect("body").as_bytes());
    });
    println!("{line}");
    let idle16_total16: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections(16)
        .max_idle_connections_per_host(16)
        .build()
        .into();
    let line = payup_bench::measure("ureq-idle-16-of-16", args.calls, args.warmup, |_| {
        let mut r = idle16_total16.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
        check(r.body_mut().read_to_string().expect("body").as_bytes());
    });
    println!("{line}");

    for skip in ["nothing", "timeouts", "timeout_resolve", "idle", "header_size", "user_agent"] {
        let agent = wire_like(skip);
        let line = payup_bench::measure(&format!("wire-config-without-{skip}"), args.calls, args.warmup, |_| {
            let mut r = agent.post(&url).header("Content-Type", ct).send(&body[..]).expect("answer");
            let b = r.body_mut().with_config().limit(1 << 20).read_to_vec().expect("body");
            check(&b);
        });
        println!("{line}");
    }

    let wire = Wire::new(Duration::from_millis(cfg.connect_timeout_ms), Duration::from_millis(cfg.read_timeout_ms));
    let headers = http.headers.clone();
    let line = payup_bench::measure("payup-wire", args.calls, args.warmup, |_| {
        let r = wire.post(&url, &headers, &body).expect("answer");
        check(&r.body);
    });
    println!("{line}");

    let client = payup_transport::Client::new(cfg.clone());
    let line = payup_bench::measure("payup-client", args.calls, args.warmup, |i| {
        let doc = payup_bench::approval(&format!("BD{i}"));
        let req = Request::from_json(Operation::PayupKeyinApprove, &doc).expect("valid");
        client.execute(req).expect("approved");
    });
    println!("{line}");
}

/// Wire's exact ureq config and chain, with one of its settings left out (`skip`), POSTing like `Wire::post`.
fn wire_like(skip: &str) -> ureq::Agent {
    let d = Duration::from_secs(10);
    let mut b = ureq::config::Config::builder().http_status_as_error(false);
    if skip != "timeouts" {
        b = b
            .timeout_resolve(if skip == "timeout_resolve" { None } else { Some(d) })
            .timeout_connect(Some(d))
            .timeout_send_request(Some(d))
            .timeout_send_body(Some(d))
            .timeout_recv_response(Some(d))
            .timeout_recv_body(Some(d));
    }
    if skip != "idle" {
        b = b.max_idle_connections_per_host(16);
    }
    if skip != "header_size" {
        b = b.max_response_header_size(64 * 1024);
    }
    if skip != "user_agent" {
        b = b.user_agent(format!("payup/{}", payup_core::VERSION));
    }
    let chain = ().chain(TcpConnector::default()).chain(RustlsConnector::default()).chain(PassThrough);
    ureq::Agent::with_parts(b.build(), chain, DefaultResolver::default())
}
