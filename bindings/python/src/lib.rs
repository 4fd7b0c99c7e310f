//! `payup._payup`: the native half of the Python package `payup`.
//!
//! The boundary is deliberately narrow: the documents of `payup call` go in and out — a client's calls as
//! Python objects, the request converted straight to core's `serde_json::Value` (`convert.rs`) and the typed
//! result straight to a dict (`ser.rs`), with no JSON text (issue 21); the rest as JSON `str` — and a failure comes back as the `{"error": {...}}` document, never as a native
//! exception, so that the exception classes live in Python (`payup/_errors.py`). Every network call
//! runs inside `py.detach`, i.e. without the GIL: other Python threads keep running meanwhile, and
//! one `Client` may be shared between threads (the Rust client is `Send + Sync` with one pool).

use payup_core::Error;
use payup_sandbox::person::{self, KakaoChoice, PaypleCard};
use payup_sandbox::{Sandbox, SandboxConfig};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use serde_json::Value;
use std::cell::Cell;
use std::sync::Mutex;

mod convert;
mod ser;

/// `(True, result_json)` or `(False, error_json)`: what the pure entry points return.
type Outcome = (bool, String);

fn outcome(r: Result<Value, Error>) -> Outcome {
    match r {
        Ok(v) => (true, v.to_string()),
        Err(e) => (false, e.to_json().to_string()),
    }
}

/// `(True, result)` or `(False, error)`, both documents as Python objects (a dict): what a client's calls return.
type PyOutcome<'py> = (bool, Bound<'py, PyAny>);

fn py_outcome<'py>(py: Python<'py>, r: Result<Value, Error>) -> PyResult<PyOutcome<'py>> {
    match r {
        Ok(v) => Ok((true, convert::to_py(py, &v)?)),
        Err(e) => Ok((false, convert::to_py(py, &e.to_json())?)),
    }
}

fn invalid_json(what: &str, e: &serde_json::Error) -> Error {
    // serde_json's message names a line and column, never the offending text.
    Error::invalid_field(what, format!("is not a JSON document ({e})"))
}

fn parse(what: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| invalid_json(what, &e))
}

thread_local! {
    /// Whether the call running on this thread wants exchange events (`payup` logger at DEBUG): set by the
    /// entry point from its `events` argument (the Python caller's `logger.isEnabledFor(DEBUG)`, asked once per
    /// call with the GIL held) and read by `PyEventSink::enabled` without the GIL, once per exchange.
    static EVENTS_WANTED: Cell<bool> = const { Cell::new(false) };
}

/// Sets `EVENTS_WANTED` for the call running on this thread and puts the previous value back when dropped (a
/// panic included; a log handler may make a call of its own in the middle of another).
struct EventsWanted(bool);

impl EventsWanted {
    fn set(wanted: bool) -> EventsWanted {
        EventsWanted(EVENTS_WANTED.with(|c| c.replace(wanted)))
    }
}

impl Drop for EventsWanted {
    fn drop(&mut self) {
        EVENTS_WANTED.with(|c| c.set(self.0));
    }
}

/// A request document converted while the GIL was held (`document`, `document_fields`): `AsyncClient` builds it
/// on the event loop, so that the caller's dict may change afterwards, and runs it on a pool thread.
#[pyclass(frozen, module = "payup._payup", name = "Document")]
struct Document {
    value: Value,
}

#[pymethods]
impl Document {
    fn __repr__(&self) -> String {
        // Never the content: it holds card data.
        "<payup._payup.Document>".to_string()
    }
}

/// A configured client (`payup_transport::Client`): thread-safe, one keep-alive pool.
#[pyclass(frozen, module = "payup._payup", name = "NativeClient")]
struct NativeClient {
    inner: payup_transport::Client,
}

