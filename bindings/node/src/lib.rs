//! payup-node: the native half of the Node package `payup`.
//!
//! Every document crosses the boundary as a JSON string (the documents of `payup call`, snake_case):
//! the JS half (`index.js`) converts camelCase, builds `PayupError`s and holds the public surface. So a
//! JS value of the wrong type never meets napi's own conversion errors (which would quote the value,
//! card numbers included): it reaches payup-core's validation, which names the field and never the value.
//!
//! Failures are thrown (or rejected) as a plain `Error` whose message is the `{"error": {...}}` document
//! of payup-core; `index.js` turns it into a `PayupError`. A client's network calls run on the JS thread as
//! cooperative tasks whose socket waits are libuv's (`coop.rs`), or, for a client with a payment journal, on
//! the addon's own worker threads (`pool.rs`; the journal's writes block) and settle their Promise on the JS
//! thread; `recover` and the simulated person are `AsyncTask`s on the libuv pool; pure calls are synchronous.

mod coop;
mod pool;
mod to_js;

use napi::bindgen_prelude::{AsyncTask, JsValue, Object, Unknown};
use napi::{Env, Task};
use napi_derive::napi;
use payup_core::payup::Scalar;
use payup_core::{Error, Operation, OperationClass, Request};
use payup_sandbox::person::{self, KakaoChoice, PaypleCard};
use serde_json::{Map, Value, json};

/// The rejection that `index.js` turns into a `PayupError`.
fn thrown(e: &Error) -> napi::Error {
    napi::Error::from_reason(e.to_json().to_string())
}

fn invalid(field: &str, rule: &str) -> napi::Error {
    thrown(&Error::invalid_field(field, rule))
}

fn parse_doc(field: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|_| Error::invalid_field(field, "is not a JSON document"))
}

// ---- client ------------------------------------------------------------------------------------

/// A payup client: one keep-alive pool, shared by every call (clones are cheap and thread-safe).
#[napi]
pub struct NativeClient {
    /// Shared with the calls in flight: an `Arc` clone per call, not a `Client` clone (which copies the
    /// configuration and its credentials).
    inner: std::sync::Arc<payup_transport::Client>,
    /// Settles this client's calls on the JS thread (`pool.rs`).
    completer: pool::Completer,
    /// Its calls run on the JS thread (`coop.rs`): no payment journal.
    cooperative: bool,
    /// Its number for `callFields` once `handle()` gave one (0: none yet).
    handle: std::cell::Cell<u32>,
}

