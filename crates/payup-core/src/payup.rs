//! Payup: card keyin (payup-card-keyin.txt) and KakaoPay through NHN KCP (payup-kakaopay-kcp.txt).

use crate::codes::Gateway;
use crate::error::{Error, ErrorKind};
use crate::fields::{self, Doc, Problems, check_bytes, check_digits, check_signable, yn};
use crate::http::{HttpRequest, HttpResponse, JsonBody, Target};
use crate::response;
use crate::secret::Secret;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// A Payup merchant's credentials (payup-card-keyin.txt §1.6).
#[derive(Clone, Debug)]
pub struct PayupCredentials {
    pub merchant_id: String,
    pub api_cert_key: Secret,
}

impl PayupCredentials {
    pub fn new(merchant_id: impl Into<String>, api_cert_key: impl Into<String>) -> Self {
        PayupCredentials { merchant_id: merchant_id.into(), api_cert_key: Secret::opaque(api_cert_key) }
    }

    /// The `timestamp` (KST, 14 digits) and approval `signature` an approval or a KakaoPay order carries
    /// (payup-card-keyin.txt §2.1.1, payup-kakaopay-kcp.txt §3.1.1).
    fn stamp(&self, order_number: &str, amount: u64, now: Timestamp) -> (String, String) {
        let timestamp = now.kst_14();
        let signature =
            approval_signature(&self.merchant_id, order_number, amount, self.api_cert_key.expose(), &timestamp);
        (timestamp, signature)
    }

    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.merchant_id.is_empty() {
            p.push("payup.merchant_id", "is required");
        }
        check_bytes(&mut p, "payup.merchant_id", &self.merchant_id, 20);
        check_signable(&mut p, "payup.merchant_id", &self.merchant_id);
        if !self.merchant_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            p.push("payup.merchant_id", "must be letters, digits, '-' or '_' (it is part of the URL path)");
        }
        if self.api_cert_key.is_empty() {
            p.push("payup.api_cert_key", "is required");
        }
        check_signable(&mut p, "payup.api_cert_key", self.api_cert_key.expose());
        p.into_result().map_err(|e| Error { kind: ErrorKind::Config, ..e })
    }
}

