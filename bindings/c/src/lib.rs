//! libpayup: the C ABI of payup (DESIGN §5), modelled on rustls-ffi.
//!
//! * Opaque handles (`payup_client`, `payup_sandbox`) made by a `*_new`/`*_start` function and released by
//!   the matching `*_free`; passing NULL to a free function does nothing.
//! * Every function returns a stable [`payup_result`] (never renumbered) or a value that cannot fail.
//! * Owned strings (`char **out_…`) are NUL-terminated UTF-8 allocated by libpayup and released with
//!   [`payup_string_free`], unmodified (do not write into them). Borrowed strings (`const char *` returns) are
//!   never freed by the caller.
//! * Outputs: on `PAYUP_OK` the out parameter receives the result; on `PAYUP_DECLINED`, `PAYUP_INVALID`,
//!   `PAYUP_NOT_SENT`, `PAYUP_AMBIGUOUS` and `PAYUP_CONFIG` it receives the error document
//!   `{"error": {...}}` (as `payup call` prints it); on `PAYUP_NULL_ARGUMENT` and `PAYUP_PANIC` nothing
//!   is written.
//! * Every export runs behind `catch_unwind` (a panic never crosses into C) and checks every pointer.
//! * Exchange events: `payup_client_set_event_callback` hands each HTTP exchange's redacted event (JSON) to a
//!   callback, on the thread making the call.
//! * A `payup_client` is immutable after creation (its event callback aside) and may be used from any number of threads at once
//!   (one shared keep-alive pool); it must not be freed while a call on it is running.
//! * No card number, card password, birth date or key appears in any error document or message.

#![allow(non_camel_case_types)]

use ::payup_sandbox::{Sandbox, SandboxConfig};
use payup_core::{Error, ErrorKind, Operation, OperationClass};
use payup_transport::Client;
use serde_json::Value;
use std::ffi::{CStr, CString, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

/// Major version of libpayup (the same as `payup_version()`).
pub const PAYUP_VERSION_MAJOR: u32 = 0;
/// Minor version of libpayup.
pub const PAYUP_VERSION_MINOR: u32 = 1;
/// Patch version of libpayup.
pub const PAYUP_VERSION_PATCH: u32 = 0;
/// `PAYUP_VERSION_MAJOR * 10000 + PAYUP_VERSION_MINOR * 100 + PAYUP_VERSION_PATCH`, for `#if` checks.
pub const PAYUP_VERSION_NUMBER: u32 = 100;

/// The outcome of a libpayup call. The numbers are stable: they are never reused or renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum payup_result {
    /// Success: the out parameter holds the result.
    PAYUP_OK = 0,
    /// The gateway answered with a non-success code (the error document carries `gateway` and `code`).
    PAYUP_DECLINED = 1,
    /// The request broke a rule (the error document names the `field`); nothing was sent.
    PAYUP_INVALID = 2,
    /// Nothing left this machine (refused, DNS, connect timeout, TLS): safe to send again.
    PAYUP_NOT_SENT = 3,
    /// The request may have reached the gateway and its outcome is unknown: never resend blindly.
    /// The error document's `ambiguous` object holds the identifiers to reconcile with.
    PAYUP_AMBIGUOUS = 4,
    /// Bad or missing configuration (keys, base URL, a missing gateway section).
    PAYUP_CONFIG = 5,
    /// A required pointer argument was NULL; nothing was written.
    PAYUP_NULL_ARGUMENT = 6,
    /// libpayup panicked (a bug); the panic was caught and nothing was written. For a call that may have sent
    /// a request (approvals, cancels) the outcome is unknown: treat it as `PAYUP_AMBIGUOUS` and never resend blindly.
    PAYUP_PANIC = 7,
}

impl From<ErrorKind> for payup_result {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Declined => payup_result::PAYUP_DECLINED,
            ErrorKind::Invalid => payup_result::PAYUP_INVALID,
            ErrorKind::NotSent => payup_result::PAYUP_NOT_SENT,
            ErrorKind::Ambiguous => payup_result::PAYUP_AMBIGUOUS,
            ErrorKind::Config => payup_result::PAYUP_CONFIG,
            // A kind added later is never taken for a safe one: its outcome is unknown to this build.
            _ => payup_result::PAYUP_AMBIGUOUS,
        }
    }
}