thread_local! {
    /// The clients `callFields` may name, by the number `handle()` gave (removed when a client is dropped): a
    /// number names a client of this thread or nothing, where an object could be any wrapped one.
    static CLIENTS: std::cell::RefCell<std::collections::HashMap<u32, *const NativeClient>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    static NEXT_HANDLE: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

impl Drop for NativeClient {
    fn drop(&mut self) {
        let handle = self.handle.get();
        if handle != 0 {
            // try_with: a client dropped while this thread's locals are already gone has nothing to remove.
            let _ = CLIENTS.try_with(|c| c.borrow_mut().remove(&handle));
        }
    }
}

#[napi]
impl NativeClient {
    /// `config`: the configuration document as JSON text (README "The configuration document").
    #[napi(constructor)]
    pub fn new(env: Env, config: String) -> napi::Result<Self> {
        let inner = payup_transport::Client::from_json(&config).map_err(|e| thrown(&e))?;
        inner.set_event_listener(Some(std::sync::Arc::new(CapturedEvents)));
        let cooperative = inner.runs_cooperatively();
        Ok(NativeClient {
            inner: std::sync::Arc::new(inner),
            completer: pool::Completer::new(env.raw())?,
            cooperative,
            handle: std::cell::Cell::new(0),
        })
    }

    /// This client's number for `callFields` (the same every time).
    #[napi]
    pub fn handle(&self) -> u32 {
        if self.handle.get() == 0 {
            let handle = NEXT_HANDLE.with(|n| {
                let h = n.get();
                n.set(h.wrapping_add(1).max(1));
                h
            });
            // `self` stays where napi-rs keeps it until it is dropped, which removes it.
            CLIENTS.with(|c| c.borrow_mut().insert(handle, self as *const NativeClient));
            self.handle.set(handle);
        }
        self.handle.get()
    }

    /// A Promise settled by `run`: on the JS thread (`coop.rs`) when the client allows it, else on a worker.
    /// `typed`: a typed method's call (`pool::Outcome::Typed`), with its factories.
    fn spawn(
        &self,
        env: &Env,
        typed: Option<u32>,
        run: impl FnOnce() -> pool::Outcome + Send + 'static,
    ) -> napi::Result<napi::sys::napi_value> {
        if self.cooperative && coop::available() {
            coop::spawn(env.raw(), typed, run)
        } else {
            self.completer.spawn(env.raw(), typed, run)
        }
    }

    /// `call` for a client with `onExchange`: always resolves, to the envelope
    /// `{"ok": true, "result": {...}, "events": [...]}` or `{"ok": false, "error": {...}, "events": [...]}`, so
    /// that `index.js` hands each exchange's event to `onExchange` on the JS thread before settling the call.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call_with_events<'env>(
        &self,
        env: &'env Env,
        operation: String,
        request: String,
        options: Option<String>,
    ) -> napi::Result<Object<'env>> {
        let client = self.inner.clone();
        let promise = self.spawn(env, None, move || {
            pool::Outcome::Text(Ok(call_with_events(&client, &operation, &request, options)))
        })?;
        Ok(Object::from_raw(env.raw(), promise))
    }

    /// Runs `operation` with the JSON request document (on the JS thread, `coop.rs`, or a worker, `pool.rs`);
    /// resolves to the result document as JSON text, rejects with the error document. `options`: the call
    /// options document (`{"timeout_ms": N}`) as JSON text, or none. `camel`: the result's names in
    /// camelCase, as `index.js`'s `toCamel` would write them (the typed methods), saving it a pass.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        operation: String,
        request: String,
        options: Option<String>,
        camel: Option<bool>,
    ) -> napi::Result<Object<'env>> {
        let client = self.inner.clone();
        let camel = camel.unwrap_or(false);
        let promise = self.spawn(env, None, move || {
            pool::Outcome::Text(
                call(&client, &operation, &request, options.as_deref(), camel).map_err(|e| e.to_json().to_string()),
            )
        })?;
        Ok(Object::from_raw(env.raw(), promise))
    }

    /// `callFields` (below): a call already read into core's typed request.
    fn call_typed(
        &self,
        env: &Env,
        factories: u32,
        request: Request,
        options: payup_transport::CallOptions,
    ) -> napi::Result<napi::sys::napi_value> {
        let client = self.inner.clone();
        let name = request.operation().name();
        self.spawn(env, Some(factories), move || {
            let run = || client.call_request(request, &options).map_err(|e| e.to_json().to_string());
            pool::Outcome::Typed {
                factories,
                result: std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
                    .unwrap_or_else(|_| Err(Operation::internal_failure(name).to_json().to_string())),
            }
        })
    }

    /// Resolves the payment journal's open entries (`payup recover`) on the libuv pool; resolves to the
    /// summary as JSON text, rejects with the error document.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn recover(&self) -> AsyncTask<RecoverTask> {
        AsyncTask::new(RecoverTask { client: self.inner.clone() })
    }

    /// A pure operation (`payup.kakaopay.window`, `payple.result`) on the calling thread.
    #[napi]
    pub fn call_pure(&self, operation: String, request: String) -> napi::Result<String> {
        match Operation::from_name(&operation) {
            Some(op) if op.class() == OperationClass::Pure => {}
            Some(_) => return Err(invalid("operation", "needs the network: use the asynchronous call")),
            None => return Err(thrown(&Operation::unknown(&operation))),
        }
        let req = parse_doc("request", &request).map_err(|e| thrown(&e))?;
        self.inner.call_json(&operation, &req).map(|v| v.to_string()).map_err(|e| thrown(&e))
    }
}

/// `callFields(client, factories, operationId, options, ...values)`: the typed methods' hot path (issue 21),
/// for an operation core reads from fields (`scalarFields(operation)`, `operationId(operation)`). `client`: the
/// number `NativeClient.handle()` gave; `factories`: `setFactories`'s; `values`: the request's fields in that
/// order (`undefined`: absent), passed as arguments (napi reads them in one call, where an array's elements
/// cost one napi call each). The Promise resolves to the result object (camelCase names) and rejects with that
/// `index.js`'s `PayupError`. `null` when this path does not take the request — a value other than a string, an
/// integer ≥ 0 or a boolean, a string that is not well-formed UTF-16, bad options, or anything core's reader
/// leaves to the document's validation: `index.js` then calls `call` with the document, which gives the same
/// result, or names what is wrong. A raw napi function (napi-rs has no variadic one), registered by
/// `raw_exports`; a panic in it is caught (null).
unsafe extern "C" fn call_fields(
    env: napi::sys::napi_env,
    info: napi::sys::napi_callback_info,
) -> napi::sys::napi_value {
    // SAFETY: as `call_fields_unguarded`'s contract: a napi callback on the JS thread.
    let out = std::panic::catch_unwind(|| unsafe { call_fields_unguarded(env, info) });
    out.ok().flatten().unwrap_or_else(|| {
        let mut null = std::ptr::null_mut();
        // SAFETY: as above.
        unsafe { napi::sys::napi_get_null(env, &mut null) };
        null
    })
}

