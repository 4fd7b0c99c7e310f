//! Payple card (payple-card.txt): partner auth, window payments (PAY / CERT / AUTH), CERT confirm,
//! recurring billing, refunds, result query, registered-card info and delete.

use payup_core::codes::{Gateway, lookup};
use serde_json::{Map, Value, json};

use crate::fields::{Dialect, Fields, birth_or_business, digits_exact, max_bytes, month, tri};
use crate::http::{Request, Response};
use crate::state::{AuthSession, BillingKey, PaypleWork, ReqKey, Tx, Warning};
use crate::util::{self, CardOutcome, Kst};
use crate::{PaypleMerchant, Shared};

fn msg(code: &str) -> &'static str {
    lookup(Gateway::Payple, code).map(|c| c.message).unwrap_or("오류")
}

/// `{"PCD_PAY_RST":"error","PCD_PAY_CODE","PCD_PAY_MSG"}`; SPCD0100's message names the parameter.
fn perr(code: &str, param: Option<&str>) -> Response {
    let m = match param {
        Some(p) => format!("{} ({p})", msg(code)),
        None => msg(code).to_string(),
    };
    Response::json(&json!({ "PCD_PAY_RST": "error", "PCD_PAY_CODE": code, "PCD_PAY_MSG": m }))
}

fn auth_err(code: &str) -> Response {
    Response::json(&json!({ "result": "error", "result_code": code, "result_msg": msg(code) }))
}

/// A Payple body: JSON (values may be strings or numbers: `PCD_PAY_TOTAL: 1000` or `"1000"`), or a form.
/// Any bad field is SPCD0100 naming it.
static PAYPLE: Dialect = Dialect {
    strings_only: false,
    not_an_object: || perr("SPCD0100", Some("body")),
    missing: |k| perr("SPCD0100", Some(k)),
    invalid: |k, _| perr("SPCD0100", Some(k)),
};

fn parse(req: &Request) -> Result<Fields<'_>, Response> {
    parse_bytes(&req.body, req.header("content-type").unwrap_or(""))
}

fn parse_bytes<'a>(body: &'a [u8], content_type: &str) -> Result<Fields<'a>, Response> {
    if content_type.contains("x-www-form-urlencoded") {
        Fields::form(body, &PAYPLE)
    } else {
        Fields::json(body, &PAYPLE)
    }
}

/// Which operation a `POST /php/PayChkAct.php` is: a refund or a result query (see [`pay_chk`]).
pub(crate) fn pay_chk_operation(req: &Request) -> Option<&'static str> {
    let cancel = parse_bytes(&req.body, "application/json").is_ok_and(|f| f.s("PCD_PAYCANCEL_FLAG") == "Y");
    Some(if cancel { "payple.cancel" } else { "payple.status" })
}

/// Which operation a `POST /php/cPayUser/api/cPayUserAct.php` is (see [`user_act`]).
pub(crate) fn user_act_operation(req: &Request) -> Option<&'static str> {
    match util::query_param(&req.query, "ACT_") {
        Some("PUSERDEL") => Some("payple.billing.delete"),
        Some("PUSERINFO") => Some("payple.billing.info"),
        _ => None,
    }
}

/// Public evidence of what the real gateway accepts, cited by the warnings (README "Warnings").
const EVIDENCE_AUTH_NO_WORK: &str = "PAYPLECORP/sample_php pg/pay/cPayPayple/payple_payAuth.php (the window's \
     payple_auth_file sends only cst_id and custKey)";
const EVIDENCE_SIMPLE: &str = "PAYPLECORP/sample_php cPayPayple/paySimpleCardSend.php (PCD_SIMPLE_FLAG Y, no \
     PCD_PAY_YEAR/PCD_PAY_MONTH, PCD_PAY_OID \"\" when the order form has none)";

/// A deviation the real gateway accepts: recorded in `warnings`, or, in strict mode, refused with `refusal`.
fn deviate(
    sh: &Shared,
    warnings: &mut Vec<Warning>,
    rule: &str,
    field: &str,
    evidence: &str,
    refusal: impl FnOnce() -> Response,
) -> Result<(), Response> {
    crate::fields::deviate(sh.config.strict, warnings, rule, field, evidence, refusal)
}

fn cst_token(cst_id: &str) -> String {
    util::stable_token("payple-cst", cst_id)
}
fn key_token(cust_key: &str) -> String {
    util::stable_token("payple-key", cust_key)
}

