use crate::events::{EventListener, Events};
use crate::wire::{Egress, SendFailure, Wire};
use payup_core::catalog::ambiguous_context;
use payup_core::catalog::{self, Attribution, Exchange, Mismatch, Next, Recovery, Undo};
use payup_core::event::{Event, Outcome};
use payup_core::journal::{self, RecoverStep, Status, Verdict};
use payup_core::{Config, Error, ErrorKind, HttpRequest, Operation, OperationClass, PayupCode};
use payup_core::{Request, Response, Target, Timestamp};
use payup_journal::{Begin, Journal};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Attempts for a read-only call whose request never left (the first try included).
const READ_ONLY_ATTEMPTS: u32 = 3;

/// A thread-safe, blocking client for every operation of the catalogue. Clone it freely: clones share
/// one keep-alive pool.
///
/// A card approval and its cancel, against the local sandbox:
///
/// ```
/// use payup_sandbox::{Sandbox, SandboxConfig};
/// use payup_transport::Client;
/// use serde_json::json;
///
/// let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
/// let client = Client::from_json(&sandbox.client_config().to_string()).unwrap();
/// let approved = client
///     .call_json("payup.keyin.approve", &json!({
///         "order_number": "DOC-0001", "card_no": "4111111111111111", "expire_month": "12",
///         "expire_year": "30", "birthday": "890302", "card_pw": "12", "amount": 1004, "quota": 0,
///         "item_name": "book", "user_name": "Hong Gildong"
///     }))
///     .unwrap();
/// let tx = approved["transaction_id"].as_str().unwrap();
/// let cancelled = client.call_json("payup.keyin.cancel", &json!({"transaction_id": tx})).unwrap();
/// assert_eq!(cancelled["transaction_id"], tx);
/// ```
#[derive(Clone)]
pub struct Client {
    config: Config,
    wire: Wire,
    events: Events,
    /// This client's per-call read timeout in place of the configuration's (`Client::call_with`).
    read_timeout: Option<Duration>,
    /// The payment journal (`"journal"` in the configuration), or why it could not be opened.
    journal: Option<Result<Arc<Journal>, Error>>,
}

/// Options of one call, never request fields (issue 20).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// The read timeout of each HTTP exchange of this call, in place of the configuration's
    /// `timeouts.read_ms` (1–600000).
    pub timeout_ms: Option<u64>,
}

impl CallOptions {
    /// Reads the options document `{"timeout_ms": N}` (the C ABI's, the CLI's); unknown keys are refused.
    pub fn from_json(v: &Value) -> Result<CallOptions, Error> {
        let Some(m) = v.as_object() else {
            return Err(Error::invalid_field("(options)", "must be a JSON object like {\"timeout_ms\": 3000}"));
        };
        let mut options = CallOptions::default();
        for (key, value) in m {
            match key.as_str() {
                "timeout_ms" => {
                    options.timeout_ms = match value {
                        Value::Null => None,
                        v => Some(v.as_u64().ok_or_else(|| {
                            Error::invalid_field("timeout_ms", "must be a whole number of milliseconds, 1–600000")
                        })?),
                    }
                }
                other => return Err(Error::invalid_field(other, "is not a call option (known: timeout_ms)")),
            }
        }
        options.check()?;
        Ok(options)
    }

    /// Refuses a timeout outside 1–600000 ms (the configuration's own bounds) before anything is sent.
    pub fn check(&self) -> Result<(), Error> {
        match self.timeout_ms {
            Some(t) if t == 0 || t > 600_000 => {
                Err(Error::invalid_field("timeout_ms", "must be 1–600000 milliseconds"))
            }
            _ => Ok(()),
        }
    }
}

/// The process's environment and files, for references in the configuration (`payup_core::config`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemSecrets;

impl payup_core::config::SecretSource for SystemSecrets {
    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read_file(&self, path: &str) -> Result<String, String> {
        // The error's kind only: never the content, and the OS message adds nothing but the path.
        std::fs::read_to_string(path).map_err(|e| format!("{:?}", e.kind()))
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Config's Debug masks its secrets; the pool has nothing to show.
        f.debug_struct("Client").field("config", &self.config).finish_non_exhaustive()
    }
}

