//! NHN KCP keyin (kcp-keyin.txt): certified (11121000) and uncertified (11111000) card approvals.

use crate::codes::Gateway;
use crate::error::{Error, ErrorKind};
use crate::fields::{self, Doc, Problems, check_bytes, check_digits, loose_str, loose_u64};
use crate::http::{HttpRequest, HttpResponse, Target};
use crate::response;
use crate::secret::Secret;
use serde::Serialize;
use serde_json::{Map, Value};

/// A KCP merchant: site code and its service certificate (PEM) (kcp-keyin.txt 서비스 인증서).
#[derive(Clone, Debug)]
pub struct KcpCredentials {
    pub site_cd: String,
    /// The PEM certificate as issued; serialized onto one line for `kcp_cert_info`.
    pub cert_info: String,
    /// The merchant's private key, needed by `kcp.cancel` only.
    pub signer: Option<std::sync::Arc<KcpSigner>>,
}

impl KcpCredentials {
    pub fn new(site_cd: impl Into<String>, cert_info: impl Into<String>) -> Self {
        KcpCredentials { site_cd: site_cd.into(), cert_info: cert_info.into(), signer: None }
    }

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

pub const PAYMENT_PATH: &str = "/gw/hub/v1/payment";

/// `card_tx_type` values (kcp-keyin.txt 승인요청 파라미터).
pub const CERTIFIED: &str = "11121000";
pub const UNCERTIFIED: &str = "11111000";

/// `kcp.keyin.approve`. Certified when `card_taxno` and `card_pwd` are given, uncertified otherwise.
#[derive(Clone, Debug)]
pub struct KeyinApproval {
    pub ordr_idxx: String,
    pub good_name: String,
    pub buyr_name: String,
    pub buyr_mail: Option<String>,
    pub buyr_tel2: Option<String>,
    pub amount: u64,
    /// "410" (KRW) or "840" (USD).
    pub currency: String,
    /// Instalment months; sent as two digits ("00").
    pub quota: u8,
    pub card_no: Secret,
    /// YYMM (unlike Payup's separate MM and YY).
    pub card_expiry: String,
    /// Birth date (6 digits) or business number (10 digits): certified approvals only.
    pub card_taxno: Option<Secret>,
    /// First 2 password digits: certified approvals only.
    pub card_pwd: Option<Secret>,
    pub cust_ip: Option<String>,
}

impl KeyinApproval {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let quota = d.opt_u64("quota");
        let tx_type = d.opt_str("card_tx_type");
        let r = KeyinApproval {
            ordr_idxx: d.str("ordr_idxx"),
            good_name: d.str("good_name"),
            buyr_name: d.str("buyr_name"),
            buyr_mail: d.opt_str("buyr_mail"),
            buyr_tel2: d.opt_str("buyr_tel2"),
            amount: d.u64("amount"),
            currency: d.opt_str("currency").unwrap_or_else(|| "410".into()),
            quota: quota.map(|q| q.min(255) as u8).unwrap_or(0),
            card_no: Secret::card_number(d.str("card_no")),
            card_expiry: d.str("card_expiry"),
            card_taxno: d.opt_str("card_taxno").map(Secret::opaque),
            card_pwd: d.opt_str("card_pwd").map(Secret::opaque),
            cust_ip: d.opt_str("cust_ip"),
        };
        let mut p = d.finish();
        if quota.is_some_and(|q| q > 99) {
            p.push("quota", "must be 0–99 (sent as two digits)");
        }
        if let Some(t) = tx_type {
            let want = if r.is_certified() { CERTIFIED } else { UNCERTIFIED };
            if t != want {
                p.push(
                    "card_tx_type",
                    "must match the fields: 11121000 (certified) with card_taxno and card_pwd, 11111000 without",
                );
            }
        }
        r.check(&mut p);
        p.into_result()?;
        Ok(r)
    }

    pub fn is_certified(&self) -> bool {
        self.card_taxno.is_some() || self.card_pwd.is_some()
    }