/// `POST /php/auth.php` (payple-card.txt "가맹점 인증", "호출예시").
pub fn auth(sh: &Shared, req: &Request) -> Response {
    let Ok(f) = parse(req) else { return auth_err("AUTH0003") };
    let Some(m) = sh.config.payple_merchant(f.s("cst_id")) else { return auth_err("AUTH0001") };
    if f.s("custKey") != m.cust_key {
        return auth_err("AUTH0002");
    }
    // "AWS(아마존웹서비스)에서 AUTH0004 오류 발생 시 가맹점 서버도메인의 REFERER 추가가 필요할 수 있습니다."
    if !m.referers.is_empty() {
        let referer = req.header("referer").unwrap_or("");
        if !m.referers.iter().any(|r| !r.is_empty() && referer.starts_with(r.as_str())) {
            return auth_err("AUTH0004");
        }
    }
    let mut warnings = Vec::new();
    let (work, url) = if f.s("PCD_PAYCANCEL_FLAG") == "Y" {
        // The card document's §4 cancel endpoint (the auth sample's /php/account/api/cPayCAct.php comes
        // from Payple's bank-account manual; the sandbox routes it to the same handler).
        (PaypleWork::Cancel, "/php/PayChkAct.php")
    } else if f.s("PCD_PAYCHK_FLAG") == "Y" {
        (PaypleWork::Check, "/php/PayChkAct.php")
    } else if f.s("PCD_PAY_WORK") == "PUSERDEL" {
        (PaypleWork::UserDel, "/php/cPayUser/api/cPayUserAct.php?ACT_=PUSERDEL")
    } else if f.s("PCD_PAY_WORK") == "PUSERINFO" {
        (PaypleWork::UserInfo, "/php/cPayUser/api/cPayUserAct.php?ACT_=PUSERINFO")
    } else if f.s("PCD_REGULER_FLAG") == "Y" {
        (PaypleWork::Billing, "/php/RePayCardAct.php?ACT_=PAYM")
    } else if f.s("PCD_SIMPLE_FLAG") == "Y" {
        // §3 "월 2회 이상 : PCD_SIMPLE_FLAG 이용"; the real gateway's answer to such an auth names
        // SimplePayCardAct (issue 18's public answers). RePayCardAct answers it too.
        (PaypleWork::Billing, "/php/SimplePayCardAct.php?ACT_=PAYM")
    } else if f.s("PCD_PAY_TYPE") == "card" {
        (PaypleWork::Window, "/index.php?ACT_=PAYM")
    } else {
        // "가맹점 인증" prints a work flag in every request; the window samples' auth file sends none and
        // the real gateway answers it as a window auth.
        tri!(deviate(
            sh,
            &mut warnings,
            "payple-card.txt 가맹점 인증: the auth request names its work (PCD_PAY_TYPE, PCD_REGULER_FLAG, …)",
            "PCD_PAY_TYPE",
            EVIDENCE_AUTH_NO_WORK,
            || auth_err("AUTH0003"),
        ));
        (PaypleWork::Window, "/index.php?ACT_=PAYM")
    };
    let auth_key = util::random_hex("payple-authkey", 64);
    {
        let now = sh.now();
        let mut st = sh.state();
        st.prune_auth(sh.config.payple_auth_ttl_secs, now.unix());
        if !warnings.is_empty() {
            st.log_warnings("payple.auth", &m.cst_id, &warnings, &now);
        }
        st.auth.insert(
            auth_key.clone(),
            AuthSession { cst_id: m.cst_id.clone(), work, issued: now.unix(), used: false, warnings },
        );
    }
    let host = req.base_url(&sh.base_url);
    let mut out = json!({
        "result": "success",
        "result_msg": "사용자 인증완료",
        "cst_id": cst_token(&m.cst_id),
        "custKey": key_token(&m.cust_key),
        "AuthKey": auth_key,
        "PCD_PAY_HOST": host,
        "PCD_PAY_URL": url,
        "return_url": format!("{host}{url}"),
    });
    if work == PaypleWork::Window {
        out["cPayHost"] = json!(host);
        out["cPayUrl"] = json!(url);
    }
    Response::json(&out)
}

/// Check the partner identity of a second step. PCD_CST_ID / PCD_CUST_KEY may be the tokens the auth
/// returned or the raw cst_id / custKey (the spec's own samples use both).
fn check_identity(m: &PaypleMerchant, f: &Fields) -> Result<(), Response> {
    f.require(&["PCD_CST_ID", "PCD_CUST_KEY"])?;
    let cst = f.s("PCD_CST_ID");
    if cst != m.cst_id && cst != cst_token(&m.cst_id) {
        return Err(perr("AUTH0001", None));
    }
    let key = f.s("PCD_CUST_KEY");
    if key != m.cust_key && key != key_token(&m.cust_key) {
        return Err(perr("AUTH0002", None));
    }
    Ok(())
}

/// What a consumed AuthKey gives the second step.
struct Step {
    merchant: PaypleMerchant,
    auth_key: String,
    /// The partner auth's warnings; the step adds its own.
    warnings: Vec<Warning>,
}

/// Consume the AuthKey of a second step: single use, for the work it was issued for, within the TTL
/// (on the sandbox clock).
fn second_step(sh: &Shared, f: &Fields, work: PaypleWork) -> Result<Step, Response> {
    f.require(&["PCD_AUTH_KEY"])?;
    let key = f.s("PCD_AUTH_KEY");
    let now = sh.clock.unix();
    let (cst, warnings) = {
        let mut st = sh.state();
        let Some(s) = st.auth.get_mut(key) else { return Err(perr("CPCA0001", None)) };
        if s.used || now - s.issued >= sh.config.payple_auth_ttl_secs as i64 {
            return Err(perr("CPCA0001", None));
        }
        if s.work != work {
            return Err(perr("SPCD0100", Some("PCD_AUTH_KEY")));
        }
        s.used = true;
        (s.cst_id.clone(), std::mem::take(&mut s.warnings))
    };
    let merchant = sh.config.payple_merchant(&cst).cloned().ok_or_else(|| perr("AUTH0001", None))?;
    check_identity(&merchant, f)?;
    Ok(Step { merchant, auth_key: key.to_string(), warnings })
}