/// `call_fields` without its panic guard; `None` for null.
///
/// # Safety
/// A napi callback's `env` and `info`, on the JS thread.
unsafe fn call_fields_unguarded(
    env: napi::sys::napi_env,
    info: napi::sys::napi_callback_info,
) -> Option<napi::sys::napi_value> {
    use napi::sys::{self, Status};
    const FIXED: usize = 4;
    const MAX: usize = FIXED + 32;
    // SAFETY: napi calls on the JS thread (this is a napi callback) with valid out-pointers.
    unsafe {
        let mut argv = [std::ptr::null_mut(); MAX];
        let mut argc = MAX;
        if sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), std::ptr::null_mut())
            != Status::napi_ok
            || !(FIXED..=MAX).contains(&argc)
        {
            return None;
        }
        let number = |v: sys::napi_value| {
            let mut n = 0u32;
            (sys::napi_get_value_uint32(env, v, &mut n) == Status::napi_ok).then_some(n)
        };
        let (handle, factories, id) = (number(argv[0])?, number(argv[1])?, number(argv[2])?);
        // A live client of this thread (the entry goes when it is dropped), or nothing.
        let client = &*CLIENTS.with(|c| c.borrow().get(&handle).copied())?;
        let op = *Operation::ALL.get(id as usize)?;
        let (names, read) = (Request::scalar_fields(op)?, Request::scalar_reader(op)?);
        if !to_js::known(factories) || argc - FIXED != names.len() {
            return None;
        }
        let mut t = 0;
        if sys::napi_typeof(env, argv[3], &mut t) != Status::napi_ok {
            return None;
        }
        let options = match t {
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => payup_transport::CallOptions::default(),
            sys::ValueType::napi_string => call_options(Some(&string_value(env, argv[3])?)).ok()?,
            _ => return None,
        };
        let request = read(read_scalars(env, &argv[FIXED..argc], names)?)?;
        match client.call_typed(&Env::from_raw(env), factories, request, options) {
            Ok(promise) => Some(promise),
            Err(e) => {
                let msg = std::ffi::CString::new(e.reason.replace('\0', "")).unwrap_or_default();
                sys::napi_throw_error(env, std::ptr::null(), msg.as_ptr());
                None
            }
        }
    }
}

/// A JS string's text (napi writes it as UTF-8, a lone surrogate as U+FFFD).
///
/// # Safety
/// On the JS thread of `env`, with a string of that environment.
unsafe fn string_value(env: napi::sys::napi_env, v: napi::sys::napi_value) -> Option<String> {
    use napi::sys::{self, Status};
    const SHORT: usize = 256;
    // SAFETY: napi calls on the JS thread with valid out-pointers; napi wrote `n` bytes of `buf`.
    unsafe {
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); SHORT];
        let mut n = 0usize;
        if sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), SHORT, &mut n) != Status::napi_ok {
            return None;
        }
        // napi never splits a character: a string that may not have fit is asked for whole.
        if n + 4 < SHORT {
            let bytes = std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n);
            return std::str::from_utf8(bytes).ok().map(str::to_owned);
        }
        if sys::napi_get_value_string_utf8(env, v, std::ptr::null_mut(), 0, &mut n) != Status::napi_ok {
            return None;
        }
        let mut big = vec![0u8; n + 1];
        if sys::napi_get_value_string_utf8(env, v, big.as_mut_ptr().cast(), big.len(), &mut n) != Status::napi_ok {
            return None;
        }
        big.truncate(n);
        String::from_utf8(big).ok()
    }
}