    pub fn card_tx_type(&self) -> &'static str {
        if self.is_certified() { CERTIFIED } else { UNCERTIFIED }
    }

    fn check(&self, p: &mut Problems) {
        if self.ordr_idxx.is_empty() {
            p.push("ordr_idxx", "is required");
        }
        check_bytes(p, "ordr_idxx", &self.ordr_idxx, 40);
        check_bytes(p, "good_name", &self.good_name, 100);
        check_bytes(p, "buyr_name", &self.buyr_name, 40);
        if let Some(m) = &self.buyr_mail {
            fields::check_email(p, "buyr_mail", m, 100);
        }
        if let Some(t) = &self.buyr_tel2 {
            // "'-' 사용 무관": digits with optional dashes.
            let digits = t.chars().filter(char::is_ascii_digit).count();
            if !t.chars().all(|c| c.is_ascii_digit() || c == '-') || !(9..=12).contains(&digits) {
                p.push("buyr_tel2", "must be a phone number: 9–12 digits, '-' allowed");
            }
        }
        fields::check_range(p, "amount", self.amount, 1, 999_999_999_999, "must be 1–999,999,999,999");
        fields::check_one_of(
            p,
            "currency",
            Some(&self.currency),
            &["410", "840"],
            "must be \"410\" (KRW) or \"840\" (USD)",
        );
        fields::check_range(p, "quota", self.quota.into(), 0, 99, "must be 0–99 (sent as two digits)");
        fields::check_card_number(p, "card_no", self.card_no.expose(), 11, 20);
        let e = &self.card_expiry;
        let expiry_ok = e.len() == 4 && fields::is_digits(e) && matches!(e[2..].parse::<u8>(), Ok(1..=12));
        fields::check_pattern(
            p,
            "card_expiry",
            expiry_ok,
            "^[0-9]{2}(0[1-9]|1[0-2])$",
            "must be YYMM (e.g. 07/23 → 2307)",
        );
        match (&self.card_taxno, &self.card_pwd) {
            (Some(t), Some(w)) => {
                let t = t.expose();
                fields::check_pattern(
                    p,
                    "card_taxno",
                    fields::is_digits(t) && (t.len() == 6 || t.len() == 10),
                    "^([0-9]{6}|[0-9]{10})$",
                    "must be 6 digits (birth date YYMMDD) or a 10-digit business number",
                );
                check_digits(p, "card_pwd", w.expose(), 2, 2);
            }
            (Some(_), None) => p.push("card_pwd", "is required with card_taxno (certified approval 11121000)"),
            (None, Some(_)) => p.push("card_taxno", "is required with card_pwd (certified approval 11121000)"),
            (None, None) => {}
        }
        if let Some(ip) = &self.cust_ip {
            if ip.parse::<std::net::IpAddr>().is_err() && !ip.is_empty() {
                p.push("cust_ip", "must be an IP address");
            }
        }
    }

    pub fn validate(&self) -> Result<(), Error> {
        Problems::run(|p| self.check(p))
    }

    pub fn prepare(&self, creds: &KcpCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        self.validate()?;
        let cert = serialize_cert_info(&creds.cert_info).expect("validated");
        // Field order and values follow the spec's 승인요청 데이터 sample; every value is a string.
        let mut b = Map::new();
        let mut put = |k: &str, v: &str| {
            b.insert(k.to_string(), Value::String(v.to_string()));
        };
        let amount = self.amount.to_string();
        put("site_cd", &creds.site_cd);
        put("kcp_cert_info", &cert);
        put("pay_method", "CARD");
        put("cust_ip", self.cust_ip.as_deref().unwrap_or(""));
        put("amount", &amount);
        put("card_mny", &amount);
        put("currency", &self.currency);
        put("quota", &format!("{:02}", self.quota));
        put("ordr_idxx", &self.ordr_idxx);
        put("good_name", &self.good_name);
        put("buyr_name", &self.buyr_name);
        put("buyr_mail", self.buyr_mail.as_deref().unwrap_or(""));
        put("buyr_tel2", self.buyr_tel2.as_deref().unwrap_or(""));
        put("card_tx_type", self.card_tx_type());
        put("card_no", self.card_no.expose());
        put("card_expiry", &self.card_expiry);
        if let (Some(t), Some(w)) = (&self.card_taxno, &self.card_pwd) {
            put("card_taxno", t.expose());
            put("card_pwd", w.expose());
        }
        Ok(HttpRequest::post_json(Gateway::Kcp, Target::Path(PAYMENT_PATH.into()), &Value::Object(b)))
    }
}

/// KCP answers `res_cd` "0000" on success, else `res_cd` + `res_msg`.
pub(crate) fn kcp_object(resp: &HttpResponse) -> Result<Map<String, Value>, Error> {
    let o = response::json_object(Gateway::Kcp, resp)?;
    match loose_str(o.get("res_cd")).as_deref() {
        Some("0000") => Ok(o),
        Some(code) => {
            Err(Error::from_gateway_code(Gateway::Kcp, code, &loose_str(o.get("res_msg")).unwrap_or_default()))
        }
        None => Err(response::unreadable(Gateway::Kcp, resp, "it has no res_cd")),
    }
}