/// SHA-256 over the `|`-joined values with white space removed, as lowercase hex
/// (payup-card-keyin.txt §2.1.1 and §2.2.1; payup-kakaopay-kcp.txt §3.1.1 and §4.2.1).
pub fn sign(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"|");
        }
        if part.contains(char::is_whitespace) {
            h.update(part.chars().filter(|c| !c.is_whitespace()).collect::<String>().as_bytes());
        } else {
            h.update(part.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

/// Approval / order signature: `merchantId|orderNumber|amount|apiCertKey|timestamp` (§2.1.1).
pub fn approval_signature(
    merchant_id: &str,
    order_number: &str,
    amount: u64,
    api_cert_key: &str,
    timestamp: &str,
) -> String {
    sign(&[merchant_id, order_number, &amount.to_string(), api_cert_key, timestamp])
}

/// Cancel signature: `merchantId|transactionId|apiCertKey` (§2.2.1).
pub fn cancel_signature(merchant_id: &str, transaction_id: &str, api_cert_key: &str) -> String {
    sign(&[merchant_id, transaction_id, api_cert_key])
}

const MAX_AMOUNT: u64 = 999_999_999_999; // 12 digits (§2.1 amount, length 12)

fn check_amount(p: &mut Problems, field: &str, amount: u64) {
    fields::check_range(p, field, amount, 1, MAX_AMOUNT, "must be 1–999,999,999,999 (at most 12 digits)");
}

fn check_order_number(p: &mut Problems, field: &str, value: &str) {
    check_bytes(p, field, value, 20);
    check_signable(p, field, value);
}

fn check_transaction_id(p: &mut Problems, value: &str) {
    check_bytes(p, "transaction_id", value, 20);
    check_signable(p, "transaction_id", value);
}

fn path(merchant_id: &str, action: &str) -> Target {
    Target::Path(format!("/v2/api/payment/{merchant_id}/{action}"))
}

fn kakao_path(merchant_id: &str, action: &str) -> Target {
    Target::Path(format!("/ep/api/kakao/{merchant_id}/{action}"))
}

/// Every Payup response carries `responseCode` and `responseMsg`; "0000" is success (§3.1).
fn payup_object(resp: &HttpResponse) -> Result<Map<String, Value>, Error> {
    let obj = response::json_object(Gateway::Payup, resp)?;
    let code = fields::loose_str(obj.get("responseCode"));
    match code.as_deref() {
        Some("0000") => Ok(obj),
        Some(code) => {
            let msg = fields::loose_str(obj.get("responseMsg")).unwrap_or_default();
            Err(Error::from_gateway_code(Gateway::Payup, code, &msg))
        }
        None => Err(response::unreadable(Gateway::Payup, resp, "it has no responseCode")),
    }
}

fn s(obj: &Map<String, Value>, k: &str) -> String {
    fields::loose_str(obj.get(k)).unwrap_or_default()
}

fn opt_s(obj: &Map<String, Value>, k: &str) -> Option<String> {
    fields::loose_str(obj.get(k)).filter(|v| !v.is_empty())
}

fn amount_field(obj: &Map<String, Value>, k: &str) -> Result<Option<u64>, Error> {
    match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        v => fields::loose_u64(v)
            .map(Some)
            .ok_or_else(|| Error::ambiguous(Gateway::Payup, format!("the response's {k} is not a number"))),
    }
}

// ---- keyin approve (§2.1) ----------------------------------------------------------------------

/// `payup.keyin.approve`: a card payment with card number, expiry, birth date and 2 password digits.
#[derive(Clone, Debug)]
pub struct KeyinApproval {
    pub order_number: String,
    pub card_no: Secret,
    /// MM
    pub expire_month: String,
    /// YY
    pub expire_year: String,
    /// Birth date YYMMDD (6 digits) or business registration number (10 digits).
    pub birthday: Secret,
    /// The first two digits of the card password.
    pub card_pw: Secret,
    pub amount: u64,
    /// Instalment months 0–24 (0: lump sum).
    pub quota: u8,
    pub item_name: String,
    pub user_name: String,
    pub mobile_number: Option<String>,
    pub kakao_send: Option<bool>,
    pub user_email: Option<String>,
    pub tax_flag: Option<bool>,
    /// Taxable amount, VAT included (with `tax_flag`).
    pub tax_amount: Option<u64>,
    /// Tax-free amount (with `tax_flag`).
    pub free_amount: Option<u64>,
}

impl KeyinApproval {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let quota_raw = d.opt_u64("quota");
        let r = KeyinApproval {
            order_number: d.str("order_number"),
            card_no: Secret::card_number(d.str("card_no")),
            expire_month: d.str("expire_month"),
            expire_year: d.str("expire_year"),
            birthday: Secret::opaque(d.str("birthday")),
            card_pw: Secret::opaque(d.str("card_pw")),
            amount: d.u64("amount"),
            quota: quota_raw.map(|q| q.min(255) as u8).unwrap_or(0),
            item_name: d.str("item_name"),
            user_name: d.str("user_name"),
            mobile_number: d.opt_str("mobile_number"),
            kakao_send: d.opt_bool("kakao_send"),
            user_email: d.opt_str("user_email"),
            tax_flag: d.opt_bool("tax_flag"),
            tax_amount: d.opt_u64("tax_amount"),
            free_amount: d.opt_u64("free_amount"),
        };
        let mut p = d.finish();
        if quota_raw.is_some_and(|q| q > 24) {
            p.push("quota", "must be 0–24");
        }
        r.check(&mut p);
        p.into_result()?;
        Ok(r)
    }

    fn check(&self, p: &mut Problems) {
        check_order_number(p, "order_number", &self.order_number);
        fields::check_card_number(p, "card_no", self.card_no.expose(), 11, 20);
        fields::check_month(p, "expire_month", &self.expire_month);
        check_digits(p, "expire_year", &self.expire_year, 2, 2);
        let b = self.birthday.expose();
        fields::check_pattern(
            p,
            "birthday",
            fields::is_digits(b) && (b.len() == 6 || b.len() == 10),
            "^([0-9]{6}|[0-9]{10})$",
            "must be 6 digits (YYMMDD) or a 10-digit business number",
        );
        check_digits(p, "card_pw", self.card_pw.expose(), 2, 2);
        check_amount(p, "amount", self.amount);
        fields::check_range(p, "quota", self.quota.into(), 0, 24, "must be 0–24");
        check_bytes(p, "item_name", &self.item_name, 128);
        check_bytes(p, "user_name", &self.user_name, 50);
        if let Some(m) = &self.mobile_number {
            check_digits(p, "mobile_number", m, 1, 11);
        }
        if self.kakao_send == Some(true) && self.mobile_number.is_none() {
            // §3.2: the notification goes out only with kakaoSend=Y and a mobileNumber.
            p.push("kakao_send", "needs mobile_number");
        }
        if let Some(e) = &self.user_email {
            fields::check_email(p, "user_email", e, 128);
        }
        match (self.tax_flag, self.tax_amount, self.free_amount) {
            (Some(true), Some(t), Some(f)) => {
                if t.checked_add(f) != Some(self.amount) {
                    p.push("tax_amount", "tax_amount + free_amount must equal amount");
                }
            }
            (Some(true), _, _) => p.push("tax_flag", "needs tax_amount and free_amount"),
            (_, None, None) => {}
            _ => p.push("tax_amount", "tax_amount and free_amount go only with tax_flag = true"),
        }
    }

    pub fn validate(&self) -> Result<(), Error> {
        Problems::run(|p| self.check(p))
    }

    /// The HTTP request for this approval at time `now`.
    pub fn prepare(&self, creds: &PayupCredentials, now: Timestamp) -> Result<HttpRequest, Error> {
        creds.validate()?;
        self.validate()?;
        let (timestamp, signature) = creds.stamp(&self.order_number, self.amount, now);
        // §2.0: every request field is a JSON string. Field order follows the request table.
        let mut b = JsonBody::new();
        let mut put = |k: &str, v: &str| b.str(k, v);
        put("orderNumber", &self.order_number);
        put("cardNo", self.card_no.expose());
        put("expireMonth", &self.expire_month);
        put("expireYear", &self.expire_year);
        put("birthday", self.birthday.expose());
        put("cardPw", self.card_pw.expose());
        put("amount", &self.amount.to_string());
        put("quota", &self.quota.to_string());
        put("itemName", &self.item_name);
        put("userName", &self.user_name);
        if let Some(m) = &self.mobile_number {
            put("mobileNumber", m);
        }
        if let Some(k) = self.kakao_send {
            put("kakaoSend", yn(k));
        }
        if let Some(e) = &self.user_email {
            put("userEmail", e);
        }
        put("signature", &signature);
        put("timestamp", &timestamp);
        if self.tax_flag == Some(true) {
            put("taxFlag", "Y");
            put("taxAmount", &self.tax_amount.unwrap_or(0).to_string());
            put("freeAmount", &self.free_amount.unwrap_or(0).to_string());
        }
        Ok(HttpRequest::post_json_bytes(Gateway::Payup, path(&creds.merchant_id, "keyin2"), b.finish()))
    }
}