/// Registers the raw napi functions (`callFields`) beside napi-rs's exports.
#[napi(module_exports)]
pub fn raw_exports(exports: Object, env: Env) -> napi::Result<()> {
    let mut f = std::ptr::null_mut();
    // SAFETY: module initialization on the JS thread, with the exports object napi gave.
    unsafe {
        pool::check(
            napi::sys::napi_create_function(
                env.raw(),
                c"callFields".as_ptr(),
                10,
                Some(call_fields),
                std::ptr::null_mut(),
                &mut f,
            ),
            "napi_create_function",
        )?;
        pool::check(
            napi::sys::napi_set_named_property(env.raw(), exports.raw(), c"callFields".as_ptr(), f),
            "napi_set_named_property",
        )?;
    }
    Ok(())
}

/// `values` as core's scalars, named by `names` (one value per name; `undefined` ones left out); `None` for
/// anything but a string, an integer ≥ 0 or a boolean, and for a string with a lone surrogate (napi would
/// make it U+FFFD, where `JSON.stringify` writes an escape that the document path refuses).
///
/// # Safety
/// On the JS thread of `env`, with values of that environment.
unsafe fn read_scalars(
    env: napi::sys::napi_env,
    values: &[napi::sys::napi_value],
    names: &'static [&'static str],
) -> Option<Vec<(&'static str, Scalar)>> {
    use napi::sys::{self, Status, ValueType};
    let mut out = Vec::with_capacity(names.len());
    for (&v, name) in values.iter().zip(names) {
        let mut t = 0;
        // SAFETY: napi calls on the JS thread with valid out-pointers.
        unsafe {
            if sys::napi_typeof(env, v, &mut t) != Status::napi_ok {
                return None;
            }
            let scalar = match t {
                ValueType::napi_undefined => continue,
                ValueType::napi_string => {
                    let text = string_value(env, v)?;
                    if text.contains('\u{FFFD}') {
                        return None;
                    }
                    Scalar::Str(text)
                }
                ValueType::napi_number => {
                    let mut d = 0f64;
                    if sys::napi_get_value_double(env, v, &mut d) != Status::napi_ok {
                        return None;
                    }
                    // The integers JSON.stringify writes as digits that serde_json reads as a u64.
                    if !(d >= 0.0 && d.fract() == 0.0 && d < 18_446_744_073_709_551_616.0) {
                        return None;
                    }
                    Scalar::U64(d as u64)
                }
                ValueType::napi_boolean => {
                    let mut b = false;
                    if sys::napi_get_value_bool(env, v, &mut b) != Status::napi_ok {
                        return None;
                    }
                    Scalar::Bool(b)
                }
                _ => return None,
            };
            out.push((*name, scalar));
        }
    }
    Some(out)
}

/// One call on a worker thread: the result document as JSON text, or the error. The request text goes
/// straight into core's typed request where core can read it so (`Client::call_response_str`, issue 21),
/// and the typed result is written straight to text (camelCase for the typed methods): no `Value` either
/// way for a plain keyin approval.
fn call(
    client: &payup_transport::Client,
    operation: &str,
    request: &str,
    options: Option<&str>,
    camel: bool,
) -> Result<String, Error> {
    let run = || {
        let options = match call_options(options) {
            Ok(o) => o,
            Err(e) => {
                // A request that is not JSON is reported before bad options, as always.
                parse_doc("request", request)?;
                return Err(e);
            }
        };
        let response = client.call_response_str(operation, request, &options, |t| parse_doc("request", t))?;
        Ok(if camel { camel_text(&response) } else { response.to_json_text() })
    };
    // A panic must not take the worker thread (or the Promise) with it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err(Operation::internal_failure(operation)))
}

/// `value` as compact JSON text with every object's names in camelCase (`_x` → `X` for a lowercase letter
/// or digit `x`), except inside a `details` member, which is written as it is: exactly what
/// `toCamel(JSON.parse(..))` in `index.js` makes of its snake_case text.
fn camel_text(value: &impl serde::Serialize) -> String {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, CamelKeys::default());
    // Results and documents always serialize (core's `to_json` relies on it too).
    let _ = value.serialize(&mut ser);
    // serde_json writes UTF-8, and names are only changed in their ASCII letters.
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's compact format with object names camelCased as they are written (`camel_text`).
#[derive(Default)]
struct CamelKeys {
    /// Objects open around the value being written.
    depth: usize,
    /// The depth of the object whose `details` member is being written: names deeper than it are kept.
    raw_from: Option<usize>,
    /// A name is being written (between `begin_object_key` and `end_object_key`), collected in `key`.
    in_key: bool,
    key: Vec<u8>,
    /// The name held an escape: written as it came.
    key_escaped: bool,
}

