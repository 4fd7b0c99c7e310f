//! Replays of merchant-side clients written the way the vendors' public samples write them (each test names
//! its sample: repository + path). Every step the real gateway accepts is accepted, every field the sample
//! reads from an answer is present, each spec deviation is a warning on the ledger entry, and `strict`
//! refuses it with the gateway's code (README "Warnings"). The sandbox clock drives the time rules.
mod common;
use common::*;
use serde_json::{Value, json};

const CST: &str = "test";
const CUST_KEY: &str = "abcd1234567890";
const REFERER: (&str, &str) = ("Referer", "http://shop.example");

fn strict() -> SandboxConfig {
    SandboxConfig::from_json(r#"{"strict": true}"#).unwrap()
}

fn auth(base: &str, body: Value) -> Value {
    post_json_h(base, "/php/auth.php", &body, &[REFERER])
}

/// The path (with query) of an auth answer's return_url, which every sample posts to next.
fn return_path(base: &str, a: &Value) -> String {
    a["return_url"].as_str().unwrap_or_else(|| panic!("no return_url: {a}")).strip_prefix(base).unwrap().to_string()
}

/// Each field `names` present in `answer` (the sample reads them without isset()).
fn assert_reads(answer: &Value, names: &[&str]) {
    for n in names {
        assert!(answer.get(n).is_some(), "the sample reads {n}; the answer lacks it: {answer}");
    }
}

fn warnings_of(base: &str, oid: &str) -> Vec<String> {
    let l = ledger(base);
    tx(&l, oid)["warnings"].as_array().unwrap().iter().map(|w| w["field"].as_str().unwrap().to_string()).collect()
}

/// PAYPLECORP/sample_php pg/pay/cPayPayple/payple_payAuth.php: the window's `payple_auth_file` posts only
/// cst_id and custKey (with a Referer) and echoes the answer to the window script, which reads result,
/// cst_id, custKey, AuthKey, return_url (and cPayHost/cPayUrl), then posts the card entry to return_url.
#[test]
fn payple_auth_file_without_a_work_flag() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY}));
    assert_eq!(a["result"], "success", "{a}");
    assert_reads(&a, &["result", "result_msg", "cst_id", "custKey", "AuthKey", "return_url", "cPayHost", "cPayUrl"]);
    assert_eq!(return_path(base, &a), "/index.php?ACT_=PAYM");
    let pay = post_json(
        base,
        &return_path(base, &a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAY_WORK": "PAY", "PCD_PAY_GOODS": "티셔츠", "PCD_PAY_TOTAL": "1000",
            "PCD_PAY_OID": "window-no-flag-1", "card_no": OK_CARD, "card_expiry": "1230", "card_birth": "900101",
            "card_pw": "12"}),
    );
    assert_eq!(pay["PCD_PAY_CODE"], "SPCD0000", "{pay}");
    // The auth's warning is on the payment it led to, and in the warning log.
    assert_eq!(warnings_of(base, "window-no-flag-1"), ["PCD_PAY_TYPE"]);
    let l = ledger(base);
    let w = &l["warnings"][0];
    assert_eq!((w["operation"].as_str(), w["field"].as_str()), (Some("payple.auth"), Some("PCD_PAY_TYPE")));
    assert!(w["evidence"].as_str().unwrap().contains("payple_payAuth.php"));
    // --strict: the letter of the spec (AUTH0003: no work flag).
    let sb = Sandbox::start(strict()).unwrap();
    let a = auth(sb.base_url(), json!({"cst_id": CST, "custKey": CUST_KEY}));
    assert_eq!(a["result_code"], "AUTH0003", "{a}");
    assert_eq!(ledger(sb.base_url())["warnings"], json!([]));
}