/// The approval response (§2.1 응답 전문구성).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyinApproved {
    pub transaction_id: String,
    pub order_number: String,
    pub amount: u64,
    pub auth_number: String,
    pub auth_date_time: String,
    pub card_name: String,
    /// "" not sent, "0000" sent, anything else: the notification failed.
    pub kakao_result_code: String,
    /// "Y" when an interest-free instalment applied.
    pub noinf: Option<String>,
    /// Mixed taxation only: taxable amount without VAT, the VAT, and the tax-free amount.
    pub tax_amount: Option<u64>,
    pub vat_amount: Option<u64>,
    pub free_amount: Option<u64>,
    pub response_code: String,
    pub response_msg: String,
}

/// The approval response read straight into borrowed fields: the hot path. Anything unusual (an error
/// code, a missing or malformed field) goes through the general path, which classifies it.
#[derive(serde::Deserialize)]
struct RawKeyinApproved<'a> {
    #[serde(rename = "responseCode", borrow, default)]
    response_code: crate::fields::Loose<'a>,
    #[serde(rename = "responseMsg", borrow, default)]
    response_msg: crate::fields::Loose<'a>,
    #[serde(rename = "transactionId", borrow, default)]
    transaction_id: crate::fields::Loose<'a>,
    #[serde(rename = "orderNumber", borrow, default)]
    order_number: crate::fields::Loose<'a>,
    #[serde(borrow, default)]
    amount: crate::fields::Loose<'a>,
    #[serde(rename = "authNumber", borrow, default)]
    auth_number: crate::fields::Loose<'a>,
    #[serde(rename = "authDateTime", borrow, default)]
    auth_date_time: crate::fields::Loose<'a>,
    #[serde(rename = "cardName", borrow, default)]
    card_name: crate::fields::Loose<'a>,
    #[serde(rename = "kakaoResultCode", borrow, default)]
    kakao_result_code: crate::fields::Loose<'a>,
    #[serde(borrow, default)]
    noinf: crate::fields::Loose<'a>,
    #[serde(rename = "taxAmount", borrow, default)]
    tax_amount: crate::fields::Loose<'a>,
    #[serde(rename = "vatAmount", borrow, default)]
    vat_amount: crate::fields::Loose<'a>,
    #[serde(rename = "freeAmount", borrow, default)]
    free_amount: crate::fields::Loose<'a>,
}

impl KeyinApproved {
    fn parse_fast(resp: &HttpResponse) -> Option<Self> {
        if !(200..300).contains(&resp.status) {
            return None;
        }
        let r: RawKeyinApproved = serde_json::from_slice(&resp.body).ok()?;
        if r.response_code.as_str() != "0000" || r.transaction_id.as_str().is_empty() {
            return None;
        }
        Some(KeyinApproved {
            transaction_id: r.transaction_id.to_string(),
            order_number: r.order_number.to_string(),
            amount: r.amount.amount()??,
            auth_number: r.auth_number.to_string(),
            auth_date_time: r.auth_date_time.to_string(),
            card_name: r.card_name.to_string(),
            kakao_result_code: r.kakao_result_code.to_string(),
            noinf: Some(r.noinf.to_string()).filter(|v| !v.is_empty()),
            tax_amount: r.tax_amount.amount()?,
            vat_amount: r.vat_amount.amount()?,
            free_amount: r.free_amount.amount()?,
            response_code: r.response_code.to_string(),
            response_msg: r.response_msg.to_string(),
        })
    }

    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        if let Some(fast) = Self::parse_fast(resp) {
            return Ok(fast);
        }
        let o = payup_object(resp)?;
        let amount = amount_field(&o, "amount")?
            .ok_or_else(|| response::unreadable(Gateway::Payup, resp, "the approval has no amount"))?;
        let transaction_id = s(&o, "transactionId");
        if transaction_id.is_empty() {
            return Err(response::unreadable(Gateway::Payup, resp, "the approval has no transactionId"));
        }
        Ok(KeyinApproved {
            transaction_id,
            order_number: s(&o, "orderNumber"),
            amount,
            auth_number: s(&o, "authNumber"),
            auth_date_time: s(&o, "authDateTime"),
            card_name: s(&o, "cardName"),
            kakao_result_code: s(&o, "kakaoResultCode"),
            noinf: opt_s(&o, "noinf"),
            tax_amount: amount_field(&o, "taxAmount")?,
            vat_amount: amount_field(&o, "vatAmount")?,
            free_amount: amount_field(&o, "freeAmount")?,
            response_code: s(&o, "responseCode"),
            response_msg: s(&o, "responseMsg"),
        })
    }
}