impl CamelKeys {
    fn raw(&self) -> bool {
        self.raw_from.is_some_and(|d| self.depth > d)
    }
}

impl serde_json::ser::Formatter for CamelKeys {
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.raw_from == Some(self.depth) {
            self.raw_from = None;
        }
        self.depth -= 1;
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if self.raw_from == Some(self.depth) {
            self.raw_from = None; // the member after `details`
        }
        self.in_key = true;
        self.key.clear();
        self.key_escaped = false;
        if first { Ok(()) } else { w.write_all(b",") }
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.in_key = false;
        if self.key == b"details" && !self.raw() {
            self.raw_from = Some(self.depth);
        }
        Ok(())
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        if self.in_key {
            self.key.extend_from_slice(fragment.as_bytes());
            Ok(())
        } else {
            w.write_all(fragment.as_bytes())
        }
    }
    fn write_char_escape<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        escape: serde_json::ser::CharEscape,
    ) -> std::io::Result<()> {
        use serde_json::ser::CompactFormatter;
        if self.in_key {
            self.key_escaped = true;
            CompactFormatter.write_char_escape(&mut self.key, escape)
        } else {
            CompactFormatter.write_char_escape(w, escape)
        }
    }
    fn end_string<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.in_key {
            match std::str::from_utf8(&self.key) {
                Ok(k) if !self.key_escaped && !self.raw() => w.write_all(camel_key(k).as_bytes())?,
                _ => w.write_all(&self.key)?,
            }
        }
        w.write_all(b"\"")
    }
}

/// `index.js`'s `camelKey`: `k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())`.
fn camel_key(k: &str) -> std::borrow::Cow<'_, str> {
    if !k.contains('_') {
        return std::borrow::Cow::Borrowed(k);
    }
    let mut s = String::with_capacity(k.len());
    let mut chars = k.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&n) if c == '_' && (n.is_ascii_lowercase() || n.is_ascii_digit()) => {
                s.push(n.to_ascii_uppercase());
                chars.next();
            }
            _ => s.push(c),
        }
    }
    std::borrow::Cow::Owned(s)
}

thread_local! {
    /// The events of the call running on this thread, while `call_with_events` runs it (`None` otherwise:
    /// then nothing is built). On the JS thread several calls take turns: `coop.rs` keeps each one's
    /// events aside while it is suspended ([`swap_captured`]).
    static CAPTURED: std::cell::RefCell<Option<Vec<Value>>> = const { std::cell::RefCell::new(None) };
}

/// Puts `events` in the running call's place and gives back what was there (`coop.rs`, around a resume).
fn swap_captured(events: Option<Vec<Value>>) -> Option<Vec<Value>> {
    CAPTURED.with(|c| std::mem::replace(&mut *c.borrow_mut(), events))
}

/// The client's listener: collects events for the `call_with_events` running on the calling thread (the
/// transport calls listeners on the thread that makes the call).
struct CapturedEvents;

impl payup_transport::EventListener for CapturedEvents {
    fn enabled(&self) -> bool {
        CAPTURED.with(|c| c.borrow().is_some())
    }
    fn on_exchange(&self, event: &payup_transport::Event) {
        CAPTURED.with(|c| {
            if let Some(events) = c.borrow_mut().as_mut() {
                events.push(event.to_json());
            }
        });
    }
}

/// The call options document (`{"timeout_ms": N}`) as JSON text, or none.
fn call_options(text: Option<&str>) -> Result<payup_transport::CallOptions, payup_core::Error> {
    match text {
        None => Ok(payup_transport::CallOptions::default()),
        Some(text) => parse_doc("options", text).and_then(|v| payup_transport::CallOptions::from_json(&v)),
    }
}

/// One `call_with_events` on a worker thread: the envelope as JSON text.
fn call_with_events(
    client: &payup_transport::Client,
    operation: &str,
    request: &str,
    options: Option<String>,
) -> String {
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let run = || {
        let req = parse_doc("request", request)?;
        client.call_with(operation, &req, &call_options(options.as_deref())?)
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err(Operation::internal_failure(operation)));
    let events = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    let envelope = match result {
        Ok(v) => json!({"ok": true, "result": v, "events": events}),
        Err(e) => json!({"ok": false, "error": e.to_json()["error"], "events": events}),
    };
    envelope.to_string()
}

pub struct RecoverTask {
    client: std::sync::Arc<payup_transport::Client>,
}

