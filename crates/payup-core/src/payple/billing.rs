//! Payple recurring billing with a billing key: pay (payple-card.txt 3. 정기결제), PUSERINFO (6), PUSERDEL (5).

use super::*;

// ---- billing pay (payple-card.txt 3. 이후결제 - 정기결제) -------------------------------------------

/// `payple.billing.pay`: charges a registered card (billing key `payer_id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingPay {
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: String,
    /// PCD_PAYER_NO: the merchant's member number (payple-card.txt)
    pub payer_no: Option<String>,
    /// PCD_PAYER_HP: the payer's phone, digits (payple-card.txt)
    pub payer_hp: Option<String>,
    /// PCD_PAYER_EMAIL (payple-card.txt)
    pub payer_email: Option<String>,
    /// PCD_PAY_GOODS: the goods' name (payple-card.txt 정기결제)
    pub pay_goods: String,
    /// PCD_PAY_TOTAL: amount in KRW, at least 100 (payple-card.txt 정기결제)
    pub pay_total: u64,
    /// PCD_PAY_ISTAX: taxable (default) or not (payple-card.txt)
    pub pay_istax: Option<bool>,
    /// PCD_PAY_TAXTOTAL / PCD_REFUND_TAXTOTAL: the VAT part (payple-card.txt)
    pub pay_taxtotal: Option<u64>,
    /// PCD_PAY_OID: the merchant's order number (payple-card.txt)
    pub pay_oid: String,
    /// PCD_PAY_YEAR: the billing year YYYY (payple-card.txt 정기결제)
    pub pay_year: String,
    /// PCD_PAY_MONTH: the billing month MM (payple-card.txt 정기결제)
    pub pay_month: String,
    /// Twice or more a month: `PCD_SIMPLE_FLAG` instead of `PCD_REGULER_FLAG` (3. 이후결제: "월 1회 정기결제 :
    /// PCD_REGULER_FLAG / 월 2회 이상 : PCD_SIMPLE_FLAG 이용"). The spec shows that choice on the auth step only;
    /// we send the same flag in the pay request, where the table's fixed `PCD_REGULER_FLAG: Y` would claim a
    /// monthly charge (and draw RPCD0015 on the second one).
    pub simple_flag: bool,
    /// PCD_USER_DEFINE1: passed through (payple-card.txt)
    pub user_define1: Option<String>,
    /// PCD_USER_DEFINE2: passed through (payple-card.txt)
    pub user_define2: Option<String>,
}

/// The minimum card amount (payple-card.txt 3: "카드승인 요청금액(최소 100원)").
pub const MIN_CARD_AMOUNT: u64 = 100;

pub(crate) fn check_oid(p: &mut Problems, v: &str) {
    if v.is_empty() {
        p.push("pay_oid", "is required");
    }
    check_bytes(p, "pay_oid", v, 255);
}

pub(crate) fn check_year_month(p: &mut Problems, year: &str, month: &str) {
    check_digits(p, "pay_year", year, 4, 4);
    fields::check_month(p, "pay_month", month);
}