// ---- cancel (keyin §2.2) -----------------------------------------------------------------------

/// `payup.keyin.cancel`: cancels a keyin approval in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyinCancel {
    pub transaction_id: String,
}

impl KeyinCancel {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = KeyinCancel { transaction_id: d.str("transaction_id") };
        let mut p = d.finish();
        if !p.has("transaction_id") {
            check_transaction_id(&mut p, &r.transaction_id);
        }
        p.into_result()?;
        Ok(r)
    }

    pub fn prepare(&self, creds: &PayupCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        let mut p = Problems::default();
        if self.transaction_id.is_empty() {
            p.push("transaction_id", "is required");
        }
        check_transaction_id(&mut p, &self.transaction_id);
        p.into_result()?;
        let sig = cancel_signature(&creds.merchant_id, &self.transaction_id, creds.api_cert_key.expose());
        // The §2.2 table requires merchantId in the body; its example omits it. We send it (specs/README).
        let body = json!({ "merchantId": creds.merchant_id, "transactionId": self.transaction_id, "signature": sig });
        Ok(HttpRequest::post_json(Gateway::Payup, path(&creds.merchant_id, "cancel2"), &body))
    }
}

/// A cancel response (keyin §2.2 and KakaoPay §3.4 answer alike).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PayupCancelled {
    pub transaction_id: String,
    pub cancel_date_time: String,
    pub response_code: String,
    pub response_msg: String,
}

impl PayupCancelled {
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payup_object(resp)?;
        Ok(PayupCancelled {
            transaction_id: s(&o, "transactionId"),
            cancel_date_time: s(&o, "cancelDateTime"),
            response_code: s(&o, "responseCode"),
            response_msg: s(&o, "responseMsg"),
        })
    }
}

// ---- KakaoPay order (§3.1) ---------------------------------------------------------------------

/// Which KakaoPay window: `WM` mobile (the default), `WP` PC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WindowKind {
    WM,
    WP,
}

impl WindowKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "WM" => Some(WindowKind::WM),
            "WP" => Some(WindowKind::WP),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WindowKind::WM => "WM",
            WindowKind::WP => "WP",
        }
    }
    /// The User-Agent the order is sent with when the merchant does not pass the browser's own.
    /// §3.1: the header must contain iPhone, iPad or Linux Android for the mobile window.
    pub fn default_http_user_agent(self) -> &'static str {
        match self {
            WindowKind::WM => "Mozilla/5.0 (Linux; Android 14) payup",
            WindowKind::WP => "Mozilla/5.0 (Windows NT 10.0; Win64; x64) payup",
        }
    }
}

/// True when a User-Agent would get the mobile window (§3.1 header note).
pub fn is_mobile_user_agent(ua: &str) -> bool {
    ua.contains("iPhone") || ua.contains("iPad") || (ua.contains("Linux") && ua.contains("Android"))
}

/// `payup.kakaopay.order`: registers an order and returns the window parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaoOrder {
    pub order_number: String,
    pub user_agent: WindowKind,
    /// The HTTP User-Agent to send: the buyer's browser's, ideally. Defaults by `user_agent`.
    pub http_user_agent: Option<String>,
    pub app_url: Option<String>,
    pub amount: u64,
    pub item_name: String,
    pub user_name: String,
    pub return_url: String,
    pub user_email: Option<String>,
    pub cashbill_yn: Option<bool>,
    pub mobile_number: Option<String>,
}