impl Task for RecoverTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        let run = || self.client.recover().map(|v| v.to_string()).map_err(|e| thrown(&e));
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
            .unwrap_or_else(|_| Err(thrown(&Operation::internal_failure("recover"))))
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

// ---- pure functions ----------------------------------------------------------------------------

/// The request fields of `operation` that `NativeClient.callFields` takes, in its order (snake_case, the
/// document's names); null for the operations core does not read from fields.
#[napi]
pub fn scalar_fields(operation: String) -> Option<Vec<String>> {
    Operation::from_name(&operation)
        .and_then(Request::scalar_fields)
        .map(|names| names.iter().map(|n| n.to_string()).collect())
}

/// The operation's number for `callFields` (its place in core's catalogue), or null for an unknown name.
#[napi]
pub fn operation_id(operation: String) -> Option<u32> {
    Operation::ALL.iter().position(|o| o.name() == operation).map(|i| i as u32)
}

/// `index.js`'s factories for the typed hot path (`to_js.rs`): `shapeOf(names)`, a function making an object
/// with those names from its arguments, `errorOf(text)`, the `PayupError` of an error document, and `parse`
/// (`JSON.parse`, for a result that could not be built so); their number for `callFields`.
#[napi(
    ts_args_type = "shapeOf: (names: string[]) => (...values: unknown[]) => Record<string, unknown>, errorOf: (text: string) => Error, parse: (text: string) => unknown"
)]
pub fn set_factories(env: Env, shape_of: Unknown, error_of: Unknown, parse: Unknown) -> napi::Result<u32> {
    // SAFETY: on the JS thread (a #[napi] function), with its arguments' values.
    unsafe { to_js::set_factories(env.raw(), shape_of.value().value, error_of.value().value, parse.value().value) }
        .ok_or_else(|| napi::Error::from_reason("payup: setFactories takes three functions"))
}

/// The version of payup.
#[napi]
pub fn version() -> String {
    payup_core::VERSION.to_string()
}

/// The catalogue as data (JSON text): every operation's request and result fields (payup_core::schema).
#[napi]
pub fn operations_schema() -> String {
    payup_core::schema::operations_schema().to_string()
}

/// The catalogue as JSON text: `[{"name", "class": "pure" | "read_only" | "mutating"}]`.
#[napi]
pub fn operations() -> String {
    let ops: Vec<Value> = Operation::ALL
        .iter()
        .map(|o| {
            let class = match o.class() {
                OperationClass::Pure => "pure",
                OperationClass::ReadOnly => "read_only",
                OperationClass::Mutating => "mutating",
            };
            json!({"name": o.name(), "class": class})
        })
        .collect();
    Value::Array(ops).to_string()
}

/// A pure operation without a client (the window's script URL is then KCP's own).
#[napi]
pub fn pure_json(operation: String, request: String) -> napi::Result<String> {
    let req = parse_doc("request", &request).map_err(|e| thrown(&e))?;
    payup_core::catalog::pure_json(&operation, &req).map(|v| v.to_string()).map_err(|e| thrown(&e))
}

/// The HTTP request an operation sends (for the shared vectors); holds card data: never log it.
#[napi]
pub fn prepare_json(
    config: String,
    operation: String,
    request: String,
    now_unix: i64,
    payple_auth: Option<String>,
) -> napi::Result<String> {
    let cfg = parse_doc("config", &config).map_err(|e| thrown(&e))?;
    let req = parse_doc("request", &request).map_err(|e| thrown(&e))?;
    let auth = payple_auth.map(|a| parse_doc("payple_auth", &a)).transpose().map_err(|e| thrown(&e))?;
    payup_transport::prepare_json(&cfg, &operation, &req, now_unix, auth.as_ref())
        .map(|v| v.to_string())
        .map_err(|e| thrown(&e))
}

/// The result of an operation's own call answered with `status` and `body` (for the shared vectors).
#[napi]
pub fn parse_json(operation: String, request: String, status: u32, body: String) -> napi::Result<String> {
    let req = parse_doc("request", &request).map_err(|e| thrown(&e))?;
    let status = u16::try_from(status).map_err(|_| invalid("status", "must be an HTTP status"))?;
    payup_core::catalog::parse_json(&operation, &req, status, body.as_bytes())
        .map(|v| v.to_string())
        .map_err(|e| thrown(&e))
}