/// `approve_then` failed after the approval succeeded.
#[derive(Debug)]
pub enum ApproveThenError<E> {
    /// The approval itself failed (nothing to undo, or the error says what is unknown).
    Approve(Error),
    /// The merchant's commit failed; `cancel` is the result of cancelling the approval (an `Err` here
    /// means the approval may still stand: reconcile it by hand).
    Commit {
        /// The commit's own error.
        error: E,
        /// The approval that was cancelled (or that cancelling failed for).
        approved: Response,
        /// The cancel's result.
        cancel: Result<Response, Error>,
    },
}

fn now() -> Timestamp {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    Timestamp(secs)
}

/// A JSON document passed as text (the C ABI's arguments): its parse error names `field` and gives only the
/// position, never the text around it (which may hold a card number).
pub fn json_argument(text: &str, field: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid_field(field, format!("is not valid JSON (line {}, column {})", e.line(), e.column()))
    })
}

impl Client {
    /// A client for a configuration read by `payup_core::Config`.
    /// A journal that cannot be opened makes every call of it a `config` error (nothing sent);
    /// [`Client::try_new`] reports it at once.
    pub fn new(mut config: Config) -> Client {
        config.credentials.set_random(crate::system_random());
        let egress = Egress { proxy: config.proxy.clone(), extra_roots: config.extra_roots.clone() };
        let wire = Wire::with_egress(
            Duration::from_millis(config.connect_timeout_ms),
            Duration::from_millis(config.read_timeout_ms),
            egress,
        );
        let journal = config.journal.as_ref().map(|j| Journal::open(j).map(Arc::new));
        Client { config, wire, events: Events::default(), read_timeout: None, journal }
    }

    /// A client for a configuration, or the `config` error of a journal that cannot be opened.
    pub fn try_new(config: Config) -> Result<Client, Error> {
        let client = Client::new(config);
        if let Some(Err(e)) = &client.journal {
            return Err(e.clone());
        }
        Ok(client)
    }

    /// A client from the configuration document (see `payup_core::config`); references
    /// (`{"env": NAME}`, `{"file": PATH}`) and `ca_file` are read from this process's environment and files.
    pub fn from_json(config: &str) -> Result<Client, Error> {
        Client::try_new(Config::from_json_str_with(config, &SystemSecrets)?)
    }

    /// This client with `options` applied (it shares the keep-alive pool): what `call_with` runs on.
    pub fn with_options(&self, options: &CallOptions) -> Result<Client, Error> {
        options.check()?;
        let mut c = self.clone();
        if let Some(ms) = options.timeout_ms {
            c.read_timeout = Some(Duration::from_millis(ms));
        }
        Ok(c)
    }

    /// [`Client::call_json`] with per-call options (a timeout override).
    pub fn call_with(&self, operation: &str, request: &Value, options: &CallOptions) -> Result<Value, Error> {
        if options == &CallOptions::default() {
            return self.call_json(operation, request);
        }
        self.with_options(options)?.call_json(operation, request)
    }

    /// [`Client::call_with`] with the result as compact JSON text, the same bytes as
    /// `call_with(..)?.to_string()`, written straight from core's typed response without an intermediate
    /// `Value` (issue 21: what the C ABI and the bindings on it return).
    pub fn call_text(&self, operation: &str, request: &Value, options: &CallOptions) -> Result<String, Error> {
        Ok(self.call_response(operation, request, options)?.to_json_text())
    }

    /// [`Client::call_text`] with the request as JSON text (the C ABI's `payup_client_call`): read straight
    /// into core's typed request where core can ([`Client::call_response_str`]), otherwise parsed and read as
    /// a document, with [`Client::call_text`]'s errors. Text that is not JSON is an `invalid` error naming
    /// `request_json` with the line and column of the syntax error (never the text around it).
    pub fn call_str(&self, operation: &str, request: &str, options: &CallOptions) -> Result<String, Error> {
        self.call_response_str(operation, request, options, |text| json_argument(text, "request_json"))
            .map(|r| r.to_json_text())
    }