impl KakaoOrder {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let ua = d.opt_str("user_agent");
        let r = KakaoOrder {
            order_number: d.str("order_number"),
            user_agent: ua.as_deref().and_then(WindowKind::parse).unwrap_or(WindowKind::WM),
            http_user_agent: d.opt_str("http_user_agent"),
            app_url: d.opt_str("app_url"),
            amount: d.u64("amount"),
            item_name: d.str("item_name"),
            user_name: d.str("user_name"),
            return_url: d.str("return_url"),
            user_email: d.opt_str("user_email"),
            cashbill_yn: d.opt_bool("cashbill_yn"),
            mobile_number: d.opt_str("mobile_number"),
        };
        let mut p = d.finish();
        fields::check_one_of(
            &mut p,
            "user_agent",
            ua.as_deref(),
            &["WM", "WP"],
            "must be \"WM\" (mobile) or \"WP\" (PC)",
        );
        r.check(&mut p);
        p.into_result()?;
        Ok(r)
    }

    fn check(&self, p: &mut Problems) {
        check_order_number(p, "order_number", &self.order_number);
        check_amount(p, "amount", self.amount);
        check_bytes(p, "item_name", &self.item_name, 100);
        check_bytes(p, "user_name", &self.user_name, 50);
        fields::check_url(p, "return_url", &self.return_url, 200);
        if let Some(u) = &self.app_url {
            check_bytes(p, "app_url", u, 128);
        }
        if let Some(e) = &self.user_email {
            fields::check_email(p, "user_email", e, 50);
        }
        if let Some(m) = &self.mobile_number {
            check_digits(p, "mobile_number", m, 1, 11);
        }
        if let Some(ua) = &self.http_user_agent {
            if self.user_agent == WindowKind::WM && !is_mobile_user_agent(ua) {
                p.push("http_user_agent", "must contain iPhone, iPad or Linux Android for the WM (mobile) window");
            }
            if ua.chars().any(|c| c.is_control()) {
                p.push("http_user_agent", "must not contain control characters");
            }
        }
    }

    pub fn prepare(&self, creds: &PayupCredentials, now: Timestamp) -> Result<HttpRequest, Error> {
        creds.validate()?;
        Problems::run(|p| self.check(p))?;
        let (timestamp, signature) = creds.stamp(&self.order_number, self.amount, now);
        let mut b = JsonBody::new();
        let mut put = |k: &str, v: &str| b.str(k, v);
        put("orderNumber", &self.order_number);
        put("userAgent", self.user_agent.as_str());
        if let Some(u) = &self.app_url {
            put("appUrl", u);
        }
        put("amount", &self.amount.to_string());
        put("itemName", &self.item_name);
        put("userName", &self.user_name);
        put("returnUrl", &self.return_url);
        if let Some(e) = &self.user_email {
            put("userEmail", e);
        }
        put("signature", &signature);
        put("timestamp", &timestamp);
        if let Some(c) = self.cashbill_yn {
            put("cashbillYn", yn(c));
        }
        if let Some(m) = &self.mobile_number {
            put("mobileNumber", m);
        }
        let mut req = HttpRequest::post_json_bytes(Gateway::Payup, kakao_path(&creds.merchant_id, "order"), b.finish());
        let ua = self.http_user_agent.clone().unwrap_or_else(|| self.user_agent.default_http_user_agent().into());
        req.headers.push(("User-Agent".into(), ua));
        Ok(req)
    }
}

/// The order response: the window's parameters (§3.1 응답 전문구성).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KakaoOrdered {
    pub good_mny: u64,
    pub site_cd: String,
    #[serde(rename = "ret_url")]
    pub ret_url: String,
    pub buyr_name: String,
    /// Payup's transaction number for this order; the window posts it back.
    pub ordr_idxx: String,
    pub good_name: String,
    pub approval_key: Option<String>,
    pub pay_url: Option<String>,
    pub response_code: String,
    pub response_msg: String,
}

impl KakaoOrdered {
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payup_object(resp)?;
        let good_mny = amount_field(&o, "good_mny")?
            .ok_or_else(|| response::unreadable(Gateway::Payup, resp, "the order has no good_mny"))?;
        Ok(KakaoOrdered {
            good_mny,
            site_cd: s(&o, "site_cd"),
            ret_url: s(&o, "Ret_URL"),
            buyr_name: s(&o, "buyr_name"),
            ordr_idxx: s(&o, "ordr_idxx"),
            good_name: s(&o, "good_name"),
            approval_key: opt_s(&o, "approval_key"),
            pay_url: opt_s(&o, "pay_url"),
            response_code: s(&o, "responseCode"),
            response_msg: s(&o, "responseMsg"),
        })
    }

    /// Reads an order result back from its JSON document (the input of `payup.kakaopay.window`).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = KakaoOrdered {
            good_mny: d.u64("good_mny"),
            site_cd: d.str("site_cd"),
            ret_url: d.str("ret_url"),
            buyr_name: d.str("buyr_name"),
            ordr_idxx: d.str("ordr_idxx"),
            good_name: d.str("good_name"),
            approval_key: d.opt_str("approval_key"),
            pay_url: d.opt_str("pay_url"),
            response_code: d.opt_str("response_code").unwrap_or_default(),
            response_msg: d.opt_str("response_msg").unwrap_or_default(),
        };
        d.finish().into_result()?;
        Ok(r)
    }
}

// ---- KakaoPay window (§3.2) --------------------------------------------------------------------

