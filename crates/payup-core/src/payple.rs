//! Payple card: one-off window payments and recurring billing (payple-card.txt).
//!
//! Every server call is two steps: partner auth at `/php/auth.php` with a work flag, which answers
//! tokens and the URL to call next ("return_url may change: do not hard-code it"), then the call itself
//! with those tokens. Core prepares and parses both steps; the transport chains them.

use crate::codes::Gateway;
use crate::error::Error;
use crate::fields::{self, Doc, Problems, check_bytes, check_digits, loose_str, loose_u64, yn};
use crate::http::{HttpRequest, HttpResponse, Target};
use crate::response;
use crate::secret::Secret;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A Payple merchant's credentials (payple-card.txt 가맹점 인증).
#[derive(Clone, Debug)]
pub struct PaypleCredentials {
    pub cst_id: String,
    pub cust_key: Secret,
    /// `PCD_REFUND_KEY`, the cancel token shown in Payple's admin pages; needed by `payple.cancel` only.
    pub refund_key: Option<Secret>,
    /// Sent as `Referer` on partner auth: hosts on AWS get AUTH0004 without it (payple-card.txt 호출정보).
    pub referer: Option<String>,
}

impl PaypleCredentials {
    pub fn new(cst_id: impl Into<String>, cust_key: impl Into<String>) -> Self {
        PaypleCredentials { cst_id: cst_id.into(), cust_key: Secret::opaque(cust_key), refund_key: None, referer: None }
    }

    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.cst_id.is_empty() {
            p.push("payple.cst_id", "is required");
        }
        if self.cust_key.is_empty() {
            p.push("payple.cust_key", "is required");
        }
        if let Some(r) = &self.referer {
            if r.chars().any(|c| c.is_control()) {
                p.push("payple.referer", "must not contain control characters");
            }
        }
        p.into_result().map_err(|e| Error { kind: crate::ErrorKind::Config, ..e })
    }
}

pub const AUTH_PATH: &str = "/php/auth.php";
/// CERT confirm, used when the window result carries no `PCD_PAY_COFURL` (payple-card.txt 1-1).
pub const CONFIRM_PATH: &str = "/php/PayCardConfirmAct.php?ACT_=PAYM";

fn payple_error(obj: &Map<String, Value>) -> Error {
    let rst = loose_str(obj.get("PCD_PAY_RST")).unwrap_or_default();
    let code = loose_str(obj.get("PCD_PAY_CODE")).filter(|c| !c.is_empty()).unwrap_or_else(|| rst.clone());
    let msg = loose_str(obj.get("PCD_PAY_MSG")).unwrap_or_default();
    Error::from_gateway_code(Gateway::Payple, if code.is_empty() { "error" } else { &code }, &msg)
}

/// A second-step response: `PCD_PAY_RST` "success", else an error from `PCD_PAY_CODE`.
fn payple_object(resp: &HttpResponse) -> Result<Map<String, Value>, Error> {
    let obj = response::json_object(Gateway::Payple, resp)?;
    match loose_str(obj.get("PCD_PAY_RST")).as_deref() {
        Some("success") => Ok(obj),
        Some(_) => Err(payple_error(&obj)),
        None => Err(response::unreadable(Gateway::Payple, resp, "it has no PCD_PAY_RST")),
    }
}

fn s(o: &Map<String, Value>, k: &str) -> String {
    loose_str(o.get(k)).unwrap_or_default()
}

fn opt(o: &Map<String, Value>, k: &str) -> Option<String> {
    loose_str(o.get(k)).filter(|v| !v.is_empty())
}

/// The first of several field-name variants that is present (billing responses say `PCD_PAY_CARDNAME`,
/// the result POST and query say `PCD_CARDNAME`, and the billing sample even says `PCD_PAY_CARDNANE`).
fn first(o: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| opt(o, k))
}

/// `PCD_PAYER_NO` is typed N (number) in the tables and sent as a number in the samples; we keep it a
/// string in our documents and send it as a JSON number when it is one.
fn payer_no_value(v: &str) -> Value {
    match v.parse::<u64>() {
        Ok(n) if n.to_string() == v => Value::from(n),
        _ => Value::String(v.to_string()),
    }
}

// ---- partner auth -------------------------------------------------------------------------------

/// `payple.auth`, and the first step of every other Payple call: partner auth with one work flag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthRequest {
    /// `PCD_PAY_TYPE`: "card".
    pub pay_type: Option<String>,
    /// `PCD_PAY_WORK`: PUSERDEL, PUSERINFO (or the window's CERT / PAY / AUTH).
    pub pay_work: Option<String>,
    pub reguler_flag: Option<bool>,
    pub simple_flag: Option<bool>,
    pub paycancel_flag: Option<bool>,
    pub paychk_flag: Option<bool>,
}