    /// [`Client::call_response`] with the request as JSON text: read straight into core's typed request where
    /// core has a reader of its own for it (`Request::from_json_text`), otherwise parsed by `parse` (the
    /// binding's, whose error names its own argument) and read as a document. The result and the errors are
    /// the same either way (issue 21: the Node addon's path; no `Value` for a plain keyin approval).
    pub fn call_response_str(
        &self,
        operation: &str,
        request: &str,
        options: &CallOptions,
        parse: impl FnOnce(&str) -> Result<Value, Error>,
    ) -> Result<Response, Error> {
        if let Some(op) = Operation::from_name(operation)
            && let Some(typed) = Request::from_json_text(op, request)
        {
            return self.call_request(typed, options);
        }
        self.call_response(operation, &parse(request)?, options)
    }

    /// Runs a request core has already read (`Request::from_json_text`, `Request::scalar_reader`: a binding's
    /// hot path), with the configuration's defaults and `options`, as [`Client::call_response`] would.
    pub fn call_request(&self, request: Request, options: &CallOptions) -> Result<Response, Error> {
        let typed = self.with_defaults(request);
        if options == &CallOptions::default() {
            self.execute(typed)
        } else {
            self.with_options(options)?.execute(typed)
        }
    }

    /// Whether this client's calls may run as cooperative tasks on an event loop's thread
    /// ([`crate::coop::Task`]): not with a payment journal, whose writes block (`fsync`, PostgreSQL).
    pub fn runs_cooperatively(&self) -> bool {
        self.journal.is_none()
    }

    /// The payment journal, when the configuration has one (`payup journal list/show/resolve`).
    pub fn journal(&self) -> Result<&Journal, Error> {
        match &self.journal {
            Some(Ok(j)) => Ok(j),
            Some(Err(e)) => Err(e.clone()),
            None => Err(Error::config("the configuration has no \"journal\" section")),
        }
    }

    /// The configuration this client runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Drops the keep-alive pool if another process filled it (after `fork()`), so the next call opens
    /// connections of this process's own. Calls do this by themselves on first use after a fork; a
    /// binding's after-fork hook may call it eagerly. See [`crate::wire::Wire`].
    pub fn reset_after_fork(&self) {
        self.wire.reset_after_fork();
    }

    /// Sets (or with `None` removes) the listener that receives one redacted [`Event`] per HTTP exchange
    /// (issue 20), on the calling thread, before the call returns. Clones of this client share it.
    /// Independently of it, every exchange is a `tracing` event (target `payup`, DEBUG) when a subscriber
    /// wants one. Events are built only when one of the two listens.
    ///
    /// ```
    /// # let client = payup_transport::Client::from_json("{}").unwrap();
    /// use std::sync::Arc;
    /// client.set_event_listener(Some(Arc::new(|e: &payup_core::Event| eprintln!("{}", e.to_json()))));
    /// ```
    pub fn set_event_listener(&self, listener: Option<Arc<dyn EventListener>>) {
        self.events.set(listener);
    }

    /// `payup call`: a request document in, a result document out.
    pub fn call_json(&self, operation: &str, request: &Value) -> Result<Value, Error> {
        self.call_response(operation, request, &CallOptions::default()).map(|r| r.to_json())
    }

    /// [`Client::call_with`] that returns the typed [`Response`] instead of its document: for a binding that
    /// converts it straight into its own objects (`Response` is `Serialize`; `to_json` is its document), with
    /// no `Value` built in between (issue 21).
    pub fn call_response(&self, operation: &str, request: &Value, options: &CallOptions) -> Result<Response, Error> {
        if options != &CallOptions::default() {
            return self.with_options(options)?.call_response(operation, request, &CallOptions::default());
        }
        let op = Operation::from_name(operation).ok_or_else(|| Operation::unknown(operation))?;
        self.execute(self.with_defaults(Request::from_json(op, request)?))
    }

    /// A request read from a document, completed with this client's defaults (the KCP script URL).
    fn with_defaults(&self, mut request: Request) -> Request {
        if let Request::PayupKakaopayWindow(w) = &mut request
            && w.kcp_script_url.is_none()
        {
            w.kcp_script_url = self.config.kcp_script_url.clone();
        }
        request
    }