/// The script KCP's PC window loads (payup-kakaopay-kcp.txt §3.2.2).
pub const KCP_PC_SCRIPT_URL: &str = "https://pay.kcp.co.kr/plugin/payplus_web.jsp";

/// `payup.kakaopay.window`: the HTML page that opens the KakaoPay window for an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaoWindow {
    pub order: KakaoOrdered,
    pub user_agent: WindowKind,
    /// The PC window's script; the transport points it at the sandbox when the Payup base URL is overridden.
    pub kcp_script_url: Option<String>,
    pub param_opt_1: Option<String>,
    pub param_opt_2: Option<String>,
    pub param_opt_3: Option<String>,
}

/// The window page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KakaoWindowHtml {
    pub html: String,
}

/// Escapes text for an HTML attribute value or element content.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl KakaoWindow {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let order_v = d.opt_object("order");
        let ua = d.opt_str("user_agent");
        let kcp_script_url = d.opt_str("kcp_script_url");
        let opts = [d.opt_str("param_opt_1"), d.opt_str("param_opt_2"), d.opt_str("param_opt_3")];
        let mut p = d.finish();
        fields::check_one_of(
            &mut p,
            "user_agent",
            ua.as_deref(),
            &["WM", "WP"],
            "must be \"WM\" (mobile) or \"WP\" (PC)",
        );
        let kind = ua.as_deref().and_then(WindowKind::parse).unwrap_or(WindowKind::WM);
        if !p.has("order") {
            fields::require(&mut p, "order", &order_v, "is required (the result of payup.kakaopay.order)");
        }
        let order = match order_v.map(|m| KakaoOrdered::from_json(&Value::Object(m.clone()))) {
            Some(Ok(o)) => Some(o),
            Some(Err(e)) => {
                for f in e.fields {
                    p.push(&format!("order.{}", f.field), f.rule);
                }
                None
            }
            None => None,
        };
        p.into_result()?;
        let [param_opt_1, param_opt_2, param_opt_3] = opts;
        let w = KakaoWindow {
            order: order.expect("checked above"),
            user_agent: kind,
            kcp_script_url,
            param_opt_1,
            param_opt_2,
            param_opt_3,
        };
        w.validate()?;
        Ok(w)
    }

    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.user_agent == WindowKind::WM {
            for (name, v) in [("order.pay_url", &self.order.pay_url), ("order.approval_key", &self.order.approval_key)]
            {
                if v.as_deref().is_none_or(str::is_empty) {
                    p.push(name, "is required for the WM (mobile) window");
                }
            }
            if let Some(u) = &self.order.pay_url {
                fields::check_url(&mut p, "order.pay_url", u, 2048);
            }
        }
        if let Some(u) = &self.kcp_script_url {
            fields::check_url(&mut p, "kcp_script_url", u, 2048);
        }
        // The WP form posts to Ret_URL: never let a `javascript:` or relative value become its action.
        fields::check_url(&mut p, "order.ret_url", &self.order.ret_url, 2048);
        p.into_result()
    }

    /// Renders the page. Decisions (specs/README: the §3.2 form samples contradict the §3.1 table):
    /// - Field names follow the order response table, `ordr_idxx` and `buyr_name`: the samples'
    ///   `ordr_idx` and `buysr_name` are typos (the `/pay` call of §3.3 reads `ordr_idxx` back).
    /// - The WM (mobile) form posts to `pay_url` with `approval_key`, as the §3.2.1 sample does and as
    ///   KCP's mobile window works; the table's "PC(WP) only" note on those two fields is wrong. The WP
    ///   form uses KCP's script (`KCP_Pay_Execute`) and needs neither.
    /// - Both forms keep `accept-charset="euc-kr"` as the samples show; the page itself is UTF-8.
    /// - The WP page submits the filled form to `Ret_URL` from `m_Completepayment`, for success and
    ///   failure alike: the merchant's server decides (a browser `res_cd` is never trusted).
    pub fn render(&self) -> Result<KakaoWindowHtml, Error> {
        self.validate()?;
        let o = &self.order;
        let e = html_escape;
        let input =
            |name: &str, value: &str| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n", e(value));
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut h = String::with_capacity(4096);
        h.push_str("<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>카카오페이 결제</title>\n</head>\n<body>\n");
        match self.user_agent {
            WindowKind::WM => {
                let action = e(o.pay_url.as_deref().unwrap_or_default());
                h.push_str(&format!(
                    "<form name=\"form\" action=\"{action}\" method=\"post\" accept-charset=\"euc-kr\">\n"
                ));
                h.push_str(&input("ordr_idxx", &o.ordr_idxx));
                h.push_str(&input("good_name", &o.good_name));
                h.push_str(&input("good_mny", &o.good_mny.to_string()));
                h.push_str(&input("buyr_name", &o.buyr_name));
                h.push_str(&input("site_cd", &o.site_cd));
                h.push_str(&input("Ret_URL", &o.ret_url));
                h.push_str(&input("approval_key", o.approval_key.as_deref().unwrap_or_default()));
                for (k, v) in [
                    ("req_tx", "pay"),
                    ("pay_method", "CARD"),
                    ("ActionResult", "card"),
                    ("currency", "410"),
                    ("escw_used", "N"),
                    ("kakaopay_direct", "Y"),
                ] {
                    h.push_str(&input(k, v));
                }
                h.push_str(&input("param_opt_1", &opt(&self.param_opt_1)));
                h.push_str(&input("param_opt_2", &opt(&self.param_opt_2)));
                h.push_str(&input("param_opt_3", &opt(&self.param_opt_3)));
                h.push_str("<noscript><button type=\"submit\">카카오페이로 결제</button></noscript>\n</form>\n");
                h.push_str("<script>document.form.submit();</script>\n");
            }
            WindowKind::WP => {
                let action = e(&o.ret_url);
                h.push_str(&format!(
                    "<form name=\"order_info\" action=\"{action}\" method=\"post\" accept-charset=\"euc-kr\">\n"
                ));
                h.push_str(&input("ordr_idxx", &o.ordr_idxx));
                h.push_str(&input("good_name", &o.good_name));
                h.push_str(&input("good_mny", &o.good_mny.to_string()));
                h.push_str(&input("buyr_name", &o.buyr_name));
                h.push_str(&input("site_cd", &o.site_cd));
                for (k, v) in [
                    ("req_tx", "pay"),
                    ("pay_method", "100000000000"),
                    ("currency", "410"),
                    ("kakaopay_direct", "Y"),
                    ("module_type", "01"),
                    ("ordr_chk", ""),
                ] {
                    h.push_str(&input(k, v));
                }
                h.push_str(&input("param_opt_1", &opt(&self.param_opt_1)));
                h.push_str(&input("param_opt_2", &opt(&self.param_opt_2)));
                h.push_str(&input("param_opt_3", &opt(&self.param_opt_3)));
                for k in [
                    "res_cd",
                    "res_msg",
                    "enc_info",
                    "enc_data",
                    "ret_pay_method",
                    "tran_cd",
                    "use_pay_method",
                    "card_pay_method",
                ] {
                    h.push_str(&input(k, ""));
                }
                h.push_str("</form>\n<script>\n");
                h.push_str(
                    "function m_Completepayment(FormOrJson, closeEvent) {\n  var frm = document.order_info;\n  GetField(frm, FormOrJson);\n  if (typeof closeEvent === \"function\" && frm.res_cd.value !== \"0000\") { closeEvent(); }\n  frm.submit();\n}\nfunction jsf__pay() {\n  try { KCP_Pay_Execute(document.order_info); } catch (e) { /* IE ends a normal payment with throw */ }\n}\n",
                );
                h.push_str("</script>\n");
                let script = self.kcp_script_url.as_deref().unwrap_or(KCP_PC_SCRIPT_URL);
                h.push_str(&format!("<script type=\"text/javascript\" src=\"{}\"></script>\n", e(script)));
                h.push_str("<script>jsf__pay();</script>\n");
            }
        }
        h.push_str("</body>\n</html>\n");
        Ok(KakaoWindowHtml { html: h })
    }
}

