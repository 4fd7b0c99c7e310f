//! NHN KCP cancel, full (STSC) and partial (STPC), RSA-signed (KCP public docs; specs/README).

use super::*;

// ---- cancel (NHN KCP public docs; specs/README "Facts from the gateways' public material") ---------

/// The cancel endpoint under KCP's base URL.
pub const CANCEL_PATH: &str = "/gw/mod/v1/cancel";

/// A source of secure randomness handed to core from outside (payup-transport passes ring's
/// `SystemRandom`). Core never creates one: it stays free of randomness. ring's RSA signing API asks for
/// one; PKCS#1 v1.5 padding does not use it, so signatures stay deterministic.
#[derive(Clone)]
pub struct RandomSource(pub std::sync::Arc<dyn ring::rand::SecureRandom + Send + Sync>);

impl std::fmt::Debug for RandomSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RandomSource")
    }
}

/// The merchant's private key, for `kcp_sign_data`. Parsed once, when the configuration is read.
/// Signing is RSA PKCS#1 v1.5 over SHA-256 (ring), which is deterministic.
pub struct KcpSigner {
    key: ring::signature::RsaKeyPair,
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
        use pkcs8::{EncryptedPrivateKeyInfo, SecretDocument};
        use ring::signature::RsaKeyPair;
        let bad = |rule: &str| {
            let mut e = Error::invalid_field("kcp.private_key", rule);
            e.kind = ErrorKind::Config;
            e
        };
        let pem = pem.trim();
        let der = |label: &str, what: &str| -> Result<SecretDocument, Error> {
            match SecretDocument::from_pem(pem) {
                Ok((l, doc)) if l == label => Ok(doc),
                _ => Err(bad(&format!("is not a valid {what} PEM document"))),
            }
        };
        let key = if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let password = password.ok_or_else(|| bad("is encrypted: set kcp.private_key_password"))?;
            let doc = der("ENCRYPTED PRIVATE KEY", "encrypted PKCS#8")?;
            // Decrypted by RustCrypto's pkcs8 (PBES2) into plain PKCS#8 DER, which ring reads.
            let plain = EncryptedPrivateKeyInfo::try_from(doc.as_bytes())
                .and_then(|info| info.decrypt(password.as_bytes()))
                .map_err(|_| {
                    bad("cannot be decrypted with kcp.private_key_password (wrong password or unsupported cipher)")
                })?;
            RsaKeyPair::from_pkcs8(plain.as_bytes()).map_err(|_| bad("is not a valid PKCS#8 RSA private key"))?
        } else if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
            let doc = der("PRIVATE KEY", "PKCS#8")?;
            RsaKeyPair::from_pkcs8(doc.as_bytes()).map_err(|_| bad("is not a valid PKCS#8 RSA private key"))?
        } else if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            if pem.contains("Proc-Type: 4,ENCRYPTED") {
                return Err(bad("is a legacy encrypted PKCS#1 key: convert it with `openssl pkcs8 -topk8`"));
            }
            let doc = der("RSA PRIVATE KEY", "PKCS#1")?;
            // ring reads PKCS#1 `RSAPrivateKey` DER as it is (the key PKCS#8 would wrap).
            RsaKeyPair::from_der(doc.as_bytes()).map_err(|_| bad("is not a valid PKCS#1 RSA private key"))?
        } else {
            return Err(bad("must be a PEM RSA private key (PKCS#8, encrypted PKCS#8 or PKCS#1)"));
        };
        Ok(KcpSigner { key })
    }

    /// base64 of the SHA256withRSA (PKCS#1 v1.5) signature of `data`. `random` is what ring's API asks
    /// for; this padding does not use it, so the signature depends on the key and `data` only.
    pub fn sign(&self, data: &str, random: &dyn ring::rand::SecureRandom) -> Result<String, Error> {
        use base64::Engine;
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&ring::signature::RSA_PKCS1_SHA256, random, data.as_bytes(), &mut sig)
            .map_err(|_| Error::config("kcp.private_key could not sign kcp_sign_data").with_gateway(Gateway::Kcp))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sig))
    }
}