fn trade_num(now: &Kst) -> String {
    format!("{}{}", now.compact(), util::random_digits("payple-trade", 10))
}

fn receipt_url(base: &str, oid: &str) -> String {
    let enc: String = oid
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{base}/__sandbox/receipt?oid={enc}")
}

fn oid_taken(sh: &Shared, cst: &str, oid: &str) -> bool {
    sh.state().tx("payple", cst, oid).is_some()
}

/// Fields of the billing / confirm response (payple-card.txt §3 Response; CARDNAME, not the sample's CARDNANE).
fn pay_response(tx: &Tx, base: &str) -> Value {
    json!({
        "PCD_PAY_RST": "success",
        "PCD_PAY_CODE": "SPCD0000",
        "PCD_PAY_MSG": msg("SPCD0000"),
        "PCD_PAY_TYPE": "card",
        "PCD_PAY_OID": tx.id,
        "PCD_PAYER_NO": tx.detail("payer_no"),
        "PCD_PAYER_ID": tx.detail("payer_id"),
        "PCD_PAYER_EMAIL": tx.detail("payer_email"),
        "PCD_PAYER_NAME": tx.detail("payer_name"),
        "PCD_PAYER_HP": tx.detail("payer_hp"),
        "PCD_PAY_YEAR": tx.detail("year"),
        "PCD_PAY_MONTH": tx.detail("month"),
        "PCD_PAY_GOODS": tx.detail("goods"),
        "PCD_PAY_TOTAL": tx.amount,
        "PCD_PAY_ISTAX": tx.detail("istax"),
        "PCD_PAY_TAXTOTAL": tx.detail("taxtotal"),
        "PCD_PAY_TIME": tx.detail("pay_time"),
        "PCD_PAY_CARDNAME": tx.detail("card_name"),
        "PCD_PAY_CARDNUM": tx.detail("cardnum_billing"),
        "PCD_PAY_CARDTRADENUM": tx.detail("trade_num"),
        "PCD_PAY_CARDAUTHNO": tx.detail("auth_no"),
        "PCD_PAY_CARDRECEIPT": receipt_url(base, &tx.id),
        "PCD_REGULER_FLAG": tx.detail("reguler"),
        "PCD_SIMPLE_FLAG": tx.detail("simple"),
        "PCD_USER_DEFINE1": tx.detail("user_define1"),
        "PCD_USER_DEFINE2": tx.detail("user_define2"),
    })
}

struct NewPayment<'a> {
    cst: &'a str,
    warnings: Vec<Warning>,
    oid: String,
    amount: u64,
    status: &'a str,
    operation: &'a str,
    card_mask: String,
    card_billing: String,
    card_result: String,
    card_name: String,
    declines: bool,
}

fn insert_payment(sh: &Shared, f: &Fields, p: NewPayment<'_>, payer_id: &str) -> Tx {
    let now = sh.now();
    let mut d = Map::new();
    d.insert("payer_id".into(), json!(payer_id));
    d.insert("payer_no".into(), f.raw("PCD_PAYER_NO"));
    d.insert("payer_email".into(), json!(f.s("PCD_PAYER_EMAIL")));
    d.insert("year".into(), json!(f.s("PCD_PAY_YEAR")));
    d.insert("month".into(), json!(f.s("PCD_PAY_MONTH")));
    d.insert("goods".into(), json!(f.s("PCD_PAY_GOODS")));
    d.insert("istax".into(), json!(if f.has("PCD_PAY_ISTAX") { f.s("PCD_PAY_ISTAX") } else { "Y" }));
    d.insert("taxtotal".into(), f.raw("PCD_PAY_TAXTOTAL"));
    d.insert("pay_time".into(), json!(now.compact()));
    d.insert("pay_date".into(), json!(now.date()));
    d.insert("card_name".into(), json!(p.card_name));
    d.insert("cardnum_billing".into(), json!(p.card_billing));
    d.insert("cardnum_result".into(), json!(p.card_result));
    d.insert("trade_num".into(), json!(trade_num(&now)));
    d.insert("auth_no".into(), json!(util::random_digits("payple-authno", 8)));
    d.insert("reguler".into(), json!(if f.s("PCD_REGULER_FLAG") == "Y" { "Y" } else { "N" }));
    d.insert("user_define1".into(), json!(f.s("PCD_USER_DEFINE1")));
    d.insert("user_define2".into(), json!(f.s("PCD_USER_DEFINE2")));
    d.insert("payer_name".into(), json!(f.s("PCD_PAYER_NAME")));
    d.insert("payer_hp".into(), json!(mask_phone(f.s("PCD_PAYER_HP"))));
    d.insert("simple".into(), json!(if f.s("PCD_SIMPLE_FLAG") == "Y" { "Y" } else { "N" }));
    if p.declines {
        d.insert("declines".into(), json!(true));
    }
    let mut tx = Tx {
        status: p.status.into(),
        card: p.card_mask,
        details: d,
        warnings: p.warnings,
        ..Tx::approved("payple", p.operation, p.cst, &p.oid, p.amount, &now)
    };
    tx.order_number = tx.id.clone();
    let mut st = sh.state();
    if !tx.warnings.is_empty() {
        st.log_warnings(p.operation, &tx.id, &tx.warnings, &now);
    }
    st.insert_tx(tx.clone());
    tx
}

