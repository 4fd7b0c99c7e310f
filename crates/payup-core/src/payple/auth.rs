//! Payple partner auth (payple-card.txt 파트너 인증): the first step of every call.

use super::*;

// ---- partner auth -------------------------------------------------------------------------------

/// `payple.auth`, and the first step of every other Payple call: partner auth with one work flag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthRequest {
    /// `PCD_PAY_TYPE`: "card".
    pub pay_type: Option<String>,
    /// `PCD_PAY_WORK`: PUSERDEL, PUSERINFO (or the window's CERT / PAY / AUTH).
    pub pay_work: Option<String>,
    /// PCD_REGULER_FLAG: a recurring (monthly) payment (payple-card.txt)
    pub reguler_flag: Option<bool>,
    /// PCD_SIMPLE_FLAG: simple billing, more than once a month (payple-card.txt)
    pub simple_flag: Option<bool>,
    /// PCD_PAYCANCEL_FLAG: partner auth for a refund (payple-card.txt 파트너 인증)
    pub paycancel_flag: Option<bool>,
    /// PCD_PAYCHK_FLAG: partner auth for a result query (payple-card.txt 파트너 인증)
    pub paychk_flag: Option<bool>,
}

impl AuthRequest {
    /// The browser window's auth (what the `payple_auth_file` endpoint answers).
    pub fn window() -> Self {
        AuthRequest { pay_type: Some("card".into()), ..Default::default() }
    }
    /// Partner auth for a billing payment (simple or monthly).
    pub fn billing(simple: bool) -> Self {
        let mut a = AuthRequest { pay_type: Some("card".into()), ..Default::default() };
        if simple {
            a.simple_flag = Some(true);
        } else {
            a.reguler_flag = Some(true);
        }
        a
    }
    /// Partner auth for a refund.
    pub fn cancel() -> Self {
        AuthRequest { paycancel_flag: Some(true), ..Default::default() }
    }
    /// Partner auth for a payment query.
    pub fn status() -> Self {
        AuthRequest { paychk_flag: Some(true), ..Default::default() }
    }
    /// Partner auth for the work `work` (PCD_PAY_WORK).
    pub fn work(work: &str) -> Self {
        AuthRequest { pay_work: Some(work.into()), ..Default::default() }
    }

    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let mut r = AuthRequest {
            pay_type: d.opt_str("pay_type"),
            pay_work: d.opt_str("pay_work"),
            reguler_flag: d.opt_bool("reguler_flag"),
            simple_flag: d.opt_bool("simple_flag"),
            paycancel_flag: d.opt_bool("paycancel_flag"),
            paychk_flag: d.opt_bool("paychk_flag"),
        };
        let mut p = d.finish();
        if r == AuthRequest::default() {
            r = AuthRequest::window();
        }
        r.check(&mut p);
        p.into_result()?;
        Ok(r)
    }

    pub(crate) fn check(&self, p: &mut Problems) {
        let card_only = "must be \"card\" (payple-card.txt covers card payments)";
        fields::check_one_of(p, "pay_type", self.pay_type.as_deref(), &["card"], card_only);
        let works = ["CERT", "PAY", "AUTH", "PUSERDEL", "PUSERINFO"];
        fields::check_one_of(
            p,
            "pay_work",
            self.pay_work.as_deref(),
            &works,
            "must be CERT, PAY, AUTH, PUSERDEL or PUSERINFO",
        );
    }

    /// The HTTP request to send (wire encoding).
    pub fn prepare(&self, creds: &PaypleCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        Problems::run(|p| self.check(p))?;
        let mut b = Map::new();
        b.insert("cst_id".into(), Value::String(creds.cst_id.clone()));
        b.insert("custKey".into(), Value::String(creds.cust_key.expose().to_string()));
        let flags = [
            ("PCD_PAY_TYPE", self.pay_type.clone()),
            ("PCD_PAY_WORK", self.pay_work.clone()),
            ("PCD_REGULER_FLAG", self.reguler_flag.map(|f| yn(f).to_string())),
            ("PCD_SIMPLE_FLAG", self.simple_flag.map(|f| yn(f).to_string())),
            ("PCD_PAYCANCEL_FLAG", self.paycancel_flag.map(|f| yn(f).to_string())),
            ("PCD_PAYCHK_FLAG", self.paychk_flag.map(|f| yn(f).to_string())),
        ];
        for (k, v) in flags {
            if let Some(v) = v {
                b.insert(k.into(), Value::String(v));
            }
        }
        let mut req = HttpRequest::post_json(Gateway::Payple, Target::Path(AUTH_PATH.into()), &Value::Object(b));
        req.headers[0].1 = "application/json".into(); // as the samples send it
        req.headers.push(("Cache-Control".into(), "no-cache".into()));
        if let Some(r) = &creds.referer {
            req.headers.push(("Referer".into(), r.clone()));
        }
        Ok(req)
    }
}

