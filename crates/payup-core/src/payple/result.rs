//! The result Payple's window POSTs to the merchant (결제결과 수신): pure.

use super::*;

// ---- the result the window POSTs to the merchant (결제결과 수신) -----------------------------------

/// `payple.result`: the window's result, as the form-encoded body POSTed to `PCD_RST_URL` (`form`) or
/// as the object handed to `callbackFunction` (`fields`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowResult {
    /// The result as the window's callbackFunction receives it (an object), instead of form (payple-card.txt 결과 전송)
    pub fields: Map<String, Value>,
}

/// Decodes `application/x-www-form-urlencoded` (UTF-8; `+` is a space).
pub fn parse_form(body: &str) -> Result<Map<String, Value>, Error> {
    fn decode(s: &str) -> Option<String> {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = s.get(i + 1..i + 3)?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    }
    let mut map = Map::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (decode(k), decode(v)) else {
            return Err(Error::invalid_field("form", "is not valid application/x-www-form-urlencoded UTF-8"));
        };
        map.insert(k, Value::String(v));
    }
    Ok(map)
}

impl WindowResult {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let form = d.opt_str("form");
        let obj = d.opt_object("fields").cloned();
        let mut p = d.finish();
        let fields = match (form, obj) {
            (Some(f), None) => parse_form(&f)?,
            (None, Some(o)) => o,
            _ => {
                p.push("form", "give exactly one of form (the POSTed body) or fields (the callback's object)");
                Map::new()
            }
        };
        p.into_result()?;
        Ok(WindowResult { fields })
    }

    /// The payment the window reports. `close` (the person closed the window) and `error` are errors;
    /// a `success` here is a claim from the browser: confirm it server-side (`payple.card.confirm` for
    /// CERT) or check it with `payple.status` before shipping anything.
    pub fn parse(&self) -> Result<PayplePayment, Error> {
        let o = &self.fields;
        match loose_str(o.get("PCD_PAY_RST")).as_deref() {
            Some("success") => {
                let p = PayplePayment::from_object(o);
                let mut probs = Problems::default();
                if p.pay_oid.is_empty() {
                    probs.push("PCD_PAY_OID", "is missing from the window result");
                }
                if p.pay_total.is_none() {
                    probs.push("PCD_PAY_TOTAL", "is missing from the window result or not a number");
                }
                probs.into_result()?;
                Ok(p)
            }
            Some("close") => {
                let mut e = Error::from_gateway_code(Gateway::Payple, "close", &s(o, "PCD_PAY_MSG"));
                e.message = format!("the person closed the payment window: {}", e.message);
                Err(e)
            }
            Some(_) => Err(payple_error(o)),
            None => Err(Error::invalid_field("PCD_PAY_RST", "is missing: this is not a Payple window result")),
        }
    }
}

impl Flow for WindowResult {
    type Output = PayplePayment;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn pure(&self) -> Option<Result<PayplePayment, Error>> {
        Some(self.parse())
    }
    fn prepare(&self, _: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        Err(crate::flow::nothing_to_send(Self::OPERATION))
    }
    fn parse(_: &HttpResponse) -> Result<PayplePayment, Error> {
        Err(crate::flow::nothing_to_send(Self::OPERATION))
    }
}
