//! payup-sandbox: a stateful local emulator of the four gateway APIs the project implements
//! (Payup card keyin, Payup KakaoPay via NHN KCP, Payple card, NHN KCP keyin), served by one small
//! HTTP/1.1 server on loopback. See README.md for identities, test cards, codes, control API and faults.
//!
//! The sandbox deliberately shares no request-encoding or signing code with payup-core, so that the
//! client and the sandbox cannot agree on the same mistake; it only reuses the response-code tables
//! (`payup_core::codes`) and the card masking helper.

#![warn(missing_docs)]
mod control;
mod fields;
mod http;
mod kcp;
mod payple;
mod payup;
pub mod person;
mod routes;
mod state;
mod util;
mod windows;

use serde::{Deserialize, Serialize};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use http::{Reply, Request, Response};
use payup_core::{Operation, OperationClass};
use state::{BillingKey, Persistent, State};

/// The test certificate of the sandbox's NHN KCP site `T0000` (TEST ONLY; generated for this repository).
pub const KCP_TEST_CERT_PEM: &str = include_str!("../testdata/kcp_T0000_cert.pem");
/// The unencrypted PKCS#8 private key of [`KCP_TEST_CERT_PEM`] (TEST ONLY).
pub const KCP_TEST_KEY_PEM: &str = include_str!("../testdata/kcp_T0000_key.pem");
/// The same key, PKCS#8 encrypted with the password `changeit` (TEST ONLY).
pub const KCP_TEST_KEY_ENC_PEM: &str = include_str!("../testdata/kcp_T0000_key_enc.pem");

/// Every networked operation name of the catalogue (`payup_core::Operation::ALL` less the pure ones), as
/// used by faults and the ledger.
pub const OPERATIONS: &[&str] = &NETWORKED;

const fn networked(op: Operation) -> bool {
    !matches!(op.class(), OperationClass::Pure)
}

const NETWORKED_COUNT: usize = {
    let (mut i, mut n) = (0, 0);
    while i < Operation::ALL.len() {
        n += networked(Operation::ALL[i]) as usize;
        i += 1;
    }
    n
};

const NETWORKED: [&str; NETWORKED_COUNT] = {
    let mut out = [""; NETWORKED_COUNT];
    let (mut i, mut n) = (0, 0);
    while i < Operation::ALL.len() {
        if networked(Operation::ALL[i]) {
            out[n] = Operation::ALL[i].name();
            n += 1;
        }
        i += 1;
    }
    out
};

/// Fault names accepted by `POST /__sandbox/faults` and [`Sandbox::arm_fault`].
pub const FAULTS: &[&str] = &[
    "delay",
    "http_500",
    "malformed_body",
    "reset_before_commit",
    "drop_after_commit",
    "wrong_amount",
    "crossed_answer",
    "duplicate_order",
];

fn default_min() -> u64 {
    100
}
fn default_max() -> u64 {
    10_000_000
}
fn default_ttl() -> u64 {
    180
}

/// A Payup merchant (payup-card-keyin.txt §1.6: merchantId + apiCertKey).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PayupMerchant {
    /// The merchant ID the client sends (merchantId).
    pub merchant_id: String,
    /// The API certificate key its signatures use (apiCertKey).
    pub api_cert_key: String,
    /// The smallest amount approved (KRW); below it the sandbox refuses.
    #[serde(default = "default_min")]
    pub min_amount: u64,
    /// The largest amount approved (KRW); above it the sandbox refuses.
    #[serde(default = "default_max")]
    pub max_amount: u64,
    /// Set up for mixed taxation (§2.1 taxFlag: "복합과세 사용 가맹점으로 설정이 되어야합니다"); off unless said.
    #[serde(default)]
    pub mixed_tax: bool,
}