/// What `kcp_sign_data` signs: `site_cd^tno^mod_type`.
pub fn cancel_sign_input(site_cd: &str, tno: &str, mod_type: &str) -> String {
    format!("{site_cd}^{tno}^{mod_type}")
}

/// `kcp.cancel`: `STSC` cancels in full; `STPC` cancels `mod_mny` of a balance `rem_mny` (before this cancel).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    /// tno: KCP's transaction number of the approval (KCP cancel, specs/README)
    pub tno: String,
    /// mod_type: STSC full cancel, STPC partial cancel (KCP cancel, specs/README)
    pub mod_type: String,
    /// mod_desc: the reason for the cancel (KCP cancel, specs/README)
    pub mod_desc: String,
    /// mod_mny: the amount to cancel, STPC only (KCP cancel, specs/README)
    pub mod_mny: Option<u64>,
    /// rem_mny: the balance before this partial cancel (KCP cancel, specs/README)
    pub rem_mny: Option<u64>,
}

impl Cancel {
    /// A full cancel (STSC) of transaction `tno`.
    pub fn full(tno: &str, reason: &str) -> Cancel {
        Cancel { tno: tno.into(), mod_type: "STSC".into(), mod_desc: reason.into(), mod_mny: None, rem_mny: None }
    }

    /// Reads and validates a request document (every broken field at once).
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

    pub(crate) fn check(&self, p: &mut Problems) {
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

    /// The HTTP request: the cancel, signed with the site's private key (`kcp_sign_data`).
    pub fn prepare(&self, creds: &KcpCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        let signer = creds.signer.as_ref().ok_or_else(|| {
            Error::config("kcp.private_key is required for kcp.cancel (kcp_sign_data is signed with it)")
                .with_gateway(Gateway::Kcp)
        })?;
        let random = creds.random.as_ref().ok_or_else(|| {
            Error::config("kcp.cancel signs with ring, which needs a random source: Credentials::set_random (payup-transport sets it)")
                .with_gateway(Gateway::Kcp)
        })?;
        Problems::run(|p| self.check(p))?;
        let cert = serialize_cert_info(&creds.cert_info).expect("validated");
        let sign = signer.sign(&cancel_sign_input(&creds.site_cd, &self.tno, &self.mod_type), &*random.0)?;
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
    /// res_cd: 0000 (kcp-keyin.txt 승인응답)
    pub res_cd: String,
    /// res_msg: KCP's message (kcp-keyin.txt 승인응답)
    pub res_msg: String,
    /// tno: KCP's transaction number: keep it whole (kcp-keyin.txt 승인응답)
    pub tno: String,
    /// mod_type: STSC or STPC (KCP cancel, specs/README)
    pub mod_type: Option<String>,
    /// The original amount.
    pub amount: Option<u64>,
    /// The amount this cancel took back.
    pub mod_mny: Option<u64>,
    /// The balance after this cancel.
    pub rem_mny: Option<u64>,
    /// canc_time: when it was cancelled (KCP cancel, specs/README)
    pub canc_time: Option<String>,
}

impl Cancelled {
    /// Reads KCP's answer: the result, or the error it means.
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

impl Flow for Cancel {
    type Output = Cancelled;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.kcp(Self::OPERATION)?)
    }
    fn parse(resp: &HttpResponse) -> Result<Cancelled, Error> {
        Cancelled::parse(resp)
    }
    fn known(&self) -> Known {
        Known::transaction(&self.tno, self.mod_mny)
    }
    fn attribute(&self, a: &Cancelled) -> Attribution {
        Attribution::echoed("tno", &self.tno, &a.tno)
    }
    /// A partial cancel of another amount than asked is not the one asked for (never undone).
    fn amounts(&self, a: &Cancelled) -> Option<Amounts> {
        let (requested, reported) = match (self.mod_mny, a.mod_mny) {
            (Some(asked), Some(done)) => (asked, done),
            _ => (0, 0),
        };
        Some(Amounts { requested, reported, transaction_id: a.tno.clone(), is_cancel: true })
    }
}
