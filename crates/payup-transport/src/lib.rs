//! payup-transport: executes what payup-core prepares, safely.
//!
//! - Certificate checks always on (rustls, webpki roots); plain http only to loopback.
//! - `not_sent` vs `ambiguous` decided by whether request bytes left (see [`wire`]).
//! - Approvals and cancels are never resent; read-only calls are retried on `not_sent` with a bounded,
//!   jittered backoff.
//! - After an `ambiguous` approval, recovery where the gateway allows it (Payple's result query; a repeated
//!   KakaoPay approve); otherwise an `ambiguous` error carrying the identifiers.
//! - An answer is attributed to its request before anything is corrected: one that names another order is
//!   `ambiguous` ORDER_MISMATCH and nothing is cancelled; a success of another amount that is provably ours
//!   is cancelled and reported as an error (`payup_core::Request::attribute`).
//! - Exchange events (issue 20): one redacted [`Event`] per HTTP exchange, as a `tracing` event (target
//!   `payup`, DEBUG) and to the client's listener ([`Client::set_event_listener`]); built only when listened to.
//! - Egress: an explicit `proxy` (HTTP CONNECT; the environment's proxy variables are ignored) and
//!   `ca_file` roots beside Mozilla's; secrets in the configuration by reference ([`SystemSecrets`]).
//! - Per-call options ([`CallOptions`]: a timeout override), never request fields.
//! - Fork-safe: the keep-alive pool belongs to the process that filled it ([`wire::Wire`]).

#![warn(missing_docs)]
mod client;
pub mod coop;
mod events;
mod tcp;
pub mod wire;

pub use client::{ApproveThenError, CallOptions, Client, SystemSecrets, json_argument};
pub use events::EventListener;
pub use payup_core::event::{Event, Outcome};

/// The random source core's signing is handed (ring's `SystemRandom`: the OS's generator). Core asks for
/// one because ring's RSA API does; KCP's PKCS#1 v1.5 signatures do not depend on it.
pub fn system_random() -> std::sync::Arc<dyn ring::rand::SecureRandom + Send + Sync> {
    std::sync::Arc::new(ring::rand::SystemRandom::new())
}

/// [`payup_core::catalog::prepare_json`] with [`system_random`] (what the bindings' `prepare_json` call).
pub fn prepare_json(
    config: &serde_json::Value,
    operation: &str,
    request: &serde_json::Value,
    now_unix: i64,
    payple_auth: Option<&serde_json::Value>,
) -> Result<serde_json::Value, Error> {
    let config = payup_core::config::resolve_references(config, &SystemSecrets)?;
    payup_core::catalog::prepare_json(&config, operation, request, now_unix, payple_auth, Some(system_random()))
}
pub use payup_core::{Config, Error, ErrorKind, Operation, Request, Response};