fn check_reguler(f: &Fields) -> Result<(), Response> {
    if f.s("PCD_REGULER_FLAG") == "Y" {
        f.require(&["PCD_PAY_YEAR", "PCD_PAY_MONTH"])?;
    }
    f.check("PCD_PAY_YEAR", digits_exact(4))?;
    f.check("PCD_PAY_MONTH", month)?;
    Ok(())
}

/// Minimum card amount: "카드승인 요청금액(최소 100원)" (payple-card.txt §3).
fn total(f: &Fields) -> Result<u64, Response> {
    let t = f.amount("PCD_PAY_TOTAL")?;
    if t < 100 {
        return Err(perr("SPCD0100", Some("PCD_PAY_TOTAL")));
    }
    Ok(t)
}

/// `POST {return_url}` from the window script stand-in (`/index.php?ACT_=PAYM`): the person's card entry.
/// Answers the "결제결과 수신" fields; the script forwards them to the merchant.
pub fn window_pay(sh: &Shared, req: &Request) -> Response {
    if util::query_param(&req.query, "ACT_") != Some("PAYM") {
        return Response::error(404, "no such path");
    }
    let f = tri!(parse(req));
    let Step { merchant: m, auth_key, warnings } = tri!(second_step(sh, &f, PaypleWork::Window));
    let work = f.s("PCD_PAY_WORK");
    let work = if work.is_empty() { "PAY" } else { work };
    if !matches!(work, "PAY" | "CERT" | "AUTH" | "AUTHREG") {
        return perr("SPCD0100", Some("PCD_PAY_WORK"));
    }
    let register_only = work == "AUTH" || work == "AUTHREG";
    tri!(f.check("PCD_CARD_VER", |s| s == "01" || s == "02"));
    tri!(f.check("PCD_PAYER_NO", max_bytes(10)));
    // The person's card entry (never logged or stored whole).
    tri!(f.require(&["card_no", "card_expiry", "card_birth", "card_pw"]));
    let card_no: String = f.s("card_no").chars().filter(|c| *c != '-' && *c != ' ').collect();
    if !util::all_digits(&card_no) || !(11..=20).contains(&card_no.len()) {
        return perr("SPCD0100", Some("card_no"));
    }
    tri!(f.check("card_expiry", |s| digits_exact(4)(s) && month(&s[..2])));
    tri!(f.check("card_birth", birth_or_business));
    tri!(f.check("card_pw", digits_exact(2)));
    let outcome = util::card_outcome(&card_no);
    if outcome == CardOutcome::Invalid {
        return perr("SPCD0100", Some("card_no"));
    }
    let base = req.base_url(&sh.base_url);
    let (card_name, _) = util::issuer(&card_no);
    let mut result = json!({
        "PCD_PAY_RST": "success",
        "PCD_AUTH_KEY": auth_key,
        "PCD_PAY_REQKEY": "",
        "PCD_PAY_COFURL": "",
        "PCD_PAY_OID": "",
        "PCD_PAY_TYPE": "card",
        "PCD_PAY_WORK": work,
        "PCD_PAYER_ID": "",
        "PCD_PAYER_NO": f.s("PCD_PAYER_NO"),
        "PCD_REGULER_FLAG": if f.s("PCD_REGULER_FLAG") == "Y" { "Y" } else { "N" },
        "PCD_PAY_YEAR": f.s("PCD_PAY_YEAR"),
        "PCD_PAY_MONTH": f.s("PCD_PAY_MONTH"),
        "PCD_PAY_GOODS": f.s("PCD_PAY_GOODS"),
        "PCD_PAY_TOTAL": f.s("PCD_PAY_TOTAL"),
        "PCD_PAY_TIME": "",
        "PCD_CARDNUM": util::mask_third_group(&card_no),
        "PCD_CARDNAME": card_name,
        "PCD_CARDTRADENUM": "",
    });
    let wants_key = register_only || f.s("PCD_CARD_VER") == "01";
    if register_only {
        if outcome == CardOutcome::Decline {
            return perr("SPCD0101", None);
        }
        let id = sh.register_payple_card(&m.cst_id, &card_no, f.raw("PCD_PAYER_NO"));
        if let Some(k) = sh.state().billing_key_mut(&id) {
            k.payer_name = f.s("PCD_PAYER_NAME").to_string();
            k.payer_hp = mask_phone(f.s("PCD_PAYER_HP"));
        }
        result["PCD_PAY_CODE"] = json!("CDAU0000");
        result["PCD_PAY_MSG"] = json!(msg("CDAU0000"));
        result["PCD_PAYER_ID"] = json!(id);
        return Response::json(&result);
    }
    tri!(f.require(&["PCD_PAY_GOODS", "PCD_PAY_TOTAL"]));
    let amount = tri!(total(&f));
    tri!(check_reguler(&f));
    let oid = if f.has("PCD_PAY_OID") {
        f.s("PCD_PAY_OID").to_string()
    } else {
        format!("test{}", util::random_digits("oid", 16))
    };
    if oid_taken(sh, &m.cst_id, &oid) {
        return perr("CPCA0201", None);
    }
    if work == "PAY" && outcome == CardOutcome::Decline {
        return perr("SPCD0101", None);
    }
    let payer_id = if wants_key {
        let id = sh.register_payple_card(&m.cst_id, &card_no, f.raw("PCD_PAYER_NO"));
        if let Some(k) = sh.state().billing_key_mut(&id) {
            k.payer_name = f.s("PCD_PAYER_NAME").to_string();
            k.payer_hp = mask_phone(f.s("PCD_PAYER_HP"));
        }
        id
    } else {
        String::new()
    };
    let pending = work == "CERT";
    let tx = insert_payment(
        sh,
        &f,
        NewPayment {
            cst: &m.cst_id,
            warnings,
            oid: oid.clone(),
            amount,
            status: if pending { "pending" } else { "approved" },
            operation: "payple.window",
            card_mask: payup_core::mask_card_number(&card_no),
            card_billing: util::mask_first4_last4(&card_no),
            card_result: util::mask_third_group(&card_no),
            card_name: card_name.into(),
            declines: outcome == CardOutcome::Decline,
        },
        &payer_id,
    );
    if !pending && f.s("PCD_REGULER_FLAG") == "Y" && !payer_id.is_empty() {
        mark_billed(sh, &payer_id, &f);
    }
    result["PCD_PAY_OID"] = json!(oid);
    result["PCD_PAYER_ID"] = json!(payer_id);
    result["PCD_PAY_TIME"] = tx.detail("pay_time");
    if pending {
        let reqkey = util::random_alnum("reqkey", 30);
        sh.state().reqkeys.insert(
            reqkey.clone(),
            ReqKey { cst_id: m.cst_id.clone(), auth_key: auth_key.clone(), oid: oid.clone(), used: false },
        );
        result["PCD_PAY_MSG"] = json!("결제요청 완료 (가맹점 최종승인 대기)");
        result["PCD_PAY_REQKEY"] = json!(reqkey);
        result["PCD_PAY_COFURL"] = json!(format!("{base}/php/PayCardConfirmAct.php?ACT_=PAYM"));
    } else {
        result["PCD_PAY_CODE"] = json!("SPCD0000");
        result["PCD_PAY_MSG"] = json!(msg("SPCD0000"));
        result["PCD_CARDTRADENUM"] = tx.detail("trade_num");
    }
    Response::json(&result)
}