impl AuthRequest {
    /// The browser window's auth (what the `payple_auth_file` endpoint answers).
    pub fn window() -> Self {
        AuthRequest { pay_type: Some("card".into()), ..Default::default() }
    }
    pub fn billing(simple: bool) -> Self {
        let mut a = AuthRequest { pay_type: Some("card".into()), ..Default::default() };
        if simple {
            a.simple_flag = Some(true);
        } else {
            a.reguler_flag = Some(true);
        }
        a
    }
    pub fn cancel() -> Self {
        AuthRequest { paycancel_flag: Some(true), ..Default::default() }
    }
    pub fn status() -> Self {
        AuthRequest { paychk_flag: Some(true), ..Default::default() }
    }
    pub fn work(work: &str) -> Self {
        AuthRequest { pay_work: Some(work.into()), ..Default::default() }
    }

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

    fn check(&self, p: &mut Problems) {
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
    pub result: String,
    pub result_msg: String,
    /// Token standing for cst_id in the next call.
    pub cst_id: String,
    /// Token standing for custKey in the next call.
    pub cust_key: String,
    pub auth_key: String,
    /// The absolute URL of the next call.
    pub return_url: String,
    pub pay_host: Option<String>,
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

    fn tokens(&self, b: &mut Map<String, Value>) {
        b.insert("PCD_CST_ID".into(), Value::String(self.cst_id.clone()));
        b.insert("PCD_CUST_KEY".into(), Value::String(self.cust_key.clone()));
        b.insert("PCD_AUTH_KEY".into(), Value::String(self.auth_key.clone()));
    }

    fn next(&self, body: Map<String, Value>, referer: Option<&String>) -> HttpRequest {
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

// ---- the payment result, shared by billing pay, CERT confirm, the status query and the window POST ------

/// A Payple card payment as the gateway reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PayplePayment {
    pub pay_rst: String,
    pub pay_code: Option<String>,
    pub pay_msg: String,
    pub pay_type: Option<String>,
    pub pay_work: Option<String>,
    pub pay_oid: String,
    pub payer_no: Option<String>,
    pub payer_id: Option<String>,
    pub payer_email: Option<String>,
    pub pay_year: Option<String>,
    pub pay_month: Option<String>,
    pub pay_goods: Option<String>,
    pub pay_total: Option<u64>,
    pub pay_istax: Option<String>,
    pub pay_taxtotal: Option<u64>,
    pub pay_time: Option<String>,
    /// `PCD_PAY_CARDNAME` / `PCD_CARDNAME` (and the sample's `PCD_PAY_CARDNANE`).
    pub card_name: Option<String>,
    /// Masked card number: `PCD_PAY_CARDNUM` / `PCD_CARDNUM`.
    pub card_num: Option<String>,
    /// `PCD_PAY_CARDTRADENUM` / `PCD_CARDTRADENUM`.
    pub card_trade_num: Option<String>,
    pub card_auth_no: Option<String>,
    pub card_receipt: Option<String>,
    pub reguler_flag: Option<String>,
    pub user_define1: Option<String>,
    pub user_define2: Option<String>,
    /// Window results only: what `payple.card.confirm` needs for a CERT payment.
    pub auth_key: Option<String>,
    pub pay_reqkey: Option<String>,
    pub pay_cofurl: Option<String>,
}

impl PayplePayment {
    fn from_object(o: &Map<String, Value>) -> Self {
        PayplePayment {
            pay_rst: s(o, "PCD_PAY_RST"),
            pay_code: opt(o, "PCD_PAY_CODE"),
            pay_msg: s(o, "PCD_PAY_MSG"),
            pay_type: opt(o, "PCD_PAY_TYPE"),
            pay_work: opt(o, "PCD_PAY_WORK"),
            pay_oid: s(o, "PCD_PAY_OID"),
            payer_no: opt(o, "PCD_PAYER_NO"),
            payer_id: opt(o, "PCD_PAYER_ID"),
            payer_email: opt(o, "PCD_PAYER_EMAIL"),
            pay_year: opt(o, "PCD_PAY_YEAR"),
            pay_month: opt(o, "PCD_PAY_MONTH"),
            pay_goods: opt(o, "PCD_PAY_GOODS"),
            pay_total: loose_u64(o.get("PCD_PAY_TOTAL")),
            pay_istax: opt(o, "PCD_PAY_ISTAX"),
            pay_taxtotal: loose_u64(o.get("PCD_PAY_TAXTOTAL")),
            pay_time: opt(o, "PCD_PAY_TIME"),
            card_name: first(o, &["PCD_PAY_CARDNAME", "PCD_CARDNAME", "PCD_PAY_CARDNANE"]),
            card_num: first(o, &["PCD_PAY_CARDNUM", "PCD_CARDNUM"])
                .map(|n| crate::secret::mask_card_number_if_full(&n)),
            card_trade_num: first(o, &["PCD_PAY_CARDTRADENUM", "PCD_CARDTRADENUM"]),
            card_auth_no: opt(o, "PCD_PAY_CARDAUTHNO"),
            card_receipt: opt(o, "PCD_PAY_CARDRECEIPT"),
            reguler_flag: opt(o, "PCD_REGULER_FLAG"),
            user_define1: opt(o, "PCD_USER_DEFINE1"),
            user_define2: opt(o, "PCD_USER_DEFINE2"),
            auth_key: opt(o, "PCD_AUTH_KEY"),
            pay_reqkey: opt(o, "PCD_PAY_REQKEY"),
            pay_cofurl: opt(o, "PCD_PAY_COFURL"),
        }
    }

    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        let p = Self::from_object(&o);
        if p.pay_total.is_none() {
            return Err(response::unreadable(Gateway::Payple, resp, "PCD_PAY_TOTAL is missing or not a number"));
        }
        Ok(p)
    }
}

// ---- billing pay (payple-card.txt 3. 이후결제 - 정기결제) -------------------------------------------

/// `payple.billing.pay`: charges a registered card (billing key `payer_id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingPay {
    pub payer_id: String,
    pub payer_no: Option<String>,
    pub payer_hp: Option<String>,
    pub payer_email: Option<String>,
    pub pay_goods: String,
    pub pay_total: u64,
    pub pay_istax: Option<bool>,
    pub pay_taxtotal: Option<u64>,
    pub pay_oid: String,
    pub pay_year: String,
    pub pay_month: String,
    /// Twice or more a month: `PCD_SIMPLE_FLAG` instead of `PCD_REGULER_FLAG` (3. 이후결제: "월 1회 정기결제 :
    /// PCD_REGULER_FLAG / 월 2회 이상 : PCD_SIMPLE_FLAG 이용"). The spec shows that choice on the auth step only;
    /// we send the same flag in the pay request, where the table's fixed `PCD_REGULER_FLAG: Y` would claim a
    /// monthly charge (and draw RPCD0015 on the second one).
    pub simple_flag: bool,
    pub user_define1: Option<String>,
    pub user_define2: Option<String>,
}

