//! The payment result Payple reports for billing pay, CERT confirm, the result query and the window POST.

use super::*;

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

    pub fn parse(resp: &HttpResponse) -> Result<Self, Error> {
        let o = payple_object(resp)?;
        let p = Self::from_object(&o);
        if p.pay_total.is_none() {
            return Err(response::unreadable(Gateway::Payple, resp, "PCD_PAY_TOTAL is missing or not a number"));
        }
        Ok(p)
    }
}