/// A payup client: configuration, credentials and one keep-alive connection pool. Thread-safe: share one
/// `const payup_client *` between threads.
pub struct payup_client {
    client: Client,
}

/// The local emulator of the Payup, Payple and NHN KCP gateways, serving on a loopback port.
pub struct payup_sandbox {
    sandbox: Sandbox,
    base_url: CString,
}

static VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("version contains a NUL"),
};

// ---------------------------------------------------------------------------------------------------------
// The boundary: panics, NULL checks, strings.

/// Runs `f` behind the panic boundary: a panic becomes `PAYUP_PANIC`.
fn boundary(f: impl FnOnce() -> payup_result) -> payup_result {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(payup_result::PAYUP_PANIC)
}

/// Runs `f` behind the panic boundary for functions without a result code: a panic gives `on_panic`.
fn boundary_or<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Returns `PAYUP_NULL_ARGUMENT` from the enclosing function when any of the pointers is NULL.
macro_rules! non_null {
    ($($p:expr),+ $(,)?) => {
        if false $(|| $p.is_null())+ {
            return payup_result::PAYUP_NULL_ARGUMENT;
        }
    };
}

/// A borrowed argument string as UTF-8; `what` names it in the error (its content never appears).
///
/// # Safety
/// `p` is non-NULL and points to a NUL-terminated string that outlives the call.
unsafe fn arg_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| Error::invalid_field(what, "must be UTF-8"))
}

/// A JSON argument. The parse error gives only its position, never the text around it.
///
/// # Safety
/// As [`arg_str`].
unsafe fn arg_json(p: *const c_char, what: &str) -> Result<Value, Error> {
    // SAFETY: forwarded.
    payup_transport::json_argument(unsafe { arg_str(p, what) }?, what)
}

/// An owned C string from Rust text (JSON never holds a raw NUL; one would be dropped).
fn owned(s: String) -> *mut c_char {
    let c = CString::new(s).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|&b| b != 0);
        CString::new(bytes).unwrap_or_default()
    });
    c.into_raw()
}

/// Writes the result (OK) or the error document into `out` and gives the matching code.
///
/// # Safety
/// `out`, when non-NULL, is valid for one pointer write.
unsafe fn finish(out: *mut *mut c_char, r: Result<Value, Error>) -> payup_result {
    let (code, doc) = match r {
        Ok(v) => (payup_result::PAYUP_OK, v),
        Err(e) => (payup_result::from(e.kind()), e.to_json()),
    };
    if !out.is_null() {
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { *out = owned(doc.to_string()) };
    }
    code
}

// ---------------------------------------------------------------------------------------------------------
// Version, strings, catalogue.

/// The version of libpayup, e.g. "0.1.0". Static: never freed, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn payup_version() -> *const c_char {
    VERSION.as_ptr()
}

/// Releases a string that libpayup returned through a `char **` out parameter. NULL does nothing.
///
/// # Safety
/// `s` is NULL or a string from libpayup that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_string_free(s: *mut c_char) {
    boundary_or((), || {
        if !s.is_null() {
            // SAFETY: `s` came from `CString::into_raw` in `owned` and is freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

/// The name of a result code ("PAYUP_OK", "PAYUP_DECLINED", …); "PAYUP_UNKNOWN" for any other value.
/// Static: never freed.
#[unsafe(no_mangle)]
pub extern "C" fn payup_result_name(result: u32) -> *const c_char {
    let name: &'static CStr = match result {
        0 => c"PAYUP_OK",
        1 => c"PAYUP_DECLINED",
        2 => c"PAYUP_INVALID",
        3 => c"PAYUP_NOT_SENT",
        4 => c"PAYUP_AMBIGUOUS",
        5 => c"PAYUP_CONFIG",
        6 => c"PAYUP_NULL_ARGUMENT",
        7 => c"PAYUP_PANIC",
        _ => c"PAYUP_UNKNOWN",
    };
    name.as_ptr()
}

/// The catalogue as JSON: `{"operations": [{"name", "gateway", "class": "pure"|"read_only"|"mutating"}]}`.
///
/// # Safety
/// `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_operations(out_json: *mut *mut c_char) -> payup_result {
    non_null!(out_json);
    boundary(|| {
        let ops: Vec<Value> = Operation::ALL
            .iter()
            .map(|op| {
                let class = match op.class() {
                    OperationClass::Pure => "pure",
                    OperationClass::ReadOnly => "read_only",
                    OperationClass::Mutating => "mutating",
                };
                serde_json::json!({"name": op.name(), "gateway": op.gateway().as_str(), "class": class})
            })
            .collect();
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, Ok(serde_json::json!({ "operations": ops }))) }
    })
}

