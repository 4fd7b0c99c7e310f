//! Payple refunds (payple-card.txt 4. 승인취소) and the payment reference they share with the result query.

use super::*;

// ---- cancel / refund (payple-card.txt 4. 승인취소) ------------------------------------------------

/// Which Payple payment a refund or a result query is about: its order number and date and, for a
/// recurring one, its billing year and month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRef {
    /// PCD_PAY_OID: the merchant's order number (payple-card.txt)
    pub pay_oid: String,
    /// The original payment date, `YYYYMMDD`.
    pub pay_date: String,
    /// A recurring (billing) payment: then `pay_year` and `pay_month` are required.
    pub reguler_flag: bool,
    /// PCD_PAY_YEAR: the billing year YYYY (payple-card.txt 정기결제)
    pub pay_year: Option<String>,
    /// PCD_PAY_MONTH: the billing month MM (payple-card.txt 정기결제)
    pub pay_month: Option<String>,
}

impl PaymentRef {
    pub(crate) fn read(d: &mut Doc) -> Self {
        PaymentRef {
            pay_oid: d.str("pay_oid"),
            pay_date: d.str("pay_date"),
            reguler_flag: d.opt_bool("reguler_flag").unwrap_or(false),
            pay_year: d.opt_str("pay_year"),
            pay_month: d.opt_str("pay_month"),
        }
    }

    pub(crate) fn check(&self, p: &mut Problems) {
        check_oid(p, &self.pay_oid);
        check_date(p, "pay_date", &self.pay_date);
        check_reguler(p, self.reguler_flag, &self.pay_year, &self.pay_month);
    }

    pub(crate) fn put_year_month(&self, b: &mut Map<String, Value>) {
        if let (Some(y), Some(m)) = (&self.pay_year, &self.pay_month) {
            b.insert("PCD_PAY_YEAR".into(), json!(y));
            b.insert("PCD_PAY_MONTH".into(), json!(m));
        }
    }
}

/// `payple.cancel`: a full refund, or a partial one when `refund_total` is below the paid amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    /// The payment to refund.
    pub payment: PaymentRef,
    /// PCD_REFUND_TOTAL: the amount to refund; below the payment's, a partial refund (payple-card.txt 결제취소)
    pub refund_total: u64,
    /// PCD_PAY_TAXTOTAL / PCD_REFUND_TAXTOTAL: the VAT part (payple-card.txt)
    pub pay_taxtotal: Option<u64>,
}

fn check_date(p: &mut Problems, field: &str, v: &str) {
    let ok = v.len() == 8
        && fields::is_digits(v)
        && matches!(v[4..6].parse::<u8>(), Ok(1..=12))
        && matches!(v[6..8].parse::<u8>(), Ok(1..=31));
    fields::check_pattern(p, field, ok, "^[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$", "must be a date YYYYMMDD");
}

fn check_reguler(p: &mut Problems, reguler: bool, year: &Option<String>, month: &Option<String>) {
    match (year, month) {
        (Some(y), Some(m)) => check_year_month(p, y, m),
        (None, None) if !reguler => {}
        _ => p.push(if year.is_none() { "pay_year" } else { "pay_month" }, "is required with reguler_flag"),
    }
}

impl Cancel {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let payment = PaymentRef::read(&mut d);
        let r = Cancel { payment, refund_total: d.u64("refund_total"), pay_taxtotal: d.opt_u64("pay_taxtotal") };
        d.finish_with(r, Self::check)
    }

    pub(crate) fn check(&self, p: &mut Problems) {
        self.payment.check(p);
        if self.refund_total == 0 {
            p.push("refund_total", "must be > 0");
        }
    }

    /// The HTTP request to send after partner auth (wire encoding).
    pub fn prepare(&self, creds: &PaypleCredentials, auth: &PaypleAuth) -> Result<HttpRequest, Error> {
        let refund_key = creds.refund_key.as_ref().ok_or_else(|| {
            Error::config("payple.refund_key is required for payple.cancel (PCD_REFUND_KEY, from Payple's admin pages)")
                .with_gateway(Gateway::Payple)
        })?;
        Problems::run(|p| self.check(p))?;
        let mut b = Map::new();
        auth.tokens(&mut b);
        b.insert("PCD_REFUND_KEY".into(), json!(refund_key.expose()));
        b.insert("PCD_PAYCANCEL_FLAG".into(), json!("Y"));
        b.insert("PCD_PAY_OID".into(), json!(self.payment.pay_oid));
        b.insert("PCD_REGULER_FLAG".into(), json!(yn(self.payment.reguler_flag)));
        self.payment.put_year_month(&mut b);
        // The §4 table types PCD_PAY_DATE as C(8); the sample writes a bare number. We follow the table.
        b.insert("PCD_PAY_DATE".into(), json!(self.payment.pay_date));
        b.insert("PCD_REFUND_TOTAL".into(), json!(self.refund_total));
        if let Some(t) = self.pay_taxtotal {
            b.insert("PCD_PAY_TAXTOTAL".into(), json!(t));
        }
        Ok(auth.next(b, creds.referer.as_ref()))
    }
}