impl NativeClient {
    /// Runs one operation without the GIL (the request already converted); the typed result is converted with
    /// it, straight to Python objects (`ser.rs`).
    fn run<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        request: &Value,
        timeout_ms: Option<u64>,
        events: bool,
    ) -> PyResult<PyOutcome<'py>> {
        self.run_with(py, operation, timeout_ms, events, |client, options| {
            client.call_response(operation, request, options)
        })
    }

    /// [`NativeClient::run`] with the call itself given (`call` gets the client and the call options).
    fn run_with<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        timeout_ms: Option<u64>,
        events: bool,
        call: impl FnOnce(&payup_transport::Client, &payup_transport::CallOptions) -> Result<payup_core::Response, Error>
        + Send,
    ) -> PyResult<PyOutcome<'py>> {
        let client = &self.inner;
        let options = payup_transport::CallOptions { timeout_ms };
        let result = py.detach(move || {
            let _wanted = EventsWanted::set(events);
            let run = || call(client, &options);
            // A panic must not cross into Python as a bare PanicException: it is an unknown outcome.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
                .unwrap_or_else(|_| Err(payup_core::Operation::internal_failure(operation)))
        });
        match result {
            Ok(response) => Ok((true, ser::to_py(py, &response)?)),
            // The error document's inner object (`error_from_document` takes either).
            Err(e) => Ok((false, ser::to_py(py, &e)?)),
        }
    }
}

#[pymethods]
impl NativeClient {
    /// Runs one operation: `request` is a dict (converted here, no JSON text) or a `Document`. `timeout_ms` is
    /// the per-call read timeout (a call option); `events` whether to build exchange events for the `payup`
    /// logger (the caller's `isEnabledFor(DEBUG)`, asked once per call with the GIL held).
    #[pyo3(signature = (operation, request, timeout_ms=None, events=false))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        request: &Bound<'py, PyAny>,
        timeout_ms: Option<u64>,
        events: bool,
    ) -> PyResult<PyOutcome<'py>> {
        if let Ok(doc) = request.cast::<Document>() {
            return self.run(py, operation, &doc.get().value, timeout_ms, events);
        }
        match convert::dict_document(request) {
            Ok(value) => self.run(py, operation, &value, timeout_ms, events),
            Err(refused) => Ok((false, refused.to_py(py, "request")?)),
        }
    }

    /// The typed methods' call: the request's field names and values as two tuples of the same length (a
    /// `None` value is a field not given). Otherwise as `call`.
    #[pyo3(signature = (operation, names, values, timeout_ms=None, events=false))]
    fn call_fields<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        names: &Bound<'py, PyTuple>,
        values: &Bound<'py, PyTuple>,
        timeout_ms: Option<u64>,
        events: bool,
    ) -> PyResult<PyOutcome<'py>> {
        // Only for an operation core reads from fields (`Request::scalar_reader`): the others are converted once,
        // into the document.
        if let Some(read) = payup_core::Operation::from_name(operation).and_then(payup_core::Request::scalar_reader)
            && names.len() == values.len()
        {
            let names: Vec<Bound<'py, PyString>> =
                names.iter().filter_map(|n| n.cast_into::<PyString>().ok()).collect();
            if names.len() == values.len()
                && let Some(fields) = convert::scalars(&names, values)
                && let Some(typed) = read(fields)
            {
                return self.run_with(py, operation, timeout_ms, events, move |client, options| {
                    client.call_request(typed, options)
                });
            }
        }
        match convert::fields(names, values) {
            Ok(value) => self.run(py, operation, &value, timeout_ms, events),
            Err(refused) => Ok((false, refused.to_py(py, "request")?)),
        }
    }

    /// Sends each exchange's redacted event (issue 20) as a dict to `emit`, on the calling thread with the GIL
    /// held, during calls made with `events=True` (nothing is built otherwise). `payup._client` passes a
    /// function that logs one record on the `payup` logger.
    fn set_event_sink(&self, emit: Py<PyAny>) {
        self.inner.set_event_listener(Some(std::sync::Arc::new(PyEventSink { emit })));
    }

    /// Resolves the payment journal's open entries without the GIL (`payup recover`).
    #[pyo3(signature = (events=false))]
    fn recover<'py>(&self, py: Python<'py>, events: bool) -> PyResult<PyOutcome<'py>> {
        let client = &self.inner;
        let result = py.detach(move || {
            let _wanted = EventsWanted::set(events);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| client.recover()))
                .unwrap_or_else(|_| Err(payup_core::Operation::internal_failure("recover")))
        });
        py_outcome(py, result)
    }

    /// Drops a keep-alive pool that another process filled (called after `os.fork()` in the child; calls
    /// also do it by themselves on first use).
    fn reset_after_fork(&self) {
        self.inner.reset_after_fork();
    }

    fn __repr__(&self) -> String {
        "<payup._payup.NativeClient>".to_string()
    }
}