/// Partner auth's answer: tokens for the next call and where to send it.
#[derive(Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PaypleAuth {
    /// result: success (payple-card.txt 파트너 인증)
    pub result: String,
    /// result_msg (payple-card.txt 파트너 인증)
    pub result_msg: String,
    /// Token standing for cst_id in the next call.
    pub cst_id: String,
    /// Token standing for custKey in the next call.
    pub cust_key: String,
    /// AuthKey: the token for the next call (payple-card.txt 파트너 인증)
    pub auth_key: String,
    /// The absolute URL of the next call.
    pub return_url: String,
    /// PCD_PAY_HOST: the host of the next call (payple-card.txt 파트너 인증)
    pub pay_host: Option<String>,
    /// The next call's path (Payple), or the mobile window's URL (KakaoPay)
    pub pay_url: Option<String>,
}

impl std::fmt::Debug for PaypleAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaypleAuth")
            .field("result", &self.result)
            .field("return_url", &self.return_url)
            .field("tokens", &"<not shown>")
            .finish()
    }
}

impl PaypleAuth {
    /// Reads Payple's answer: the tokens, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = response::json_object(Gateway::Payple, resp)?;
        let result = s(&o, "result");
        if result != "success" {
            let msg = s(&o, "result_msg");
            // The code travels in result_code, or at the start of result_msg ("AUTH0004 ...").
            let code = opt(&o, "result_code")
                .or_else(|| msg.split_whitespace().next().filter(|w| w.starts_with("AUTH")).map(String::from))
                .unwrap_or_else(|| if result.is_empty() { "error".into() } else { result.clone() });
            return Err(Error::from_gateway_code(Gateway::Payple, &code, &msg));
        }
        let pay_host = first(&o, &["PCD_PAY_HOST", "cPayHost"]);
        let pay_url = first(&o, &["PCD_PAY_URL", "cPayUrl"]);
        let return_url = match (opt(&o, "return_url"), &pay_host, &pay_url) {
            (Some(u), _, _) => u,
            (None, Some(h), Some(u)) => format!("{}{}", h.trim_end_matches('/'), u),
            _ => return Err(response::unreadable(Gateway::Payple, resp, "partner auth gave no return_url")),
        };
        let auth = PaypleAuth {
            result,
            result_msg: s(&o, "result_msg"),
            cst_id: s(&o, "cst_id"),
            cust_key: s(&o, "custKey"),
            auth_key: s(&o, "AuthKey"),
            return_url,
            pay_host,
            pay_url,
        };
        if auth.auth_key.is_empty() || auth.cst_id.is_empty() || auth.cust_key.is_empty() {
            return Err(response::unreadable(Gateway::Payple, resp, "partner auth gave no tokens"));
        }
        Ok(auth)
    }

    pub(crate) fn tokens(&self, b: &mut Map<String, Value>) {
        b.insert("PCD_CST_ID".into(), Value::String(self.cst_id.clone()));
        b.insert("PCD_CUST_KEY".into(), Value::String(self.cust_key.clone()));
        b.insert("PCD_AUTH_KEY".into(), Value::String(self.auth_key.clone()));
    }

    pub(crate) fn next(&self, body: Map<String, Value>, referer: Option<&String>) -> HttpRequest {
        let mut req =
            HttpRequest::post_json(Gateway::Payple, Target::Url(self.return_url.clone()), &Value::Object(body));
        req.headers[0].1 = "application/json".into();
        req.headers.push(("Cache-Control".into(), "no-cache".into()));
        if let Some(r) = referer {
            req.headers.push(("Referer".into(), r.clone()));
        }
        req
    }
}

impl Flow for AuthRequest {
    type Output = PaypleAuth;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payple(Self::OPERATION)?)
    }
    fn parse(resp: &HttpResponse) -> Result<PaypleAuth, Error> {
        PaypleAuth::parse(resp)
    }
}
