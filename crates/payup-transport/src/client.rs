use crate::wire::{SendFailure, Wire};
use payup_core::catalog::ambiguous_context;
use payup_core::catalog::{self, Attribution, Exchange, Mismatch, Next, Recovery, Undo};
use payup_core::journal::{self, RecoverStep, Status, Verdict};
use payup_core::{Config, Error, ErrorKind, HttpRequest, Operation, OperationClass};
use payup_core::{Request, Response, Target, Timestamp};
use payup_journal::{Begin, Journal};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// The payment journal (`"journal"` in the configuration), or why it could not be opened.
    journal: Option<Result<Arc<Journal>, Error>>,
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

impl Client {
    /// A client for a configuration read by `payup_core::Config`.
    /// A journal that cannot be opened makes every call of it a `config` error (nothing sent);
    /// [`Client::try_new`] reports it at once.
    pub fn new(mut config: Config) -> Client {
        config.credentials.set_random(crate::system_random());
        let wire =
            Wire::new(Duration::from_millis(config.connect_timeout_ms), Duration::from_millis(config.read_timeout_ms));
        let journal = config.journal.as_ref().map(|j| Journal::open(j).map(Arc::new));
        Client { config, wire, journal }
    }

    /// A client for a configuration, or the `config` error of a journal that cannot be opened.
    pub fn try_new(config: Config) -> Result<Client, Error> {
        let client = Client::new(config);
        if let Some(Err(e)) = &client.journal {
            return Err(e.clone());
        }
        Ok(client)
    }

    /// A client from the configuration document (see `payup_core::config`).
    pub fn from_json(config: &str) -> Result<Client, Error> {
        Client::try_new(Config::from_json_str(config)?)
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

    /// `payup call`: a request document in, a result document out.
    pub fn call_json(&self, operation: &str, request: &Value) -> Result<Value, Error> {
        let op = Operation::from_name(operation).ok_or_else(|| Operation::unknown(operation))?;
        let mut request = Request::from_json(op, request)?;
        if let Request::PayupKakaopayWindow(w) = &mut request
            && w.kcp_script_url.is_none()
        {
            w.kcp_script_url = self.config.kcp_script_url.clone();
        }
        self.execute(request).map(|r| r.to_json())
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
        for entry in journal.list(None, None)?.into_iter().filter(|e| open.contains(&e.status)) {
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
                    let answer = self.with_retries(&query);
                    match journal::judge_query(&entry, &query, &answer) {
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
        let asked_on = now().kst_date();
        let op = request.operation();
        let result =
            if op.class() == OperationClass::ReadOnly { self.with_retries(&request) } else { self.run(&request) };
        match result {
            Ok(response) => self.checked(&request, response),
            Err(e) if e.kind() == ErrorKind::Ambiguous => self.recover_outcome(&request, e, &asked_on),
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
                    std::thread::sleep(Duration::from_millis(jitter));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Drives the sans-I/O exchange over the wire.
    fn run(&self, request: &Request) -> Result<Response, Error> {
        let creds = &self.config.credentials;
        let mut x = Exchange::new(request, now());
        let mut next = x.start(creds);
        loop {
            match next {
                Next::Done(result) => return result,
                Next::Send(http) => {
                    let url = self.url_for(&http)?;
                    let response = match self.wire.post(&url, &http.headers, &http.body) {
                        Ok(r) => r,
                        // Before the operation's own call (Payple's partner auth), nothing of the
                        // operation has been sent, whatever happened to the auth call.
                        Err(SendFailure::Ambiguous(m)) if !x.is_at_main_call() => {
                            return Err(Error::not_sent(http.gateway, format!("partner auth failed: {m}")));
                        }
                        Err(f) => return Err(f.into_error(http.gateway)),
                    };
                    let at_main_call = x.is_at_main_call();
                    next = x.on_response(creds, &response);
                    if let Next::Done(Err(e)) = &next
                        && !at_main_call
                        && e.kind() == ErrorKind::Ambiguous
                    {
                        return Err(e.clone().into_not_sent("partner auth failed: "));
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
            Target::Path(p) => Ok(format!("{}{}", base.url, p)),
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

fn not_provably_ours(request: &Request, why: &str) -> Error {
    Error::ambiguous(
        request.operation().gateway(),
        format!(
            "the approval was not cancelled: its answer is not provably this request's ({why}); reconcile it by hand"
        ),
    )
    .with_ambiguous(ambiguous_context(request))
}
