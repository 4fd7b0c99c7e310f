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
//!   is cancelled and reported as an error (`payup_core::catalog::attribute`).
//! - Fork-safe: the keep-alive pool belongs to the process that filled it ([`wire::Wire`]).

mod client;
pub mod wire;

pub use client::{ApproveThenError, Client};
pub use payup_core::{Config, Error, ErrorKind, Operation, Request, Response};
