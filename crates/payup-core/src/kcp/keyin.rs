//! NHN KCP keyin approval, certified (11121000) and uncertified (11111000) (kcp-keyin.txt).

use super::*;

/// `kcp.keyin.approve`. Certified when `card_taxno` and `card_pwd` are given, uncertified otherwise.
#[derive(Clone, Debug)]
pub struct KeyinApproval {
    /// ordr_idxx: the merchant's order number (kcp-keyin.txt)
    pub ordr_idxx: String,
    /// good_name: the goods' name (kcp-keyin.txt)
    pub good_name: String,
    /// buyr_name: the buyer's name (kcp-keyin.txt 결제요청)
    pub buyr_name: String,
    /// buyr_mail: the buyer's e-mail (kcp-keyin.txt 결제요청)
    pub buyr_mail: Option<String>,
    /// buyr_tel2: the buyer's phone, '-' allowed (kcp-keyin.txt 결제요청)
    pub buyr_tel2: Option<String>,
    /// Amount in KRW, an integer (payup-card-keyin.txt §2.1 amount; kcp-keyin.txt amount)
    pub amount: u64,
    /// "410" (KRW) or "840" (USD).
    pub currency: String,
    /// Instalment months; sent as two digits ("00").
    pub quota: u8,
    /// Card number, digits only (payup-card-keyin.txt §2.1 cardNo; kcp-keyin.txt card_no); secret, masked 6+4 everywhere
    pub card_no: Secret,
    /// YYMM (unlike Payup's separate MM and YY).
    pub card_expiry: String,
    /// Birth date (6 digits) or business number (10 digits): certified approvals only.
    pub card_taxno: Option<Secret>,
    /// First 2 password digits: certified approvals only.
    pub card_pwd: Option<Secret>,
    /// cust_ip: the buyer's IP address (kcp-keyin.txt)
    pub cust_ip: Option<String>,
}

impl KeyinApproval {
    /// Reads and validates a request document (every broken field at once).
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

    /// Whether this is a certified approval (birth date or password digits given).
    pub fn is_certified(&self) -> bool {
        self.card_taxno.is_some() || self.card_pwd.is_some()
    }

    /// `card_tx_type`: [`CERTIFIED`] or [`UNCERTIFIED`].
    pub fn card_tx_type(&self) -> &'static str {
        if self.is_certified() { CERTIFIED } else { UNCERTIFIED }
    }

    pub(crate) fn check(&self, p: &mut Problems) {
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
        if let Some(ip) = &self.cust_ip
            && ip.parse::<std::net::IpAddr>().is_err()
            && !ip.is_empty()
        {
            p.push("cust_ip", "must be an IP address");
        }
    }

    /// Checks every field (an `invalid` error naming each broken one).
    pub fn validate(&self) -> Result<(), Error> {
        Problems::run(|p| self.check(p))
    }

    /// The HTTP request to send (wire encoding).
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
    /// res_cd: 0000 (kcp-keyin.txt 승인응답)
    pub res_cd: String,
    /// res_msg: KCP's message (kcp-keyin.txt 승인응답)
    pub res_msg: String,
    /// res_en_msg: the message in English (kcp-keyin.txt 승인응답)
    pub res_en_msg: Option<String>,
    /// KCP's transaction number: use it whole.
    pub tno: String,
    /// The amount KCP charged: checked against the request before this counts as a success.
    pub amount: u64,
    /// card_cd: the issuer's code (kcp-keyin.txt 승인응답)
    pub card_cd: Option<String>,
    /// The card issuer's name
    pub card_name: Option<String>,
    /// Masked by KCP (third group).
    pub card_no: Option<String>,
    /// app_no: the card approval number (kcp-keyin.txt 승인응답)
    pub app_no: Option<String>,
    /// app_time: the approval time (kcp-keyin.txt 승인응답)
    pub app_time: Option<String>,
    /// noinf: Y for an interest-free instalment
    pub noinf: Option<String>,
    /// noinf_type: CARD or SHOP (kcp-keyin.txt 승인응답)
    pub noinf_type: Option<String>,
    /// quota: instalment months
    pub quota: Option<String>,
    /// card_mny: the card part of the amount (kcp-keyin.txt 승인응답)
    pub card_mny: Option<u64>,
    /// acqu_cd: the acquirer's code (kcp-keyin.txt 승인응답)
    pub acqu_cd: Option<String>,
    /// acqu_name: the acquirer's name (kcp-keyin.txt 승인응답)
    pub acqu_name: Option<String>,
    /// partcanc_yn: partial cancels possible (kcp-keyin.txt 승인응답)
    pub partcanc_yn: Option<String>,
    /// card_bin_type_01: personal or corporate (kcp-keyin.txt 승인응답)
    pub card_bin_type_01: Option<String>,
    /// card_bin_type_02: credit or check (kcp-keyin.txt 승인응답)
    pub card_bin_type_02: Option<String>,
    /// card_bin_bank_cd (kcp-keyin.txt 승인응답)
    pub card_bin_bank_cd: Option<String>,
}

impl KeyinApproved {
    /// Reads KCP's answer: the result, or the error it means.
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

impl Flow for KeyinApproval {
    type Output = KeyinApproved;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.kcp(Self::OPERATION)?)
    }
    fn parse(resp: &HttpResponse) -> Result<KeyinApproved, Error> {
        KeyinApproved::parse(resp)
    }
    fn known(&self) -> Known {
        Known::order(&self.ordr_idxx, self.amount)
    }
    /// KCP's keyin answer echoes no order number (kcp-keyin.txt 승인응답): only the card number with its
    /// third group masked, and the instalment months. They can contradict the request (another card, another
    /// quota) but never prove it ours: two approvals of one card with the same quota stay indistinguishable.
    /// payup treats a consistent answer as ours — KCP's own samples cancel on that basis (net cancel,
    /// specs/README) — and the fork-safe pool (payup-transport) keeps answers from crossing.
    fn attribute(&self, a: &KeyinApproved) -> Attribution {
        let card = match a.card_no.as_deref() {
            None | Some("") => Attribution::Unproven("the answer carries no card_no".into()),
            Some(m) if crate::flow::masked_card_matches(self.card_no.expose(), m) => Attribution::Ours,
            Some(m) => Attribution::Other { field: "card_no", found: m.to_string() },
        };
        let quota = match a.quota.as_deref().map(str::parse::<u8>) {
            Some(Ok(n)) if n != self.quota => Attribution::Other { field: "quota", found: n.to_string() },
            _ => Attribution::Ours,
        };
        Attribution::all_of([card, quota])
    }
    /// kcp-keyin.txt 승인응답: "반드시 업체의 DB금액과 비교하여 검증하시기 바랍니다".
    fn amounts(&self, a: &KeyinApproved) -> Option<Amounts> {
        Some(Amounts { requested: self.amount, reported: a.amount, transaction_id: a.tno.clone(), is_cancel: false })
    }
    /// The net cancel KCP's samples send when the merchant cannot complete an approval (specs/README).
    fn undo(&self, a: &KeyinApproved, reason: &str) -> Option<Undo> {
        Some(Undo::by(Cancel::full(&a.tno, reason)))
    }
    // No query API in kcp-keyin.txt: an unknown approval can only be reconciled by hand.
}
