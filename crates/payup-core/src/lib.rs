//! payup-core: the sans-I/O heart of payup.
//!
//! Models, validation, signing, wire encoding, response parsing, code tables, payment-window HTML and
//! redaction for Payup (card keyin, KakaoPay), Payple and NHN KCP. No network, clock or randomness: time
//! and ids are inputs, requests come out as plain [`HttpRequest`] values, and responses go in as
//! [`HttpResponse`] values. The transport crate executes; the bindings convert.

#![warn(missing_docs)]
pub mod catalog;
pub mod codes;
pub mod config;
mod descriptions;
pub mod error;
pub mod event;
pub(crate) mod fields;
pub mod flow;
pub mod http;
pub mod journal;
pub mod kcp;
pub mod payple;
pub mod payup;
pub(crate) mod response;
pub mod schema;
pub mod secret;
pub mod time;

pub use catalog::{Credentials, Exchange, Next, Operation, OperationClass, Request, Response};
pub use codes::Gateway;
pub use config::Config;
pub use error::{AmbiguousContext, Error, ErrorKind, FieldError, PayupCode};
pub use event::Event;
pub use fields::{decimal, lower_hex_into};
pub use http::{HttpRequest, HttpResponse, Target};
pub use secret::{Secret, mask_card_number};
pub use time::Timestamp;

/// The version of payup (all crates share it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