/// Payup's approval signature (payup-card-keyin.txt §2.1.1).
#[napi]
pub fn payup_approval_signature(
    merchant_id: String,
    order_number: String,
    amount: f64,
    api_cert_key: String,
    timestamp: String,
) -> napi::Result<String> {
    if !(amount.is_finite() && amount >= 0.0 && amount.fract() == 0.0 && amount <= 9_007_199_254_740_991.0) {
        return Err(invalid("amount", "must be a non-negative integer"));
    }
    Ok(payup_core::payup::approval_signature(&merchant_id, &order_number, amount as u64, &api_cert_key, &timestamp))
}

/// Payup's cancel signature (payup-card-keyin.txt §2.2.1).
#[napi]
pub fn payup_cancel_signature(merchant_id: String, transaction_id: String, api_cert_key: String) -> String {
    payup_core::payup::cancel_signature(&merchant_id, &transaction_id, &api_cert_key)
}

/// The KCP test certificate (PEM) the sandbox accepts for site T0000.
#[napi]
pub fn kcp_test_cert_pem() -> String {
    payup_sandbox::KCP_TEST_CERT_PEM.to_string()
}

// ---- sandbox -----------------------------------------------------------------------------------

fn sandbox_error(message: impl Into<String>) -> napi::Error {
    thrown(&Error::config(message))
}

/// The embedded sandbox: all four gateways on one loopback port, in this process.
#[napi]
pub struct NativeSandbox {
    inner: Option<payup_sandbox::Sandbox>,
    base_url: String,
}

#[napi]
impl NativeSandbox {
    /// `config`: the sandbox configuration as JSON text (crates/payup-sandbox/README.md), or nothing
    /// for the specs' own test identities.
    #[napi(constructor)]
    pub fn new(config: Option<String>) -> napi::Result<Self> {
        let cfg = match config {
            Some(text) => payup_sandbox::SandboxConfig::from_json(&text).map_err(sandbox_error)?,
            None => payup_sandbox::SandboxConfig::default(),
        };
        let sb =
            payup_sandbox::Sandbox::start(cfg).map_err(|e| sandbox_error(format!("cannot start the sandbox: {e}")))?;
        let base_url = sb.base_url().to_string();
        Ok(NativeSandbox { inner: Some(sb), base_url })
    }

    fn running(&self) -> napi::Result<&payup_sandbox::Sandbox> {
        self.inner.as_ref().ok_or_else(|| sandbox_error("the sandbox is closed"))
    }

    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// A client configuration for this sandbox as JSON text (its identities, test certificate and key).
    #[napi]
    pub fn client_config(&self) -> napi::Result<String> {
        Ok(self.running()?.client_config().to_string())
    }

    /// The ledger as JSON text (`{"transactions", "kakaopay_orders", "payple_billing_keys"}`).
    #[napi]
    pub fn transactions(&self) -> napi::Result<String> {
        Ok(self.running()?.transactions().to_string())
    }

    #[napi]
    pub fn arm_fault(
        &self,
        operation: String,
        fault: String,
        delay_ms: Option<u32>,
        times: Option<u32>,
    ) -> napi::Result<()> {
        self.running()?
            .arm_fault(&operation, &fault, delay_ms.map(u64::from), times.unwrap_or(1))
            .map_err(|m| thrown(&Error::invalid_field("fault", m)))
    }

    #[napi]
    pub fn clear_faults(&self) -> napi::Result<()> {
        self.running()?.clear_faults();
        Ok(())
    }

    #[napi]
    pub fn reset(&self) -> napi::Result<()> {
        self.running()?.reset();
        Ok(())
    }

    /// Registers a card for Payple billing; returns its billing key (`payer_id`).
    #[napi]
    pub fn register_payple_card(&self, card_no: String, payer_no: String) -> napi::Result<String> {
        Ok(self.running()?.register_payple_card(&card_no, &payer_no))
    }

    /// Moves the sandbox clock `secs` seconds on (back when negative); returns its time (RFC 3339, KST).
    #[napi]
    pub fn advance_clock(&self, secs: i64) -> napi::Result<String> {
        self.running()?.advance_clock(secs).map_err(|m| thrown(&Error::invalid_field("secs", m)))
    }

    /// Sets the sandbox clock to an RFC 3339 date-time; returns its time.
    #[napi]
    pub fn set_clock(&self, iso: String) -> napi::Result<String> {
        self.running()?.set_clock(&iso).map_err(|m| thrown(&Error::invalid_field("iso", m)))
    }

