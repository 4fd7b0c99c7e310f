//! Payup card keyin (payup-card-keyin.txt §2) and Payup KakaoPay via NHN KCP (payup-kakaopay-kcp.txt §3).

use payup_core::codes::{Gateway, lookup};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::Shared;
use crate::fields::{
    Dialect, Fields, birth_or_business, card_number, deviate, digits_exact, digits_max, max_bytes, month, tri,
};
use crate::http::{Request, Response};
use crate::state::{KakaopayOrder, Tx};
use crate::util::{self, CardOutcome};

/// `{"responseCode","responseMsg"}` with the §3.1 message; `{파라미터명}` replaced by `param`.
pub(crate) fn err(code: &str, param: Option<&str>) -> Response {
    let msg = lookup(Gateway::Payup, code).map(|c| c.message).unwrap_or("관리자에게 문의해주세요.");
    match param {
        Some(p) => Response::json_strings(&[("responseCode", code), ("responseMsg", &msg.replace("{파라미터명}", p))]),
        None => Response::json_strings(&[("responseCode", code), ("responseMsg", msg)]),
    }
}

/// A Payup JSON body: "요청 전문구성은 모두 String형 이어야 합니다" (payup-card-keyin.txt §2.0), so any
/// non-string value is 6002 naming that field. An unparsable body is 6003; a missing field 6001.
static PAYUP: Dialect = Dialect {
    strings_only: true,
    not_an_object: || err("6003", None),
    missing: |k| err("6001", Some(k)),
    invalid: |k, _| err("6002", Some(k)),
};

fn parse(req: &Request) -> Result<Fields<'_>, Response> {
    Fields::json(&req.body, &PAYUP)
}

/// sha256 hex of the `|`-joined values with white space removed (§2.1.1 / §2.2.1: "(공백제거)"). The
/// parts are hashed as they are, between their white space, into a hex string on the stack (joining,
/// filtering and hex-encoding into three `String`s was ~8% of a keyin approval under callgrind).
fn signature(parts: &[&str]) -> Signature {
    let mut h = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"|");
        }
        for piece in part.split(char::is_whitespace) {
            h.update(piece.as_bytes());
        }
    }
    let mut hex = [0u8; 64];
    payup_core::lower_hex_into(&h.finalize(), &mut hex);
    Signature(hex)
}

/// A signature in lowercase hex.
struct Signature([u8; 64]);

