//! Payup KakaoPay via NHN KCP: order (payup-kakaopay-kcp.txt §3.1), approve (§3.3), cancel (§3.4).

use super::*;

// ---- KakaoPay order (§3.1) ---------------------------------------------------------------------

/// Which KakaoPay window: `WM` mobile (the default), `WP` PC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WindowKind {
    /// The mobile window.
    WM,
    /// The PC window.
    WP,
}

impl WindowKind {
    /// `WM` or `WP`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "WM" => Some(WindowKind::WM),
            "WP" => Some(WindowKind::WP),
            _ => None,
        }
    }
    /// `WM` or `WP`.
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
pub struct KakaopayOrder {
    /// orderNumber: the merchant's order number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub order_number: String,
    /// userAgent: WM (mobile window, default) or WP (PC) (payup-kakaopay-kcp.txt §3.1)
    pub user_agent: WindowKind,
    /// The HTTP User-Agent to send: the buyer's browser's, ideally. Defaults by `user_agent`.
    pub http_user_agent: Option<String>,
    /// appUrl: the app to return to after the mobile window (payup-kakaopay-kcp.txt §3.1)
    pub app_url: Option<String>,
    /// Amount in KRW, an integer (payup-card-keyin.txt §2.1 amount; kcp-keyin.txt amount)
    pub amount: u64,
    /// itemName: the goods' name (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub item_name: String,
    /// userName: the buyer's name (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub user_name: String,
    /// returnUrl: where the window posts its result (payup-kakaopay-kcp.txt §3.1)
    pub return_url: String,
    /// userEmail: the buyer's e-mail (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub user_email: Option<String>,
    /// cashbillYn: issue a cash receipt for KakaoPay money (payup-kakaopay-kcp.txt §3.1)
    pub cashbill_yn: Option<bool>,
    /// mobileNumber: the buyer's mobile number, digits (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub mobile_number: Option<String>,
}