// ---- KakaoPay approve (§3.3) -------------------------------------------------------------------

/// `payup.kakaopay.approve`: approves with what the window posted back to `returnUrl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaoApprove {
    pub res_cd: String,
    pub enc_info: String,
    pub enc_data: String,
    pub tran_cd: Option<String>,
    pub card_pay_method: String,
    pub ordr_idxx: String,
    /// The amount the merchant expects (not sent): an approval of another amount is not a success.
    pub amount: u64,
}

impl KakaoApprove {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = KakaoApprove {
            res_cd: d.str("res_cd"),
            enc_info: d.opt_str("enc_info").unwrap_or_default(),
            enc_data: d.opt_str("enc_data").unwrap_or_default(),
            tran_cd: d.opt_str("tran_cd"),
            card_pay_method: d.opt_str("card_pay_method").unwrap_or_default(),
            ordr_idxx: d.str("ordr_idxx"),
            amount: d.u64("amount"),
        };
        d.finish_with(r, Self::check)
    }

    fn check(&self, p: &mut Problems) {
        if self.res_cd == "0000" {
            for (k, v) in
                [("enc_info", &self.enc_info), ("enc_data", &self.enc_data), ("card_pay_method", &self.card_pay_method)]
            {
                if v.is_empty() {
                    p.push(k, "is required (posted back by the window)");
                }
            }
        }
        check_amount(p, "amount", self.amount);
    }

    /// The request. A window result other than `res_cd` "0000" is refused here (the gateway would
    /// answer 9002, §3.3 비고), as a `declined` error carrying the window's code: nothing is sent.
    pub fn prepare(&self, creds: &PayupCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        Problems::run(|p| self.check(p))?;
        if self.res_cd != "0000" {
            let mut e = Error::from_gateway_code(Gateway::Kcp, &self.res_cd, "");
            e.message = format!(
                "the payment window returned res_cd {} ({}); nothing was approved",
                self.res_cd,
                if e.message.is_empty() { "unknown window code" } else { &e.message }
            );
            return Err(e);
        }
        let mut b = Map::new();
        for (k, v) in [
            ("res_cd", Some(&self.res_cd)),
            ("enc_info", Some(&self.enc_info)),
            ("enc_data", Some(&self.enc_data)),
            ("tran_cd", self.tran_cd.as_ref()),
            ("card_pay_method", Some(&self.card_pay_method)),
            ("ordr_idxx", Some(&self.ordr_idxx)),
        ] {
            if let Some(v) = v {
                b.insert(k.into(), Value::String(v.clone()));
            }
        }
        Ok(HttpRequest::post_json(Gateway::Payup, kakao_path(&creds.merchant_id, "pay"), &Value::Object(b)))
    }
}