impl BillingPay {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = BillingPay {
            payer_id: d.str("payer_id"),
            payer_no: d.opt_str("payer_no"),
            payer_hp: d.opt_str("payer_hp"),
            payer_email: d.opt_str("payer_email"),
            pay_goods: d.str("pay_goods"),
            pay_total: d.u64("pay_total"),
            pay_istax: d.opt_bool("pay_istax"),
            pay_taxtotal: d.opt_u64("pay_taxtotal"),
            pay_oid: d.str("pay_oid"),
            pay_year: d.str("pay_year"),
            pay_month: d.str("pay_month"),
            simple_flag: d.opt_bool("simple_flag").unwrap_or(false),
            user_define1: d.opt_str("user_define1"),
            user_define2: d.opt_str("user_define2"),
        };
        d.finish_with(r, Self::check)
    }

    pub(crate) fn check(&self, p: &mut Problems) {
        if self.payer_id.is_empty() {
            p.push("payer_id", "is required");
        }
        check_bytes(p, "payer_id", &self.payer_id, 255);
        if let Some(n) = &self.payer_no {
            check_bytes(p, "payer_no", n, 255);
        }
        if let Some(h) = &self.payer_hp {
            check_digits(p, "payer_hp", h, 1, 20);
        }
        if let Some(e) = &self.payer_email {
            fields::check_email(p, "payer_email", e, 100);
        }
        if self.pay_goods.is_empty() {
            p.push("pay_goods", "is required");
        }
        check_bytes(p, "pay_goods", &self.pay_goods, 2048);
        fields::check_range(
            p,
            "pay_total",
            self.pay_total,
            MIN_CARD_AMOUNT,
            99_999_999_999_999_999,
            "must be at least 100 (KRW, Payple's card minimum) and at most 20 digits",
        );
        if let Some(t) = self.pay_taxtotal
            && t > self.pay_total
        {
            p.push("pay_taxtotal", "must not exceed pay_total");
        }
        check_oid(p, &self.pay_oid);
        check_year_month(p, &self.pay_year, &self.pay_month);
        for (k, v) in [("user_define1", &self.user_define1), ("user_define2", &self.user_define2)] {
            if let Some(v) = v {
                check_bytes(p, k, v, 2048);
            }
        }
    }

    /// The partner auth this payment needs first.
    pub fn auth(&self) -> AuthRequest {
        AuthRequest::billing(self.simple_flag)
    }

    /// The HTTP request to send after partner auth (wire encoding).
    pub fn prepare(&self, creds: &PaypleCredentials, auth: &PaypleAuth) -> Result<HttpRequest, Error> {
        Problems::run(|p| self.check(p))?;
        let mut b = Map::new();
        auth.tokens(&mut b);
        let mut put = |k: &str, v: Value| {
            b.insert(k.to_string(), v);
        };
        put("PCD_PAY_TYPE", json!("card"));
        put("PCD_PAYER_ID", json!(self.payer_id));
        if let Some(n) = &self.payer_no {
            put("PCD_PAYER_NO", payer_no_value(n));
        }
        if let Some(h) = &self.payer_hp {
            put("PCD_PAYER_HP", json!(h));
        }
        if let Some(e) = &self.payer_email {
            put("PCD_PAYER_EMAIL", json!(e));
        }
        put("PCD_PAY_GOODS", json!(self.pay_goods));
        put("PCD_PAY_TOTAL", json!(self.pay_total));
        if let Some(t) = self.pay_istax {
            put("PCD_PAY_ISTAX", json!(yn(t)));
        }
        if let Some(t) = self.pay_taxtotal {
            put("PCD_PAY_TAXTOTAL", json!(t));
        }
        put("PCD_PAY_OID", json!(self.pay_oid));
        put("PCD_PAY_YEAR", json!(self.pay_year));
        put("PCD_PAY_MONTH", json!(self.pay_month));
        if self.simple_flag {
            put("PCD_SIMPLE_FLAG", json!("Y"));
        } else {
            put("PCD_REGULER_FLAG", json!("Y"));
        }
        if let Some(u) = &self.user_define1 {
            put("PCD_USER_DEFINE1", json!(u));
        }
        if let Some(u) = &self.user_define2 {
            put("PCD_USER_DEFINE2", json!(u));
        }
        Ok(auth.next(b, creds.referer.as_ref()))
    }
}

// ---- registered card: PUSERINFO (6) and PUSERDEL (5) ---------------------------------------------

/// `payple.billing.info` / `payple.billing.delete`: a registered card (billing key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingKey {
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: String,
    /// PCD_PAYER_NO: the merchant's member number (payple-card.txt)
    pub payer_no: Option<String>,
}