/// The catalogue schema (issue 15): every operation's name, gateway, class, request fields (type, required,
/// limits, description) and result fields — the document of `payup operations --json`, from which every
/// binding's typed surface is generated.
///
/// # Safety
/// `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_operations_schema(out_json: *mut *mut c_char) -> payup_result {
    non_null!(out_json);
    // SAFETY: checked non-NULL.
    boundary(|| unsafe { finish(out_json, Ok(payup_core::schema::operations_schema())) })
}

// ---------------------------------------------------------------------------------------------------------
// The client.

/// Makes a client from the configuration document (README: "The configuration document").
/// On success `*out_client` receives the client (free it with `payup_client_free`). On a bad configuration
/// the result is `PAYUP_CONFIG` and, when `out_error_json` is not NULL, it receives the error document.
///
/// # Safety
/// `config_json` is a NUL-terminated string; `out_client` and (when non-NULL) `out_error_json` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_client_new(
    config_json: *const c_char,
    out_client: *mut *mut payup_client,
    out_error_json: *mut *mut c_char,
) -> payup_result {
    non_null!(config_json, out_client);
    boundary(|| {
        // SAFETY: checked non-NULL.
        let made =
            unsafe { arg_str(config_json, "config_json") }.map_err(Error::into_config).and_then(Client::from_json);
        match made {
            Ok(client) => {
                // SAFETY: checked non-NULL.
                unsafe { *out_client = Box::into_raw(Box::new(payup_client { client })) };
                payup_result::PAYUP_OK
            }
            // SAFETY: `out_error_json` is NULL or writable.
            Err(e) => unsafe { finish(out_error_json, Err(e)) },
        }
    })
}

