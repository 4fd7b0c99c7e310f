//! Payup card keyin: approve (payup-card-keyin.txt §2.1) and cancel (§2.2).

use super::*;

// ---- keyin approve (§2.1) ----------------------------------------------------------------------

/// `payup.keyin.approve`: a card payment with card number, expiry, birth date and 2 password digits.
///
/// Read from a request document, validated, and prepared as the HTTP request to send (sans-I/O: core
/// sends nothing, and the time is passed in):
///
/// ```
/// use payup_core::payup::{KeyinApproval, PayupCredentials};
/// use payup_core::{Target, Timestamp};
/// use serde_json::json;
///
/// let approval = KeyinApproval::from_json(&json!({
///     "order_number": "TEST_00001", "card_no": "9490191412341234", "expire_month": "05",
///     "expire_year": "19", "birthday": "890302", "card_pw": "00", "amount": 1004, "quota": 0,
///     "item_name": "TEST", "user_name": "Hong"
/// }))
/// .unwrap();
/// let creds = PayupCredentials::new("tester", "25bcd7a82f5b4058818462cc7715964c");
/// let http = approval.prepare(&creds, Timestamp(1_518_361_200)).unwrap();
/// assert_eq!(http.target, Target::Path("/v2/api/payment/tester/keyin2".into()));
/// assert_eq!(http.json_body()["orderNumber"], "TEST_00001");
///
/// // Every broken field at once, as an `invalid` error.
/// let e = KeyinApproval::from_json(&json!({"order_number": "", "amount": 0})).unwrap_err();
/// assert_eq!(e.kind(), payup_core::ErrorKind::Invalid);
/// ```
#[derive(Clone, Debug)]
pub struct KeyinApproval {
    /// orderNumber: the merchant's order number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub order_number: String,
    /// Card number, digits only (payup-card-keyin.txt §2.1 cardNo; kcp-keyin.txt card_no); secret, masked 6+4 everywhere
    pub card_no: Secret,
    /// MM
    pub expire_month: String,
    /// YY
    pub expire_year: String,
    /// Birth date YYMMDD (6 digits) or business registration number (10 digits).
    pub birthday: Secret,
    /// The first two digits of the card password.
    pub card_pw: Secret,
    /// Amount in KRW, an integer (payup-card-keyin.txt §2.1 amount; kcp-keyin.txt amount)
    pub amount: u64,
    /// Instalment months 0–24 (0: lump sum).
    pub quota: u8,
    /// itemName: the goods' name (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub item_name: String,
    /// userName: the buyer's name (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub user_name: String,
    /// mobileNumber: the buyer's mobile number, digits (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub mobile_number: Option<String>,
    /// kakaoSend: send a KakaoTalk notification (needs mobile_number) (payup-card-keyin.txt §2.1)
    pub kakao_send: Option<bool>,
    /// userEmail: the buyer's e-mail (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub user_email: Option<String>,
    /// taxFlag: mixed taxation (payup-card-keyin.txt §2.1)
    pub tax_flag: Option<bool>,
    /// Taxable amount, VAT included (with `tax_flag`).
    pub tax_amount: Option<u64>,
    /// Tax-free amount (with `tax_flag`).
    pub free_amount: Option<u64>,
}

impl KeyinApproval {
    /// Reads and validates a request document (every broken field at once).
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

    /// Reads a request straight from its JSON text, without a `Value` (issue 21: the C ABI's and the
    /// bindings' hot path). Only for the plain case: a JSON object of known fields, each once, each of its
    /// type (strings, integers ≥ 0, booleans), and every rule met; it then gives what
    /// [`KeyinApproval::from_json`] gives for the parsed text. `None` for anything else (malformed text,
    /// `null`, another type, an unknown or repeated field, a broken rule): the caller reads the document
    /// with `from_json`, whose error names every broken field as always.
    pub fn from_json_text(text: &str) -> Option<Self> {
        let Scalars(v) = serde_json::from_str(text).ok()?;
        Self::from_slots(v)
    }