impl BillingKey {
    /// PUSERDEL (5): `payer_no` optional ("-" in its table).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        Self::read(v, false)
    }

    /// PUSERINFO (6): its table marks `PCD_PAYER_NO` required (O).
    pub fn from_json_info(v: &Value) -> Result<Self, Error> {
        Self::read(v, true)
    }

    pub(crate) fn read(v: &Value, payer_no_required: bool) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let payer_no = if payer_no_required { Some(d.str("payer_no")) } else { d.opt_str("payer_no") };
        let r = BillingKey { payer_id: d.str("payer_id"), payer_no };
        let mut p = d.finish();
        check_bytes(&mut p, "payer_id", &r.payer_id, 255);
        p.into_result()?;
        Ok(r)
    }

    /// The HTTP request to send after partner auth (wire encoding).
    pub fn prepare(&self, creds: &PaypleCredentials, auth: &PaypleAuth) -> Result<HttpRequest, Error> {
        if self.payer_id.is_empty() {
            return Err(Error::invalid_field("payer_id", "is required"));
        }
        let mut b = Map::new();
        auth.tokens(&mut b);
        b.insert("PCD_PAYER_ID".into(), json!(self.payer_id));
        if let Some(n) = &self.payer_no {
            b.insert("PCD_PAYER_NO".into(), payer_no_value(n));
        }
        Ok(auth.next(b, creds.referer.as_ref()))
    }
}

/// PUSERINFO's answer (6. 등록카드 조회). The card number and phone arrive masked. The card is read
/// from the spec's `PCD_PAY_BANK*` names or, when absent, from the `PCD_PAY_CARD*` names the current
/// answers carry (PAYPLECORP/sample_php cPayPayple/payUserInfo.php reads those).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BillingInfo {
    /// PCD_PAY_RST: success, error or close (payple-card.txt)
    pub pay_rst: String,
    /// PCD_PAY_CODE: Payple's result code (payple-card.txt)
    pub pay_code: Option<String>,
    /// PCD_PAY_MSG: Payple's message (payple-card.txt)
    pub pay_msg: String,
    /// PCD_PAY_TYPE (payple-card.txt)
    pub pay_type: Option<String>,
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: String,
    /// PCD_PAYER_NAME (payple-card.txt PUSERINFO)
    pub payer_name: Option<String>,
    /// PCD_PAYER_HP (payple-card.txt)
    pub payer_hp: Option<String>,
    /// PCD_PAY_BANK: the card's issuer code (payple-card.txt PUSERINFO)
    pub pay_bank: Option<String>,
    /// PCD_PAY_BANKNAME: the issuer's name (payple-card.txt PUSERINFO)
    pub pay_bankname: Option<String>,
    /// PCD_PAY_BANKNUM: the masked card number (payple-card.txt PUSERINFO)
    pub pay_banknum: Option<String>,
    /// PCD_PAY_BANKACCTYPE (payple-card.txt PUSERINFO)
    pub pay_bankacctype: Option<String>,
}

impl BillingInfo {
    /// Reads Payple's answer: the result, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        Ok(BillingInfo {
            pay_rst: s(&o, "PCD_PAY_RST"),
            pay_code: opt(&o, "PCD_PAY_CODE"),
            pay_msg: s(&o, "PCD_PAY_MSG"),
            pay_type: opt(&o, "PCD_PAY_TYPE"),
            payer_id: s(&o, "PCD_PAYER_ID"),
            payer_name: opt(&o, "PCD_PAYER_NAME"),
            payer_hp: opt(&o, "PCD_PAYER_HP"),
            pay_bank: first(&o, &["PCD_PAY_BANK", "PCD_PAY_CARD"]),
            pay_bankname: first(&o, &["PCD_PAY_BANKNAME", "PCD_PAY_CARDNAME"]),
            pay_banknum: first(&o, &["PCD_PAY_BANKNUM", "PCD_PAY_CARDNUM"])
                .map(|n| crate::secret::mask_card_number_if_full(&n)),
            pay_bankacctype: opt(&o, "PCD_PAY_BANKACCTYPE"),
        })
    }
}

/// PUSERDEL's answer (5. 등록카드 해지).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BillingDeleted {
    /// PCD_PAY_RST: success, error or close (payple-card.txt)
    pub pay_rst: String,
    /// PCD_PAY_CODE: Payple's result code; not in §5's sample, in current answers (PAYPLECORP/sample_php
    /// cPayPayple/payUserDel.php reads it)
    pub pay_code: Option<String>,
    /// PCD_PAY_MSG: Payple's message (payple-card.txt)
    pub pay_msg: String,
    /// PCD_PAY_TYPE (payple-card.txt)
    pub pay_type: Option<String>,
    /// PCD_PAY_WORK (payple-card.txt)
    pub pay_work: Option<String>,
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: String,
    /// PCD_PAYER_NO: the merchant's member number (payple-card.txt)
    pub payer_no: Option<String>,
}