/// What PAYPLECORP/sample_php cPayPayple/paySimpleCardSend.php reads from the payment answer.
const SIMPLE_READS: &[&str] = &[
    "PCD_PAY_RST",
    "PCD_PAY_CODE",
    "PCD_PAY_MSG",
    "PCD_PAY_OID",
    "PCD_PAY_TYPE",
    "PCD_PAYER_NO",
    "PCD_PAYER_ID",
    "PCD_PAYER_NAME",
    "PCD_PAYER_HP",
    "PCD_PAYER_EMAIL",
    "PCD_PAY_GOODS",
    "PCD_PAY_TOTAL",
    "PCD_PAY_TAXTOTAL",
    "PCD_PAY_ISTAX",
    "PCD_PAY_TIME",
    "PCD_PAY_CARDNAME",
    "PCD_PAY_CARDNUM",
    "PCD_PAY_CARDTRADENUM",
    "PCD_PAY_CARDAUTHNO",
    "PCD_PAY_CARDRECEIPT",
    "PCD_SIMPLE_FLAG",
];

/// PAYPLECORP/sample_php cPayPayple/paySimpleCardSend.php: auth with PCD_PAY_TYPE card + PCD_SIMPLE_FLAG Y,
/// then a payment to the auth's return_url with PCD_SIMPLE_FLAG Y, no PCD_PAY_YEAR/MONTH, and PCD_PAY_OID
/// "" when the order form had none; more than once a month.
fn simple_card_send(base: &str, payer_id: &str, oid: &str) -> Value {
    let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAY_TYPE": "card", "PCD_SIMPLE_FLAG": "Y"}));
    assert_eq!(a["result"], "success", "{a}");
    assert_eq!(return_path(base, &a), "/php/SimplePayCardAct.php?ACT_=PAYM");
    post_json_h(
        base,
        &return_path(base, &a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAYER_ID": payer_id, "PCD_PAY_GOODS": "간편결제", "PCD_SIMPLE_FLAG": "Y",
            "PCD_PAY_TOTAL": "1000", "PCD_PAY_OID": oid, "PCD_PAYER_NO": "", "PCD_PAYER_NAME": "홍길동",
            "PCD_PAYER_HP": "01012345678", "PCD_PAYER_EMAIL": "", "PCD_PAY_ISTAX": "Y", "PCD_PAY_TAXTOTAL": ""}),
        &[REFERER],
    )
}

#[test]
fn simple_card_send_more_than_once_a_month() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let payer = sb.register_payple_card(OK_CARD, "1");
    let first = simple_card_send(base, &payer, "simple-1");
    assert_eq!(first["PCD_PAY_CODE"], "SPCD0000", "{first}");
    assert_reads(&first, SIMPLE_READS);
    assert_eq!((first["PCD_SIMPLE_FLAG"].as_str(), first["PCD_PAYER_NAME"].as_str()), (Some("Y"), Some("홍길동")));
    assert_eq!(first["PCD_PAYER_HP"], "010-****-5678");
    let second = simple_card_send(base, &payer, "");
    assert_eq!(second["PCD_PAY_CODE"], "SPCD0000", "{second}");
    let numbered = second["PCD_PAY_OID"].as_str().unwrap();
    assert!(numbered.starts_with("test") && numbered.len() == 20, "{numbered}");
    assert_eq!(warnings_of(base, "simple-1"), ["PCD_PAY_YEAR", "PCD_PAY_MONTH"]);
    assert_eq!(warnings_of(base, numbered), ["PCD_PAY_YEAR", "PCD_PAY_MONTH", "PCD_PAY_OID"]);
    // The spec's path answers a SIMPLE auth too.
    let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAY_TYPE": "card", "PCD_SIMPLE_FLAG": "Y"}));
    let r = post_json(
        base,
        "/php/RePayCardAct.php?ACT_=PAYM",
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAYER_ID": payer, "PCD_PAY_GOODS": "간편결제", "PCD_SIMPLE_FLAG": "Y",
            "PCD_PAY_TOTAL": 1000, "PCD_PAY_OID": "simple-spec-1", "PCD_PAY_YEAR": "2026", "PCD_PAY_MONTH": "12"}),
    );
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0000", "{r}");
    assert_eq!(warnings_of(base, "simple-spec-1"), Vec::<String>::new());

    // --strict: each deviation is SPCD0100 naming the field; the spec's full request passes.
    let sb = Sandbox::start(strict()).unwrap();
    let base = sb.base_url();
    let payer = sb.register_payple_card(OK_CARD, "1");
    let r = simple_card_send(base, &payer, "strict-1");
    assert_eq!(r["PCD_PAY_CODE"], "SPCD0100", "{r}");
    assert!(r["PCD_PAY_MSG"].as_str().unwrap().contains("PCD_PAY_YEAR"), "{r}");
    assert!(!ledger(base).to_string().contains("strict-1"));
}