    /// Stops the server (idempotent).
    #[napi]
    pub fn close(&mut self) {
        if let Some(sb) = self.inner.take() {
            sb.shutdown();
        }
    }

    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_none()
    }
}

// ---- the person at the payment windows (sandbox only) ------------------------------------------

fn choice(s: &str) -> napi::Result<KakaoChoice> {
    match s {
        "card" => Ok(KakaoChoice::Card),
        "money" => Ok(KakaoChoice::Money),
        "cancel" => Ok(KakaoChoice::Cancel),
        "decline" => Ok(KakaoChoice::Decline),
        _ => Err(invalid("choice", "must be \"card\", \"money\", \"decline\" or \"cancel\"")),
    }
}

pub enum PersonJob {
    KakaoMobile { html: String, choice: KakaoChoice },
    KakaoPc { base: String, ordr_idxx: String, choice: KakaoChoice },
    Payple { auth: String, obj: String, card: Option<String> },
}

pub struct PersonTask(PersonJob);

fn person_failed(m: String) -> napi::Error {
    // The person's messages come from the sandbox's pages: no card data.
    // Not `not_sent`: the person's POST may already have paid in the sandbox.
    thrown(&Error::ambiguous(payup_core::Gateway::Payup, format!("the simulated person could not pay: {m}")))
}

impl Task for PersonTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run()))
            .unwrap_or_else(|_| Err(person_failed("payup failed internally".into())))
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

impl PersonTask {
    fn run(&self) -> napi::Result<String> {
        match &self.0 {
            PersonJob::KakaoMobile { html, choice } => {
                let (url, fields) = person::kakaopay_mobile(html, *choice).map_err(person_failed)?;
                let fields: Map<String, Value> = fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
                Ok(json!({"url": url, "fields": fields}).to_string())
            }
            PersonJob::KakaoPc { base, ordr_idxx, choice } => {
                let fields = person::kakaopay_pc(base, ordr_idxx, *choice).map_err(person_failed)?;
                Ok(json!({"fields": fields}).to_string())
            }
            PersonJob::Payple { auth, obj, card } => {
                let auth = parse_doc("auth", auth).map_err(|e| thrown(&e))?;
                let obj = match parse_doc("obj", obj).map_err(|e| thrown(&e))? {
                    Value::Object(m) => m,
                    _ => return Err(invalid("obj", "must be an object of PCD_ fields")),
                };
                let mut c = PaypleCard::default();
                if let Some(card) = card {
                    let v = parse_doc("card", card).map_err(|e| thrown(&e))?;
                    let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
                    if let Some(x) = s("card_no") {
                        c.card_no = x;
                    }
                    if let Some(x) = s("expiry_mmyy") {
                        c.expiry_mmyy = x;
                    }
                    if let Some(x) = s("birth") {
                        c.birth = x;
                    }
                    if let Some(x) = s("pw2") {
                        c.pw2 = x;
                    }
                }
                let fields = person::payple_window(&auth, &obj, &c).map_err(person_failed)?;
                Ok(Value::Object(fields).to_string())
            }
        }
    }
}

/// KakaoPay mobile (WM) window: the person submits the window page and chooses; resolves to
/// `{"url", "fields"}`, what the window posts back to the merchant's return URL.
#[napi(ts_return_type = "Promise<string>")]
pub fn person_kakaopay_mobile(window_html: String, choice_name: String) -> napi::Result<AsyncTask<PersonTask>> {
    Ok(AsyncTask::new(PersonTask(PersonJob::KakaoMobile { html: window_html, choice: choice(&choice_name)? })))
}

/// KakaoPay PC (WP) window; resolves to `{"fields"}`.
#[napi(ts_return_type = "Promise<string>")]
pub fn person_kakaopay_pc(
    sandbox_base: String,
    ordr_idxx: String,
    choice_name: String,
) -> napi::Result<AsyncTask<PersonTask>> {
    Ok(AsyncTask::new(PersonTask(PersonJob::KakaoPc { base: sandbox_base, ordr_idxx, choice: choice(&choice_name)? })))
}

/// Payple's window: pays with `card` (JSON `{"card_no", "expiry_mmyy", "birth", "pw2"}`, defaults to an
/// approved test card); resolves to the result fields the merchant receives.
#[napi(ts_return_type = "Promise<string>")]
pub fn person_payple_window(auth: String, obj: String, card: Option<String>) -> AsyncTask<PersonTask> {
    AsyncTask::new(PersonTask(PersonJob::Payple { auth, obj, card }))
}