fn mask_phone(hp: &str) -> String {
    let d: String = hp.chars().filter(|c| c.is_ascii_digit()).collect();
    if d.len() < 7 {
        return String::new();
    }
    format!("{}-****-{}", &d[..3], &d[d.len() - 4..])
}

fn mark_billed(sh: &Shared, payer_id: &str, f: &Fields) {
    let now = sh.now();
    if let Some(k) = sh.state().billing_key_mut(payer_id) {
        k.billed_months.push(format!("{}{}", f.s("PCD_PAY_YEAR"), f.s("PCD_PAY_MONTH")));
        k.updated_at = now.iso();
    }
}

/// `POST /php/PayCardConfirmAct.php?ACT_=PAYM` (payple-card.txt 1-1, CERT): approve a pending window payment.
pub fn confirm(sh: &Shared, req: &Request) -> Response {
    let f = tri!(parse(req));
    tri!(f.require(&["PCD_CST_ID", "PCD_CUST_KEY", "PCD_AUTH_KEY", "PCD_PAY_REQKEY"]));
    let (cst, oid) = {
        let mut st = sh.state();
        let Some(rk) = st.reqkeys.get_mut(f.s("PCD_PAY_REQKEY")) else {
            return perr("SPCD0100", Some("PCD_PAY_REQKEY"));
        };
        if rk.used {
            return perr("SPCD0100", Some("PCD_PAY_REQKEY"));
        }
        if rk.auth_key != f.s("PCD_AUTH_KEY") {
            return perr("SPCD0100", Some("PCD_AUTH_KEY"));
        }
        let (cst, oid, ak) = (rk.cst_id.clone(), rk.oid.clone(), rk.auth_key.clone());
        let now = sh.clock.unix();
        let expired = st.auth.get(&ak).map(|s| now - s.issued >= sh.config.payple_auth_ttl_secs as i64).unwrap_or(true);
        if expired {
            return perr("CPCA0001", None);
        }
        (cst, oid)
    };
    let Some(m) = sh.config.payple_merchant(&cst).cloned() else { return perr("AUTH0001", None) };
    tri!(check_identity(&m, &f));
    let mut st = sh.state();
    if let Some(rk) = st.reqkeys.get_mut(f.s("PCD_PAY_REQKEY")) {
        rk.used = true;
    }
    let Some(tx) = st.tx("payple", &cst, &oid).cloned() else { return perr("SPCD0100", Some("PCD_PAY_REQKEY")) };
    if tx.status != "pending" {
        return perr("SPCD0100", Some("PCD_PAY_REQKEY"));
    }
    let payer_id = tx.detail_str("payer_id");
    // 1-1: PCD_PAYER_ID "정기결제(PCD_CARD_VER=01) 시 필수" — a recurring window payment issued one.
    if !payer_id.is_empty() && !f.has("PCD_PAYER_ID") {
        return perr("SPCD0100", Some("PCD_PAYER_ID"));
    }
    if f.has("PCD_PAYER_ID") && !payer_id.is_empty() && f.s("PCD_PAYER_ID") != payer_id {
        return perr("SPCD0011", None);
    }
    if tx.details.get("declines").is_some() {
        st.remove_tx("payple", &cst, &oid);
        return perr("SPCD0101", None);
    }
    let now = sh.now();
    let Some(t) = st.tx_mut("payple", &cst, &oid) else { return perr("SPCD0100", Some("PCD_PAY_REQKEY")) };
    t.status = "approved".into();
    t.operation = "payple.card.confirm".into();
    t.updated_at = now.iso();
    t.details.insert("pay_time".into(), json!(now.compact()));
    let t = t.clone();
    if t.detail_str("reguler") == "Y"
        && !payer_id.is_empty()
        && let Some(k) = st.billing_key_mut(&payer_id)
    {
        k.billed_months.push(format!("{}{}", t.detail_str("year"), t.detail_str("month")));
    }
    drop(st);
    let mut out = pay_response(&t, &req.base_url(&sh.base_url));
    out["PCD_PAY_WORK"] = json!("CERT");
    out["PCD_PAY_REQKEY"] = json!(f.s("PCD_PAY_REQKEY"));
    Response::json(&out)
}