/// `(True, Document)` or `(False, error)`: a request document converted now (see `Document`).
#[pyfunction]
fn document<'py>(py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<PyOutcome<'py>> {
    match convert::dict_document(request) {
        Ok(value) => Ok((true, Bound::new(py, Document { value })?.into_any())),
        Err(refused) => Ok((false, refused.to_py(py, "request")?)),
    }
}

/// `document` for the typed methods' two tuples (see `NativeClient::call_fields`).
#[pyfunction]
fn document_fields<'py>(
    py: Python<'py>,
    names: &Bound<'py, PyTuple>,
    values: &Bound<'py, PyTuple>,
) -> PyResult<PyOutcome<'py>> {
    match convert::fields(names, values) {
        Ok(value) => Ok((true, Bound::new(py, Document { value })?.into_any())),
        Err(refused) => Ok((false, refused.to_py(py, "request")?)),
    }
}

/// The Python side of a client's exchange events: one callable (see `NativeClient::set_event_sink`).
struct PyEventSink {
    emit: Py<PyAny>,
}

impl payup_transport::EventListener for PyEventSink {
    /// The flag the entry point set for this thread's call: no GIL, no Python call per exchange.
    fn enabled(&self) -> bool {
        EVENTS_WANTED.with(Cell::get)
    }

    fn on_exchange(&self, event: &payup_transport::Event) {
        let doc = event.to_json();
        Python::attach(|py| {
            // A failing log handler must not change the payment's outcome: report it as unraisable.
            let sent = convert::to_py(py, &doc).and_then(|d| self.emit.call1(py, (d,)));
            if let Err(e) = sent {
                e.write_unraisable(py, None);
            }
        })
    }
}

/// Builds a client from the configuration document: `(client, None)` or `(None, error_json)`.
#[pyfunction]
fn client_new(config_json: String) -> (Option<NativeClient>, Option<String>) {
    match payup_transport::Client::from_json(&config_json) {
        Ok(inner) => (Some(NativeClient { inner }), None),
        Err(e) => (None, Some(e.to_json().to_string())),
    }
}

/// The sandbox running in this process, on a loopback port.
#[pyclass(frozen, module = "payup._payup", name = "NativeSandbox")]
struct NativeSandbox {
    inner: Mutex<Option<Sandbox>>,
    base_url: String,
}

impl NativeSandbox {
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> T) -> PyResult<T> {
        let guard = self.inner.lock().map_err(|_| PyRuntimeError::new_err("the sandbox lock is poisoned"))?;
        match guard.as_ref() {
            Some(sb) => Ok(f(sb)),
            None => Err(PyRuntimeError::new_err("the sandbox is closed")),
        }
    }
}

fn choice(name: &str) -> PyResult<KakaoChoice> {
    match name {
        "card" => Ok(KakaoChoice::Card),
        "money" => Ok(KakaoChoice::Money),
        "cancel" => Ok(KakaoChoice::Cancel),
        "decline" => Ok(KakaoChoice::Decline),
        _ => Err(PyValueError::new_err("choice must be \"card\", \"money\", \"decline\" or \"cancel\"")),
    }
}

#[pymethods]
impl NativeSandbox {
    /// Starts a sandbox; `config_json` is the sandbox configuration (see crates/payup-sandbox/README.md).
    #[new]
    #[pyo3(signature = (config_json=None))]
    fn new(py: Python<'_>, config_json: Option<String>) -> PyResult<Self> {
        let config = match config_json {
            Some(text) => SandboxConfig::from_json(&text).map_err(PyValueError::new_err)?,
            None => SandboxConfig::default(),
        };
        let sb = py.detach(|| Sandbox::start(config)).map_err(|e| PyOSError::new_err(e.to_string()))?;
        let base_url = sb.base_url().to_string();
        Ok(NativeSandbox { inner: Mutex::new(Some(sb)), base_url })
    }

