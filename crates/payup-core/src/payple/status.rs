//! Payple result query (payple-card.txt 결제결과 조회).

use super::*;

// ---- result query (payple-card.txt 결제결과 조회) ---------------------------------------------------

/// `payple.status`: what Payple knows of an order (read-only; the transport may retry it).
impl PaymentRef {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = PaymentRef::read(&mut d);
        d.finish_with(r, Self::check)
    }

    /// The HTTP request to send after partner auth (wire encoding).
    pub fn prepare(&self, creds: &PaypleCredentials, auth: &PaypleAuth) -> Result<HttpRequest, Error> {
        Problems::run(|p| self.check(p))?;
        let mut b = Map::new();
        auth.tokens(&mut b);
        b.insert("PCD_PAYCHK_FLAG".into(), json!("Y"));
        b.insert("PCD_PAY_TYPE".into(), json!("card"));
        b.insert("PCD_REGULER_FLAG".into(), json!(yn(self.reguler_flag)));
        self.put_year_month(&mut b);
        b.insert("PCD_PAY_OID".into(), json!(self.pay_oid));
        b.insert("PCD_PAY_DATE".into(), json!(self.pay_date));
        Ok(auth.next(b, creds.referer.as_ref()))
    }
}

impl Flow for PaymentRef {
    type Output = PayplePayment;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn partner_auth(&self) -> Option<AuthRequest> {
        Some(AuthRequest::status())
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, auth: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payple(Self::OPERATION)?, after_auth(auth)?)
    }
    fn parse(resp: &HttpResponse) -> Result<PayplePayment, Error> {
        PayplePayment::parse(resp)
    }
}