    /// [`KeyinApproval::from_json_text`] from fields already apart (a binding's keyword arguments, issue 21):
    /// `None` for an unknown or repeated name, or whatever `from_json_text` refuses.
    pub fn from_scalars<'a>(fields: impl IntoIterator<Item = (&'a str, Scalar)>) -> Option<Self> {
        let mut slots: [Option<Scalar>; 16] = Default::default();
        for (name, value) in fields {
            let i = KEYIN_APPROVAL_FIELDS.iter().position(|f| *f == name)?;
            if slots[i].replace(value).is_some() {
                return None;
            }
        }
        Self::from_slots(slots)
    }

    fn from_slots(mut v: [Option<Scalar>; 16]) -> Option<Self> {
        let mut s = |i: usize| match v[i].take() {
            Some(Scalar::Str(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        let (order_number, card_no, expire_month, expire_year) = (s(0)?, s(1)?, s(2)?, s(3)?);
        let (birthday, card_pw, item_name, user_name) = (s(4)?, s(5)?, s(8)?, s(9)?);
        let opt_str = |x: Option<Scalar>| match x {
            None => Some(None),
            Some(Scalar::Str(s)) if !s.is_empty() => Some(Some(s)),
            // "" is `from_json`'s to judge (the field's own rule)
            _ => None,
        };
        let opt_u64 = |x: Option<Scalar>| match x {
            None => Some(None),
            Some(Scalar::U64(n)) => Some(Some(n)),
            _ => None,
        };
        let opt_bool = |x: Option<Scalar>| match x {
            None => Some(None),
            Some(Scalar::Bool(b)) => Some(Some(b)),
            _ => None,
        };
        let amount = opt_u64(v[6].take())??;
        let quota = opt_u64(v[7].take())?.unwrap_or(0);
        if quota > 24 {
            return None;
        }
        let r = KeyinApproval {
            order_number,
            card_no: Secret::card_number(card_no),
            expire_month,
            expire_year,
            birthday: Secret::opaque(birthday),
            card_pw: Secret::opaque(card_pw),
            amount,
            quota: quota as u8,
            item_name,
            user_name,
            mobile_number: opt_str(v[10].take())?,
            kakao_send: opt_bool(v[11].take())?,
            user_email: opt_str(v[12].take())?,
            tax_flag: opt_bool(v[13].take())?,
            tax_amount: opt_u64(v[14].take())?,
            free_amount: opt_u64(v[15].take())?,
        };
        let mut p = Problems::default();
        r.check(&mut p);
        p.into_result().ok()?;
        Some(r)
    }

    pub(crate) fn check(&self, p: &mut Problems) {
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

    /// Checks every field (an `invalid` error naming each broken one).
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
        let mut digits = [0u8; 20];
        put("amount", fields::decimal(self.amount, &mut digits));
        put("quota", fields::decimal(u64::from(self.quota), &mut digits));
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
    /// transactionId: Payup's transaction number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)
    pub transaction_id: String,
    /// orderNumber: the merchant's order number, as the gateway echoes it
    pub order_number: String,
    /// The amount the gateway reports (KRW); payup has checked it against the request
    pub amount: u64,
    /// authNumber: the card approval number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)
    pub auth_number: String,
    /// authDateTime: YYYYMMDDHHMMSS (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)
    pub auth_date_time: String,
    /// The card issuer's name
    pub card_name: String,
    /// "" not sent, "0000" sent, anything else: the notification failed.
    pub kakao_result_code: String,
    /// "Y" when an interest-free instalment applied.
    pub noinf: Option<String>,
    /// Mixed taxation only: taxable amount without VAT, the VAT, and the tax-free amount.
    pub tax_amount: Option<u64>,
    /// vatAmount: the VAT (mixed taxation) (payup-card-keyin.txt §2.1)
    pub vat_amount: Option<u64>,
    /// freeAmount: the tax-free part (mixed taxation) (payup-card-keyin.txt §2.1)
    pub free_amount: Option<u64>,
    /// responseCode: 0000 (payup-card-keyin.txt §3.1)
    pub response_code: String,
    /// responseMsg (payup-card-keyin.txt §3.1)
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
        // One UTF-8 check of the whole body, then a reader that trusts it (`from_slice` checks every string
        // on its own); a body that is not UTF-8 goes to the general path, which reports it as before.
        let text = std::str::from_utf8(&resp.body).ok()?;
        let r: RawKeyinApproved = serde_json::from_str(text).ok()?;
        if r.response_code.as_str() != "0000" || r.transaction_id.as_str().is_empty() {
            return None;
        }
        Some(KeyinApproved {
            transaction_id: r.transaction_id.into_string(),
            order_number: r.order_number.into_string(),
            amount: r.amount.amount()??,
            auth_number: r.auth_number.into_string(),
            auth_date_time: r.auth_date_time.into_string(),
            card_name: r.card_name.into_string(),
            kakao_result_code: r.kakao_result_code.into_string(),
            noinf: Some(r.noinf.into_string()).filter(|v| !v.is_empty()),
            tax_amount: r.tax_amount.amount()?,
            vat_amount: r.vat_amount.amount()?,
            free_amount: r.free_amount.amount()?,
            response_code: r.response_code.into_string(),
            response_msg: r.response_msg.into_string(),
        })
    }

    /// Reads Payup's answer: the result, or the error it means.
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
    /// transactionId: Payup's transaction number of the approval (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)
    pub transaction_id: String,
}

impl KeyinCancel {
    /// Reads and validates a request document (every broken field at once).
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

    /// The HTTP request to send (wire encoding and signature).
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
    /// transactionId: Payup's transaction number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)
    pub transaction_id: String,
    /// cancelDateTime (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)
    pub cancel_date_time: String,
    /// responseCode: 0000 (payup-card-keyin.txt §3.1)
    pub response_code: String,
    /// responseMsg (payup-card-keyin.txt §3.1)
    pub response_msg: String,
}

impl PayupCancelled {
    /// Reads Payup's answer: the result, or the error it means.
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

impl Flow for KeyinApproval {
    type Output = KeyinApproved;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, now: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payup(Self::OPERATION)?, now)
    }
    fn parse(resp: &HttpResponse) -> Result<KeyinApproved, Error> {
        KeyinApproved::parse(resp)
    }
    fn known(&self) -> Known {
        Known::order(&self.order_number, self.amount)
    }
    /// The answer echoes `orderNumber` ("승인요청시의 가맹점 주문번호", §2.1 응답).
    fn attribute(&self, a: &KeyinApproved) -> Attribution {
        Attribution::echoed("orderNumber", &self.order_number, &a.order_number)
    }
    fn amounts(&self, a: &KeyinApproved) -> Option<Amounts> {
        Some(Amounts {
            requested: self.amount,
            reported: a.amount,
            transaction_id: a.transaction_id.clone(),
            is_cancel: false,
        })
    }
    fn undo(&self, a: &KeyinApproved, _reason: &str) -> Option<Undo> {
        Some(Undo::by(KeyinCancel { transaction_id: a.transaction_id.clone() }))
    }
    // No query API in payup-card-keyin.txt: an unknown approval can only be reconciled by hand.
}

cancel_flow!(KeyinCancel);

/// The request fields [`KeyinApproval::from_json_text`] and [`KeyinApproval::from_scalars`] read, in the order
/// of their slots.
pub const KEYIN_APPROVAL_FIELDS: [&str; 16] = [
    "order_number",
    "card_no",
    "expire_month",
    "expire_year",
    "birthday",
    "card_pw",
    "amount",
    "quota",
    "item_name",
    "user_name",
    "mobile_number",
    "kakao_send",
    "user_email",
    "tax_flag",
    "tax_amount",
    "free_amount",
];

/// A field value of the plain case: a string, an integer ≥ 0 or a boolean (anything else fails the read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    /// A string.
    Str(String),
    /// An integer ≥ 0.
    U64(u64),
    /// A boolean.
    Bool(bool),
}

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, an integer ≥ 0 or a boolean")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// The slots of [`KEYIN_APPROVAL_FIELDS`], each filled at most once; an unknown or repeated key fails the read.
struct Scalars([Option<Scalar>; 16]);

impl<'de> serde::Deserialize<'de> for Scalars {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Slot(usize);
        impl<'de> serde::Deserialize<'de> for Slot {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct K;
                impl serde::de::Visitor<'_> for K {
                    type Value = Slot;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a field of the request")
                    }
                    fn visit_str<E: serde::de::Error>(self, k: &str) -> Result<Slot, E> {
                        KEYIN_APPROVAL_FIELDS
                            .iter()
                            .position(|f| *f == k)
                            .map(Slot)
                            .ok_or_else(|| E::custom("unknown field"))
                    }
                }
                d.deserialize_str(K)
            }
        }
        struct M;
        impl<'de> serde::de::Visitor<'de> for M {
            type Value = Scalars;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a request object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scalars, A::Error> {
                let mut slots: [Option<Scalar>; 16] = Default::default();
                while let Some(Slot(i)) = map.next_key()? {
                    if slots[i].is_some() {
                        return Err(serde::de::Error::custom("repeated field"));
                    }
                    slots[i] = Some(map.next_value()?);
                }
                Ok(Scalars(slots))
            }
        }
        d.deserialize_map(M)
    }
}
