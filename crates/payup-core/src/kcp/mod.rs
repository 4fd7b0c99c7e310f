//! NHN KCP keyin (kcp-keyin.txt): certified (11121000) and uncertified (11111000) card approvals.

use crate::catalog::{Amounts, Attribution, Catalogued, Credentials, Flow, Known, Undo};
use crate::codes::Gateway;
use crate::error::{Error, ErrorKind};
use crate::fields::{self, Doc, Problems, check_bytes, check_digits, loose_str, loose_u64};
use crate::http::{HttpRequest, HttpResponse, Target};
use crate::payple::PaypleAuth as PartnerAuth;
use crate::response;
use crate::secret::Secret;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

mod cancel;
mod keyin;
pub use cancel::*;
pub use keyin::*;

/// A KCP merchant: site code and its service certificate (PEM) (kcp-keyin.txt 서비스 인증서).
#[derive(Clone, Debug)]
pub struct KcpCredentials {
    /// site_cd: KCP's site code for the window (payup-kakaopay-kcp.txt §3.1)
    pub site_cd: String,
    /// The PEM certificate as issued; serialized onto one line for `kcp_cert_info`.
    pub cert_info: String,
    /// The merchant's private key, needed by `kcp.cancel` only.
    pub signer: Option<std::sync::Arc<KcpSigner>>,
    /// The random source ring's signing asks for, passed in from outside core (see [`RandomSource`]).
    pub random: Option<RandomSource>,
}

impl KcpCredentials {
    /// A site with its certificate, without a private key (no cancels).
    pub fn new(site_cd: impl Into<String>, cert_info: impl Into<String>) -> Self {
        KcpCredentials { site_cd: site_cd.into(), cert_info: cert_info.into(), signer: None, random: None }
    }

    /// Checks the site code and certificate (a `config` error naming each bad one).
    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.site_cd.is_empty() || !self.site_cd.bytes().all(|b| b.is_ascii_alphanumeric()) {
            p.push("kcp.site_cd", "must be KCP's site code (letters and digits, e.g. T0000)");
        }
        if serialize_cert_info(&self.cert_info).is_none() {
            p.push(
                "kcp.cert_info",
                "must be a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)",
            );
        }
        p.into_result().map_err(|e| Error { kind: ErrorKind::Config, ..e })
    }
}

/// `kcp_cert_info`: the PEM certificate "serialized" onto one line, as the spec's sample shows
/// (`"-----BEGIN CERTIFICATE-----MIID3D…=-----END CERTIFICATE-----"`): line breaks removed, nothing else
/// changed. None if it is not a PEM certificate.
pub fn serialize_cert_info(pem: &str) -> Option<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let one_line: String = pem.trim().chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let inner = one_line.strip_prefix(BEGIN)?.strip_suffix(END)?;
    let ok = !inner.is_empty()
        && inner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=' || b == b' ');
    ok.then_some(one_line)
}

/// The payment endpoint under KCP's base URL.
pub const PAYMENT_PATH: &str = "/gw/hub/v1/payment";

/// `card_tx_type` values (kcp-keyin.txt 승인요청 파라미터).
pub const CERTIFIED: &str = "11121000";
/// `card_tx_type` of an uncertified approval (card number and expiry only).
pub const UNCERTIFIED: &str = "11111000";