    /// Runs one operation with every safety of this crate: core decides what to check, undo and recover
    /// (`payup_core::flow`); this only executes its plans. With a journal, an operation that moves money or
    /// cards is recorded first (its intent committed before the first byte leaves) and guarded
    /// (`payup_core::journal`): a replay of a recorded approval comes back as [`Response::Replayed`].
    pub fn execute(&self, request: Request) -> Result<Response, Error> {
        let journal = match &self.journal {
            Some(Ok(j)) if journal::is_journaled(request.operation()) => j,
            Some(Err(e)) if journal::is_journaled(request.operation()) => return Err(e.clone()),
            _ => return self.execute_unjournaled(request),
        };
        let Some(intent) = journal::intent(&request, &self.config.credentials, now()) else {
            return self.execute_unjournaled(request);
        };
        let id = match journal.begin(&intent)? {
            Begin::Proceed(id) => id,
            Begin::Replay(id, doc) => return Ok(Response::Replayed(journal::replayed(&doc, id))),
            Begin::Duplicate(id) => return Err(journal::duplicate_order(&intent, id)),
            Begin::InFlight(id, status) => return Err(journal::in_flight(&intent, id, status)),
        };
        let cancels = journal::cancelled_by(&request);
        let result = self.execute_unjournaled(request);
        // A failure to record the outcome leaves the entry `pending`: `payup recover` resolves it; the caller
        // still gets what the gateway answered.
        let _ = journal.finish(id, &journal::outcome(&result), cancels.as_deref());
        result.map_err(|e| if e.kind() == ErrorKind::Ambiguous { e.with_journal_id(id) } else { e })
    }