impl Signature {
    #[cfg(test)]
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Lowercase hex, exactly: the specs' samples (§2.1.1, §2.2.1) are lowercase, and a gateway comparing strings
/// would refuse an uppercase one.
fn sig_ok(given: &str, expected: &Signature) -> bool {
    given.as_bytes() == expected.0
}

fn check_merchant_field(f: &Fields, mid: &str) -> Result<(), Response> {
    // The cancel table lists merchantId as required, its example omits it (payup-card-keyin.txt §2.2):
    // accepted both ways, but it must name the path's merchant.
    f.check("merchantId", |v| v == mid)
}

fn amount_limits(m: &crate::PayupMerchant, amount: u64) -> Result<(), Response> {
    if amount < m.min_amount {
        return Err(err("5001", None));
    }
    if amount > m.max_amount {
        return Err(err("5002", None));
    }
    Ok(())
}

/// A sha256 in hex, as the signature is.
fn hex_64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn quota_ok(s: &str) -> bool {
    // "0~24", not zero-padded (payup-card-keyin.txt §2.1: 할부기간 0~24, 길이 1-2).
    util::all_digits(s)
        && s.len() <= 2
        && !(s.len() == 2 && s.starts_with('0'))
        && s.parse::<u32>().is_ok_and(|q| q <= 24)
}

/// `POST /v2/api/payment/{merchantId}/keyin2` (payup-card-keyin.txt §2.1).
pub fn keyin_approve(sh: &Shared, mid: &str, req: &Request) -> Response {
    let f = tri!(parse(req));
    let Some(m) = sh.config.payup_merchant(mid) else { return err("1001", None) };
    tri!(f.require(&[
        "orderNumber",
        "cardNo",
        "expireMonth",
        "expireYear",
        "birthday",
        "cardPw",
        "amount",
        "quota",
        "itemName",
        "userName",
        "signature",
        "timestamp",
    ]));
    tri!(f.check("orderNumber", max_bytes(20)));
    tri!(f.check("cardNo", card_number));
    tri!(f.check("expireMonth", month));
    tri!(f.check("expireYear", digits_exact(2)));
    tri!(f.check("birthday", birth_or_business));
    tri!(f.check("cardPw", digits_exact(2)));
    tri!(f.check("amount", digits_max(12)));
    tri!(f.check("quota", quota_ok));
    tri!(f.check("itemName", max_bytes(128)));
    tri!(f.check("userName", max_bytes(50)));
    tri!(f.check("mobileNumber", digits_max(11)));
    tri!(f.check("kakaoSend", |s| s == "Y" || s == "N"));
    tri!(f.check("userEmail", max_bytes(128)));
    tri!(f.check("signature", hex_64));
    // "YYYYMMDDHHMMI24SS 형식" with length 20 in the table; the sample and the signature vector are 14 digits.
    tri!(f.check("timestamp", digits_exact(14)));
    tri!(f.check("taxFlag", |s| s == "Y" || s == "N"));
    let amount: u64 = f.s("amount").parse().unwrap_or(0);
    // Mixed taxation (§2.1 taxFlag/taxAmount/freeAmount, V1.3.0).
    let tax = if f.get("taxFlag") == Some("Y") {
        if !m.mixed_tax {
            return err("6002", Some("taxFlag"));
        }
        tri!(f.require(&["taxAmount", "freeAmount"]));
        tri!(f.check("taxAmount", digits_max(12)));
        tri!(f.check("freeAmount", digits_max(12)));
        let t: u64 = f.s("taxAmount").parse().unwrap_or(0);
        let fr: u64 = f.s("freeAmount").parse().unwrap_or(0);
        if t + fr != amount {
            return err("6002", Some("taxAmount"));
        }
        Some((t, fr))
    } else {
        None
    };
    let expected = signature(&[mid, f.s("orderNumber"), f.s("amount"), &m.api_cert_key, f.s("timestamp")]);
    if !sig_ok(f.s("signature"), &expected) {
        return err("2001", None);
    }
    tri!(amount_limits(m, amount));
    let card_no = f.s("cardNo");
    match util::card_outcome(card_no) {
        CardOutcome::Invalid => return err("6002", Some("cardNo")),
        CardOutcome::Decline => return err("9101", None),
        CardOutcome::Approve => {}
    }
    let (card_name, _) = util::issuer(card_no);
    let now = sh.now();
    let auth_number = util::random_digits("payup-auth", 8);
    // The ledger entry is built before the ledger lock is taken (only its id is drawn under it).
    let mut details = Map::with_capacity(5);
    details.insert("kind".into(), Value::String("keyin".into()));
    details.insert("card_name".into(), Value::String(card_name.into()));
    details.insert("auth_number".into(), Value::String(auth_number.clone()));
    details.insert("quota".into(), Value::String(f.s("quota").into()));
    details.insert("item_name".into(), Value::String(f.s("itemName").into()));
    let mut tx = Tx {
        order_number: f.s("orderNumber").into(),
        card: payup_core::mask_card_number(card_no),
        details,
        ..Tx::approved("payup", "payup.keyin.approve", mid, "", amount, &now)
    };
    let tid = {
        let mut st = sh.state();
        let tid = st.next_payup_id(now.unix());
        tx.id.push_str(&tid);
        st.insert_tx(tx);
        tid
    };
    // §3.2: 알림톡 is sent only with kakaoSend Y and a mobileNumber.
    let kakao = if f.get("kakaoSend") == Some("Y") && f.get("mobileNumber").is_some() { "0000" } else { "" };
    let auth_date_time = now.compact();
    let tax_parts;
    let mut out = [
        ("amount", f.s("amount")),
        ("orderNumber", f.s("orderNumber")),
        ("authNumber", &auth_number),
        ("authDateTime", &auth_date_time),
        ("transactionId", &tid),
        ("cardName", card_name),
        ("kakaoResultCode", kakao),
        ("noinf", "N"),
        ("responseCode", "0000"),
        ("responseMsg", "성공"),
        ("", ""),
        ("", ""),
        ("", ""),
    ];
    let mut n = 10;
    if let Some((t, fr)) = tax {
        // The request's taxAmount includes VAT; the response splits it (VAT = 1/11 of it).
        let supply = (t * 10 + 5) / 11;
        tax_parts = [supply.to_string(), (t - supply).to_string(), fr.to_string()];
        out[10..].copy_from_slice(&[
            ("taxAmount", &*tax_parts[0]),
            ("vatAmount", &*tax_parts[1]),
            ("freeAmount", &*tax_parts[2]),
        ]);
        n = 13;
    }
    Response::json_strings(&out[..n])
}

/// Shared by keyin cancel (§2.2) and KakaoPay cancel (payup-kakaopay-kcp.txt §3.4: "카카오페이 카드 결제는
/// 기존 신용카드 취소 API와 동일하게 사용 가능").
fn cancel_common(sh: &Shared, mid: &str, req: &Request, kakao: bool) -> Response {
    let f = tri!(parse(req));
    let Some(m) = sh.config.payup_merchant(mid) else { return err("1001", None) };
    if kakao {
        tri!(f.require(&["transactionId", "cancelReason", "signature"]));
        tri!(f.check("cancelReason", max_bytes(256)));
    } else {
        tri!(f.require(&["transactionId", "signature"]));
    }
    tri!(check_merchant_field(&f, mid));
    tri!(f.check("transactionId", max_bytes(20)));
    let tid = f.s("transactionId");
    if !sig_ok(f.s("signature"), &signature(&[mid, tid, &m.api_cert_key])) {
        return err("2001", None);
    }
    let now = sh.now();
    {
        let mut st = sh.state();
        let Some(tx) = st.tx_mut("payup", mid, tid) else { return err("1004", None) };
        // §3.4 비고 lets a KakaoPay *card* payment be cancelled with the card cancel API; nothing says the
        // reverse, or KakaoPay money through it.
        let kakao_tx = tx.operation == "payup.kakaopay.approve";
        if kakao && !kakao_tx {
            return err("1004", None);
        }
        if !kakao && kakao_tx && tx.details.get("type").and_then(|t| t.as_str()) == Some("KAKAO_MONEY") {
            return err("1005", None);
        }
        if tx.status != "approved" {
            return err("1005", None);
        }
        let amount = tx.amount;
        tx.cancel(amount, &now);
        if kakao {
            tx.details.insert("cancel_reason".into(), json!(f.s("cancelReason")));
        }
        tx.details
            .insert("cancelled_by".into(), json!(if kakao { "payup.kakaopay.cancel" } else { "payup.keyin.cancel" }));
    }
    Response::json(&json!({
        "cancelDateTime": now.compact(),
        "transactionId": tid,
        "responseCode": "0000",
        "responseMsg": "성공",
    }))
}

/// `POST /v2/api/payment/{merchantId}/cancel2` (payup-card-keyin.txt §2.2).
pub fn keyin_cancel(sh: &Shared, mid: &str, req: &Request) -> Response {
    cancel_common(sh, mid, req, false)
}

/// `POST /ep/api/kakao/{merchantId}/cancel` (payup-kakaopay-kcp.txt §3.4).
pub fn kakao_cancel(sh: &Shared, mid: &str, req: &Request) -> Response {
    cancel_common(sh, mid, req, true)
}

/// The mobile window needs a mobile browser: "헤더정보(User-Agent)에 iPhone / iPad / Linux Android 값이 있어야
/// 모바일 화면 호출 가능" (payup-kakaopay-kcp.txt §3.1).
fn mobile_user_agent(ua: &str) -> bool {
    ua.contains("iPhone") || ua.contains("iPad") || ua.contains("Android")
}

/// The site code Payup uses at NHN KCP for KakaoPay in the sandbox.
pub const KAKAO_SITE_CD: &str = "T0000";

/// `POST /ep/api/kakao/{merchantId}/order` (payup-kakaopay-kcp.txt §3.1).
pub fn kakao_order(sh: &Shared, mid: &str, req: &Request) -> Response {
    let f = tri!(parse(req));
    let Some(m) = sh.config.payup_merchant(mid) else { return err("1001", None) };
    tri!(f.require(&["orderNumber", "amount", "itemName", "userName", "returnUrl", "signature", "timestamp"]));
    tri!(f.check("orderNumber", max_bytes(20)));
    tri!(f.check("userAgent", |s| s == "WM" || s == "WP"));
    tri!(f.check("appUrl", max_bytes(128)));
    tri!(f.check("amount", digits_max(12)));
    tri!(f.check("itemName", max_bytes(100)));
    tri!(f.check("userName", max_bytes(50)));
    tri!(f.check("returnUrl", max_bytes(200)));
    tri!(f.check("userEmail", max_bytes(50)));
    tri!(f.check("signature", hex_64));
    // "YYYYMMDDHHMMI24SS 형식", 14 (§3.1); public clients sign and send other digit strings (W5).
    tri!(f.check("timestamp", digits_max(20)));
    tri!(f.check("cashbillYn", |s| s == "Y" || s == "N"));
    tri!(f.check("mobileNumber", digits_max(11)));
    let user_agent = f.get("userAgent").unwrap_or("WM");
    if user_agent == "WM" && !mobile_user_agent(req.header("user-agent").unwrap_or("")) {
        return err("6002", Some("userAgent"));
    }
    let mut warnings = Vec::new();
    if f.s("timestamp").len() != 14 {
        tri!(deviate(sh.config.strict, &mut warnings, RULE_TIMESTAMP, "timestamp", EVIDENCE_TIMESTAMP, || {
            err("6002", Some("timestamp"))
        }));
    }
    // returnUrl is where the window posts the authentication data (§3.1 "인증데이터 리턴 URL"). The mobile
    // (WM) window does post there, so it must be a URL; the PC (WP) window hands the data to the page's
    // m_Completepayment instead, and merchants send any text (W4).
    if !is_http_url(f.s("returnUrl")) {
        if user_agent == "WM" {
            return err("6002", Some("returnUrl"));
        }
        tri!(deviate(sh.config.strict, &mut warnings, RULE_RETURN_URL, "returnUrl", EVIDENCE_WP_RETURN_URL, || {
            err("6002", Some("returnUrl"))
        }));
    }
    let amount: u64 = f.s("amount").parse().unwrap_or(0);
    if !sig_ok(
        f.s("signature"),
        &signature(&[mid, f.s("orderNumber"), f.s("amount"), &m.api_cert_key, f.s("timestamp")]),
    ) {
        return err("2001", None);
    }
    tri!(amount_limits(m, amount));
    let now = sh.now();
    let approval_key = util::random_alnum("approval_key", 48);
    let ordr_idxx = {
        let mut st = sh.state();
        // KakaoPay transaction numbers carry KK where keyin ones carry ST: the public answers
        // `ordr_idxx=20230601110421KK0277`, `transactionId=20230601151001KK0644` (seog2/bob, README W4).
        let id = st.next_payup_id(now.unix()).replacen("ST", "KK", 1);
        if !warnings.is_empty() {
            st.log_warnings("payup.kakaopay.order", &id, &warnings, &now);
        }
        st.insert_order(KakaopayOrder {
            ordr_idxx: id.clone(),
            merchant_id: mid.into(),
            order_number: f.s("orderNumber").into(),
            amount,
            item_name: f.s("itemName").into(),
            user_name: f.s("userName").into(),
            user_email: f.s("userEmail").into(),
            return_url: f.s("returnUrl").into(),
            user_agent: user_agent.into(),
            cashbill_yn: f.get("cashbillYn").unwrap_or("Y").into(),
            approval_key: approval_key.clone(),
            status: "ordered".into(),
            issued: Vec::new(),
            transaction_id: None,
            created_at: now.iso(),
            updated_at: now.iso(),
            warnings: Some(warnings).filter(|w| !w.is_empty()),
        });
        id
    };
    // DECISION (README "KakaoPay window"): the table's names ordr_idxx / buyr_name are right (the form
    // samples' ordr_idx / buysr_name are typos), and approval_key + pay_url are always returned: the WM
    // (mobile) form posts to pay_url with approval_key; the table's "PC(WP) only" note is wrong.
    let base = req.base_url(&sh.base_url);
    Response::json(&json!({
        "responseCode": "0000",
        "responseMsg": "성공",
        "good_mny": f.s("amount"),
        "site_cd": KAKAO_SITE_CD,
        "Ret_URL": f.s("returnUrl"),
        "buyr_name": f.s("userName"),
        "ordr_idxx": ordr_idxx,
        "good_name": f.s("itemName"),
        "approval_key": approval_key,
        "pay_url": format!("{base}/kcp/mobile/pay"),
        // In every public answer (seog2/bob PaymentService.java, README "Answer fields").
        "affiliaterCode": "0005",
    }))
}

fn is_http_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

const RULE_RETURN_URL: &str = "payup-kakaopay-kcp.txt §3.1: returnUrl is the URL that receives the authentication \
     data (인증데이터 리턴 URL)";
const EVIDENCE_WP_RETURN_URL: &str = "seog2/bob version1.0_230623/bookShop01/src/main/java/com/bookshop01/payment/\
     service/PaymentService.java (a WP order with returnUrl \"test\", \"이거는 아무값이나 넣어도 됩니다\", and its \
     printed answer responseCode 0000, Ret_URL=test)";

const RULE_TIMESTAMP: &str = "payup-kakaopay-kcp.txt §3.1: timestamp is YYYYMMDDHHMMI24SS, 14 digits";
const EVIDENCE_TIMESTAMP: &str = "the himedia course's public KakaoPay clients: com.bookshop01.test.TestController \
     kakaoOrder (timestamp \"1000\", its printed answer responseCode=0000, ordr_idxx=20221014100929KK0905) and \
     com.standout.sopang.order.controller.EasyPayPopup (timestamp \"2023020400000000\", 16 digits)";

/// The card KakaoPay "pays with" in the sandbox (the person never types one).
const KAKAO_CARD: &str = "4111111111111111";

/// `POST /ep/api/kakao/{merchantId}/pay` (payup-kakaopay-kcp.txt §3.3). No signature in the spec.
pub fn kakao_pay(sh: &Shared, mid: &str, req: &Request) -> Response {
    let f = tri!(parse(req));
    if sh.config.payup_merchant(mid).is_none() {
        return err("1001", None);
    }
    tri!(f.require(&["res_cd", "ordr_idxx"]));
    // §3.3 비고: "인증데이터 중 res_cd 필드값이 '0000' 일 경우 승인요청". Checked before the enc_* fields:
    // a refused window posts them empty, and §4.1 documents 9002 for exactly that post.
    if f.s("res_cd") != "0000" {
        return err("9002", None);
    }
    tri!(f.require(&["enc_info", "enc_data", "card_pay_method"]));
    let now = sh.now();
    let mut st = sh.state();
    let ordr = f.s("ordr_idxx");
    let Some(order) = st.order(ordr).filter(|o| o.merchant_id == mid) else { return err("8001", None) };
    if order.status == "paid" {
        return err("8002", None);
    }
    let Some(tok) = order.issued.iter().find(|t| t.enc_data == f.s("enc_data")).cloned() else {
        return err("6002", Some("enc_data"));
    };
    if tok.enc_info != f.s("enc_info") {
        return err("6002", Some("enc_info"));
    }
    if tok.method != f.s("card_pay_method") {
        return err("6002", Some("card_pay_method"));
    }
    if tok.declines {
        // The window's decline button: the issuer refuses; nothing is paid, the order stays open.
        return err("9101", None);
    }
    let order = order.clone();
    let card = tok.method == "KAKAO_CARD";
    let auth_number = util::random_digits("kakao-auth", 8);
    let (card_name, _) = util::issuer(KAKAO_CARD);
    let mut details = Map::new();
    details.insert("kind".into(), json!("kakaopay"));
    details.insert("type".into(), json!(tok.method));
    if card {
        details.insert("card_name".into(), json!(card_name));
        details.insert("auth_number".into(), json!(auth_number));
    }
    st.insert_tx(Tx {
        order_number: order.order_number.clone(),
        card: if card { payup_core::mask_card_number(KAKAO_CARD) } else { String::new() },
        details,
        warnings: order.warnings.clone().unwrap_or_default(),
        ..Tx::approved("payup", "payup.kakaopay.approve", mid, &order.ordr_idxx, order.amount, &now)
    });
    if let Some(o) = st.order_mut(ordr) {
        o.status = "paid".into();
        o.transaction_id = Some(o.ordr_idxx.clone());
        o.updated_at = now.iso();
    }
    drop(st);
    // §3.3 prints no message; every public approval answer says 정상처리 (seog2/bob PaymentService.java).
    let mut out = json!({
        "responseCode": "0000",
        "responseMsg": "정상처리",
        "transactionId": order.ordr_idxx,
        "orderNumber": order.order_number,
        "type": tok.method,
        "authDateTime": now.compact(),
        "amount": order.amount.to_string(),
    });
    if card {
        out["authNumber"] = json!(auth_number);
        out["cardName"] = json!(card_name);
        out["cardNo"] = json!(payup_core::mask_card_number(KAKAO_CARD));
        out["quota"] = json!("0");
    } else {
        let receipt = if order.cashbill_yn == "N" { 0 } else { order.amount };
        out["cashReceipt"] = json!(receipt.to_string());
    }
    Response::json(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_signature_vectors() {
        // payup-card-keyin.txt §2.1.1 and §2.2.1.
        assert_eq!(
            signature(&["tester", "ZP2017090911", "1004", "25bcd7a82f5b4058818462cc7715964c", "20170910132060"])
                .as_str(),
            "d186b8fedccffd291e0619fbf8b247c3f283e3769571eb57b68a50b46af23b75"
        );
        // White space inside a part is removed before hashing ("(공백제거)").
        assert_eq!(
            signature(&[
                "tester",
                " ZP2017\t0909 11",
                "1004",
                "25bcd7a82f5b4058818462cc7715964c",
                "20170910132060\u{3000}"
            ])
            .as_str(),
            "d186b8fedccffd291e0619fbf8b247c3f283e3769571eb57b68a50b46af23b75"
        );
        assert_eq!(
            signature(&["tester", "20170912142746ST0020", "25bcd7a82f5b4058818462cc7715964c"]).as_str(),
            "db890c12b64c1e1de7127c0c07489fe18859139413acdac420a6f548ba518a3a"
        );
    }

    #[test]
    fn quota_rule() {
        for ok in ["0", "1", "9", "10", "24"] {
            assert!(quota_ok(ok), "{ok}");
        }
        for bad in ["00", "03", "25", "-1", "", "abc"] {
            assert!(!quota_ok(bad), "{bad}");
        }
    }
}
