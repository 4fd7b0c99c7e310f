//! payup-transport: executes what payup-core prepares, safely.
//!
//! - Certificate checks always on (rustls, webpki roots); plain http only to loopback.
//! - `not_sent` vs `ambiguous` decided by whether request bytes left (see [`wire`]).
//! - Approvals and cancels are never resent; read-only calls are retried on `not_sent` with a bounded,
//!   jittered backoff.
//! - After an `ambiguous` approval, recovery where the gateway allows it (Payple's result query; a repeated
//!   KakaoPay approve); otherwise an `ambiguous` error carrying the identifiers.
//! - A success whose amount or order differs from the request is cancelled and reported as an error.

mod client;
pub mod wire;

pub use client::{ApproveThenError, Client};
pub use payup_core::{Config, Error, ErrorKind, Operation, Request, Response};