/// The approval response (kcp-keyin.txt 승인응답 파라미터 가이드).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyinApproved {
    pub res_cd: String,
    pub res_msg: String,
    pub res_en_msg: Option<String>,
    /// KCP's transaction number: use it whole.
    pub tno: String,
    /// The amount KCP charged: checked against the request before this counts as a success.
    pub amount: u64,
    pub card_cd: Option<String>,
    pub card_name: Option<String>,
    /// Masked by KCP (third group).
    pub card_no: Option<String>,
    pub app_no: Option<String>,
    pub app_time: Option<String>,
    pub noinf: Option<String>,
    pub noinf_type: Option<String>,
    pub quota: Option<String>,
    pub card_mny: Option<u64>,
    pub acqu_cd: Option<String>,
    pub acqu_name: Option<String>,
    pub partcanc_yn: Option<String>,
    pub card_bin_type_01: Option<String>,
    pub card_bin_type_02: Option<String>,
    pub card_bin_bank_cd: Option<String>,
}

impl KeyinApproved {
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = kcp_object(resp)?;
        let opt = |k: &str| loose_str(o.get(k)).filter(|v| !v.is_empty());
        let tno = opt("tno").ok_or_else(|| response::unreadable(Gateway::Kcp, resp, "the approval has no tno"))?;
        let amount = loose_u64(o.get("amount"))
            .ok_or_else(|| response::unreadable(Gateway::Kcp, resp, "the approval has no amount"))?;
        Ok(KeyinApproved {
            res_cd: opt("res_cd").unwrap_or_default(),
            res_msg: opt("res_msg").unwrap_or_default(),
            res_en_msg: opt("res_en_msg"),
            tno,
            amount,
            card_cd: opt("card_cd"),
            card_name: opt("card_name"),
            card_no: opt("card_no").map(|n| crate::secret::mask_card_number_if_full(&n)),
            app_no: opt("app_no"),
            app_time: opt("app_time"),
            noinf: opt("noinf"),
            noinf_type: opt("noinf_type"),
            quota: opt("quota"),
            card_mny: loose_u64(o.get("card_mny")),
            acqu_cd: opt("acqu_cd"),
            acqu_name: opt("acqu_name"),
            partcanc_yn: opt("partcanc_yn"),
            card_bin_type_01: opt("card_bin_type_01"),
            card_bin_type_02: opt("card_bin_type_02"),
            card_bin_bank_cd: opt("card_bin_bank_cd"),
        })
    }
}

// ---- cancel (NHN KCP public docs; specs/README "Facts from the gateways' public material") ---------

pub const CANCEL_PATH: &str = "/gw/mod/v1/cancel";

/// The merchant's private key, for `kcp_sign_data`. Parsed once, when the configuration is read.
/// Signing is RSA PKCS#1 v1.5 over SHA-256, which is deterministic: no randomness enters core.
#[derive(Clone)]
pub struct KcpSigner {
    key: rsa::pkcs1v15::SigningKey<sha2::Sha256>,
}

impl std::fmt::Debug for KcpSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KcpSigner(<private key not shown>)")
    }
}

impl KcpSigner {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`), encrypted PKCS#8 (`BEGIN ENCRYPTED PRIVATE
    /// KEY`, with `password`; KCP's test key uses `changeit`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    /// Errors are `config` errors that never quote the key or the password.
    pub fn from_pem(pem: &str, password: Option<&str>) -> Result<KcpSigner, Error> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let bad = |rule: &str| {
            let mut e = Error::invalid_field("kcp.private_key", rule);
            e.kind = ErrorKind::Config;
            e
        };
        let pem = pem.trim();
        let key = if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let password = password.ok_or_else(|| bad("is encrypted: set kcp.private_key_password"))?;
            rsa::RsaPrivateKey::from_pkcs8_encrypted_pem(pem, password.as_bytes()).map_err(|_| {
                bad("cannot be decrypted with kcp.private_key_password (wrong password or unsupported cipher)")
            })?
        } else if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
            rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| bad("is not a valid PKCS#8 RSA private key"))?
        } else if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            if pem.contains("Proc-Type: 4,ENCRYPTED") {
                return Err(bad("is a legacy encrypted PKCS#1 key: convert it with `openssl pkcs8 -topk8`"));
            }
            rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| bad("is not a valid PKCS#1 RSA private key"))?
        } else {
            return Err(bad("must be a PEM RSA private key (PKCS#8, encrypted PKCS#8 or PKCS#1)"));
        };
        Ok(KcpSigner { key: rsa::pkcs1v15::SigningKey::new(key) })
    }

    /// base64 of the SHA256withRSA signature of `data`.
    pub fn sign(&self, data: &str) -> String {
        use base64::Engine;
        use rsa::signature::{SignatureEncoding, Signer};
        let sig = self.key.sign(data.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
    }
}

/// What `kcp_sign_data` signs: `site_cd^tno^mod_type`.
pub fn cancel_sign_input(site_cd: &str, tno: &str, mod_type: &str) -> String {
    format!("{site_cd}^{tno}^{mod_type}")
}