/// The refund response (§4 Response).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Cancelled {
    /// PCD_PAY_RST: success, error or close (payple-card.txt)
    pub pay_rst: String,
    /// PCD_PAY_CODE: Payple's result code (payple-card.txt)
    pub pay_code: Option<String>,
    /// PCD_PAY_MSG: Payple's message (payple-card.txt)
    pub pay_msg: String,
    /// PCD_PAY_TYPE (payple-card.txt)
    pub pay_type: Option<String>,
    /// PCD_PAY_OID: the merchant's order number, as Payple echoes it (payple-card.txt)
    pub pay_oid: String,
    /// PCD_PAYER_NO: the merchant's member number (payple-card.txt)
    pub payer_no: Option<String>,
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: Option<String>,
    /// PCD_PAY_YEAR (payple-card.txt)
    pub pay_year: Option<String>,
    /// PCD_PAY_MONTH (payple-card.txt)
    pub pay_month: Option<String>,
    /// PCD_PAY_GOODS (payple-card.txt)
    pub pay_goods: Option<String>,
    /// PCD_REGULER_FLAG (payple-card.txt)
    pub reguler_flag: Option<String>,
    /// PCD_REFUND_TOTAL: the amount refunded (payple-card.txt 결제취소)
    pub refund_total: u64,
    /// PCD_PAY_TAXTOTAL / PCD_REFUND_TAXTOTAL (payple-card.txt)
    pub pay_taxtotal: Option<u64>,
}

impl Cancelled {
    /// Reads Payple's answer: the result, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        let refund_total = loose_u64(o.get("PCD_REFUND_TOTAL"))
            .ok_or_else(|| response::unreadable(Gateway::Payple, resp, "PCD_REFUND_TOTAL is missing"))?;
        Ok(Cancelled {
            pay_rst: s(&o, "PCD_PAY_RST"),
            pay_code: opt(&o, "PCD_PAY_CODE"),
            pay_msg: s(&o, "PCD_PAY_MSG"),
            pay_type: opt(&o, "PCD_PAY_TYPE"),
            pay_oid: s(&o, "PCD_PAY_OID"),
            payer_no: opt(&o, "PCD_PAYER_NO"),
            payer_id: opt(&o, "PCD_PAYER_ID"),
            pay_year: opt(&o, "PCD_PAY_YEAR"),
            pay_month: opt(&o, "PCD_PAY_MONTH"),
            pay_goods: opt(&o, "PCD_PAY_GOODS"),
            reguler_flag: opt(&o, "PCD_REGULER_FLAG"),
            refund_total,
            pay_taxtotal: loose_u64(o.get("PCD_PAY_TAXTOTAL")),
        })
    }
}

impl Flow for Cancel {
    type Output = Cancelled;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn partner_auth(&self) -> Option<AuthRequest> {
        Some(AuthRequest::cancel())
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, auth: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payple(Self::OPERATION)?, after_auth(auth)?)
    }
    fn parse(resp: &HttpResponse) -> Result<Cancelled, Error> {
        Cancelled::parse(resp)
    }
    fn known(&self) -> Known {
        Known::order(&self.payment.pay_oid, self.refund_total)
    }
    fn attribute(&self, a: &Cancelled) -> Attribution {
        Attribution::echoed("PCD_PAY_OID", &self.payment.pay_oid, &a.pay_oid)
    }
    /// A refund of another amount than asked is not the one asked for either (never undone).
    fn amounts(&self, a: &Cancelled) -> Option<Amounts> {
        Some(Amounts {
            requested: self.refund_total,
            reported: a.refund_total,
            transaction_id: a.pay_oid.clone(),
            is_cancel: true,
        })
    }
}
