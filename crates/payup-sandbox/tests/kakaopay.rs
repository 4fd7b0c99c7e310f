mod common;
use common::*;
use serde_json::{Value, json};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";

fn order_body(order: &str, amount: &str, ua: Option<&str>, ret: &str) -> Value {
    let ts = now_ts();
    let mut b = json!({
        "orderNumber": order, "amount": amount, "itemName": "\"<테스트>\" & 'item'", "userName": "홍길동",
        "returnUrl": ret, "signature": sha256_hex(&format!("{MID}|{order}|{amount}|{KEY}|{ts}")), "timestamp": ts,
    });
    if let Some(u) = ua {
        b["userAgent"] = json!(u);
    }
    b
}

fn order(base: &str, order: &str, ua: Option<&str>, header_ua: &str) -> Value {
    post_json_h(
        base,
        &format!("/ep/api/kakao/{MID}/order"),
        &order_body(order, "1000", ua, "https://shop.example/kakao/return?x=1&y=2"),
        &[("User-Agent", header_ua)],
    )
}

/// EUC-KR percent-encoding, as a browser posts a form with accept-charset="euc-kr".
fn euc_kr_form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| {
            let (bytes, _, _) = encoding_rs::EUC_KR.encode(v);
            format!("{}={}", pct(k.as_bytes()), pct(&bytes))
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn pay(base: &str, body: &Value) -> Value {
    post_json(base, &format!("/ep/api/kakao/{MID}/pay"), body)
}

#[test]
fn mobile_window_card_flow_and_cancel() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let o = order(base, "K-1", None, IPHONE);
    assert_eq!(o["responseCode"], "0000", "{o}");
    for k in ["good_mny", "site_cd", "Ret_URL", "buyr_name", "ordr_idxx", "good_name", "approval_key", "pay_url"] {
        assert!(o[k].is_string() && !o[k].as_str().unwrap().is_empty(), "{k}: {o}");
    }
    assert_eq!(o["good_mny"], "1000");
    assert_eq!(o["Ret_URL"], "https://shop.example/kakao/return?x=1&y=2");
    assert_eq!(o["ordr_idxx"].as_str().unwrap().len(), 20);
    let pay_url = o["pay_url"].as_str().unwrap();
    assert_eq!(pay_url, format!("{base}/kcp/mobile/pay"));
    let ordr = o["ordr_idxx"].as_str().unwrap();
    let s = |k: &str| o[k].as_str().unwrap().to_string();
    // The merchant's WM form (§3.2.1, with the table's names ordr_idxx / buyr_name), posted in EUC-KR.
    let (good_name, good_mny, buyr_name, site_cd, ret_url, approval_key) =
        (s("good_name"), s("good_mny"), s("buyr_name"), s("site_cd"), s("Ret_URL"), s("approval_key"));
    let form = euc_kr_form(&[
        ("ordr_idxx", ordr),
        ("good_name", &good_name),
        ("good_mny", &good_mny),
        ("buyr_name", &buyr_name),
        ("site_cd", &site_cd),
        ("Ret_URL", &ret_url),
        ("approval_key", &approval_key),
        ("req_tx", "pay"),
        ("pay_method", "CARD"),
        ("ActionResult", "card"),
        ("currency", "410"),
        ("escw_used", "N"),
        ("kakaopay_direct", "Y"),
        ("param_opt_1", "옵션1"),
        ("param_opt_2", ""),
        ("param_opt_3", "x&y"),
    ]);
    let page = post_form(base, "/kcp/mobile/pay", &form, "application/x-www-form-urlencoded");
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("카카오페이 카드로 결제")
            && html.contains("카카오페이 머니로 결제")
            && html.contains("결제 취소")
    );
    assert!(html.contains("&quot;&lt;테스트&gt;&quot; &amp; &#39;item&#39;"), "escaped item name");
    assert!(html.contains("1,000원") && html.contains("홍길동"));
    let fs = forms(&html);
    // card, money, decline (a card the issuer refuses: tests/replay.rs), cancel.
    assert_eq!(fs.len(), 4);
    assert!(fs.iter().any(|(_, f)| field(f, "choice") == "decline"));
    // Choose "card": the answer is an auto-submitting form to Ret_URL.
    let card_form = fs.iter().find(|(_, f)| field(f, "choice") == "card").unwrap();
    let pairs: Vec<(&str, &str)> = card_form.1.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let choose = post_form(base, &card_form.0, form_encode(&pairs).as_bytes(), "application/x-www-form-urlencoded");
    let html = choose.text();
    assert!(html.contains(".submit()"));
    let (action, result) = forms(&html).remove(0);
    assert_eq!(action, "https://shop.example/kakao/return?x=1&y=2");
    let names: Vec<&str> = result.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "res_cd",
            "res_msg",
            "enc_info",
            "enc_data",
            "tran_cd",
            "card_pay_method",
            "ordr_idxx",
            "use_pay_method",
            "param_opt_1",
            "param_opt_2",
            "param_opt_3"
        ]
    );
    assert_eq!(field(&result, "res_cd"), "0000");
    assert_eq!(field(&result, "ordr_idxx"), ordr);
    assert_eq!(field(&result, "card_pay_method"), "KAKAO_CARD");
    assert_eq!(field(&result, "param_opt_1"), "옵션1");
    assert_eq!(field(&result, "param_opt_3"), "x&y");
    let mut body = json!({});
    for k in ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"] {
        body[k] = json!(field(&result, k));
    }
    // A forged enc_data → 6002 enc_data; res_cd ≠ 0000 → 9002; unknown order → 8001.
    let mut forged = body.clone();
    forged["enc_data"] = json!("made-up");
    assert_eq!(pay(base, &forged)["responseMsg"], "enc_data이 잘못되었습니다.");
    let mut bad = body.clone();
    bad["res_cd"] = json!("3001");
    assert_eq!(pay(base, &bad)["responseCode"], "9002");
    let mut unknown = body.clone();
    unknown["ordr_idxx"] = json!("20990101000000ST0000");
    assert_eq!(pay(base, &unknown)["responseCode"], "8001");
    // Approve.
    let r = pay(base, &body);
    assert_eq!(r["responseCode"], "0000", "{r}");
    assert_eq!(r["type"], "KAKAO_CARD");
    assert_eq!(r["orderNumber"], "K-1");
    assert_eq!(r["amount"], "1000");
    assert_eq!(r["quota"], "0");
    assert!(r["cardNo"].as_str().unwrap().contains('*'));
    for k in ["authDateTime", "authNumber", "cardName", "transactionId"] {
        assert!(!r[k].as_str().unwrap().is_empty(), "{k}");
    }
    let tid = r["transactionId"].as_str().unwrap().to_string();
    // Again → 8002.
    assert_eq!(pay(base, &body)["responseCode"], "8002");
    let l = ledger(base);
    assert_eq!(tx(&l, &tid)["operation"], "payup.kakaopay.approve");
    assert_eq!(l["kakaopay_orders"][0]["status"], "paid");
    // Cancel (§3.4): cancelReason required; then 0000, then 1005.
    let path = format!("/ep/api/kakao/{MID}/cancel");
    let r = post_json(base, &path, &json!({"transactionId": tid, "signature": cancel_sig(&tid)}));
    assert_eq!(r["responseMsg"], "cancelReason은 필수입니다.");
    let c = json!({"transactionId": tid, "cancelReason": "고객 요청", "signature": cancel_sig(&tid)});
    let r = post_json(base, &path, &c);
    assert_eq!(r["responseCode"], "0000", "{r}");
    assert_eq!(tx(&ledger(base), &tid)["status"], "cancelled");
    assert_eq!(post_json(base, &path, &c)["responseCode"], "1005");
    let other = "20170912142746ST0020";
    let r =
        post_json(base, &path, &json!({"transactionId": other, "cancelReason": "x", "signature": cancel_sig(other)}));
    assert_eq!(r["responseCode"], "1004");
}