/// PAYPLECORP/sample_php cPayPayple/payInfo.php (result query): auth with PCD_PAYCHK_FLAG Y, then
/// PCD_PAYCHK_FLAG, PCD_PAY_TYPE, PCD_PAY_OID, PCD_PAY_DATE; reads the PCD_PAY_CARD* names and PCD_PAY_CODE.
/// payple-card.txt's own sample reads PCD_CARDNUM / PCD_CARDNAME / PCD_CARDTRADENUM: both are answered.
#[test]
fn pay_info_reads_both_field_generations() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let payer = sb.register_payple_card(OK_CARD, "1");
    assert_eq!(simple_card_send(base, &payer, "info-1")["PCD_PAY_CODE"], "SPCD0000");
    let date = tx(&ledger(base), "info-1")["details"]["pay_date"].as_str().unwrap().to_string();
    let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAYCHK_FLAG": "Y"}));
    let r = post_json(
        base,
        &return_path(base, &a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAYCHK_FLAG": "Y", "PCD_PAY_TYPE": "card", "PCD_PAY_OID": "info-1", "PCD_PAY_DATE": date}),
    );
    assert_eq!(r["PCD_PAY_RST"], "success", "{r}");
    assert_reads(
        &r,
        &[
            "PCD_PAY_RST",
            "PCD_PAY_CODE",
            "PCD_PAY_MSG",
            "PCD_PAY_OID",
            "PCD_PAY_TYPE",
            "PCD_PAYER_NO",
            "PCD_PAYER_ID",
            "PCD_PAYER_EMAIL",
            "PCD_PAY_GOODS",
            "PCD_PAY_TOTAL",
            "PCD_PAY_TIME",
            "PCD_PAY_ISTAX",
            "PCD_PAY_TAXTOTAL",
            "PCD_PAY_CARDNAME",
            "PCD_PAY_CARDNUM",
            "PCD_PAY_CARDTRADENUM",
            "PCD_PAY_CARDRECEIPT",
            "PCD_PAY_CARDAUTHNO",
            // payple-card.txt "결제결과 조회" response.
            "PCD_CARDNUM",
            "PCD_CARDNAME",
            "PCD_CARDTRADENUM",
            "PCD_REGULER_FLAG",
        ],
    );
    assert_eq!(r["PCD_PAY_CARDTRADENUM"], r["PCD_CARDTRADENUM"]);
    assert_eq!(r["PCD_PAY_CARDNUM"], "4111********1111");
}

/// PAYPLECORP/sample_php cPayPayple/payUserInfo.php and payUserDel.php: auth with PCD_PAY_WORK
/// PUSERINFO / PUSERDEL, then PCD_CST_ID, PCD_CUST_KEY, PCD_AUTH_KEY, PCD_PAYER_ID (no PCD_PAYER_NO).
#[test]
fn pay_user_info_and_delete() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let payer = sb.register_payple_card(OK_CARD, "1");
    let step = |work: &str| {
        let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAY_WORK": work}));
        post_json(
            base,
            &return_path(base, &a),
            &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
                "PCD_PAYER_ID": payer}),
        )
    };
    let info = step("PUSERINFO");
    assert_eq!(info["PCD_PAY_CODE"], "0000", "{info}");
    assert_reads(
        &info,
        &[
            "PCD_PAY_RST",
            "PCD_PAY_CODE",
            "PCD_PAY_MSG",
            "PCD_PAYER_ID",
            "PCD_PAY_TYPE",
            "PCD_PAY_WORK",
            "PCD_PAY_BANKACCTYPE",
            "PCD_PAYER_NAME",
            "PCD_PAYER_HP",
            "PCD_PAY_CARD",
            "PCD_PAY_CARDNAME",
            "PCD_PAY_CARDNUM",
            // payple-card.txt §6.
            "PCD_PAY_BANK",
            "PCD_PAY_BANKNAME",
            "PCD_PAY_BANKNUM",
        ],
    );
    assert_eq!(
        (info["PCD_PAY_WORK"].as_str(), info["PCD_PAY_CARD"].as_str()),
        (Some("PUSERINFO"), info["PCD_PAY_BANK"].as_str())
    );
    let del = step("PUSERDEL");
    assert_eq!(del["PCD_PAY_RST"], "success", "{del}");
    assert_reads(&del, &["PCD_PAY_RST", "PCD_PAY_CODE", "PCD_PAY_MSG", "PCD_PAY_TYPE", "PCD_PAY_WORK", "PCD_PAYER_ID"]);
    // Deleted: a second delete is refused with the unknown-payer code.
    assert_eq!(step("PUSERDEL")["PCD_PAY_CODE"], "SPCD0011");
}