impl BillingDeleted {
    /// Reads Payple's answer: the result, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        Ok(BillingDeleted {
            pay_rst: s(&o, "PCD_PAY_RST"),
            pay_code: opt(&o, "PCD_PAY_CODE"),
            pay_msg: s(&o, "PCD_PAY_MSG"),
            pay_type: opt(&o, "PCD_PAY_TYPE"),
            pay_work: opt(&o, "PCD_PAY_WORK"),
            payer_id: s(&o, "PCD_PAYER_ID"),
            payer_no: opt(&o, "PCD_PAYER_NO"),
        })
    }
}

impl Flow for BillingPay {
    type Output = PayplePayment;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn partner_auth(&self) -> Option<AuthRequest> {
        Some(self.auth())
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, auth: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payple(Self::OPERATION)?, after_auth(auth)?)
    }
    fn parse(resp: &HttpResponse) -> Result<PayplePayment, Error> {
        PayplePayment::parse(resp)
    }
    fn known(&self) -> Known {
        Known::order(&self.pay_oid, self.pay_total)
    }
    /// Payple echoes `PCD_PAY_OID` and the billing key `PCD_PAYER_ID`.
    fn attribute(&self, a: &PayplePayment) -> Attribution {
        Attribution::all_of([
            Attribution::echoed("PCD_PAY_OID", &self.pay_oid, &a.pay_oid),
            Attribution::if_echoed("PCD_PAYER_ID", &self.payer_id, a.payer_id.as_deref()),
        ])
    }
    fn amounts(&self, a: &PayplePayment) -> Option<Amounts> {
        Some(Amounts {
            requested: self.pay_total,
            reported: a.pay_total.unwrap_or(0),
            transaction_id: a.pay_oid.clone(),
            is_cancel: false,
        })
    }
    fn undo(&self, a: &PayplePayment, _reason: &str) -> Option<Undo> {
        Some(refund_of(a, payment_ref(a, !self.simple_flag, Some(&self.pay_year), Some(&self.pay_month))))
    }
    /// Payple's result query finds the payment by order number, date and billing month.
    fn recovery(&self, asked_on: &str) -> Recovery {
        Recovery::Query(
            PaymentRef {
                pay_oid: self.pay_oid.clone(),
                pay_date: asked_on.to_string(),
                reguler_flag: !self.simple_flag,
                pay_year: Some(self.pay_year.clone()),
                pay_month: Some(self.pay_month.clone()),
            }
            .into(),
        )
    }
}

/// `payple.billing.info` (PUSERINFO): the registered card of a billing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingKeyInfo(pub BillingKey);

/// `payple.billing.delete` (PUSERDEL): deletes a billing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingKeyDelete(pub BillingKey);

impl Flow for BillingKeyInfo {
    type Output = BillingInfo;
    fn read(v: &Value) -> Result<Self, Error> {
        BillingKey::from_json_info(v).map(BillingKeyInfo)
    }
    fn partner_auth(&self) -> Option<AuthRequest> {
        Some(AuthRequest::work("PUSERINFO"))
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, auth: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.0.prepare(creds.payple(Self::OPERATION)?, after_auth(auth)?)
    }
    fn parse(resp: &HttpResponse) -> Result<BillingInfo, Error> {
        BillingInfo::parse(resp)
    }
}

impl Flow for BillingKeyDelete {
    type Output = BillingDeleted;
    fn read(v: &Value) -> Result<Self, Error> {
        BillingKey::from_json(v).map(BillingKeyDelete)
    }
    fn partner_auth(&self) -> Option<AuthRequest> {
        Some(AuthRequest::work("PUSERDEL"))
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, auth: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.0.prepare(creds.payple(Self::OPERATION)?, after_auth(auth)?)
    }
    fn parse(resp: &HttpResponse) -> Result<BillingDeleted, Error> {
        BillingDeleted::parse(resp)
    }
}