/// The approve response: KakaoPay card and KakaoPay money carry different fields (§3.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "type")]
pub enum KakaoApproved {
    #[serde(rename = "KAKAO_CARD")]
    Card {
        transaction_id: String,
        order_number: String,
        auth_date_time: Option<String>,
        amount: Option<u64>,
        auth_number: String,
        card_name: String,
        /// Masked by the gateway.
        card_no: String,
        quota: String,
        response_code: String,
        response_msg: String,
    },
    #[serde(rename = "KAKAO_MONEY")]
    Money {
        transaction_id: String,
        order_number: String,
        auth_date_time: String,
        amount: u64,
        /// The amount eligible for a cash receipt.
        cash_receipt: u64,
        response_code: String,
        response_msg: String,
    },
}

impl KakaoApproved {
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payup_object(resp)?;
        match s(&o, "type").as_str() {
            "KAKAO_CARD" => Ok(KakaoApproved::Card {
                transaction_id: s(&o, "transactionId"),
                order_number: s(&o, "orderNumber"),
                auth_date_time: opt_s(&o, "authDateTime"),
                amount: amount_field(&o, "amount")?,
                auth_number: s(&o, "authNumber"),
                card_name: s(&o, "cardName"),
                card_no: crate::secret::mask_card_number_if_full(&s(&o, "cardNo")),
                quota: s(&o, "quota"),
                response_code: s(&o, "responseCode"),
                response_msg: s(&o, "responseMsg"),
            }),
            "KAKAO_MONEY" => Ok(KakaoApproved::Money {
                transaction_id: s(&o, "transactionId"),
                order_number: s(&o, "orderNumber"),
                auth_date_time: s(&o, "authDateTime"),
                amount: amount_field(&o, "amount")?
                    .ok_or_else(|| response::unreadable(Gateway::Payup, resp, "the approval has no amount"))?,
                cash_receipt: amount_field(&o, "cashReceipt")?.unwrap_or(0),
                response_code: s(&o, "responseCode"),
                response_msg: s(&o, "responseMsg"),
            }),
            _ => Err(response::unreadable(Gateway::Payup, resp, "its type is neither KAKAO_CARD nor KAKAO_MONEY")),
        }
    }

    pub fn transaction_id(&self) -> &str {
        match self {
            KakaoApproved::Card { transaction_id, .. } | KakaoApproved::Money { transaction_id, .. } => transaction_id,
        }
    }

    pub fn amount(&self) -> Option<u64> {
        match self {
            KakaoApproved::Card { amount, .. } => *amount,
            KakaoApproved::Money { amount, .. } => Some(*amount),
        }
    }
}

// ---- KakaoPay cancel (§3.4) --------------------------------------------------------------------

/// `payup.kakaopay.cancel`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaoCancel {
    pub transaction_id: String,
    pub cancel_reason: String,
}

impl KakaoCancel {
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = KakaoCancel { transaction_id: d.str("transaction_id"), cancel_reason: d.str("cancel_reason") };
        d.finish_with(r, Self::check)
    }

    fn check(&self, p: &mut Problems) {
        if self.transaction_id.is_empty() {
            p.push("transaction_id", "is required");
        }
        check_transaction_id(p, &self.transaction_id);
        if self.cancel_reason.is_empty() {
            p.push("cancel_reason", "is required");
        }
        check_bytes(p, "cancel_reason", &self.cancel_reason, 256);
    }

    pub fn prepare(&self, creds: &PayupCredentials) -> Result<HttpRequest, Error> {
        creds.validate()?;
        Problems::run(|p| self.check(p))?;
        let sig = cancel_signature(&creds.merchant_id, &self.transaction_id, creds.api_cert_key.expose());
        // §3.4 lists exactly these three fields (unlike keyin's cancel, no merchantId in the body).
        let body =
            json!({ "transactionId": self.transaction_id, "cancelReason": self.cancel_reason, "signature": sig });
        Ok(HttpRequest::post_json(Gateway::Payup, kakao_path(&creds.merchant_id, "cancel"), &body))
    }
}
