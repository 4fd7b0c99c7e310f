//! One line per field for the schema (crate::schema): what it is and where the spec says so. Fields are
//! matched by name; an operation may override a shared name. A test checks that every field of every
//! operation has a line and that no line is left without a field.

use crate::catalog::Operation;

/// One sentence per operation: what it does and where the spec says so.
pub(crate) fn operation(op: Operation) -> &'static str {
    use Operation as O;
    match op {
        O::PayupKeyinApprove => {
            "A card payment by card number, expiry, birth date and 2 password digits (payup-card-keyin.txt §2.1)"
        }
        O::PayupKeyinCancel => "Cancels a keyin approval in full (payup-card-keyin.txt §2.2)",
        O::PayupKakaopayOrder => {
            "Registers a KakaoPay order and returns the payment window's parameters (payup-kakaopay-kcp.txt §3.1)"
        }
        O::PayupKakaopayWindow => {
            "The HTML page that opens the KakaoPay window for an order, mobile (WM) or PC (WP) (payup-kakaopay-kcp.txt §3.2)"
        }
        O::PayupKakaopayApprove => "Approves the payment the window posted back (payup-kakaopay-kcp.txt §3.3)",
        O::PayupKakaopayCancel => "Cancels a KakaoPay payment (payup-kakaopay-kcp.txt §3.4)",
        O::PaypleAuth => {
            "Partner auth for Payple's payment window: the tokens the page needs (payple-card.txt 파트너 인증)"
        }
        O::PaypleCardConfirm => "Confirms a CERT window payment (payple-card.txt 1-1)",
        O::PaypleBillingPay => "Charges a billing key, monthly or simple (payple-card.txt 3. 정기결제)",
        O::PaypleBillingInfo => "The card registered under a billing key (payple-card.txt 6. PUSERINFO)",
        O::PaypleBillingDelete => "Deletes a billing key (payple-card.txt 5. PUSERDEL)",
        O::PaypleCancel => "Refunds a payment in full or in part (payple-card.txt 4. 승인취소)",
        O::PaypleStatus => "Looks a payment up by order number and date (payple-card.txt 결제결과 조회)",
        O::PaypleResult => "Reads the result Payple's window posts to the merchant (payple-card.txt 결제결과 수신)",
        O::KcpKeyinApprove => {
            "An NHN KCP keyin approval, certified (11121000) or uncertified (11111000) (kcp-keyin.txt)"
        }
        O::KcpCancel => {
            "Cancels an NHN KCP approval, in full (STSC) or in part (STPC), RSA-signed (KCP public docs, specs/README)"
        }
    }
}

pub(crate) fn request(op: Operation, field: &str) -> &'static str {
    lookup(REQUEST, op, field)
}

pub(crate) fn result(op: Operation, field: &str) -> &'static str {
    lookup(RESULT, op, field)
}

