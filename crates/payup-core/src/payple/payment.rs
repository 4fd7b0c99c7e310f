//! The payment result Payple reports for billing pay, CERT confirm, the result query and the window POST.

use super::*;

// ---- the payment result, shared by billing pay, CERT confirm, the status query and the window POST ------

/// A Payple card payment as the gateway reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PayplePayment {
    /// PCD_PAY_RST: success, error or close (payple-card.txt)
    pub pay_rst: String,
    /// PCD_PAY_CODE: Payple's result code (payple-card.txt)
    pub pay_code: Option<String>,
    /// PCD_PAY_MSG: Payple's message (payple-card.txt)
    pub pay_msg: String,
    /// PCD_PAY_TYPE (payple-card.txt)
    pub pay_type: Option<String>,
    /// PCD_PAY_WORK (payple-card.txt)
    pub pay_work: Option<String>,
    /// PCD_PAY_OID: the merchant's order number, as Payple echoes it (payple-card.txt)
    pub pay_oid: String,
    /// PCD_PAYER_NO: the merchant's member number (payple-card.txt)
    pub payer_no: Option<String>,
    /// PCD_PAYER_ID: the billing key (payple-card.txt)
    pub payer_id: Option<String>,
    /// PCD_PAYER_EMAIL (payple-card.txt)
    pub payer_email: Option<String>,
    /// PCD_PAY_YEAR (payple-card.txt)
    pub pay_year: Option<String>,
    /// PCD_PAY_MONTH (payple-card.txt)
    pub pay_month: Option<String>,
    /// PCD_PAY_GOODS (payple-card.txt)
    pub pay_goods: Option<String>,
    /// PCD_PAY_TOTAL: the amount paid (KRW) (payple-card.txt)
    pub pay_total: Option<u64>,
    /// PCD_PAY_ISTAX (payple-card.txt)
    pub pay_istax: Option<String>,
    /// PCD_PAY_TAXTOTAL / PCD_REFUND_TAXTOTAL (payple-card.txt)
    pub pay_taxtotal: Option<u64>,
    /// PCD_PAY_TIME: YYYYMMDDHHMMSS (payple-card.txt)
    pub pay_time: Option<String>,
    /// `PCD_PAY_CARDNAME` / `PCD_CARDNAME` (and the sample's `PCD_PAY_CARDNANE`).
    pub card_name: Option<String>,
    /// Masked card number: `PCD_PAY_CARDNUM` / `PCD_CARDNUM`.
    pub card_num: Option<String>,
    /// `PCD_PAY_CARDTRADENUM` / `PCD_CARDTRADENUM`.
    pub card_trade_num: Option<String>,
    /// PCD_PAY_CARDAUTHNO: the card approval number (payple-card.txt)
    pub card_auth_no: Option<String>,
    /// PCD_PAY_CARDRECEIPT: the receipt URL (payple-card.txt)
    pub card_receipt: Option<String>,
    /// PCD_REGULER_FLAG (payple-card.txt)
    pub reguler_flag: Option<String>,
    /// PCD_USER_DEFINE1 (payple-card.txt)
    pub user_define1: Option<String>,
    /// PCD_USER_DEFINE2 (payple-card.txt)
    pub user_define2: Option<String>,
    /// Window results only: what `payple.card.confirm` needs for a CERT payment.
    pub auth_key: Option<String>,
    /// PCD_PAY_REQKEY: for payple.card.confirm, CERT window (payple-card.txt)
    pub pay_reqkey: Option<String>,
    /// PCD_PAY_COFURL: where payple.card.confirm goes, CERT window (payple-card.txt)
    pub pay_cofurl: Option<String>,
}

impl PayplePayment {
    pub(crate) fn from_object(o: &Map<String, Value>) -> Self {
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

    /// Reads Payple's answer: the payment, or the error it means.
    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        let p = Self::from_object(&o);
        if p.pay_total.is_none() {
            return Err(response::unreadable(Gateway::Payple, resp, "PCD_PAY_TOTAL is missing or not a number"));
        }
        Ok(p)
    }
}