/// The minimum card amount (payple-card.txt 3: "카드승인 요청금액(최소 100원)").
pub const MIN_CARD_AMOUNT: u64 = 100;

fn check_oid(p: &mut Problems, v: &str) {
    if v.is_empty() {
        p.push("pay_oid", "is required");
    }
    check_bytes(p, "pay_oid", v, 255);
}

fn check_year_month(p: &mut Problems, year: &str, month: &str) {
    check_digits(p, "pay_year", year, 4, 4);
    fields::check_month(p, "pay_month", month);
}

impl BillingPay {
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

    fn check(&self, p: &mut Problems) {
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
        if let Some(t) = self.pay_taxtotal {
            if t > self.pay_total {
                p.push("pay_taxtotal", "must not exceed pay_total");
            }
        }
        check_oid(p, &self.pay_oid);
        check_year_month(p, &self.pay_year, &self.pay_month);
        for (k, v) in [("user_define1", &self.user_define1), ("user_define2", &self.user_define2)] {
            if let Some(v) = v {
                check_bytes(p, k, v, 2048);
            }
        }
    }

    pub fn auth(&self) -> AuthRequest {
        AuthRequest::billing(self.simple_flag)
    }

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

// ---- CERT confirm (payple-card.txt 1-1) ---------------------------------------------------------

/// `payple.card.confirm`: the merchant's final approval of a window payment made with
/// `PCD_PAY_WORK: CERT`. The inputs come from the window's result (`payple.result`); `amount` and
/// `pay_oid` are the merchant's own, and the confirmed payment is checked against them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardConfirm {
    pub auth_key: String,
    pub pay_reqkey: String,
    pub payer_id: Option<String>,
    /// `PCD_PAY_COFURL` from the window result; the transport only follows it to the Payple host.
    pub pay_cofurl: Option<String>,
    pub pay_oid: String,
    pub amount: u64,
}

impl CardConfirm {
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

    fn check(&self, p: &mut Problems) {
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

// ---- cancel / refund (payple-card.txt 4. 승인취소) ------------------------------------------------

/// Which Payple payment a refund or a result query is about: its order number and date and, for a
/// recurring one, its billing year and month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRef {
    pub pay_oid: String,
    /// The original payment date, `YYYYMMDD`.
    pub pay_date: String,
    /// A recurring (billing) payment: then `pay_year` and `pay_month` are required.
    pub reguler_flag: bool,
    pub pay_year: Option<String>,
    pub pay_month: Option<String>,
}

impl PaymentRef {
    fn read(d: &mut Doc) -> Self {
        PaymentRef {
            pay_oid: d.str("pay_oid"),
            pay_date: d.str("pay_date"),
            reguler_flag: d.opt_bool("reguler_flag").unwrap_or(false),
            pay_year: d.opt_str("pay_year"),
            pay_month: d.opt_str("pay_month"),
        }
    }