    /// Resolves the journal's pending and ambiguous entries with core's recovery plans (Payple's result
    /// query; a payment of another amount is refunded) and marks the rest `unresolved` with what to check by
    /// hand. Pending entries younger than the configured timeouts allow may still be live in the process that
    /// wrote them: they are left alone (`still_pending`). Safe while other processes use the journal.
    /// Returns `{"resolved": [{id, status, note}], "unresolved": [{id, note}], "still_pending": [{id, note}]}`.
    pub fn recover(&self) -> Result<Value, Error> {
        let journal = self.journal()?;
        let live = journal::live_window_secs(self.config.connect_timeout_ms, self.config.read_timeout_ms);
        let now = now().0;
        let (mut resolved, mut unresolved, mut still_pending) = (Vec::new(), Vec::new(), Vec::new());
        let open = [Status::Pending, Status::Ambiguous, Status::Unresolved];
        let entries = journal.list(None, None)?;
        for entry in entries.iter().filter(|e| open.contains(&e.status)) {
            let entry = entry.clone();
            let id = entry.id;
            if entry.status == Status::Pending && now - entry.created_at < live {
                still_pending.push(json!({"id": id, "note": format!(
                    "recorded {}s ago: its call may still be running (recover waits {live}s)", now - entry.created_at)}));
                continue;
            }
            match journal::recover_step(&entry) {
                RecoverStep::Unresolved(note) => {
                    journal.transition(
                        id,
                        &[Status::Pending, Status::Ambiguous],
                        Status::Unresolved,
                        &note,
                        None,
                        None,
                    )?;
                    unresolved.push(json!({"id": id, "note": note}));
                }
                RecoverStep::Query(query) => {
                    let mut answer = self.with_retries(&query);
                    let mut verdict = journal::judge_query(&entry, &query, &answer);
                    if let (Verdict::NotFound(_), Some(next)) =
                        (&verdict, journal::next_day_query(&entry, &query, live))
                    {
                        answer = self.with_retries(&next);
                        verdict = journal::judge_query(&entry, &next, &answer);
                    }
                    match verdict {
                        // A refund of this approval was sent after it (the process died around it): the
                        // result query may still report the payment, so it alone does not decide.
                        Verdict::Approved(_, _) if let Some(cancel) = journal::cancel_of(&entry, &entries) => {
                            let cancel_status = journal.get(cancel.id)?.map_or(cancel.status, |c| c.status);
                            if cancel_status == Status::Approved {
                                let note = format!("recover: refunded by entry {} ({})", cancel.id, cancel.operation);
                                journal.transition(id, &open, Status::Cancelled, &note, None, None)?;
                                resolved.push(json!({"id": id, "status": "cancelled", "note": note}));
                            } else {
                                let note = format!(
                                    "{} reports the payment, but its refund (entry {}, {}) is {}: check the gateway's admin page whether it was refunded, then `payup journal resolve` both",
                                    query.operation(),
                                    cancel.id,
                                    cancel.operation,
                                    cancel_status.as_str()
                                );
                                journal.transition(id, &open, Status::Unresolved, &note, None, None)?;
                                unresolved.push(json!({"id": id, "note": note}));
                            }
                        }
                        Verdict::Approved(doc, tx) => {
                            let note = format!("recover: {} reports the payment", query.operation());
                            journal.transition(id, &open, Status::Approved, &note, Some(&doc), tx.as_deref())?;
                            resolved.push(json!({"id": id, "status": "approved", "note": note}));
                        }
                        Verdict::NotFound(note) => {
                            journal.transition(id, &open, Status::Declined, &note, None, None)?;
                            resolved.push(json!({"id": id, "status": "declined", "note": note}));
                        }
                        Verdict::WrongAmount(undo, reported) => match self.run_undo(undo) {
                            Ok(_) => {
                                let note = format!(
                                    "recover: the gateway reports {reported} instead of {}: refunded",
                                    entry.amount.unwrap_or(0)
                                );
                                journal.transition(id, &open, Status::Cancelled, &note, None, None)?;
                                resolved.push(json!({"id": id, "status": "cancelled", "note": note}));
                            }
                            Err(e) => {
                                let note = format!(
                                    "the gateway reports {reported} instead of {} and the refund failed ({}): refund it by hand",
                                    entry.amount.unwrap_or(0),
                                    e.kind().as_str()
                                );
                                journal.transition(id, &open, Status::Unresolved, &note, None, None)?;
                                unresolved.push(json!({"id": id, "note": note}));
                            }
                        },
                        Verdict::Unknown(note) => still_pending.push(json!({"id": id, "note": note})),
                    }
                }
            }
        }
        Ok(json!({"resolved": resolved, "unresolved": unresolved, "still_pending": still_pending}))
    }

    fn execute_unjournaled(&self, request: Request) -> Result<Response, Error> {
        // The day the payment was asked for (KST): a recovery query that runs after midnight still looks there.
        // Only read after an ambiguous outcome: the date is written then, the clock is read now.
        let asked_at = now();
        let op = request.operation();
        let result =
            if op.class() == OperationClass::ReadOnly { self.with_retries(&request) } else { self.run(&request) };
        match result {
            Ok(response) => self.checked(&request, response),
            Err(e) if e.kind() == ErrorKind::Ambiguous => self.recover_outcome(&request, e, &asked_at.kst_date()),
            Err(e) => Err(e),
        }
    }

    /// Approves, runs the merchant's `commit` (say, the order's database write), and cancels the
    /// approval when the commit fails: the practice KCP documents for its net cancel (specs/README).
    pub fn approve_then<T, E>(
        &self,
        request: Request,
        commit: impl FnOnce(&Response) -> Result<T, E>,
    ) -> Result<(Response, T), ApproveThenError<E>> {
        let approved = self.execute(request.clone()).map_err(ApproveThenError::Approve)?;
        match commit(&approved) {
            Ok(t) => Ok((approved, t)),
            Err(error) => {
                // Never cancel a transaction that is not provably the answer to our request (issue 14).
                let cancel =
                    match (request.attribute(&approved), request.undo(&approved, "가맹점 DB 처리 실패(자동취소)"))
                    {
                        (Attribution::Ours, Some(undo)) => self.run_undo(undo),
                        (Attribution::Ours, None) => Err(Error::config(format!(
                            "{} has no cancel operation in payup yet: cancel the approval by hand",
                            request.operation()
                        ))),
                        (Attribution::Unproven(why), _) => Err(not_provably_ours(&request, &why)),
                        (Attribution::Other { field, .. }, _) => {
                            Err(not_provably_ours(&request, &format!("{field} differs")))
                        }
                    };
                Err(ApproveThenError::Commit { error, approved, cancel })
            }
        }
    }