/// Releases a client. NULL does nothing. No call on it may be running.
///
/// # Safety
/// `client` is NULL or a client from `payup_client_new` that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_client_free(client: *mut payup_client) {
    boundary_or((), || {
        if !client.is_null() {
            // SAFETY: made by Box::into_raw in payup_client_new, freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// Receives one exchange event: `event_json` is the redacted event document (README "Logging and events":
/// `{"operation", "gateway", "method", "url", "status", "duration_ms", "request_body", "response_body",
/// "outcome": {"kind", "gateway_code", "payup_code"}}`), NUL-terminated UTF-8 borrowed for the duration of
/// the callback only (copy it to keep it; never free it). `user_data` is the pointer given with the callback.
pub type payup_event_callback = Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

struct CEventSink {
    callback: unsafe extern "C" fn(*const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the caller of payup_client_set_event_callback promises that the callback may run on any thread
// that calls the client, with this user_data (documented there).
unsafe impl Send for CEventSink {}
// SAFETY: as above.
unsafe impl Sync for CEventSink {}

impl payup_transport::EventListener for CEventSink {
    fn on_exchange(&self, event: &payup_transport::Event) {
        // serde_json escapes NUL inside strings: the document has no interior NUL.
        if let Ok(json) = CString::new(event.to_json().to_string()) {
            // SAFETY: the callback and user_data were given together by the caller (see above).
            unsafe { (self.callback)(json.as_ptr(), self.user_data) }
        }
    }
}

/// Sets the client's exchange-event callback, or removes it when `callback` is NULL. Afterwards every HTTP
/// exchange of a call on this client (Payple's partner auth and a recovery query included; an invalid request
/// sends nothing and has none) calls `callback(event_json, user_data)` once, **on the thread that called
/// `payup_client_call`**, after the exchange and before that call returns; calls on several threads call it
/// concurrently. Events are built only while a callback is set. Card numbers are masked 6+4; card password
/// digits, birth dates, keys and tokens never appear. The callback must not free or call the client; it may
/// be replaced at any time (also while calls run on other threads: a running call uses the old or the new one).
///
/// # Safety
/// `client` is a live client; `callback`, when non-NULL, is safe to call with `user_data` from any thread
/// using the client until it is replaced or the client is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_client_set_event_callback(
    client: *const payup_client,
    callback: payup_event_callback,
    user_data: *mut c_void,
) -> payup_result {
    non_null!(client);
    boundary(|| {
        // SAFETY: checked non-NULL; the caller keeps the client alive.
        let client = unsafe { &(*client).client };
        let sink = callback.map(|callback| {
            std::sync::Arc::new(CEventSink { callback, user_data })
                as std::sync::Arc<dyn payup_transport::EventListener>
        });
        client.set_event_listener(sink);
        payup_result::PAYUP_OK
    })
}

/// Runs one operation of the catalogue (`payup_operations`): `request_json` is the request document of
/// `payup call OPERATION`; `*out_json` receives the result document (`PAYUP_OK`) or the error document.
/// Blocking. Safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is a live client; `operation` and `request_json` are NUL-terminated; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_client_call(
    client: *const payup_client,
    operation: *const c_char,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(client, operation, request_json, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL; the caller keeps the client alive during the call.
        let client = unsafe { &(*client).client };
        let r = (|| {
            // SAFETY: checked non-NULL.
            let op = unsafe { arg_str(operation, "operation") }?;
            let options = payup_transport::CallOptions::default();
            // SAFETY: checked non-NULL.
            let text = unsafe { arg_str(request_json, "request_json") }?;
            client.call_str(op, text, &options)
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish_text(out_json, r) }
    })
}

/// [`payup_client_call`] with per-call options: `options_json` is NULL (none) or the options document
/// `{"timeout_ms": N}` (this call's read timeout in milliseconds in place of the configuration's
/// `timeouts.read_ms`, 1–600000). Options are never request fields; an unknown option or a bad value is an
/// `invalid` error and nothing is sent.
///
/// # Safety
/// As [`payup_client_call`]; `options_json` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_client_call_with_options(
    client: *const payup_client,
    operation: *const c_char,
    request_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(client, operation, request_json, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL; the caller keeps the client alive during the call.
        let client = unsafe { &(*client).client };
        let r = (|| {
            // SAFETY: checked non-NULL.
            let op = unsafe { arg_str(operation, "operation") }?;
            // SAFETY: checked non-NULL.
            let text = unsafe { arg_str(request_json, "request_json") }?;
            let options = if options_json.is_null() {
                Ok(payup_transport::CallOptions::default())
            } else {
                // SAFETY: non-NULL here, NUL-terminated by the contract.
                unsafe { arg_json(options_json, "options_json") }
                    .and_then(|o| payup_transport::CallOptions::from_json(&o))
            };
            // A request that is not JSON is reported before bad options, as always.
            let options = match options {
                Ok(o) => o,
                Err(e) => {
                    payup_transport::json_argument(text, "request_json")?;
                    return Err(e);
                }
            };
            client.call_str(op, text, &options)
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish_text(out_json, r) }
    })
}

/// Resolves the payment journal's pending and ambiguous entries (the configuration's `"journal"`), as
/// `payup recover` does: `*out_json` receives `{"resolved": [...], "unresolved": [...], "still_pending": [...]}`
/// on `PAYUP_OK` (entries left unresolved or pending are not an error: read the arrays), or the error
/// document (`PAYUP_CONFIG` without a journal). Blocking; safe beside calls on the same client.
///
/// # Safety
/// `client` is a live client; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_client_recover(client: *const payup_client, out_json: *mut *mut c_char) -> payup_result {
    non_null!(client, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL; the caller keeps the client alive during the call.
        let client = unsafe { &(*client).client };
        let r = client.recover();
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, r) }
    })
}

// ---------------------------------------------------------------------------------------------------------
// Pure helpers: no client, no network.