    fn check(&self, p: &mut Problems) {
        check_oid(p, &self.pay_oid);
        check_date(p, "pay_date", &self.pay_date);
        check_reguler(p, self.reguler_flag, &self.pay_year, &self.pay_month);
    }

    fn put_year_month(&self, b: &mut Map<String, Value>) {
        if let (Some(y), Some(m)) = (&self.pay_year, &self.pay_month) {
            b.insert("PCD_PAY_YEAR".into(), json!(y));
            b.insert("PCD_PAY_MONTH".into(), json!(m));
        }
    }
}

/// `payple.cancel`: a full refund, or a partial one when `refund_total` is below the paid amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    pub payment: PaymentRef,
    pub refund_total: u64,
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
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let payment = PaymentRef::read(&mut d);
        let r = Cancel { payment, refund_total: d.u64("refund_total"), pay_taxtotal: d.opt_u64("pay_taxtotal") };
        d.finish_with(r, Self::check)
    }

    fn check(&self, p: &mut Problems) {
        self.payment.check(p);
        if self.refund_total == 0 {
            p.push("refund_total", "must be > 0");
        }
    }

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
    pub pay_rst: String,
    pub pay_code: Option<String>,
    pub pay_msg: String,
    pub pay_type: Option<String>,
    pub pay_oid: String,
    pub payer_no: Option<String>,
    pub payer_id: Option<String>,
    pub pay_year: Option<String>,
    pub pay_month: Option<String>,
    pub pay_goods: Option<String>,
    pub reguler_flag: Option<String>,
    pub refund_total: u64,
    pub pay_taxtotal: Option<u64>,
}

impl Cancelled {
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

// ---- result query (payple-card.txt 결제결과 조회) ---------------------------------------------------

/// `payple.status`: what Payple knows of an order (read-only; the transport may retry it).
pub type Status = PaymentRef;

impl PaymentRef {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = PaymentRef::read(&mut d);
        d.finish_with(r, Self::check)
    }

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

// ---- registered card: PUSERINFO (6) and PUSERDEL (5) ---------------------------------------------

/// `payple.billing.info` / `payple.billing.delete`: a registered card (billing key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingKey {
    pub payer_id: String,
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

    fn read(v: &Value, payer_no_required: bool) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let payer_no = if payer_no_required { Some(d.str("payer_no")) } else { d.opt_str("payer_no") };
        let r = BillingKey { payer_id: d.str("payer_id"), payer_no };
        let mut p = d.finish();
        check_bytes(&mut p, "payer_id", &r.payer_id, 255);
        p.into_result()?;
        Ok(r)
    }

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

/// PUSERINFO's answer (6. 등록카드 조회). The card number and phone arrive masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BillingInfo {
    pub pay_rst: String,
    pub pay_code: Option<String>,
    pub pay_msg: String,
    pub pay_type: Option<String>,
    pub payer_id: String,
    pub payer_name: Option<String>,
    pub payer_hp: Option<String>,
    pub pay_bank: Option<String>,
    pub pay_bankname: Option<String>,
    pub pay_banknum: Option<String>,
    pub pay_bankacctype: Option<String>,
}

impl BillingInfo {
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
            pay_bank: opt(&o, "PCD_PAY_BANK"),
            pay_bankname: opt(&o, "PCD_PAY_BANKNAME"),
            pay_banknum: opt(&o, "PCD_PAY_BANKNUM").map(|n| crate::secret::mask_card_number_if_full(&n)),
            pay_bankacctype: opt(&o, "PCD_PAY_BANKACCTYPE"),
        })
    }
}

/// PUSERDEL's answer (5. 등록카드 해지).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BillingDeleted {
    pub pay_rst: String,
    pub pay_msg: String,
    pub pay_type: Option<String>,
    pub pay_work: Option<String>,
    pub payer_id: String,
    pub payer_no: Option<String>,
}

impl BillingDeleted {
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        Ok(BillingDeleted {
            pay_rst: s(&o, "PCD_PAY_RST"),
            pay_msg: s(&o, "PCD_PAY_MSG"),
            pay_type: opt(&o, "PCD_PAY_TYPE"),
            pay_work: opt(&o, "PCD_PAY_WORK"),
            payer_id: s(&o, "PCD_PAYER_ID"),
            payer_no: opt(&o, "PCD_PAYER_NO"),
        })
    }
}

// ---- the result the window POSTs to the merchant (결제결과 수신) -----------------------------------

/// `payple.result`: the window's result, as the form-encoded body POSTed to `PCD_RST_URL` (`form`) or
/// as the object handed to `callbackFunction` (`fields`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowResult {
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