/// A Payple partner (payple-card.txt "가맹점 인증": cst_id + custKey; refund key from the admin page).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaypleMerchant {
    /// The partner ID (cst_id) partner auth must carry.
    pub cst_id: String,
    /// The partner key (custKey) partner auth must carry.
    pub cust_key: String,
    /// PCD_REFUND_KEY: the key a refund must carry.
    pub refund_key: String,
    /// Partial refunds; the test account refuses them ("테스트 계정으로 카드 결제시에는 부분취소가 되지 않습니다").
    #[serde(default)]
    pub partial_refund: bool,
    /// When non-empty, partner auth requires a Referer header starting with one of these (else AUTH0004).
    #[serde(default)]
    pub referers: Vec<String>,
}

/// An NHN KCP site (kcp-keyin.txt: site_cd, test code T0000).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KcpSite {
    /// KCP's site code (site_cd) requests must carry.
    pub site_cd: String,
    /// The certificate issued to the site (PEM): `kcp_cert_info` must be it. None: any well-formed certificate.
    #[serde(default)]
    pub cert_pem: Option<String>,
}

/// Merchants and settings. `Default` holds the specs' own test identities.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SandboxConfig {
    /// Payup merchants (the first one is in client_config).
    pub payup: Vec<PayupMerchant>,
    /// Payple partners (the first one is in client_config).
    pub payple: Vec<PaypleMerchant>,
    /// NHN KCP sites (the first one is in client_config).
    pub kcp: Vec<KcpSite>,
    /// Lifetime of a Payple AuthKey (CPCA0001 after it).
    pub payple_auth_ttl_secs: u64,
    /// Refuse every deviation the real gateways accept (README "Warnings"), with the gateway's refusal
    /// code, instead of accepting it with a warning (`payup sandbox --strict`).
    pub strict: bool,
    /// At most this many transactions are kept; beyond it the oldest settled ones are dropped (never a
    /// pending one).
    pub ledger_cap: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            // payup-card-keyin.txt §2.1.1 signature sample identity.
            payup: vec![PayupMerchant {
                merchant_id: "tester".into(),
                api_cert_key: "25bcd7a82f5b4058818462cc7715964c".into(),
                min_amount: 100,
                max_amount: 10_000_000,
                // The spec's test merchant is set up for every feature the spec shows.
                mixed_tax: true,
            }],
            // payple-card.txt 호출정보 (test account) and §4's sample PCD_REFUND_KEY.
            payple: vec![PaypleMerchant {
                cst_id: "test".into(),
                cust_key: "abcd1234567890".into(),
                refund_key: "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0".into(),
                partial_refund: false,
                referers: Vec::new(),
            }],
            // kcp-keyin.txt 승인요청 파라미터: "테스트코드 : T0000".
            kcp: vec![KcpSite { site_cd: "T0000".into(), cert_pem: Some(KCP_TEST_CERT_PEM.into()) }],
            payple_auth_ttl_secs: 180,
            strict: false,
            ledger_cap: DEFAULT_LEDGER_CAP,
        }
    }
}

/// The default `ledger_cap`.
pub const DEFAULT_LEDGER_CAP: usize = 100_000;

fn default_ledger_cap() -> usize {
    DEFAULT_LEDGER_CAP
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    payup: Vec<PayupMerchant>,
    #[serde(default)]
    payple: Vec<PaypleMerchant>,
    #[serde(default)]
    kcp: Vec<KcpSiteFile>,
    #[serde(default = "default_ttl")]
    payple_auth_ttl_secs: u64,
    #[serde(default)]
    strict: bool,
    #[serde(default = "default_ledger_cap")]
    ledger_cap: usize,
}

/// The `kcp` section may carry the SDK's private key settings too; the sandbox ignores them.
#[derive(Deserialize)]
struct KcpSiteFile {
    site_cd: String,
    /// The site's certificate (the same key name as the client configuration's).
    #[serde(default)]
    cert_info: Option<String>,
}