fn reguler_pay(base: &str, payer: &str, oid: &str, year: &str, month: &str) -> Value {
    let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAY_TYPE": "card", "PCD_REGULER_FLAG": "Y"}));
    post_json(
        base,
        &return_path(base, &a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAYER_ID": payer, "PCD_PAY_GOODS": "정기구독", "PCD_PAY_TOTAL": 1000,
            "PCD_PAY_OID": oid, "PCD_PAY_YEAR": year, "PCD_PAY_MONTH": month, "PCD_REGULER_FLAG": "Y"}),
    )
}

fn this_month(sb: &Sandbox) -> (String, String) {
    let now = sb.advance_clock(0).unwrap();
    (now[..4].to_string(), now[5..7].to_string())
}

/// The time rules on the sandbox clock: AuthKey lifetime (CPCA0001 after 180 s), one monthly payment a
/// month (RPCD0015), KST dates for PCD_PAY_DATE.
#[test]
fn clock_drives_authkey_expiry_billing_months_and_kst_dates() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let payer = sb.register_payple_card(OK_CARD, "1");
    // AuthKey: 179 s is in time, 180 s is not.
    let pay_after = |secs: i64, oid: &str| {
        let a =
            auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAY_TYPE": "card", "PCD_REGULER_FLAG": "Y"}));
        sb.advance_clock(secs).unwrap();
        let (y, m) = this_month(&sb);
        post_json(
            base,
            &return_path(base, &a),
            &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
                "PCD_PAY_TYPE": "card", "PCD_PAYER_ID": payer, "PCD_PAY_GOODS": "정기구독", "PCD_PAY_TOTAL": 1000,
                "PCD_PAY_OID": oid, "PCD_PAY_YEAR": y, "PCD_PAY_MONTH": m, "PCD_REGULER_FLAG": "Y"}),
        )
    };
    sb.set_clock("2026-03-10T12:00:00+09:00").unwrap();
    assert_eq!(pay_after(179, "ttl-1")["PCD_PAY_CODE"], "SPCD0000");
    sb.set_clock("2026-04-10T12:00:00+09:00").unwrap();
    assert_eq!(pay_after(180, "ttl-2")["PCD_PAY_CODE"], "CPCA0001");
    // Monthly: this month once; again this month RPCD0015; next month (clock moved) accepted.
    sb.set_clock("2026-05-31T10:00:00+09:00").unwrap();
    let (y, m) = this_month(&sb);
    assert_eq!((y.as_str(), m.as_str()), ("2026", "05"));
    assert_eq!(reguler_pay(base, &payer, "m-1", &y, &m)["PCD_PAY_CODE"], "SPCD0000");
    assert_eq!(reguler_pay(base, &payer, "m-2", &y, &m)["PCD_PAY_CODE"], "RPCD0015");
    sb.advance_clock(86_400).unwrap();
    let (y, m) = this_month(&sb);
    assert_eq!(m, "06");
    assert_eq!(reguler_pay(base, &payer, "m-3", &y, &m)["PCD_PAY_CODE"], "SPCD0000");
    // KST midnight: paid at 23:59:50 KST on the 1st (14:59:50 UTC); after midnight the payment's
    // PCD_PAY_DATE is still the 1st.
    assert_eq!(sb.set_clock("2026-07-01T14:59:50Z").unwrap(), "2026-07-01T23:59:50+09:00");
    assert_eq!(reguler_pay(base, &payer, "late-1", "2026", "07")["PCD_PAY_TIME"], "20260701235950");
    sb.advance_clock(20).unwrap();
    let query = |date: &str| {
        let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAYCHK_FLAG": "Y"}));
        post_json(
            base,
            &return_path(base, &a),
            &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
                "PCD_PAYCHK_FLAG": "Y", "PCD_PAY_TYPE": "card", "PCD_PAY_OID": "late-1", "PCD_PAY_DATE": date}),
        )
    };
    assert_eq!(query("20260701")["PCD_PAY_RST"], "success");
    assert_eq!(query("20260702")["PCD_PAY_CODE"], "PCHK0001");
    // The control API moves the same clock.
    let c = post_json(base, "/__sandbox/clock", &json!({"set": "2027-01-01T00:00:00+09:00"}));
    assert_eq!(c["now"], "2027-01-01T00:00:00+09:00");
    let c = post_json(base, "/__sandbox/clock", &json!({"advance_secs": 61}));
    assert_eq!(c["now"], "2027-01-01T00:01:01+09:00");
    assert_eq!(request(base, "POST", "/__sandbox/clock", "application/json", b"{\"set\":\"soon\"}", &[]).status, 400);
    // A reset puts the clock back on the system time.
    assert_eq!(get(base, "/__sandbox/clock").json()["offset_secs"].as_i64().map(|o| o > 0), Some(true));
    sb.reset();
    assert_eq!(get(base, "/__sandbox/clock").json()["offset_secs"], 0);
}