    /// A success, checked against its request: attributed first, then its amount (DESIGN §4).
    fn checked(&self, request: &Request, response: Response) -> Result<Response, Error> {
        match catalog::check_result(request, &response) {
            None => Ok(response),
            Some(m) => Err(self.undo_mismatch(request, &m)),
        }
    }

    /// Executes an undo plan: its confirming query first (what was really paid), then the cancel.
    fn run_undo(&self, undo: Undo) -> Result<Response, Error> {
        let undo = match &undo.confirm_with {
            Some(query) => match self.with_retries(query) {
                Ok(found) => undo.clone().confirmed(&found),
                Err(_) => undo,
            },
            None => undo,
        };
        self.execute(undo.request)
    }

    fn with_retries(&self, request: &Request) -> Result<Response, Error> {
        let mut attempt = 1;
        loop {
            match self.run(request) {
                Err(e) if e.kind() == ErrorKind::NotSent && attempt < READ_ONLY_ATTEMPTS => {
                    // 100 ms, 200 ms … with ±50 % jitter, so that many clients do not retry in step.
                    let base = 100u64 << (attempt - 1);
                    // Seeded from the OS each time, not from a thread's RNG: after a fork, parent and children
                    // would draw the same "random" delays and retry in step (rand 0.9 does not reseed on fork).
                    let jitter = SmallRng::from_os_rng().random_range(base / 2..=base + base / 2);
                    crate::coop::sleep(Duration::from_millis(jitter));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Drives the sans-I/O exchange over the wire; each HTTP exchange is an event (see [`Self::set_event_listener`]).
    fn run(&self, request: &Request) -> Result<Response, Error> {
        let creds = &self.config.credentials;
        let op = request.operation();
        let mut x = Exchange::new(request, now());
        let mut next = x.start(creds);
        loop {
            match next {
                Next::Done(result) => return result,
                Next::Send(http) => {
                    let url = self.url_for(&http)?;
                    let started = Instant::now();
                    let sent = self.wire.post_with(&url, &http.headers, &http.body, self.read_timeout);
                    let took: u64 = started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
                    let response = match sent {
                        Ok(r) => r,
                        Err(f) => {
                            let e = match f {
                                // Before the operation's own call (Payple's partner auth), nothing of the
                                // operation has been sent, whatever happened to the auth call.
                                SendFailure::Ambiguous(m) if !x.is_at_main_call() => {
                                    Error::not_sent(http.gateway, format!("partner auth failed: {m}"))
                                }
                                f => f.into_error(http.gateway),
                            };
                            self.events.emit(|| Event::new(op, &http, &url, None, took, Outcome::error(&e)));
                            return Err(e);
                        }
                    };
                    let at_main_call = x.is_at_main_call();
                    next = x.on_response(creds, &response);
                    let auth_failed = match &next {
                        Next::Done(Err(e)) if !at_main_call && e.kind() == ErrorKind::Ambiguous => {
                            Some(e.clone().into_not_sent("partner auth failed: "))
                        }
                        _ => None,
                    };
                    self.events.emit(|| {
                        let outcome = match (&auth_failed, &next) {
                            (Some(e), _) => Outcome::error(e),
                            (None, Next::Send(_)) => Outcome::success(),
                            (None, Next::Done(r)) => exchange_outcome(request, r),
                        };
                        Event::new(op, &http, &url, Some(&response), took, outcome)
                    });
                    if let Some(e) = auth_failed {
                        return Err(e);
                    }
                }
            }
        }
    }

    fn url_for(&self, http: &HttpRequest) -> Result<String, Error> {
        let base = self.config.base(http.gateway).ok_or_else(|| {
            Error::config(format!("no \"{}\" section in the configuration", http.gateway)).with_gateway(http.gateway)
        })?;
        match &http.target {
            Target::Path(p) => {
                // Without `format!`'s machinery: every exchange builds one.
                let mut url = String::with_capacity(base.url.len() + p.len());
                url.push_str(&base.url);
                url.push_str(p);
                Ok(url)
            }
            // Payple hands out the next URL; follow it only to the configured host (a tampered or
            // misconfigured answer must not send tokens and card payments elsewhere).
            Target::Url(u) if base.same_origin(u) => Ok(u.clone()),
            Target::Url(u) => {
                let host: String = u
                    .split("://")
                    .nth(1)
                    .unwrap_or("")
                    .split(['/', '?'])
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(100)
                    .collect();
                Err(Error::config(format!(
                    "refused to follow the gateway's next URL on host \"{host}\": it is not the configured {} host {}; nothing was sent",
                    http.gateway, base.url
                ))
                .with_gateway(http.gateway))
            }
        }
    }

    /// An approval of another amount is undone where it is provably ours and the API allows it.
    fn undo_mismatch(&self, request: &Request, m: &Mismatch) -> Error {
        let cancelled = match m.undo.clone() {
            Some(undo) => self.run_undo(undo).map(|_| ()),
            None => Err(Error::config("no cancel operation")),
        };
        catalog::mismatch_error(request, m, cancelled.as_ref().map(|_| ()))
    }

    /// After an ambiguous outcome: runs core's recovery plan (a recovered success is returned as a
    /// success), else says exactly what is unknown.
    fn recover_outcome(&self, request: &Request, error: Error, asked_on: &str) -> Result<Response, Error> {
        let mut ctx = ambiguous_context(request);
        let op = request.operation();
        match request.recovery(asked_on) {
            Recovery::Unresolvable => Err(error.with_ambiguous(ctx)),
            Recovery::Query(query) => match self.with_retries(&query) {
                Ok(found) if request.result_matches(&found) => self.checked(request, found),
                Ok(_) => Err(error.with_ambiguous(ctx)),
                Err(e) => {
                    ctx.tried.push(format!(
                        "{}: {}{}",
                        query.operation(),
                        e.kind().as_str(),
                        e.code().map(|c| format!(" [{c}]")).unwrap_or_default()
                    ));
                    Err(error.with_ambiguous(ctx))
                }
            },
            Recovery::AskAgain { already_done, meaning, lost } => match self.run(request) {
                Ok(r) => self.checked(request, r),
                Err(e) if e.code() == Some(already_done) => {
                    ctx.tried.push(format!("{op} again: {already_done}, {meaning}"));
                    Err(Error::ambiguous(
                        op.gateway(),
                        format!(
                            "the {op} went through (asked again, the gateway answers {already_done}: {meaning}) but its response was lost, so {lost}"
                        ),
                    )
                    .with_gateway_code(already_done)
                    .with_ambiguous(ctx))
                }
                Err(e) => {
                    ctx.tried.push(format!("{op} again: {}", e.kind().as_str()));
                    Err(error.with_ambiguous(ctx))
                }
            },
        }
    }
}

/// The outcome an operation's own exchange reports: its parsed result, and a success that is not one (another
/// amount or order: DESIGN §4) as `ambiguous` with payup's code — what follows (a cancel) has its own event.
fn exchange_outcome(request: &Request, result: &Result<Response, Error>) -> Outcome {
    let Ok(response) = result else { return Outcome::of(result) };
    match catalog::check_result(request, response) {
        None => Outcome::success(),
        Some(m) => Outcome {
            kind: ErrorKind::Ambiguous.as_str(),
            gateway_code: None,
            payup_code: Some(
                if m.what == "order_number" { PayupCode::OrderMismatch } else { PayupCode::AmountMismatch }.as_str(),
            ),
        },
    }
}

fn not_provably_ours(request: &Request, why: &str) -> Error {
    Error::ambiguous(
        request.operation().gateway(),
        format!(
            "the approval was not cancelled: its answer is not provably this request's ({why}); reconcile it by hand"
        ),
    )
    .with_ambiguous(ambiguous_context(request))
}