impl SandboxConfig {
    /// Parse the `--config` JSON. Its merchants are added to the default (spec) identities; an entry
    /// with the same id replaces the default one.
    pub fn from_json(s: &str) -> Result<SandboxConfig, String> {
        // Position only: serde's message may quote a value (a key).
        let f: ConfigFile = serde_json::from_str(s)
            .map_err(|e| format!("sandbox config: not valid (line {}, column {})", e.line(), e.column()))?;
        let mut c = SandboxConfig::default();
        for m in f.payup {
            if m.merchant_id.is_empty() || m.api_cert_key.is_empty() {
                return Err("sandbox config: payup merchant_id and api_cert_key must not be empty".into());
            }
            if m.min_amount > m.max_amount {
                return Err(format!("sandbox config: payup {}: min_amount > max_amount", m.merchant_id));
            }
            c.payup.retain(|x| x.merchant_id != m.merchant_id);
            c.payup.push(m);
        }
        for m in f.payple {
            if m.cst_id.is_empty() || m.cust_key.is_empty() || m.refund_key.is_empty() {
                return Err("sandbox config: payple cst_id, cust_key and refund_key must not be empty".into());
            }
            c.payple.retain(|x| x.cst_id != m.cst_id);
            c.payple.push(m);
        }
        for k in f.kcp {
            if k.site_cd.is_empty() {
                return Err("sandbox config: kcp site_cd must not be empty".into());
            }
            c.kcp.retain(|x| x.site_cd != k.site_cd);
            c.kcp.push(KcpSite { site_cd: k.site_cd, cert_pem: k.cert_info });
        }
        c.payple_auth_ttl_secs = f.payple_auth_ttl_secs;
        c.strict = f.strict;
        if f.ledger_cap == 0 {
            return Err("sandbox config: ledger_cap must be at least 1".into());
        }
        c.ledger_cap = f.ledger_cap;
        Ok(c)
    }