/// `ledger_cap`: the oldest settled entries go first, a pending one never.
#[test]
fn ledger_cap_drops_oldest_settled_never_pending() {
    let sb = Sandbox::start(SandboxConfig::from_json(r#"{"ledger_cap": 50}"#).unwrap()).unwrap();
    let base = sb.base_url();
    // A pending (CERT) window payment first: the oldest entry.
    let a = auth(base, json!({"cst_id": CST, "custKey": CUST_KEY, "PCD_PAY_TYPE": "card"}));
    let cert = post_json(
        base,
        &return_path(base, &a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAY_WORK": "CERT", "PCD_PAY_GOODS": "g", "PCD_PAY_TOTAL": "1000",
            "PCD_PAY_OID": "pending-1", "card_no": OK_CARD, "card_expiry": "1230", "card_birth": "900101",
            "card_pw": "12"}),
    );
    assert_eq!(cert["PCD_PAY_RST"], "success", "{cert}");
    let ids: Vec<String> = (0..200).map(|i| approve_keyin(base, &format!("cap-{i}"), "1000")).collect();
    let l = ledger(base);
    let txs = l["transactions"].as_array().unwrap();
    assert!(txs.len() <= 50, "{}", txs.len());
    assert_eq!(tx(&l, "pending-1")["status"], "pending");
    // The newest are kept.
    assert!(txs.iter().any(|t| t["id"] == json!(ids[199])));
    assert!(!txs.iter().any(|t| t["id"] == json!(ids[0])));
    assert!(SandboxConfig::from_json(r#"{"ledger_cap": 0}"#).is_err());
    assert_eq!(SandboxConfig::default().ledger_cap, 100_000);
}

fn kakao_wp_order(base: &str, order: &str) -> String {
    let ts = now_ts();
    let o = post_json_h(
        base,
        &format!("/ep/api/kakao/{MID}/order"),
        &json!({"orderNumber": order, "amount": "1000", "itemName": "item", "userName": "홍길동",
            "returnUrl": "https://shop.example/r", "userAgent": "WP", "timestamp": ts,
            "signature": sha256_hex(&format!("{MID}|{order}|1000|{}|{ts}", common::KEY))}),
        &[],
    );
    assert_eq!(o["responseCode"], "0000", "{o}");
    o["ordr_idxx"].as_str().unwrap().to_string()
}

fn kakao_window_and_pay(base: &str, ordr: &str, choice: &str) -> Value {
    let r = post_json(base, "/kcp/plugin/choose", &json!({"ordr_idxx": ordr, "site_cd": "T0000", "choice": choice}));
    let mut body = json!({});
    for k in ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"] {
        body[k] = r[k].clone();
    }
    post_json(base, &format!("/ep/api/kakao/{MID}/pay"), &body)
}

/// KakaoPay declines: the window's "카드 승인 거절 (테스트)" button authenticates (res_cd 0000) and the
/// approval is refused by the issuer (9101, the sandbox's decline code); nothing is paid and the order can be
/// paid again. The `duplicate_order` fault answers the gateways' own duplicate codes with no effect.
#[test]
fn kakaopay_decline_button_and_duplicate_order_fault() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let ordr = kakao_wp_order(base, "KD-1");
    assert!(get(base, "/plugin/payplus_web.jsp").text().contains("카드 승인 거절 (테스트)"));
    let r = kakao_window_and_pay(base, &ordr, "decline");
    assert_eq!(r["responseCode"], "9101", "{r}");
    assert_eq!(ledger(base)["transactions"], json!([]));
    assert_eq!(kakao_window_and_pay(base, &ordr, "card")["responseCode"], "0000");

    // duplicate_order: KakaoPay 8002, Payple CPCA0201; refused for an operation without a public code.
    let ordr = kakao_wp_order(base, "KD-2");
    sb.arm_fault("payup.kakaopay.approve", "duplicate_order", None, 1).unwrap();
    assert_eq!(kakao_window_and_pay(base, &ordr, "card")["responseCode"], "8002");
    assert_eq!(kakao_window_and_pay(base, &ordr, "card")["responseCode"], "0000");
    let payer = sb.register_payple_card(OK_CARD, "1");
    sb.arm_fault("payple.billing.pay", "duplicate_order", None, 1).unwrap();
    let r = reguler_pay(base, &payer, "dup-1", "2026", "01");
    assert_eq!(r["PCD_PAY_CODE"], "CPCA0201", "{r}");
    assert!(!ledger(base).to_string().contains("dup-1"));
    let e = sb.arm_fault("payup.keyin.approve", "duplicate_order", None, 1).unwrap_err();
    assert!(e.contains("payple.billing.pay"), "{e}");
}

/// The dashboard: filters, each entry's masked summary and its warnings.
#[test]
fn dashboard_filters_and_shows_warnings() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let payer = sb.register_payple_card(OK_CARD, "1");
    assert_eq!(simple_card_send(base, &payer, "dash-warned")["PCD_PAY_CODE"], "SPCD0000");
    approve_keyin(base, "dash-keyin", "1000");
    let page = get(base, "/__sandbox/").text();
    assert!(page.contains("dash-warned") && page.contains("dash-keyin"));
    assert!(page.contains("payple-card.txt §3: PCD_PAY_YEAR and PCD_PAY_MONTH are required"));
    assert!(page.contains("paySimpleCardSend.php"));
    assert!(page.contains("411111******1111") && !page.contains(OK_CARD));
    let payple = get(base, "/__sandbox/?gateway=payple").text();
    assert!(payple.contains("dash-warned") && !payple.contains("dash-keyin"));
    let warned = get(base, "/__sandbox/?warnings=1").text();
    assert!(warned.contains("dash-warned") && !warned.contains("dash-keyin"));
    let by_order = get(base, "/__sandbox/?q=dash-key").text();
    assert!(by_order.contains("dash-keyin") && !by_order.contains("dash-warned\""));
    assert!(by_order.contains("1 shown of 1 matching"));
    // Escaped: a hostile filter value is shown as text.
    let hostile = get(base, "/__sandbox/?q=%3Cscript%3E").text();
    assert!(hostile.contains("&lt;script&gt;") && !hostile.contains("<script>"));
}