/// The Payup approval / order signature `SHA-256(merchantId|orderNumber|amount|apiCertKey|timestamp)` as
/// 64 lowercase hex digits (payup-card-keyin.txt §2.1.1). `*out_signature` receives it on `PAYUP_OK`.
///
/// # Safety
/// Every string is NUL-terminated; `out_signature` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sign_approval(
    merchant_id: *const c_char,
    order_number: *const c_char,
    amount: u64,
    api_cert_key: *const c_char,
    timestamp: *const c_char,
    out_signature: *mut *mut c_char,
) -> payup_result {
    non_null!(merchant_id, order_number, api_cert_key, timestamp, out_signature);
    boundary(|| {
        let r = (|| {
            // SAFETY: every pointer checked non-NULL.
            let (m, o, k, t) = unsafe {
                (
                    arg_str(merchant_id, "merchant_id")?,
                    arg_str(order_number, "order_number")?,
                    arg_str(api_cert_key, "api_cert_key")?,
                    arg_str(timestamp, "timestamp")?,
                )
            };
            Ok(payup_core::payup::approval_signature(m, o, amount, k, t))
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish_text(out_signature, r) }
    })
}

/// The Payup cancel signature `SHA-256(merchantId|transactionId|apiCertKey)` (payup-card-keyin.txt §2.2.1).
///
/// # Safety
/// Every string is NUL-terminated; `out_signature` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sign_cancel(
    merchant_id: *const c_char,
    transaction_id: *const c_char,
    api_cert_key: *const c_char,
    out_signature: *mut *mut c_char,
) -> payup_result {
    non_null!(merchant_id, transaction_id, api_cert_key, out_signature);
    boundary(|| {
        let r = (|| {
            // SAFETY: every pointer checked non-NULL.
            let (m, t, k) = unsafe {
                (
                    arg_str(merchant_id, "merchant_id")?,
                    arg_str(transaction_id, "transaction_id")?,
                    arg_str(api_cert_key, "api_cert_key")?,
                )
            };
            Ok(payup_core::payup::cancel_signature(m, t, k))
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish_text(out_signature, r) }
    })
}

/// Like [`finish`] for a plain-text result.
///
/// # Safety
/// `out` is writable.
unsafe fn finish_text(out: *mut *mut c_char, r: Result<String, Error>) -> payup_result {
    match r {
        Ok(s) => {
            // SAFETY: forwarded.
            unsafe { *out = owned(s) };
            payup_result::PAYUP_OK
        }
        // SAFETY: forwarded.
        Err(e) => unsafe { finish(out, Err(e)) },
    }
}

/// The HTTP request an operation would send first, without sending it:
/// `{"method", "target": {"path"} | {"url"}, "headers": {...}, "body": {...}}`. `now_unix` is the clock
/// (seconds since 1970). `payple_auth_json` (may be NULL) answers Payple's partner auth
/// (`{"cst_id", "cust_key", "auth_key", "return_url"}`) so that the request after it is shown.
/// The result holds card data and keys as they go on the wire: never log it.
///
/// # Safety
/// Strings are NUL-terminated (`payple_auth_json` may be NULL); `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_prepare(
    config_json: *const c_char,
    operation: *const c_char,
    request_json: *const c_char,
    now_unix: i64,
    payple_auth_json: *const c_char,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(config_json, operation, request_json, out_json);
    boundary(|| {
        let r = (|| {
            // SAFETY: checked non-NULL (payple_auth_json only when non-NULL).
            unsafe {
                let config = arg_json(config_json, "config_json").map_err(Error::into_config)?;
                let op = arg_str(operation, "operation")?;
                let request = arg_json(request_json, "request_json")?;
                let auth = if payple_auth_json.is_null() {
                    None
                } else {
                    Some(arg_json(payple_auth_json, "payple_auth_json")?)
                };
                payup_transport::prepare_json(&config, op, &request, now_unix, auth.as_ref())
            }
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, r) }
    })
}

/// Parses a gateway's answer (`status`, `body_len` bytes of `body`) to an operation's own call, as the client
/// would: `*out_json` receives the result document or the error document. `request_json` is the request the
/// answer belongs to. `body` may be NULL when `body_len` is 0.
///
/// # Safety
/// Strings are NUL-terminated; `body` is readable for `body_len` bytes; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_parse_response(
    operation: *const c_char,
    request_json: *const c_char,
    status: u16,
    body: *const u8,
    body_len: usize,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(operation, request_json, out_json);
    if body.is_null() && body_len != 0 {
        return payup_result::PAYUP_NULL_ARGUMENT;
    }
    boundary(|| {
        let r = (|| {
            // SAFETY: checked non-NULL; `body` is readable for `body_len` bytes.
            unsafe {
                let op = arg_str(operation, "operation")?;
                let request = arg_json(request_json, "request_json")?;
                let bytes: &[u8] = if body_len == 0 { &[] } else { std::slice::from_raw_parts(body, body_len) };
                payup_core::catalog::parse_json(op, &request, status, bytes)
            }
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, r) }
    })
}