    #[getter]
    fn base_url(&self) -> String {
        self.base_url.clone()
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.lock().map(|g| g.is_none()).unwrap_or(true)
    }

    /// A client configuration document for this sandbox's first merchant of each gateway (with the KCP
    /// test certificate and key).
    fn client_config(&self) -> PyResult<String> {
        self.with(|sb| sb.client_config().to_string())
    }

    /// The ledger document (`{"transactions": [...], "kakaopay_orders": [...], "payple_billing_keys": [...]}`).
    fn transactions(&self) -> PyResult<String> {
        self.with(|sb| sb.transactions().to_string())
    }

    #[pyo3(signature = (operation, fault, delay_ms=None, times=1))]
    fn arm_fault(&self, operation: &str, fault: &str, delay_ms: Option<u64>, times: u32) -> PyResult<()> {
        self.with(|sb| sb.arm_fault(operation, fault, delay_ms, times))?.map_err(PyValueError::new_err)
    }

    fn clear_faults(&self) -> PyResult<()> {
        self.with(|sb| sb.clear_faults())
    }

    fn reset(&self) -> PyResult<()> {
        self.with(|sb| sb.reset())
    }

    /// Registers a card for Payple billing; returns its billing key (`payer_id`). Only a mask is kept.
    fn register_payple_card(&self, card_no: &str, payer_no: &str) -> PyResult<String> {
        self.with(|sb| sb.register_payple_card(card_no, payer_no))
    }

    /// Moves the sandbox clock `secs` seconds on (back when negative); returns its time (RFC 3339, KST).
    fn advance_clock(&self, secs: i64) -> PyResult<String> {
        self.with(|sb| sb.advance_clock(secs))?.map_err(PyValueError::new_err)
    }

    /// Sets the sandbox clock to an RFC 3339 date-time; returns its time.
    fn set_clock(&self, iso: &str) -> PyResult<String> {
        self.with(|sb| sb.set_clock(iso))?.map_err(PyValueError::new_err)
    }

    /// Stops the server (idempotent); waits for its accept thread without the GIL.
    fn close(&self, py: Python<'_>) {
        let taken = self.inner.lock().ok().and_then(|mut g| g.take());
        if let Some(sb) = taken {
            py.detach(move || sb.shutdown());
        }
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { "closed" } else { "running" };
        format!("<payup._payup.NativeSandbox {} ({state})>", self.base_url)
    }
}

/// The person at KakaoPay's mobile (WM) window: submits the window page, chooses, and returns the fields
/// the window posts back to the merchant's return URL, with that URL.
#[pyfunction]
fn person_kakaopay_mobile(
    py: Python<'_>,
    window_html: String,
    choice_name: &str,
) -> PyResult<(String, Vec<(String, String)>)> {
    let c = choice(choice_name)?;
    py.detach(move || person::kakaopay_mobile(&window_html, c)).map_err(PyRuntimeError::new_err)
}

/// The person at KakaoPay's PC (WP) window; returns the result fields as a JSON object.
#[pyfunction]
fn person_kakaopay_pc(py: Python<'_>, sandbox_base: String, ordr_idxx: String, choice_name: &str) -> PyResult<String> {
    let c = choice(choice_name)?;
    py.detach(move || person::kakaopay_pc(&sandbox_base, &ordr_idxx, c))
        .map(|m| Value::Object(m).to_string())
        .map_err(PyRuntimeError::new_err)
}

