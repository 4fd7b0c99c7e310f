//! Payple CERT window payments: the confirm call (payple-card.txt 1-1).

use super::*;

// ---- CERT confirm (payple-card.txt 1-1) ---------------------------------------------------------

/// `payple.card.confirm`: the merchant's final approval of a window payment made with
/// `PCD_PAY_WORK: CERT`. The inputs come from the window's result (`payple.result`); `amount` and
/// `pay_oid` are the merchant's own, and the confirmed payment is checked against them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardConfirm {
    /// PCD_AUTH_KEY posted back by the CERT window (payple-card.txt CERT confirm)
    pub auth_key: String,
    /// PCD_PAY_REQKEY posted back by the CERT window (payple-card.txt)
    pub pay_reqkey: String,
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: Option<String>,
    /// `PCD_PAY_COFURL` from the window result; the transport only follows it to the Payple host.
    pub pay_cofurl: Option<String>,
    /// PCD_PAY_OID: the merchant's order number (payple-card.txt)
    pub pay_oid: String,
    /// The amount the merchant expects for this window payment: checked against PCD_PAY_TOTAL (payple-card.txt CERT confirm)
    pub amount: u64,
}

impl CardConfirm {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = CardConfirm {
            auth_key: d.str("auth_key"),
            pay_reqkey: d.str("pay_reqkey"),
            payer_id: d.opt_str("payer_id"),
            pay_cofurl: d.opt_str("pay_cofurl"),
            pay_oid: d.str("pay_oid"),
            amount: d.u64("amount"),
        };
        d.finish_with(r, Self::check)
    }

    pub(crate) fn check(&self, p: &mut Problems) {
        for (k, v) in [("auth_key", &self.auth_key), ("pay_reqkey", &self.pay_reqkey), ("pay_oid", &self.pay_oid)] {
            if v.is_empty() {
                p.push(k, "is required");
            }
            check_bytes(p, k, v, 255);
        }
        if let Some(u) = &self.pay_cofurl {
            fields::check_url(p, "pay_cofurl", u, 1024);
        }
        if self.amount == 0 {
            p.push("amount", "must be the amount the merchant expects (> 0)");
        }
    }

    /// The request, sent with the merchant's own `cst_id` / `custKey` as the spec's sample does (no
    /// partner auth: the window's `PCD_AUTH_KEY` authorizes it).
    pub fn prepare(&self, creds: &PaypleCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        Problems::run(|p| self.check(p))?;
        let mut b = Map::new();
        b.insert("PCD_CST_ID".into(), json!(creds.cst_id));
        b.insert("PCD_CUST_KEY".into(), json!(creds.cust_key.expose()));
        b.insert("PCD_AUTH_KEY".into(), json!(self.auth_key));
        b.insert("PCD_PAY_REQKEY".into(), json!(self.pay_reqkey));
        if let Some(id) = &self.payer_id {
            b.insert("PCD_PAYER_ID".into(), json!(id));
        }
        let target = match &self.pay_cofurl {
            Some(u) => Target::Url(u.clone()),
            None => Target::Path(CONFIRM_PATH.into()),
        };
        let mut req = HttpRequest::post_json(Gateway::Payple, target, &Value::Object(b));
        req.headers[0].1 = "application/json".into();
        req.headers.push(("Cache-Control".into(), "no-cache".into()));
        if let Some(r) = &creds.referer {
            req.headers.push(("Referer".into(), r.clone()));
        }
        Ok(req)
    }
}

impl Flow for CardConfirm {
    type Output = PayplePayment;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payple(Self::OPERATION)?)
    }
    fn parse(resp: &HttpResponse) -> Result<PayplePayment, Error> {
        PayplePayment::parse(resp)
    }
    fn known(&self) -> Known {
        Known::order(&self.pay_oid, self.amount)
    }
    fn attribute(&self, a: &PayplePayment) -> Attribution {
        Attribution::all_of([
            Attribution::echoed("PCD_PAY_OID", &self.pay_oid, &a.pay_oid),
            Attribution::if_echoed("PCD_PAYER_ID", self.payer_id.as_deref().unwrap_or(""), a.payer_id.as_deref()),
        ])
    }
    fn amounts(&self, a: &PayplePayment) -> Option<Amounts> {
        Some(Amounts {
            requested: self.amount,
            reported: a.pay_total.unwrap_or(0),
            transaction_id: a.pay_oid.clone(),
            is_cancel: false,
        })
    }
    fn undo(&self, a: &PayplePayment, _reason: &str) -> Option<Undo> {
        Some(refund_of(a, payment_ref(a, false, None, None)))
    }
    /// Payple's result query finds a window payment by order number and date.
    fn recovery(&self, asked_on: &str) -> Recovery {
        Recovery::Query(
            PaymentRef {
                pay_oid: self.pay_oid.clone(),
                pay_date: asked_on.to_string(),
                reguler_flag: false,
                pay_year: None,
                pay_month: None,
            }
            .into(),
        )
    }
}