/// Runs a pure operation (`payup.kakaopay.window`, `payple.result`) without a client.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_pure(
    operation: *const c_char,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(operation, request_json, out_json);
    boundary(|| {
        let r = (|| {
            // SAFETY: checked non-NULL.
            unsafe {
                let op = arg_str(operation, "operation")?;
                let request = arg_json(request_json, "request_json")?;
                payup_core::catalog::pure_json(op, &request)
            }
        })();
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, r) }
    })
}

// ---------------------------------------------------------------------------------------------------------
// The sandbox.

/// Starts the sandbox on 127.0.0.1 with a free port. `config_json` may be NULL (the specs' test identities)
/// or the sandbox configuration document (`payup sandbox --config`; its merchants are added to the defaults).
/// Gives `PAYUP_CONFIG` for a bad document or when no loopback port can be bound.
///
/// # Safety
/// `config_json` is NULL or NUL-terminated; `out_sandbox` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_start(
    config_json: *const c_char,
    out_sandbox: *mut *mut payup_sandbox,
) -> payup_result {
    non_null!(out_sandbox);
    boundary(|| {
        let config = if config_json.is_null() {
            SandboxConfig::default()
        } else {
            // SAFETY: checked non-NULL.
            let Ok(text) = (unsafe { arg_str(config_json, "config_json") }) else {
                return payup_result::PAYUP_CONFIG;
            };
            match SandboxConfig::from_json(text) {
                Ok(c) => c,
                Err(_) => return payup_result::PAYUP_CONFIG,
            }
        };
        let Ok(sandbox) = Sandbox::start(config) else { return payup_result::PAYUP_CONFIG };
        let base_url = CString::new(sandbox.base_url()).unwrap_or_default();
        // SAFETY: checked non-NULL.
        unsafe { *out_sandbox = Box::into_raw(Box::new(payup_sandbox { sandbox, base_url })) };
        payup_result::PAYUP_OK
    })
}

/// The sandbox's base URL, `http://127.0.0.1:PORT`. Valid until the sandbox is freed; NULL for NULL.
///
/// # Safety
/// `sandbox` is NULL or a live sandbox.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_base_url(sandbox: *const payup_sandbox) -> *const c_char {
    boundary_or(ptr::null(), || {
        if sandbox.is_null() {
            return ptr::null();
        }
        // SAFETY: checked non-NULL, live.
        unsafe { (*sandbox).base_url.as_ptr() }
    })
}

/// The client configuration document for this sandbox (its first merchant of each gateway, the test KCP
/// certificate, `base_url` set), ready for `payup_client_new`. Holds test keys only.
///
/// # Safety
/// `sandbox` is a live sandbox; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_client_config(
    sandbox: *const payup_sandbox,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(sandbox, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL, live.
        let sb = unsafe { &*sandbox };
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, Ok(sb.sandbox.client_config())) }
    })
}

/// The sandbox's ledger: `{"transactions": [...], "kakaopay_orders": [...], "payple_billing_keys": [...]}`.
///
/// # Safety
/// `sandbox` is a live sandbox; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_transactions(
    sandbox: *const payup_sandbox,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(sandbox, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL, live.
        let ledger = unsafe { (*sandbox).sandbox.transactions() };
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, Ok(ledger)) }
    })
}

/// Arms a fault for the next `times` calls of `operation` (a catalogue name): "delay", "http_500",
/// "malformed_body", "reset_before_commit", "drop_after_commit" or "wrong_amount". `delay_ms` < 0 means
/// none. `PAYUP_INVALID` for an unknown operation or fault.
///
/// # Safety
/// `sandbox` is a live sandbox; strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_arm_fault(
    sandbox: *const payup_sandbox,
    operation: *const c_char,
    fault: *const c_char,
    delay_ms: i64,
    times: u32,
) -> payup_result {
    non_null!(sandbox, operation, fault);
    boundary(|| {
        // SAFETY: checked non-NULL.
        let (sb, op, fault) = unsafe { (&*sandbox, arg_str(operation, "operation"), arg_str(fault, "fault")) };
        let (Ok(op), Ok(fault)) = (op, fault) else { return payup_result::PAYUP_INVALID };
        let delay = u64::try_from(delay_ms).ok();
        match sb.sandbox.arm_fault(op, fault, delay, times) {
            Ok(()) => payup_result::PAYUP_OK,
            Err(_) => payup_result::PAYUP_INVALID,
        }
    })
}