/// `POST /php/RePayCardAct.php?ACT_=PAYM` (payple-card.txt §3, recurring / simple payment with a billing key).
pub fn billing_pay(sh: &Shared, req: &Request) -> Response {
    let f = tri!(parse(req));
    let Step { merchant: m, mut warnings, .. } = tri!(second_step(sh, &f, PaypleWork::Billing));
    // §3 table: PCD_PAY_OID, PCD_PAY_YEAR, PCD_PAY_MONTH and PCD_REGULER_FLAG ('Y') are required;
    // PCD_SIMPLE_FLAG 'Y' stands in for the flag on a payment more than once a month (§3's auth comment).
    tri!(f.require(&["PCD_PAY_TYPE", "PCD_PAYER_ID", "PCD_PAY_GOODS", "PCD_PAY_TOTAL"]));
    let reguler = f.s("PCD_REGULER_FLAG") == "Y";
    if !reguler && f.s("PCD_SIMPLE_FLAG") != "Y" {
        return perr("SPCD0100", Some("PCD_REGULER_FLAG"));
    }
    if reguler {
        // The month is what RPCD0015 counts: a monthly payment without it is refused.
        tri!(f.require(&["PCD_PAY_YEAR", "PCD_PAY_MONTH"]));
    } else {
        for field in ["PCD_PAY_YEAR", "PCD_PAY_MONTH"] {
            if !f.has(field) {
                tri!(deviate(
                    sh,
                    &mut warnings,
                    "payple-card.txt §3: PCD_PAY_YEAR and PCD_PAY_MONTH are required",
                    field,
                    EVIDENCE_SIMPLE,
                    || perr("SPCD0100", Some(field)),
                ));
            }
        }
    }
    if !f.has("PCD_PAY_OID") {
        tri!(deviate(
            sh,
            &mut warnings,
            "payple-card.txt §3: PCD_PAY_OID is required",
            "PCD_PAY_OID",
            EVIDENCE_SIMPLE,
            || perr("SPCD0100", Some("PCD_PAY_OID")),
        ));
    }
    tri!(f.check("PCD_PAY_TYPE", |s| s == "card"));
    let amount = tri!(total(&f));
    tri!(check_reguler(&f));
    let payer_id = f.s("PCD_PAYER_ID");
    let key = {
        let st = sh.state();
        match st.billing_key(payer_id) {
            Some(k) if k.status == "active" && k.cst_id == m.cst_id => k.clone(),
            _ => return perr("SPCD0011", None),
        }
    };
    // Without an order number the gateway numbers the order itself (as the window does).
    let oid = match f.get("PCD_PAY_OID") {
        Some(o) => o.to_string(),
        None => format!("test{}", util::random_digits("oid", 16)),
    };
    if oid_taken(sh, &m.cst_id, &oid) {
        return perr("CPCA0201", None);
    }
    let month = format!("{}{}", f.s("PCD_PAY_YEAR"), f.s("PCD_PAY_MONTH"));
    if reguler && key.billed_months.contains(&month) {
        return perr("RPCD0015", None);
    }
    if key.declines {
        return perr("SPCD0101", None);
    }
    let tx = insert_payment(
        sh,
        &f,
        NewPayment {
            cst: &m.cst_id,
            warnings,
            oid,
            amount,
            status: "approved",
            operation: "payple.billing.pay",
            card_mask: key.card.clone(),
            card_billing: billing_mask(&key),
            card_result: result_mask(&key),
            card_name: key.card_name.clone(),
            declines: false,
        },
        payer_id,
    );
    if reguler {
        mark_billed(sh, payer_id, &f);
    }
    Response::json(&pay_response(&tx, &req.base_url(&sh.base_url)))
}