fn lookup(table: &[(&str, &str, &'static str)], op: Operation, field: &str) -> &'static str {
    table
        .iter()
        .find(|(o, f, _)| *o == op.name() && *f == field)
        .or_else(|| table.iter().find(|(o, f, _)| o.is_empty() && *f == field))
        .map(|(_, _, d)| *d)
        .unwrap_or("")
}

/// (operation or "" for every operation, field, description)
pub(crate) const REQUEST: &[(&str, &str, &str)] = &[
    ("", "amount", "Amount in KRW, an integer (payup-card-keyin.txt §2.1 amount; kcp-keyin.txt amount)"),
    (
        "payple.card.confirm",
        "amount",
        "The amount the merchant expects for this window payment: checked against PCD_PAY_TOTAL (payple-card.txt CERT confirm)",
    ),
    (
        "payup.kakaopay.approve",
        "amount",
        "The order's amount, checked against the approval's amount (payup-kakaopay-kcp.txt §3.3)",
    ),
    ("", "app_url", "appUrl: the app to return to after the mobile window (payup-kakaopay-kcp.txt §3.1)"),
    ("", "auth_key", "PCD_AUTH_KEY posted back by the CERT window (payple-card.txt CERT confirm)"),
    ("", "birthday", "birthday: YYMMDD or a 10-digit business number (payup-card-keyin.txt §2.1); secret"),
    ("", "buyr_mail", "buyr_mail: the buyer's e-mail (kcp-keyin.txt 결제요청)"),
    ("", "buyr_name", "buyr_name: the buyer's name (kcp-keyin.txt 결제요청)"),
    ("", "buyr_tel2", "buyr_tel2: the buyer's phone, '-' allowed (kcp-keyin.txt 결제요청)"),
    ("", "cancel_reason", "cancelReason (payup-kakaopay-kcp.txt §3.4)"),
    ("", "card_expiry", "card_expiry: YYMM (kcp-keyin.txt 결제요청)"),
    (
        "",
        "card_no",
        "Card number, digits only (payup-card-keyin.txt §2.1 cardNo; kcp-keyin.txt card_no); secret, masked 6+4 everywhere",
    ),
    ("", "card_pay_method", "card_pay_method posted back by the window (payup-kakaopay-kcp.txt §3.3)"),
    ("", "card_pw", "cardPw: the first 2 password digits (payup-card-keyin.txt §2.1); secret"),
    ("", "card_pwd", "card_pwd: the first 2 password digits, certified approval 11121000 (kcp-keyin.txt); secret"),
    ("", "card_taxno", "card_taxno: YYMMDD or business number, certified approval 11121000 (kcp-keyin.txt); secret"),
    (
        "",
        "card_tx_type",
        "card_tx_type: 11121000 certified or 11111000 uncertified; filled in from the fields when absent (kcp-keyin.txt)",
    ),
    ("", "cashbill_yn", "cashbillYn: issue a cash receipt for KakaoPay money (payup-kakaopay-kcp.txt §3.1)"),
    ("", "currency", "currency: 410 (KRW, default) or 840 (USD) (kcp-keyin.txt)"),
    ("", "cust_ip", "cust_ip: the buyer's IP address (kcp-keyin.txt)"),
    ("", "enc_data", "enc_data posted back by the window (payup-kakaopay-kcp.txt §3.3)"),
    ("", "enc_info", "enc_info posted back by the window (payup-kakaopay-kcp.txt §3.3)"),
    ("", "expire_month", "expireMonth: MM (payup-card-keyin.txt §2.1)"),
    ("", "expire_year", "expireYear: YY (payup-card-keyin.txt §2.1)"),
    (
        "",
        "fields",
        "The result as the window's callbackFunction receives it (an object), instead of form (payple-card.txt 결과 전송)",
    ),
    (
        "",
        "form",
        "The result POSTed to PCD_RST_URL, as the raw form body, instead of fields (payple-card.txt 결과 전송)",
    ),
    ("", "free_amount", "freeAmount: the tax-free part, with tax_flag (payup-card-keyin.txt §2.1)"),
    ("", "good_name", "good_name: the goods' name (kcp-keyin.txt)"),
    (
        "",
        "http_user_agent",
        "The buyer's browser User-Agent: must be a mobile one for the WM window (payup-kakaopay-kcp.txt §3.1)",
    ),
    ("", "item_name", "itemName: the goods' name (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)"),
    ("", "kakao_send", "kakaoSend: send a KakaoTalk notification (needs mobile_number) (payup-card-keyin.txt §2.1)"),
    (
        "",
        "kcp_script_url",
        "The script of KCP's PC window; default https://pay.kcp.co.kr/plugin/payplus_web.jsp (payup-kakaopay-kcp.txt §3.2.2)",
    ),
    (
        "",
        "mobile_number",
        "mobileNumber: the buyer's mobile number, digits (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)",
    ),
    ("", "mod_desc", "mod_desc: the reason for the cancel (KCP cancel, specs/README)"),
    ("", "mod_mny", "mod_mny: the amount to cancel, STPC only (KCP cancel, specs/README)"),
    ("", "mod_type", "mod_type: STSC full cancel, STPC partial cancel (KCP cancel, specs/README)"),
    ("", "order", "The result of payup.kakaopay.order (its window parameters) (payup-kakaopay-kcp.txt §3.2)"),
    (
        "",
        "order_number",
        "orderNumber: the merchant's order number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)",
    ),
    (
        "payup.kakaopay.approve",
        "ordr_idxx",
        "ordr_idxx: Payup's transaction number, posted back by the window (payup-kakaopay-kcp.txt §3.3)",
    ),
    ("kcp.keyin.approve", "ordr_idxx", "ordr_idxx: the merchant's order number (kcp-keyin.txt)"),
    ("", "param_opt_1", "param_opt_1: passed through the window (payup-kakaopay-kcp.txt §3.2)"),
    ("", "param_opt_2", "param_opt_2: passed through the window (payup-kakaopay-kcp.txt §3.2)"),
    ("", "param_opt_3", "param_opt_3: passed through the window (payup-kakaopay-kcp.txt §3.2)"),
    (
        "",
        "pay_cofurl",
        "PCD_PAY_COFURL posted back by the CERT window: confirmed only on the configured Payple host (payple-card.txt)",
    ),
    ("", "pay_date", "PCD_PAY_DATE: the payment's date YYYYMMDD (payple-card.txt 결제취소/결과조회)"),
    ("", "pay_goods", "PCD_PAY_GOODS: the goods' name (payple-card.txt 정기결제)"),
    ("", "pay_istax", "PCD_PAY_ISTAX: taxable (default) or not (payple-card.txt)"),
    ("", "pay_month", "PCD_PAY_MONTH: the billing month MM (payple-card.txt 정기결제)"),
    ("", "pay_oid", "PCD_PAY_OID: the merchant's order number (payple-card.txt)"),
    ("", "pay_reqkey", "PCD_PAY_REQKEY posted back by the CERT window (payple-card.txt)"),
    ("", "pay_taxtotal", "PCD_PAY_TAXTOTAL / PCD_REFUND_TAXTOTAL: the VAT part (payple-card.txt)"),
    ("", "pay_total", "PCD_PAY_TOTAL: amount in KRW, at least 100 (payple-card.txt 정기결제)"),
    ("", "pay_type", "PCD_PAY_TYPE: card (payple-card.txt 파트너 인증)"),
    ("", "pay_work", "PCD_PAY_WORK: CERT, PAY, AUTH, PUSERDEL or PUSERINFO (payple-card.txt 파트너 인증)"),
    ("", "pay_year", "PCD_PAY_YEAR: the billing year YYYY (payple-card.txt 정기결제)"),
    ("", "paycancel_flag", "PCD_PAYCANCEL_FLAG: partner auth for a refund (payple-card.txt 파트너 인증)"),
    ("", "paychk_flag", "PCD_PAYCHK_FLAG: partner auth for a result query (payple-card.txt 파트너 인증)"),
    ("", "payer_email", "PCD_PAYER_EMAIL (payple-card.txt)"),
    ("", "payer_hp", "PCD_PAYER_HP: the payer's phone, digits (payple-card.txt)"),
    ("", "payer_id", "PCD_PAYER_ID: the billing key (payple-card.txt)"),
    ("", "payer_no", "PCD_PAYER_NO: the merchant's member number (payple-card.txt)"),
    ("payup.keyin.approve", "quota", "quota: instalment months 0–24 (payup-card-keyin.txt §2.1)"),
    ("kcp.keyin.approve", "quota", "quota: instalment months, sent as two digits (kcp-keyin.txt)"),
    (
        "",
        "refund_total",
        "PCD_REFUND_TOTAL: the amount to refund; below the payment's, a partial refund (payple-card.txt 결제취소)",
    ),
    ("", "reguler_flag", "PCD_REGULER_FLAG: a recurring (monthly) payment (payple-card.txt)"),
    ("", "rem_mny", "rem_mny: the balance before this partial cancel (KCP cancel, specs/README)"),
    ("", "res_cd", "res_cd posted back by the window: 0000 or the window's code (payup-kakaopay-kcp.txt §3.3)"),
    ("", "return_url", "returnUrl: where the window posts its result (payup-kakaopay-kcp.txt §3.1)"),
    ("", "simple_flag", "PCD_SIMPLE_FLAG: simple billing, more than once a month (payple-card.txt)"),
    ("", "tax_amount", "taxAmount: the taxable part VAT included, with tax_flag (payup-card-keyin.txt §2.1)"),
    ("", "tax_flag", "taxFlag: mixed taxation (payup-card-keyin.txt §2.1)"),
    ("", "tno", "tno: KCP's transaction number of the approval (KCP cancel, specs/README)"),
    ("", "tran_cd", "tran_cd posted back by the window (payup-kakaopay-kcp.txt §3.3)"),
    (
        "",
        "transaction_id",
        "transactionId: Payup's transaction number of the approval (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)",
    ),
    ("", "user_agent", "userAgent: WM (mobile window, default) or WP (PC) (payup-kakaopay-kcp.txt §3.1)"),
    ("", "user_define1", "PCD_USER_DEFINE1: passed through (payple-card.txt)"),
    ("", "user_define2", "PCD_USER_DEFINE2: passed through (payple-card.txt)"),
    ("", "user_email", "userEmail: the buyer's e-mail (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)"),
    ("", "user_name", "userName: the buyer's name (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)"),
];

pub(crate) const RESULT: &[(&str, &str, &str)] = &[
    ("", "acqu_cd", "acqu_cd: the acquirer's code (kcp-keyin.txt 승인응답)"),
    ("", "acqu_name", "acqu_name: the acquirer's name (kcp-keyin.txt 승인응답)"),
    ("", "amount", "The amount the gateway reports (KRW); payup has checked it against the request"),
    ("kcp.cancel", "amount", "amount: the original approval's amount (KCP cancel, specs/README)"),
    ("", "app_no", "app_no: the card approval number (kcp-keyin.txt 승인응답)"),
    ("", "app_time", "app_time: the approval time (kcp-keyin.txt 승인응답)"),
    ("", "approval_key", "approval_key: for the PC window (payup-kakaopay-kcp.txt §3.1)"),
    ("", "auth_date_time", "authDateTime: YYYYMMDDHHMMSS (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)"),
    ("payple.auth", "auth_key", "AuthKey: the token for the next call (payple-card.txt 파트너 인증)"),
    ("", "auth_key", "PCD_AUTH_KEY: the window's token for payple.card.confirm (payple-card.txt)"),
    (
        "",
        "auth_number",
        "authNumber: the card approval number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)",
    ),
    ("", "buyr_name", "buyr_name: for the window (payup-kakaopay-kcp.txt §3.1)"),
    ("", "canc_time", "canc_time: when it was cancelled (KCP cancel, specs/README)"),
    ("", "cancel_date_time", "cancelDateTime (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)"),
    ("", "card_auth_no", "PCD_PAY_CARDAUTHNO: the card approval number (payple-card.txt)"),
    ("", "card_bin_bank_cd", "card_bin_bank_cd (kcp-keyin.txt 승인응답)"),
    ("", "card_bin_type_01", "card_bin_type_01: personal or corporate (kcp-keyin.txt 승인응답)"),
    ("", "card_bin_type_02", "card_bin_type_02: credit or check (kcp-keyin.txt 승인응답)"),
    ("", "card_cd", "card_cd: the issuer's code (kcp-keyin.txt 승인응답)"),
    ("", "card_mny", "card_mny: the card part of the amount (kcp-keyin.txt 승인응답)"),
    ("", "card_name", "The card issuer's name"),
    ("", "card_no", "The card number as the gateway masks it (at most 6+4 digits shown)"),
    ("", "card_num", "PCD_PAY_CARDNUM / PCD_CARDNUM: the masked card number (payple-card.txt)"),
    ("", "card_receipt", "PCD_PAY_CARDRECEIPT: the receipt URL (payple-card.txt)"),
    ("", "card_trade_num", "PCD_PAY_CARDTRADENUM: Payple's transaction number (payple-card.txt)"),
    (
        "",
        "cash_receipt",
        "cashReceipt: the amount eligible for a cash receipt, KAKAO_MONEY (payup-kakaopay-kcp.txt §3.3)",
    ),
    ("", "cst_id", "cst_id: the token standing for cst_id in the next call (payple-card.txt 파트너 인증)"),
    ("", "cust_key", "custKey: the token standing for custKey in the next call (payple-card.txt 파트너 인증)"),
    ("", "free_amount", "freeAmount: the tax-free part (mixed taxation) (payup-card-keyin.txt §2.1)"),
    ("", "good_mny", "good_mny: the order's amount, for the window (payup-kakaopay-kcp.txt §3.1)"),
    ("", "good_name", "good_name: for the window (payup-kakaopay-kcp.txt §3.1)"),
    ("", "html", "The window page's HTML, to send to the buyer's browser (payup-kakaopay-kcp.txt §3.2)"),
    (
        "",
        "kakao_result_code",
        "kakaoResultCode: \"\" not sent, 0000 sent, else the notification failed (payup-card-keyin.txt §2.1)",
    ),
    ("", "mod_mny", "mod_mny: the amount cancelled (KCP cancel, specs/README)"),
    ("", "mod_type", "mod_type: STSC or STPC (KCP cancel, specs/README)"),
    ("", "noinf", "noinf: Y for an interest-free instalment"),
    ("", "noinf_type", "noinf_type: CARD or SHOP (kcp-keyin.txt 승인응답)"),
    ("", "order_number", "orderNumber: the merchant's order number, as the gateway echoes it"),
    (
        "",
        "ordr_idxx",
        "ordr_idxx: Payup's transaction number for the window; it is posted back (payup-kakaopay-kcp.txt §3.1)",
    ),
    ("", "partcanc_yn", "partcanc_yn: partial cancels possible (kcp-keyin.txt 승인응답)"),
    ("", "pay_bank", "PCD_PAY_BANK: the card's issuer code (payple-card.txt PUSERINFO)"),
    ("", "pay_bankacctype", "PCD_PAY_BANKACCTYPE (payple-card.txt PUSERINFO)"),
    ("", "pay_bankname", "PCD_PAY_BANKNAME: the issuer's name (payple-card.txt PUSERINFO)"),
    ("", "pay_banknum", "PCD_PAY_BANKNUM: the masked card number (payple-card.txt PUSERINFO)"),
    ("", "pay_code", "PCD_PAY_CODE: Payple's result code (payple-card.txt)"),
    ("", "pay_cofurl", "PCD_PAY_COFURL: where payple.card.confirm goes, CERT window (payple-card.txt)"),
    ("", "pay_goods", "PCD_PAY_GOODS (payple-card.txt)"),
    ("", "pay_host", "PCD_PAY_HOST: the host of the next call (payple-card.txt 파트너 인증)"),
    ("", "pay_istax", "PCD_PAY_ISTAX (payple-card.txt)"),
    ("", "pay_month", "PCD_PAY_MONTH (payple-card.txt)"),
    ("", "pay_msg", "PCD_PAY_MSG: Payple's message (payple-card.txt)"),
    ("", "pay_oid", "PCD_PAY_OID: the merchant's order number, as Payple echoes it (payple-card.txt)"),
    ("", "pay_reqkey", "PCD_PAY_REQKEY: for payple.card.confirm, CERT window (payple-card.txt)"),
    ("", "pay_rst", "PCD_PAY_RST: success, error or close (payple-card.txt)"),
    ("", "pay_taxtotal", "PCD_PAY_TAXTOTAL / PCD_REFUND_TAXTOTAL (payple-card.txt)"),
    ("", "pay_time", "PCD_PAY_TIME: YYYYMMDDHHMMSS (payple-card.txt)"),
    ("", "pay_total", "PCD_PAY_TOTAL: the amount paid (KRW) (payple-card.txt)"),
    ("", "pay_type", "PCD_PAY_TYPE (payple-card.txt)"),
    ("", "pay_url", "The next call's path (Payple), or the mobile window's URL (KakaoPay)"),
    ("", "pay_work", "PCD_PAY_WORK (payple-card.txt)"),
    ("", "pay_year", "PCD_PAY_YEAR (payple-card.txt)"),
    ("", "payer_email", "PCD_PAYER_EMAIL (payple-card.txt)"),
    ("", "payer_hp", "PCD_PAYER_HP (payple-card.txt)"),
    ("", "payer_id", "PCD_PAYER_ID: the billing key (payple-card.txt)"),
    ("", "payer_name", "PCD_PAYER_NAME (payple-card.txt PUSERINFO)"),
    ("", "payer_no", "PCD_PAYER_NO: the merchant's member number (payple-card.txt)"),
    ("", "quota", "quota: instalment months"),
    ("", "refund_total", "PCD_REFUND_TOTAL: the amount refunded (payple-card.txt 결제취소)"),
    ("", "reguler_flag", "PCD_REGULER_FLAG (payple-card.txt)"),
    ("", "rem_mny", "rem_mny: the balance after this cancel (KCP cancel, specs/README)"),
    ("", "res_cd", "res_cd: 0000 (kcp-keyin.txt 승인응답)"),
    ("", "res_en_msg", "res_en_msg: the message in English (kcp-keyin.txt 승인응답)"),
    ("", "res_msg", "res_msg: KCP's message (kcp-keyin.txt 승인응답)"),
    ("", "response_code", "responseCode: 0000 (payup-card-keyin.txt §3.1)"),
    ("", "response_msg", "responseMsg (payup-card-keyin.txt §3.1)"),
    ("", "result", "result: success (payple-card.txt 파트너 인증)"),
    ("", "result_msg", "result_msg (payple-card.txt 파트너 인증)"),
    ("", "ret_url", "Ret_URL: where the window posts its result (payup-kakaopay-kcp.txt §3.1)"),
    ("", "return_url", "return_url: the absolute URL of the next call (payple-card.txt 파트너 인증)"),
    ("", "site_cd", "site_cd: KCP's site code for the window (payup-kakaopay-kcp.txt §3.1)"),
    ("", "tax_amount", "taxAmount: the taxable part without VAT (mixed taxation) (payup-card-keyin.txt §2.1)"),
    ("", "tno", "tno: KCP's transaction number: keep it whole (kcp-keyin.txt 승인응답)"),
    (
        "",
        "transaction_id",
        "transactionId: Payup's transaction number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)",
    ),
    ("", "type", "type: KAKAO_CARD or KAKAO_MONEY (payup-kakaopay-kcp.txt §3.3)"),
    ("", "user_define1", "PCD_USER_DEFINE1 (payple-card.txt)"),
    ("", "user_define2", "PCD_USER_DEFINE2 (payple-card.txt)"),
    ("", "vat_amount", "vatAmount: the VAT (mixed taxation) (payup-card-keyin.txt §2.1)"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_is_left_without_a_field() {
        let ops = crate::schema::operations();
        for (table, of_result) in [(REQUEST, false), (RESULT, true)] {
            for (op, field, _) in table {
                let used = ops.iter().filter(|o| op.is_empty() || o.name == *op).any(|o| {
                    let fields = if of_result { &o.result } else { &o.request };
                    fields.iter().any(|f| f.name == *field)
                });
                assert!(used, "description of {op:?}.{field} names no field of the schema");
            }
        }
    }
}