#[test]
fn mobile_window_person_cancels_and_money() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let o = order(base, "K-2", Some("WM"), "Mozilla/5.0 (Linux; Android 14; Pixel 8)");
    let ordr = o["ordr_idxx"].as_str().unwrap();
    let ak = o["approval_key"].as_str().unwrap();
    // The form sample's typo ordr_idx is refused with an explanation.
    let page = post_form(
        base,
        "/kcp/mobile/pay",
        form_encode(&[("ordr_idx", ordr), ("approval_key", ak)]).as_bytes(),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(page.status, 400);
    assert!(page.text().contains("ordr_idxx"));
    // A wrong approval_key is refused.
    let page = post_form(
        base,
        "/kcp/mobile/pay",
        form_encode(&[("ordr_idxx", ordr), ("approval_key", "x")]).as_bytes(),
        "application/x-www-form-urlencoded",
    );
    assert_eq!(page.status, 400);
    // The person cancels: res_cd 3001, empty enc fields.
    let r = post_form(
        base,
        "/kcp/mobile/choose",
        form_encode(&[("ordr_idxx", ordr), ("approval_key", ak), ("choice", "cancel")]).as_bytes(),
        "application/x-www-form-urlencoded",
    );
    let (_, f) = forms(&r.text()).remove(0);
    assert_eq!(field(&f, "res_cd"), "3001");
    assert_eq!(field(&f, "enc_data"), "");
    // A refused window's post-back (empty enc fields) gets 9002, the code §4.1 documents for it.
    assert_eq!(
        pay(base, &json!({"res_cd": "3001", "enc_info": "", "enc_data": "", "card_pay_method": "", "ordr_idxx": ordr}))
            ["responseCode"],
        "9002"
    );
    assert_eq!(
        pay(
            base,
            &json!({"res_cd": "3001", "enc_info": "-", "enc_data": "-", "card_pay_method": "-", "ordr_idxx": ordr})
        )["responseCode"],
        "9002"
    );
    // Then money.
    let r = post_form(
        base,
        "/kcp/mobile/choose",
        form_encode(&[("ordr_idxx", ordr), ("approval_key", ak), ("choice", "money")]).as_bytes(),
        "application/x-www-form-urlencoded",
    );
    let (_, f) = forms(&r.text()).remove(0);
    let mut body = json!({});
    for k in ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"] {
        body[k] = json!(field(&f, k));
    }
    let r = pay(base, &body);
    assert_eq!(r["type"], "KAKAO_MONEY", "{r}");
    assert_eq!(r["cashReceipt"], "1000");
    assert!(r.get("cardNo").is_none());
    assert_eq!(tx(&ledger(base), r["transactionId"].as_str().unwrap())["card"], "");
}