/// `1111********4444` from a stored 6/4 mask.
fn billing_mask(k: &BillingKey) -> String {
    let c = &k.card;
    if c.len() < 9 { c.clone() } else { format!("{}{}{}", &c[..4], "*".repeat(c.len() - 8), &c[c.len() - 4..]) }
}
/// `123456******1234` from a stored mask (the first 8 are not kept, so 6 are shown).
fn result_mask(k: &BillingKey) -> String {
    k.card.clone()
}

/// `POST /php/PayChkAct.php`: refund (PCD_PAYCANCEL_FLAG Y, §4) or result query (PCD_PAYCHK_FLAG Y, "결제결과 조회").
pub fn pay_chk(sh: &Shared, req: &Request) -> Response {
    let f = tri!(parse(req));
    if f.s("PCD_PAYCANCEL_FLAG") == "Y" { refund(sh, req, f) } else { status(sh, req, f) }
}

/// `POST /php/account/api/cPayCAct.php`: the path printed in the auth sample; always a refund.
pub fn cancel(sh: &Shared, req: &Request) -> Response {
    let f = tri!(parse(req));
    refund(sh, req, f)
}

fn refund(sh: &Shared, _req: &Request, f: Fields) -> Response {
    let Step { merchant: m, warnings, .. } = tri!(second_step(sh, &f, PaypleWork::Cancel));
    tri!(f.require(&["PCD_REFUND_KEY", "PCD_PAY_OID", "PCD_PAY_DATE", "PCD_REFUND_TOTAL"]));
    if f.s("PCD_REFUND_KEY") != m.refund_key {
        return perr("SPCD0100", Some("PCD_REFUND_KEY"));
    }
    tri!(f.check("PCD_PAY_DATE", digits_exact(8)));
    let refund_total = tri!(f.amount("PCD_REFUND_TOTAL"));
    let oid = f.s("PCD_PAY_OID");
    let mut st = sh.state();
    let Some(tx) = st.tx_mut("payple", &m.cst_id, oid) else { return perr("PAYC0001", None) };
    if tx.status == "pending" || tx.detail_str("pay_date") != f.s("PCD_PAY_DATE") {
        return perr("PAYC0001", None);
    }
    if tx.status == "cancelled" {
        return perr("PAYC0002", None);
    }
    if refund_total > tx.remaining() {
        return perr("PAYC0004", None);
    }
    // "테스트 계정으로 카드 결제시에는 부분취소가 되지 않습니다" (payple-card.txt 주의사항).
    if refund_total < tx.remaining() && !m.partial_refund {
        return perr("PAYC0003", None);
    }
    let now = sh.now();
    tx.cancel(refund_total, &now);
    tx.details.insert("cancelled_by".into(), json!("payple.cancel"));
    tx.warnings.extend(warnings.iter().cloned());
    let tx = tx.clone();
    if !warnings.is_empty() {
        st.log_warnings("payple.cancel", oid, &warnings, &now);
    }
    drop(st);
    let mut out = json!({
        "PCD_PAY_RST": "success",
        "PCD_PAY_CODE": "PAYC0000",
        "PCD_PAY_MSG": msg("PAYC0000"),
        "PCD_PAY_TYPE": "card",
        "PCD_PAY_OID": oid,
        "PCD_PAYER_NO": tx.detail("payer_no"),
        "PCD_PAYER_ID": tx.detail("payer_id"),
        "PCD_PAY_YEAR": tx.detail("year"),
        "PCD_PAY_MONTH": tx.detail("month"),
        "PCD_PAY_GOODS": tx.detail("goods"),
        "PCD_REGULER_FLAG": tx.detail("reguler"),
        "PCD_REFUND_TOTAL": refund_total,
    });
    if f.has("PCD_PAY_TAXTOTAL") {
        out["PCD_PAY_TAXTOTAL"] = f.raw("PCD_PAY_TAXTOTAL");
    }
    Response::json(&out)
}