/// The person at Payple's window: pays with a card; returns the result fields as a JSON object.
#[pyfunction]
#[pyo3(signature = (auth_json, obj_json, card_no, expiry_mmyy, birth, pw2))]
fn person_payple_window(
    py: Python<'_>,
    auth_json: String,
    obj_json: String,
    card_no: String,
    expiry_mmyy: String,
    birth: String,
    pw2: String,
) -> PyResult<String> {
    let auth: Value = serde_json::from_str(&auth_json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let obj = match serde_json::from_str(&obj_json) {
        Ok(Value::Object(m)) => m,
        _ => return Err(PyValueError::new_err("the window fields must be a JSON object")),
    };
    let card = PaypleCard { card_no, expiry_mmyy, birth, pw2 };
    py.detach(move || person::payple_window(&auth, &obj, &card))
        .map(|m| Value::Object(m).to_string())
        .map_err(PyRuntimeError::new_err)
}

/// Pure: the HTTP request an operation sends (after Payple's partner auth when `payple_auth_json` is given).
/// The result holds card data and keys on the wire: never log it.
#[pyfunction]
#[pyo3(signature = (config_json, operation, request_json, now_unix, payple_auth_json=None))]
fn prepare_json(
    config_json: &str,
    operation: &str,
    request_json: &str,
    now_unix: i64,
    payple_auth_json: Option<&str>,
) -> Outcome {
    let run = || -> Result<Value, Error> {
        let config = parse("config", config_json)?;
        let request = parse("request", request_json)?;
        let auth = payple_auth_json.map(|a| parse("payple_auth", a)).transpose()?;
        payup_transport::prepare_json(&config, operation, &request, now_unix, auth.as_ref())
    };
    outcome(run())
}

/// Pure: the result (or error) a gateway's answer gives for `operation`.
#[pyfunction]
fn parse_json(operation: &str, request_json: &str, status: u16, body: &[u8]) -> Outcome {
    outcome(parse("request", request_json).and_then(|r| payup_core::catalog::parse_json(operation, &r, status, body)))
}

/// Pure: runs an operation that needs no network (`payup.kakaopay.window`, `payple.result`).
#[pyfunction]
fn pure_json(operation: &str, request_json: &str) -> Outcome {
    outcome(parse("request", request_json).and_then(|r| payup_core::catalog::pure_json(operation, &r)))
}

#[pyfunction]
fn approval_signature(
    merchant_id: &str,
    order_number: &str,
    amount: u64,
    api_cert_key: &str,
    timestamp: &str,
) -> String {
    payup_core::payup::approval_signature(merchant_id, order_number, amount, api_cert_key, timestamp)
}

#[pyfunction]
fn cancel_signature(merchant_id: &str, transaction_id: &str, api_cert_key: &str) -> String {
    payup_core::payup::cancel_signature(merchant_id, transaction_id, api_cert_key)
}

/// The catalogue as data (JSON text): every operation's request and result fields (payup_core::schema).
#[pyfunction]
fn operations_schema() -> String {
    payup_core::schema::operations_schema().to_string()
}

/// The catalogue: `(name, class)` with class `"pure"`, `"read_only"` or `"mutating"`.
#[pyfunction]
fn operations() -> Vec<(&'static str, &'static str)> {
    use payup_core::catalog::OperationClass;
    payup_core::Operation::ALL
        .iter()
        .map(|o| {
            let class = match o.class() {
                OperationClass::Pure => "pure",
                OperationClass::ReadOnly => "read_only",
                OperationClass::Mutating => "mutating",
            };
            (o.name(), class)
        })
        .collect()
}

#[pymodule]
#[pyo3(name = "_payup")]
fn payup_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", payup_core::VERSION)?;
    m.add("KCP_TEST_CERT_PEM", payup_sandbox::KCP_TEST_CERT_PEM)?;
    m.add("FAULTS", payup_sandbox::FAULTS.to_vec())?;
    m.add_class::<NativeClient>()?;
    m.add_class::<NativeSandbox>()?;
    m.add_class::<Document>()?;
    m.add_function(wrap_pyfunction!(document, m)?)?;
    m.add_function(wrap_pyfunction!(document_fields, m)?)?;
    m.add_function(wrap_pyfunction!(client_new, m)?)?;
    m.add_function(wrap_pyfunction!(person_kakaopay_mobile, m)?)?;
    m.add_function(wrap_pyfunction!(person_kakaopay_pc, m)?)?;
    m.add_function(wrap_pyfunction!(person_payple_window, m)?)?;
    m.add_function(wrap_pyfunction!(prepare_json, m)?)?;
    m.add_function(wrap_pyfunction!(parse_json, m)?)?;
    m.add_function(wrap_pyfunction!(pure_json, m)?)?;
    m.add_function(wrap_pyfunction!(approval_signature, m)?)?;
    m.add_function(wrap_pyfunction!(cancel_signature, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(operations_schema, m)?)?;
    Ok(())
}