/// `kcp.cancel`: `STSC` cancels in full; `STPC` cancels `mod_mny` of a balance `rem_mny` (before this cancel).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    pub tno: String,
    pub mod_type: String,
    pub mod_desc: String,
    pub mod_mny: Option<u64>,
    pub rem_mny: Option<u64>,
}

impl Cancel {
    pub fn full(tno: &str, reason: &str) -> Cancel {
        Cancel { tno: tno.into(), mod_type: "STSC".into(), mod_desc: reason.into(), mod_mny: None, rem_mny: None }
    }

    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = Cancel {
            tno: d.str("tno"),
            mod_type: d.opt_str("mod_type").unwrap_or_else(|| "STSC".into()),
            mod_desc: d.str("mod_desc"),
            mod_mny: d.opt_u64("mod_mny"),
            rem_mny: d.opt_u64("rem_mny"),
        };
        d.finish_with(r, Self::check)
    }

    fn check(&self, p: &mut Problems) {
        let tno_ok = fields::is_digits(&self.tno) && self.tno.len() <= 20;
        fields::check_pattern(p, "tno", tno_ok, "^[0-9]{1,20}$", "must be KCP's transaction number (digits)");
        if self.mod_desc.is_empty() {
            p.push("mod_desc", "is required (the reason for the cancel)");
        }
        check_bytes(p, "mod_desc", &self.mod_desc, 100);
        match (self.mod_type.as_str(), self.mod_mny, self.rem_mny) {
            ("STSC", None, None) => {}
            ("STSC", _, _) => p.push("mod_mny", "goes only with mod_type STPC (a partial cancel)"),
            ("STPC", Some(m), Some(r)) if m == 0 || m > r => {
                p.push("mod_mny", "must be 1..=rem_mny (the balance before this cancel)")
            }
            ("STPC", Some(_), Some(_)) => {}
            ("STPC", _, _) => p.push(
                if self.mod_mny.is_none() { "mod_mny" } else { "rem_mny" },
                "is required with mod_type STPC (mod_mny: amount to cancel, rem_mny: balance before it)",
            ),
            _ => {}
        }
        let mod_types = ["STSC", "STPC"];
        fields::check_one_of(
            p,
            "mod_type",
            Some(&self.mod_type),
            &mod_types,
            "must be STSC (full cancel) or STPC (partial cancel)",
        );
    }

    pub fn prepare(&self, creds: &KcpCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        let signer = creds.signer.as_ref().ok_or_else(|| {
            Error::config("kcp.private_key is required for kcp.cancel (kcp_sign_data is signed with it)")
                .with_gateway(Gateway::Kcp)
        })?;
        Problems::run(|p| self.check(p))?;
        let cert = serialize_cert_info(&creds.cert_info).expect("validated");
        let sign = signer.sign(&cancel_sign_input(&creds.site_cd, &self.tno, &self.mod_type));
        let mut b = Map::new();
        let mut put = |k: &str, v: &str| {
            b.insert(k.to_string(), Value::String(v.to_string()));
        };
        put("site_cd", &creds.site_cd);
        put("kcp_cert_info", &cert);
        put("kcp_sign_data", &sign);
        put("tno", &self.tno);
        put("mod_type", &self.mod_type);
        put("mod_desc", &self.mod_desc);
        if let (Some(m), Some(r)) = (self.mod_mny, self.rem_mny) {
            put("mod_mny", &m.to_string());
            put("rem_mny", &r.to_string());
        }
        Ok(HttpRequest::post_json(Gateway::Kcp, Target::Path(CANCEL_PATH.into()), &Value::Object(b)))
    }
}

/// The cancel response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Cancelled {
    pub res_cd: String,
    pub res_msg: String,
    pub tno: String,
    pub mod_type: Option<String>,
    /// The original amount.
    pub amount: Option<u64>,
    /// The amount this cancel took back.
    pub mod_mny: Option<u64>,
    /// The balance after this cancel.
    pub rem_mny: Option<u64>,
    pub canc_time: Option<String>,
}

impl Cancelled {
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = kcp_object(resp)?;
        let opt = |k: &str| loose_str(o.get(k)).filter(|v| !v.is_empty());
        Ok(Cancelled {
            res_cd: opt("res_cd").unwrap_or_default(),
            res_msg: opt("res_msg").unwrap_or_default(),
            tno: opt("tno").unwrap_or_default(),
            mod_type: opt("mod_type"),
            amount: loose_u64(o.get("amount")),
            mod_mny: loose_u64(o.get("mod_mny")),
            rem_mny: loose_u64(o.get("rem_mny")),
            canc_time: opt("canc_time"),
        })
    }
}