fn status(sh: &Shared, req: &Request, f: Fields) -> Response {
    if f.s("PCD_PAYCHK_FLAG") != "Y" {
        return perr("SPCD0100", Some("PCD_PAYCHK_FLAG"));
    }
    let Step { merchant: m, warnings, .. } = tri!(second_step(sh, &f, PaypleWork::Check));
    tri!(f.require(&["PCD_PAY_OID", "PCD_PAY_DATE"]));
    let mut st = sh.state();
    let tx = match st.tx("payple", &m.cst_id, f.s("PCD_PAY_OID")) {
        Some(t) if t.status != "pending" && t.detail_str("pay_date") == f.s("PCD_PAY_DATE") => t.clone(),
        _ => return perr("PCHK0001", None),
    };
    if !warnings.is_empty() {
        st.log_warnings("payple.status", &tx.id, &warnings, &sh.now());
    }
    drop(st);
    let base = req.base_url(&sh.base_url);
    // The spec's answer ("결제결과 조회": PCD_CARDNUM, PCD_CARDNAME, PCD_CARDTRADENUM, no code) plus what
    // the current sample reads (PAYPLECORP/sample_php cPayPayple/payInfo.php: PCD_PAY_CODE, PCD_PAY_CARD*,
    // PCD_PAY_ISTAX, PCD_PAY_TAXTOTAL).
    Response::json(&json!({
        "PCD_PAY_RST": "success",
        "PCD_PAY_CODE": "SPCD0000",
        "PCD_PAY_MSG": "조회완료",
        "PCD_PAY_OID": tx.id,
        "PCD_PAY_TYPE": "card",
        "PCD_PAYER_NO": tx.detail("payer_no"),
        "PCD_PAYER_ID": tx.detail("payer_id"),
        "PCD_PAY_YEAR": tx.detail("year"),
        "PCD_PAY_MONTH": tx.detail("month"),
        "PCD_PAY_GOODS": tx.detail("goods"),
        "PCD_PAY_TOTAL": tx.amount.to_string(),
        "PCD_PAY_TIME": tx.detail("pay_time"),
        "PCD_REGULER_FLAG": tx.detail("reguler"),
        "PCD_PAYER_EMAIL": tx.detail("payer_email"),
        "PCD_CARDNUM": tx.detail("cardnum_result"),
        "PCD_CARDNAME": tx.detail("card_name"),
        "PCD_CARDTRADENUM": tx.detail("trade_num"),
        "PCD_PAY_CARDNAME": tx.detail("card_name"),
        "PCD_PAY_CARDNUM": tx.detail("cardnum_billing"),
        "PCD_PAY_CARDTRADENUM": tx.detail("trade_num"),
        "PCD_PAY_CARDAUTHNO": tx.detail("auth_no"),
        "PCD_PAY_CARDRECEIPT": receipt_url(&base, &tx.id),
        "PCD_PAY_ISTAX": tx.detail("istax"),
        "PCD_PAY_TAXTOTAL": tx.detail("taxtotal"),
        "PCD_SIMPLE_FLAG": tx.detail("simple"),
    }))
}

/// `POST /php/cPayUser/api/cPayUserAct.php?ACT_=PUSERDEL|PUSERINFO` (payple-card.txt §5, §6).
pub fn user_act(sh: &Shared, req: &Request) -> Response {
    let act = util::query_param(&req.query, "ACT_").unwrap_or("");
    let work = match act {
        "PUSERDEL" => PaypleWork::UserDel,
        "PUSERINFO" => PaypleWork::UserInfo,
        _ => return perr("SPCD0100", Some("ACT_")),
    };
    let f = tri!(parse(req));
    let Step { merchant: m, warnings, .. } = tri!(second_step(sh, &f, work));
    tri!(f.require(&["PCD_PAYER_ID"]));
    let now = sh.now();
    let payer_id = f.s("PCD_PAYER_ID");
    let mut st = sh.state();
    if !warnings.is_empty() {
        st.log_warnings(
            if work == PaypleWork::UserDel { "payple.billing.delete" } else { "payple.billing.info" },
            payer_id,
            &warnings,
            &now,
        );
    }
    let key = match st.billing_key_mut(payer_id) {
        Some(k) if k.status == "active" && k.cst_id == m.cst_id => k,
        _ => return perr("SPCD0011", None),
    };
    let payer_no = if f.has("PCD_PAYER_NO") { f.raw("PCD_PAYER_NO") } else { key.payer_no.clone() };
    if work == PaypleWork::UserDel {
        key.status = "deleted".into();
        key.updated_at = now.iso();
        // §5's answer plus PCD_PAY_CODE, which the current sample reads (PAYPLECORP/sample_php
        // cPayPayple/payUserDel.php).
        return Response::json(&json!({
            "PCD_PAY_RST": "success",
            "PCD_PAY_CODE": "0000",
            "PCD_PAY_MSG": "해지완료",
            "PCD_PAY_TYPE": "card",
            "PCD_PAY_WORK": "PUSERDEL",
            "PCD_PAYER_ID": payer_id,
            "PCD_PAYER_NO": payer_no,
        }));
    }
    let c = &key.card;
    let banknum = if c.len() >= 8 { format!("{}-****-****-{}", &c[..4], &c[c.len() - 4..]) } else { c.clone() };
    let (_, code) = util::issuer(c);
    Response::json(&json!({
        "PCD_PAY_RST": "success",
        "PCD_PAY_CODE": "0000",
        "PCD_PAY_MSG": msg("0000"),
        "PCD_PAY_TYPE": "card",
        "PCD_PAY_BANKACCTYPE": "개인",
        "PCD_PAYER_ID": payer_id,
        "PCD_PAYER_NO": payer_no,
        "PCD_PAYER_NAME": key.payer_name,
        "PCD_PAYER_HP": key.payer_hp,
        "PCD_PAY_BANK": code,
        "PCD_PAY_BANKNAME": key.card_name,
        "PCD_PAY_BANKNUM": banknum,
        // What the current sample reads (PAYPLECORP/sample_php cPayPayple/payUserInfo.php): the work,
        // and the card under PCD_PAY_CARD* names.
        "PCD_PAY_WORK": "PUSERINFO",
        "PCD_PAY_CARD": code,
        "PCD_PAY_CARDNAME": key.card_name,
        "PCD_PAY_CARDNUM": billing_mask(key),
    }))
}