/// Empties the ledger (the specs' sample billing keys are registered again) and clears faults.
///
/// # Safety
/// `sandbox` is a live sandbox.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_reset(sandbox: *const payup_sandbox) -> payup_result {
    non_null!(sandbox);
    boundary(|| {
        // SAFETY: checked non-NULL, live.
        unsafe { (*sandbox).sandbox.reset() };
        payup_result::PAYUP_OK
    })
}

/// Moves the sandbox clock `secs` seconds on (back when negative). `*out_json` (free with
/// `payup_string_free`) is `{"now": "RFC 3339, KST"}`.
///
/// # Safety
/// `sandbox` is a live sandbox; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_advance_clock(
    sandbox: *const payup_sandbox,
    secs: i64,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(sandbox, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL, live.
        let now = unsafe { (*sandbox).sandbox.advance_clock(secs) };
        let doc = now.map(|n| serde_json::json!({ "now": n })).map_err(|m| Error::invalid_field("secs", m));
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, doc) }
    })
}

/// Sets the sandbox clock to `rfc3339` (`2026-12-01T23:59:50+09:00`). `*out_json` is `{"now": ...}`, or
/// the error document (`PAYUP_INVALID`) for anything but an RFC 3339 date-time.
///
/// # Safety
/// `sandbox` is a live sandbox; `rfc3339` is NUL-terminated; `out_json` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_set_clock(
    sandbox: *const payup_sandbox,
    rfc3339: *const c_char,
    out_json: *mut *mut c_char,
) -> payup_result {
    non_null!(sandbox, rfc3339, out_json);
    boundary(|| {
        // SAFETY: checked non-NULL.
        let doc = match unsafe { arg_str(rfc3339, "rfc3339") } {
            // SAFETY: checked non-NULL, live.
            Ok(t) => unsafe { (*sandbox).sandbox.set_clock(t) }
                .map(|n| serde_json::json!({ "now": n }))
                .map_err(|m| Error::invalid_field("rfc3339", m)),
            Err(e) => Err(e),
        };
        // SAFETY: checked non-NULL.
        unsafe { finish(out_json, doc) }
    })
}

/// Stops the sandbox and releases it. NULL does nothing.
///
/// # Safety
/// `sandbox` is NULL or a sandbox from `payup_sandbox_start` that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn payup_sandbox_free(sandbox: *mut payup_sandbox) {
    boundary_or((), || {
        if !sandbox.is_null() {
            // SAFETY: made by Box::into_raw in payup_sandbox_start, freed once.
            drop(unsafe { Box::from_raw(sandbox) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_payup_panic_and_writes_nothing() {
        let mut out: *mut c_char = ptr::null_mut();
        let r = boundary(|| {
            if out.is_null() {
                panic!("a bug");
            }
            // SAFETY: not reached.
            unsafe { finish(&mut out, Ok(Value::Null)) }
        });
        assert_eq!(r, payup_result::PAYUP_PANIC);
        assert!(out.is_null());
        assert_eq!(boundary_or(7u8, || panic!("a bug")), 7);
    }

    #[test]
    fn every_error_kind_has_its_stable_number() {
        let pairs = [
            (ErrorKind::Declined, 1),
            (ErrorKind::Invalid, 2),
            (ErrorKind::NotSent, 3),
            (ErrorKind::Ambiguous, 4),
            (ErrorKind::Config, 5),
        ];
        for (kind, n) in pairs {
            assert_eq!(payup_result::from(kind) as u32, n, "{kind:?}");
            let name = unsafe { CStr::from_ptr(payup_result_name(n)) }.to_str().unwrap();
            assert_eq!(name, format!("PAYUP_{}", kind.as_str().to_uppercase()));
        }
        assert_eq!(payup_result::PAYUP_NULL_ARGUMENT as u32, 6);
        assert_eq!(payup_result::PAYUP_PANIC as u32, 7);
    }

    #[test]
    fn bad_json_errors_give_a_position_and_never_the_text() {
        let text = c"{\"card_no\": \"4556737586899855\", \"card_pw\": 47 x}";
        let err = unsafe { arg_json(text.as_ptr(), "request_json") }.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        let doc = err.to_json().to_string();
        assert!(!doc.contains("4556737586899855") && !doc.contains("card_"), "{doc}");
        assert!(doc.contains("line 1"), "{doc}");
    }
}