    pub(crate) fn payup_merchant(&self, id: &str) -> Option<&PayupMerchant> {
        self.payup.iter().find(|m| m.merchant_id == id)
    }
    pub(crate) fn payple_merchant(&self, cst_id: &str) -> Option<&PaypleMerchant> {
        self.payple.iter().find(|m| m.cst_id == cst_id)
    }
    pub(crate) fn kcp_site(&self, site_cd: &str) -> Option<&KcpSite> {
        self.kcp.iter().find(|m| m.site_cd == site_cd)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    Delay,
    Http500,
    MalformedBody,
    ResetBeforeCommit,
    DropAfterCommit,
    WrongAmount,
    CrossedAnswer,
    DuplicateOrder,
}

impl FaultKind {
    fn parse(s: &str) -> Option<FaultKind> {
        Some(match s {
            "delay" => FaultKind::Delay,
            "http_500" => FaultKind::Http500,
            "malformed_body" => FaultKind::MalformedBody,
            "reset_before_commit" => FaultKind::ResetBeforeCommit,
            "drop_after_commit" => FaultKind::DropAfterCommit,
            "wrong_amount" => FaultKind::WrongAmount,
            "crossed_answer" => FaultKind::CrossedAnswer,
            "duplicate_order" => FaultKind::DuplicateOrder,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            FaultKind::Delay => "delay",
            FaultKind::Http500 => "http_500",
            FaultKind::MalformedBody => "malformed_body",
            FaultKind::ResetBeforeCommit => "reset_before_commit",
            FaultKind::DropAfterCommit => "drop_after_commit",
            FaultKind::WrongAmount => "wrong_amount",
            FaultKind::CrossedAnswer => "crossed_answer",
            FaultKind::DuplicateOrder => "duplicate_order",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ArmedFault {
    operation: &'static str,
    kind: FaultKind,
    delay_ms: u64,
    remaining: u32,
}

#[derive(Default)]
pub(crate) struct Faults {
    any: AtomicBool,
    armed: Mutex<Vec<ArmedFault>>,
}

impl Faults {
    fn arm(&self, operation: &str, fault: &str, delay_ms: Option<u64>, times: u32) -> Result<(), String> {
        let Some(op) = OPERATIONS.iter().find(|o| **o == operation) else {
            return Err(format!("unknown operation {operation:?}; expected one of {}", OPERATIONS.join(", ")));
        };
        let Some(kind) = FaultKind::parse(fault) else {
            return Err(format!("unknown fault {fault:?}; expected one of {}", FAULTS.join(", ")));
        };
        if times == 0 {
            return Err("times must be at least 1".into());
        }
        if kind == FaultKind::Delay && delay_ms.is_none() {
            return Err("fault delay needs delay_ms".into());
        }
        if kind == FaultKind::DuplicateOrder && duplicate_answer(op).is_none() {
            return Err(format!(
                "fault duplicate_order: no public duplicate code for {op}; it applies to {}",
                OPERATIONS.iter().filter(|o| duplicate_answer(o).is_some()).copied().collect::<Vec<_>>().join(", ")
            ));
        }
        let mut armed = lock(&self.armed);
        armed.push(ArmedFault { operation: op, kind, delay_ms: delay_ms.unwrap_or(0), remaining: times });
        self.any.store(true, Ordering::SeqCst);
        Ok(())
    }
    fn clear(&self) {
        lock(&self.armed).clear();
        self.any.store(false, Ordering::SeqCst);
    }
    fn take(&self, operation: &str) -> Option<ArmedFault> {
        if !self.any.load(Ordering::SeqCst) {
            return None;
        }
        let mut armed = lock(&self.armed);
        let i = armed.iter().position(|f| f.operation == operation)?;
        let f = armed[i].clone();
        armed[i].remaining -= 1;
        if armed[i].remaining == 0 {
            armed.remove(i);
        }
        if armed.is_empty() {
            self.any.store(false, Ordering::SeqCst);
        }
        Some(f)
    }
    fn list(&self) -> serde_json::Value {
        serde_json::Value::Array(
            lock(&self.armed)
                .iter()
                .map(|f| {
                    serde_json::json!({"operation": f.operation, "fault": f.kind.name(),
                        "delay_ms": f.delay_ms, "times": f.remaining})
                })
                .collect(),
        )
    }
}

/// The gateway's own answer to an order it already has, where public material gives the code: Payple
/// CPCA0201 "중복된 주문번호입니다." (its public code list), KakaoPay via Payup 8002 "결제가 진행된 주문입니다."
/// (payup-kakaopay-kcp.txt §4.1). Payup keyin and NHN KCP document none.
fn duplicate_answer(operation: &str) -> Option<Response> {
    use payup_core::codes::{Gateway, lookup};
    let (gateway, code) = match operation {
        "payple.billing.pay" | "payple.card.confirm" => (Gateway::Payple, "CPCA0201"),
        "payup.kakaopay.approve" => (Gateway::Payup, "8002"),
        _ => return None,
    };
    let message = lookup(gateway, code).map(|c| c.message).unwrap_or("");
    Some(Response::json(&match gateway {
        Gateway::Payple => serde_json::json!({"PCD_PAY_RST": "error", "PCD_PAY_CODE": code, "PCD_PAY_MSG": message}),
        _ => serde_json::json!({"responseCode": code, "responseMsg": message}),
    }))
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sandbox clock: the system clock plus an offset tests move (`POST /__sandbox/clock`). Every time
/// rule (AuthKey lifetime, billing months, KST dates) reads it.
#[derive(Default)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn unix(&self) -> i64 {
        util::unix_now() + self.offset_secs.load(Ordering::Relaxed)
    }
    pub fn now(&self) -> util::Kst {
        util::Kst::from_unix(self.unix())
    }
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
    pub fn set(&self, unix: i64) {
        self.offset_secs.store(unix - util::unix_now(), Ordering::Relaxed);
    }
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub clock: Clock,
    pub state: Mutex<State>,
    pub faults: Faults,
    pub stop: AtomicBool,
    pub base_url: String,
    state_file: Option<PathBuf>,
    persist_lock: Mutex<()>,
    /// The latest successful answer of each operation, for the `crossed_answer` fault.
    last_answers: Mutex<Vec<(&'static str, Vec<u8>)>>,
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Now on the sandbox clock, in KST.
    pub fn now(&self) -> util::Kst {
        self.clock.now()
    }

    /// Write the ledger to the state file (atomic rename), if one is configured.
    pub fn persist(&self) {
        let Some(path) = &self.state_file else { return };
        let _w = lock(&self.persist_lock);
        let text = {
            let st = self.state();
            serde_json::to_vec_pretty(&st.p).unwrap_or_default()
        };
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, &text).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }

    fn reset(&self) {
        {
            let mut st = self.state();
            st.clear();
            seed_state(&mut st, &self.config, &self.clock.now());
        }
        self.clock.set(util::unix_now());
        self.faults.clear();
        self.persist();
    }

    /// Register a card for a Payple billing key; only masks are kept.
    pub fn register_payple_card(&self, cst_id: &str, card_no: &str, payer_no: serde_json::Value) -> String {
        let payer_id = util::random_alnum("payer_id", 32);
        let now = self.now().iso();
        let key = BillingKey {
            payer_id: payer_id.clone(),
            cst_id: cst_id.to_string(),
            payer_no,
            payer_name: String::new(),
            payer_hp: String::new(),
            card: payup_core::mask_card_number(card_no),
            card_name: util::issuer(card_no).0.to_string(),
            declines: util::card_outcome(card_no) != util::CardOutcome::Approve,
            status: "active".into(),
            billed_months: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
        };
        self.state().insert_billing_key(key);
        payer_id
    }
}

/// The billing keys printed in payple-card.txt's samples, registered to an approving test card so the
/// spec's own samples succeed.
pub(crate) const SPEC_BILLING_KEYS: &[&str] = &["NS9qNTgzU2xRNHR2RmFBWWFBTWk5UT09", "d0toSS9sT084bVJSNThScnFXQm9Gdz09"];

fn seed_state(st: &mut State, config: &SandboxConfig, now: &util::Kst) {
    st.ledger_cap = config.ledger_cap;
    let Some(m) = config.payple.first() else { return };
    let now = now.iso();
    for id in SPEC_BILLING_KEYS {
        if st.billing_key(id).is_none() {
            st.insert_billing_key(BillingKey {
                payer_id: id.to_string(),
                cst_id: m.cst_id.clone(),
                payer_no: serde_json::json!(2324),
                payer_name: "홍길동".into(),
                payer_hp: "010-****-3333".into(),
                card: payup_core::mask_card_number("4111111111111111"),
                card_name: util::issuer("4111111111111111").0.into(),
                declines: false,
                status: "active".into(),
                billed_months: Vec::new(),
                created_at: now.clone(),
                updated_at: now.clone(),
            });
        }
    }
}

/// A running sandbox server. Stops (and joins its accept thread) on [`Sandbox::shutdown`] or drop.
///
/// After `fork()` the child's handle still names the parent's server (its threads did not come along):
/// there it talks to the server over HTTP through the control API instead of touching the copied memory
/// (a stale copy whose locks another thread may have held at the fork), and dropping it leaves the
/// server running for the parent.
///
/// ```
/// use payup_sandbox::{Sandbox, SandboxConfig};
///
/// let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
/// assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
/// // A payup configuration document for this sandbox's test merchants.
/// let config = sandbox.client_config();
/// assert_eq!(config["payup"]["base_url"], sandbox.base_url());
/// // Nothing has been paid yet.
/// assert_eq!(sandbox.transactions()["transactions"], serde_json::json!([]));
/// ```
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
    /// The process that started the server.
    pid: u32,
}

impl Sandbox {
    /// Start on 127.0.0.1 with a free port, in memory.
    pub fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on("127.0.0.1:0", config, None)
    }

    /// Start on `addr` (must be a loopback address); with `state_file`, load the ledger from it when it
    /// exists and write it after each change.
    pub fn start_on(addr: &str, config: SandboxConfig, state_file: Option<PathBuf>) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        if !local.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the sandbox binds loopback addresses only (127.0.0.1 or ::1)",
            ));
        }
        let mut persistent = Persistent::default();
        if let Some(path) = &state_file
            && path.exists()
        {
            let text = std::fs::read_to_string(path)?;
            persistent = serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("state file {}: {e}", path.display()))
            })?;
        }
        let mut st = State::from_persistent(persistent);
        seed_state(&mut st, &config, &util::Kst::now());
        let base_url = format!("http://{local}");
        let shared = Arc::new(Shared {
            config,
            clock: Clock::default(),
            state: Mutex::new(st),
            faults: Faults::default(),
            stop: AtomicBool::new(false),
            base_url,
            state_file,
            persist_lock: Mutex::new(()),
            last_answers: Mutex::new(Vec::new()),
        });
        shared.persist();
        let sh = shared.clone();
        let accept =
            std::thread::Builder::new().name("sandbox-accept".into()).spawn(move || http::serve(listener, sh))?;
        Ok(Sandbox { shared, addr: local, accept: Some(accept), pid: std::process::id() })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// A client configuration document (the one payup's CLI and bindings read) for this sandbox's first
    /// merchant of each gateway, with the test certificate and key: ready for `payup call --config`.
    pub fn client_config(&self) -> serde_json::Value {
        let base = self.base_url();
        let cfg = &self.shared.config;
        let mut doc = serde_json::json!({"env": "test", "timeouts": {"connect_ms": 2000, "read_ms": 10000}});
        if let Some(m) = cfg.payup.first() {
            doc["payup"] =
                serde_json::json!({"merchant_id": m.merchant_id, "api_cert_key": m.api_cert_key, "base_url": base});
        }
        if let Some(m) = cfg.payple.first() {
            doc["payple"] = serde_json::json!({"cst_id": m.cst_id, "cust_key": m.cust_key, "refund_key": m.refund_key, "base_url": base});
        }
        if let Some(k) = cfg.kcp.first() {
            doc["kcp"] = serde_json::json!({"site_cd": k.site_cd, "cert_info": KCP_TEST_CERT_PEM,
                "private_key": KCP_TEST_KEY_PEM, "base_url": base});
        }
        doc
    }

    /// The ledger: the same JSON as `GET /__sandbox/transactions`.
    pub fn transactions(&self) -> serde_json::Value {
        if !self.is_owner() {
            return self
                .control("GET", "/__sandbox/transactions", None)
                .unwrap_or_else(|e| serde_json::json!({"error": e}));
        }
        self.shared.state().ledger_json()
    }

    /// Arm `fault` for the next `times` calls of `operation` (see README "Faults").
    pub fn arm_fault(&self, operation: &str, fault: &str, delay_ms: Option<u64>, times: u32) -> Result<(), String> {
        if !self.is_owner() {
            let body =
                serde_json::json!({"operation": operation, "fault": fault, "delay_ms": delay_ms, "times": times});
            return self.control("POST", "/__sandbox/faults", Some(&body)).map(|_| ());
        }
        self.shared.faults.arm(operation, fault, delay_ms, times)
    }

    /// Disarms every armed fault.
    pub fn clear_faults(&self) {
        if !self.is_owner() {
            let _ = self.control("DELETE", "/__sandbox/faults", None);
            return;
        }
        self.shared.faults.clear();
    }

    /// Empty the ledger (the spec's sample billing keys are registered again) and clear faults.
    pub fn reset(&self) {
        if !self.is_owner() {
            let _ = self.control("POST", "/__sandbox/reset", None);
            return;
        }
        self.shared.reset();
    }

    /// Move the sandbox clock `secs` seconds on (back when negative); returns its new time (RFC 3339, KST).
    pub fn advance_clock(&self, secs: i64) -> Result<String, String> {
        self.clock_call(&serde_json::json!({ "advance_secs": secs }))
    }

    /// Set the sandbox clock to `rfc3339` (`2026-12-01T23:59:50+09:00`); returns its new time.
    pub fn set_clock(&self, rfc3339: &str) -> Result<String, String> {
        self.clock_call(&serde_json::json!({ "set": rfc3339 }))
    }

    fn clock_call(&self, body: &serde_json::Value) -> Result<String, String> {
        if !self.is_owner() {
            let doc = self.control("POST", "/__sandbox/clock", Some(body))?;
            return Ok(doc["now"].as_str().unwrap_or("").to_string());
        }
        if let Some(n) = body.get("advance_secs").and_then(serde_json::Value::as_i64) {
            self.shared.clock.advance(n);
        } else {
            let t = body.get("set").and_then(serde_json::Value::as_str).unwrap_or("");
            let unix = util::parse_rfc3339(t).ok_or("set_clock: expected an RFC 3339 date-time")?;
            self.shared.clock.set(unix);
        }
        Ok(self.shared.now().iso())
    }

    /// Register `card_no` with the first configured Payple partner and return its billing key
    /// (`PCD_PAYER_ID`). Only the card's mask is stored.
    pub fn register_payple_card(&self, card_no: &str, payer_no: &str) -> String {
        if !self.is_owner() {
            return person::register_payple_card(self.base_url(), card_no, payer_no).unwrap_or_default();
        }
        let cst = self.shared.config.payple.first().map(|m| m.cst_id.clone()).unwrap_or_default();
        let id = self.shared.register_payple_card(&cst, card_no, serde_json::Value::String(payer_no.into()));
        self.shared.persist();
        id
    }

    /// True in the process that started the server (false in a child forked after it).
    fn is_owner(&self) -> bool {
        self.pid == std::process::id()
    }

    /// One control-API call over loopback (the forked child's way to the parent's server).
    fn control(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> Result<serde_json::Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let url = format!("{}{path}", self.base_url());
        let (status, answer) = person::request(method, &url, "application/json", body.as_bytes())?;
        let doc: serde_json::Value = serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
        if !(200..300).contains(&status) {
            return Err(doc["error"].as_str().unwrap_or("the sandbox refused the control call").to_string());
        }
        Ok(doc)
    }

    /// Stops the server and joins its accept thread.
    pub fn shutdown(self) {
        // Drop does the work.
    }

    fn stop(&mut self) {
        if !self.is_owner() {
            // A forked child: the server and its thread are the parent's (joining a thread that does not
            // exist here would wait forever).
            std::mem::forget(self.accept.take());
            return;
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn handle(sh: &Shared, req: &Request) -> Reply {
    if req.method == "OPTIONS" {
        // CORS preflight (the window scripts call the sandbox from the merchant's origin).
        let mut r = Response::new(204, "text/plain", Vec::new());
        r.headers.push(("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS".into()));
        r.headers.push((
            "Access-Control-Allow-Headers",
            req.header("access-control-request-headers").unwrap_or("Content-Type").to_string(),
        ));
        r.headers.push(("Access-Control-Max-Age", "600".into()));
        return Reply::Send(r);
    }
    if req.path == "/__sandbox" || req.path.starts_with("/__sandbox/") {
        return Reply::Send(control::handle(sh, req));
    }
    let found = routes::find(req);
    let op = found.operation(req);
    let fault = op.and_then(|op| sh.faults.take(op));
    if let Some(f) = fault.as_ref().filter(|f| f.kind == FaultKind::Delay) {
        // The connection layer waits (off its event loop, so other connections are not held up) and then
        // calls `answer`: the operation takes effect after the delay, as a slow gateway's would.
        return Reply::Delay(Duration::from_millis(f.delay_ms));
    }
    answer_found(sh, req, &found, op, fault)
}

/// The answer to a gateway request, with the fault (other than `delay`) taken for it, if any.
pub(crate) fn answer(sh: &Shared, req: &Request, fault: Option<ArmedFault>) -> Reply {
    let found = routes::find(req);
    let op = found.operation(req);
    answer_found(sh, req, &found, op, fault)
}

/// [`answer`] for the route `found` (of operation `op`) that `handle` already looked up.
fn answer_found(
    sh: &Shared,
    req: &Request,
    found: &routes::Found<'_>,
    op: Option<&'static str>,
    fault: Option<ArmedFault>,
) -> Reply {
    match fault.as_ref().map(|f| f.kind) {
        Some(FaultKind::Http500) => {
            return Reply::Send(Response::new(
                500,
                "text/html; charset=utf-8",
                "<html><body><h1>500 Internal Server Error</h1><p>payup-sandbox fault http_500</p></body></html>",
            ));
        }
        Some(FaultKind::ResetBeforeCommit) => return Reply::Reset,
        Some(FaultKind::DuplicateOrder) => {
            // No effect: the gateway refuses the order as one it already has.
            if let Some(r) = op.and_then(duplicate_answer) {
                return Reply::Send(r);
            }
        }
        _ => {}
    }
    let mut resp = found.answer(sh, req);
    if req.method == "POST" {
        sh.persist();
    }
    if let Some(op) = op
        && resp.status == 200
    {
        // Kept for `crossed_answer`: what a pre-fork pool or a misrouting proxy does is hand one buyer's
        // answer to another buyer's request.
        // The copy goes into the buffer the operation's previous answer used (no allocation per request).
        let crossed = fault.as_ref().is_some_and(|f| f.kind == FaultKind::CrossedAnswer);
        let mut last = lock(&sh.last_answers);
        match last.iter_mut().find(|(o, _)| *o == op) {
            Some((_, body)) if crossed => {
                // The previous buyer's answer goes out; this one is kept for the next.
                let previous = std::mem::replace(body, resp.body.clone());
                resp.body = previous;
            }
            Some((_, body)) => {
                body.clear();
                body.extend_from_slice(&resp.body);
            }
            None => last.push((op, resp.body.clone())),
        }
    }
    match fault.map(|f| f.kind) {
        Some(FaultKind::DropAfterCommit) => Reply::Close,
        Some(FaultKind::MalformedBody) => {
            // The operation took effect; the body is cut in half (not valid JSON).
            let cut = resp.body.len() / 2;
            resp.body.truncate(cut);
            resp.body.extend_from_slice(b"\n<!-- payup-sandbox fault malformed_body -->");
            resp.content_type = "application/json; charset=utf-8";
            resp.status = 200;
            Reply::Send(resp)
        }
        Some(FaultKind::WrongAmount) => {
            if let Ok(serde_json::Value::Object(mut m)) = serde_json::from_slice::<serde_json::Value>(&resp.body) {
                for k in ["amount", "good_mny", "card_mny", "mod_mny", "PCD_PAY_TOTAL", "PCD_REFUND_TOTAL"] {
                    if let Some(v) = m.get_mut(k) {
                        *v = match v {
                            serde_json::Value::String(s) => match s.parse::<u64>() {
                                Ok(n) => serde_json::Value::String((n + 1000).to_string()),
                                Err(_) => v.clone(),
                            },
                            serde_json::Value::Number(n) => serde_json::json!(n.as_u64().unwrap_or(0) + 1000),
                            _ => v.clone(),
                        };
                    }
                }
                resp.body = serde_json::to_vec(&m).unwrap_or_default();
            }
            Reply::Send(resp)
        }
        _ => Reply::Send(resp),
    }
}