impl KakaopayOrder {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let ua = d.opt_str("user_agent");
        let r = KakaopayOrder {
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

    pub(crate) fn check(&self, p: &mut Problems) {
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

    /// The HTTP request to send (wire encoding and signature).
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
pub struct KakaopayOrdered {
    /// good_mny: the order's amount, for the window (payup-kakaopay-kcp.txt §3.1)
    pub good_mny: u64,
    /// site_cd: KCP's site code for the window (payup-kakaopay-kcp.txt §3.1)
    pub site_cd: String,
    #[serde(rename = "ret_url")]
    /// Ret_URL: where the window posts its result (payup-kakaopay-kcp.txt §3.1)
    pub ret_url: String,
    /// buyr_name: for the window (payup-kakaopay-kcp.txt §3.1)
    pub buyr_name: String,
    /// Payup's transaction number for this order; the window posts it back.
    pub ordr_idxx: String,
    /// good_name: for the window (payup-kakaopay-kcp.txt §3.1)
    pub good_name: String,
    /// approval_key: for the PC window (payup-kakaopay-kcp.txt §3.1)
    pub approval_key: Option<String>,
    /// The next call's path (Payple), or the mobile window's URL (KakaoPay)
    pub pay_url: Option<String>,
    /// responseCode: 0000 (payup-card-keyin.txt §3.1)
    pub response_code: String,
    /// responseMsg (payup-card-keyin.txt §3.1)
    pub response_msg: String,
}

impl KakaopayOrdered {
    /// Reads Payup's answer: the result, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payup_object(resp)?;
        let good_mny = amount_field(&o, "good_mny")?
            .ok_or_else(|| response::unreadable(Gateway::Payup, resp, "the order has no good_mny"))?;
        Ok(KakaopayOrdered {
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
        let r = KakaopayOrdered {
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

// ---- KakaoPay approve (§3.3) -------------------------------------------------------------------

/// `payup.kakaopay.approve`: approves with what the window posted back to `returnUrl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaopayApprove {
    /// res_cd posted back by the window: 0000 or the window's code (payup-kakaopay-kcp.txt §3.3)
    pub res_cd: String,
    /// enc_info posted back by the window (payup-kakaopay-kcp.txt §3.3)
    pub enc_info: String,
    /// enc_data posted back by the window (payup-kakaopay-kcp.txt §3.3)
    pub enc_data: String,
    /// tran_cd posted back by the window (payup-kakaopay-kcp.txt §3.3)
    pub tran_cd: Option<String>,
    /// card_pay_method posted back by the window (payup-kakaopay-kcp.txt §3.3)
    pub card_pay_method: String,
    /// ordr_idxx: Payup's transaction number, posted back by the window (payup-kakaopay-kcp.txt §3.3)
    pub ordr_idxx: String,
    /// The amount the merchant expects (not sent): an approval of another amount is not a success.
    pub amount: u64,
}

impl KakaopayApprove {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = KakaopayApprove {
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

    pub(crate) fn check(&self, p: &mut Problems) {
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
pub enum KakaopayApproved {
    /// Paid by a card registered in KakaoPay.
    #[serde(rename = "KAKAO_CARD")]
    Card {
        /// transactionId: Payup's transaction number.
        transaction_id: String,
        /// orderNumber: the merchant's order number.
        order_number: String,
        /// authDateTime: when it was approved.
        auth_date_time: Option<String>,
        /// amount: the amount approved (KRW).
        amount: Option<u64>,
        /// authNumber: the card approval number.
        auth_number: String,
        /// cardName: the card's name.
        card_name: String,
        /// Masked by the gateway.
        card_no: String,
        /// quota: the instalment months.
        quota: String,
        /// responseCode: 0000.
        response_code: String,
        /// responseMsg: the gateway's message.
        response_msg: String,
    },
    /// Paid with KakaoPay money.
    #[serde(rename = "KAKAO_MONEY")]
    Money {
        /// transactionId: Payup's transaction number.
        transaction_id: String,
        /// orderNumber: the merchant's order number.
        order_number: String,
        /// authDateTime: when it was approved.
        auth_date_time: String,
        /// amount: the amount approved (KRW).
        amount: u64,
        /// The amount eligible for a cash receipt.
        cash_receipt: u64,
        /// responseCode: 0000.
        response_code: String,
        /// responseMsg: the gateway's message.
        response_msg: String,
    },
}

impl KakaopayApproved {
    /// Reads Payup's answer: the result, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payup_object(resp)?;
        match s(&o, "type").as_str() {
            "KAKAO_CARD" => Ok(KakaopayApproved::Card {
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
            "KAKAO_MONEY" => Ok(KakaopayApproved::Money {
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

    /// transactionId, card or money.
    pub fn transaction_id(&self) -> &str {
        match self {
            KakaopayApproved::Card { transaction_id, .. } | KakaopayApproved::Money { transaction_id, .. } => {
                transaction_id
            }
        }
    }

    /// The amount approved, card or money (KakaoPay card may omit it).
    pub fn amount(&self) -> Option<u64> {
        match self {
            KakaopayApproved::Card { amount, .. } => *amount,
            KakaopayApproved::Money { amount, .. } => Some(*amount),
        }
    }
}

// ---- KakaoPay cancel (§3.4) --------------------------------------------------------------------

/// `payup.kakaopay.cancel`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaopayCancel {
    /// transactionId: Payup's transaction number of the approval (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)
    pub transaction_id: String,
    /// cancelReason (payup-kakaopay-kcp.txt §3.4)
    pub cancel_reason: String,
}

impl KakaopayCancel {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let r = KakaopayCancel { transaction_id: d.str("transaction_id"), cancel_reason: d.str("cancel_reason") };
        d.finish_with(r, Self::check)
    }

    pub(crate) fn check(&self, p: &mut Problems) {
        if self.transaction_id.is_empty() {
            p.push("transaction_id", "is required");
        }
        check_transaction_id(p, &self.transaction_id);
        if self.cancel_reason.is_empty() {
            p.push("cancel_reason", "is required");
        }
        check_bytes(p, "cancel_reason", &self.cancel_reason, 256);
    }

    /// The HTTP request to send (wire encoding).
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

impl Flow for KakaopayOrder {
    type Output = KakaopayOrdered;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, now: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payup(Self::OPERATION)?, now)
    }
    fn parse(resp: &HttpResponse) -> Result<KakaopayOrdered, Error> {
        KakaopayOrdered::parse(resp)
    }
    fn known(&self) -> Known {
        Known::order(&self.order_number, self.amount)
    }
}

impl Flow for KakaopayApprove {
    type Output = KakaopayApproved;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn prepare(&self, creds: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        self.prepare(creds.payup(Self::OPERATION)?)
    }
    fn parse(resp: &HttpResponse) -> Result<KakaopayApproved, Error> {
        KakaopayApproved::parse(resp)
    }
    fn known(&self) -> Known {
        Known::transaction(&self.ordr_idxx, Some(self.amount))
    }
    /// The request carries `ordr_idxx` and the answer `transactionId`; the spec calls both "페이업 거래번호"
    /// (§3.1 응답, §3.3 응답) but no sample shows the two side by side: equal proves the answer ours; a
    /// different one is not taken as another order (that would make every approval ambiguous if the gateway
    /// numbers them apart) but is never cancelled either.
    fn attribute(&self, a: &KakaopayApproved) -> Attribution {
        match Attribution::echoed("transactionId", &self.ordr_idxx, a.transaction_id()) {
            Attribution::Other { found, .. } => Attribution::Unproven(format!(
                "its transactionId {found} is not the ordr_idxx sent (the spec calls both 페이업 거래번호)"
            )),
            other => other,
        }
    }
    /// A KakaoPay card result may omit the amount (§3.3: N); then there is nothing to compare.
    fn amounts(&self, a: &KakaopayApproved) -> Option<Amounts> {
        Some(Amounts {
            requested: self.amount,
            reported: a.amount().unwrap_or(self.amount),
            transaction_id: a.transaction_id().to_string(),
            is_cancel: false,
        })
    }
    fn undo(&self, a: &KakaopayApproved, reason: &str) -> Option<Undo> {
        Some(Undo::by(KakaopayCancel {
            transaction_id: a.transaction_id().to_string(),
            cancel_reason: reason.to_string(),
        }))
    }
    /// The window's enc_data authorizes one payment of one order: asking again either approves (the first
    /// never arrived) or answers 8002 (it did): never a second charge (§3.3 8002 "이미 결제된 주문").
    fn recovery(&self, _asked_on: &str) -> Recovery {
        Recovery::AskAgain {
            already_done: "8002",
            meaning: "the order is already paid",
            lost: "its transactionId is unknown: find it in Payup's merchant pages",
        }
    }
}

cancel_flow!(KakaopayCancel);