#[test]
fn order_codes_and_pc_window() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    // WM (default) from a desktop browser → 6002 userAgent; WP is fine.
    let r = order(base, "K-3", None, DESKTOP);
    assert_eq!(r["responseMsg"], "userAgent이 잘못되었습니다.");
    let o = order(base, "K-3", Some("WP"), DESKTOP);
    assert_eq!(o["responseCode"], "0000");
    let path = format!("/ep/api/kakao/{MID}/order");
    let mut b = order_body("K-4", "1000", Some("WP"), "https://shop.example/r");
    b["signature"] = json!("0".repeat(64));
    assert_eq!(post_json(base, &path, &b)["responseCode"], "2001");
    let b = order_body("K-4", "50", Some("WP"), "https://shop.example/r");
    assert_eq!(post_json(base, &path, &b)["responseCode"], "5001");
    // The mobile window posts to returnUrl: it must be a URL. The PC window never uses it (README W4).
    let b = order_body("K-4", "1000", None, "javascript:alert(1)");
    let r = post_json_h(base, &path, &b, &[("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")]);
    assert_eq!(r["responseMsg"], "returnUrl이 잘못되었습니다.");
    assert_eq!(post_json(base, "/ep/api/kakao/nobody/order", &b)["responseCode"], "1001");
    let b = order_body("K-5", "1000", Some("WP"), "javascript:alert(1)");
    assert_eq!(post_json(base, &path, &b)["responseCode"], "0000");
    let strict = Sandbox::start(SandboxConfig { strict: true, ..SandboxConfig::default() }).unwrap();
    assert_eq!(post_json(strict.base_url(), &path, &b)["responseMsg"], "returnUrl이 잘못되었습니다.");

    // WP: the script defines KCP_Pay_Execute and GetField and calls m_Completepayment.
    let js = get(base, "/plugin/payplus_web.jsp");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    let js = js.text();
    for name in [
        "function KCP_Pay_Execute(form)",
        "function GetField(form, result)",
        "m_Completepayment(result, closeEvent)",
        "/kcp/plugin/choose",
        "카카오페이 카드로 결제",
        "카카오페이 머니로 결제",
        "결제 취소",
    ] {
        assert!(js.contains(name), "{name}");
    }
    // What the script's fetch gets (CORS preflight, then the result fields).
    let pre = request(
        base,
        "OPTIONS",
        "/kcp/plugin/choose",
        "",
        b"",
        &[("Origin", "https://shop.example"), ("Access-Control-Request-Headers", "content-type")],
    );
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    let ordr = o["ordr_idxx"].as_str().unwrap();
    let r = post_json(base, "/kcp/plugin/choose", &json!({"ordr_idxx": ordr, "site_cd": "T0000", "choice": "card"}));
    assert_eq!(r["res_cd"], "0000");
    for k in ["res_msg", "enc_info", "enc_data", "tran_cd", "card_pay_method", "use_pay_method", "ret_pay_method"] {
        assert!(r[k].is_string(), "{k}");
    }
    let mut body = json!({});
    for k in ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"] {
        body[k] = r[k].clone();
    }
    assert_eq!(pay(base, &body)["responseCode"], "0000");
    let r = post_json(base, "/kcp/plugin/choose", &json!({"ordr_idx": ordr, "choice": "card"}));
    assert_eq!(r["res_cd"], "9502");
}
