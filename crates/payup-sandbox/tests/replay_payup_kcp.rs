//! Replays of merchant-side clients for Payup keyin, Payup KakaoPay (via NHN KCP) and NHN KCP keyin, written
//! the way the public samples write them (each test names its sample), and the canary test of every sink
//! the sandbox writes to (README "Warnings", "Answer fields and their sources"). Sibling of `replay.rs`.
mod common;
use base64::Engine;
use common::*;
use payup_sandbox::{KCP_TEST_CERT_PEM, KCP_TEST_KEY_PEM};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;

fn strict() -> SandboxConfig {
    SandboxConfig { strict: true, ..SandboxConfig::default() }
}

/// Each field `names` present in `answer` (the sample reads them without a check).
fn assert_reads(answer: &Value, names: &[&str]) {
    for n in names {
        assert!(answer.get(n).is_some(), "the sample reads {n}; the answer lacks it: {answer}");
    }
}

/// A raw request whose head lines are given as written (the samples send header lines our helpers would
/// not: PHP curl's bare `charset=utf-8`, Python's `charset: UTF-8`).
fn raw_post(base: &str, path: &str, head_lines: &[&str], body: &[u8]) -> Value {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let mut head =
        format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for l in head_lines {
        head += l;
        head += "\r\n";
    }
    head += "\r\n";
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw).unwrap().json()
}

/// PHP's `json_encode` with its default flags: `/` written `\/`, every non-ASCII character `\uXXXX`.
fn php_json_encode(v: &Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

/// json-simple's `JSONObject.toString()` (`/` written `\/`) after the KCP Java sample's
/// `replace(",", ",\r\n")`.
fn java_sample_body(v: &Value) -> String {
    v.to_string().replace('/', "\\/").replace(',', ",\r\n")
}

fn kcp_cert_one_line() -> String {
    KCP_TEST_CERT_PEM.replace('\n', "")
}

fn kcp_sign(msg: &str) -> String {
    let b64: String = KCP_TEST_KEY_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), msg.as_bytes(), &mut sig).unwrap();
    base64::engine::general_purpose::STANDARD.encode(sig)
}

/// What the KCP samples read from an approval: res_cd, res_msg; tno and amount, which the merchant must
/// compare with its own (kcp-keyin.txt 승인응답 "반드시 업체의 DB금액과 비교"); the card fields of the
/// 신용카드 결제 응답 table.
const KCP_APPROVAL_READS: &[&str] = &[
    "res_cd",
    "res_msg",
    "res_en_msg",
    "tno",
    "amount",
    "card_cd",
    "card_name",
    "card_no",
    "app_no",
    "app_time",
    "noinf",
    "noinf_type",
    "quota",
    "card_mny",
    "acqu_cd",
    "acqu_name",
    "partcanc_yn",
    "card_bin_type_01",
    "card_bin_type_02",
    "card_bin_bank_cd",
];

fn kcp_request(ordr: &str, card: &str, certified: bool, cust_ip: bool) -> Value {
    let mut b = json!({"site_cd": "T0000", "kcp_cert_info": kcp_cert_one_line(), "pay_method": "CARD",
        "amount": "1000", "card_mny": "1000", "currency": "410", "quota": "00", "ordr_idxx": ordr,
        "good_name": "테스트 상품", "buyr_name": "홍길동", "buyr_mail": "test@kcp.co.kr", "buyr_tel2": "01000000000",
        "card_tx_type": if certified { "11121000" } else { "11111000" }, "card_no": card, "card_expiry": "3007"});
    if certified {
        b["card_taxno"] = json!("951010");
        b["card_pwd"] = json!("00");
    }
    if cust_ip {
        b["cust_ip"] = json!("");
    }
    b
}

/// NHN KCP's official samples as kcp-keyin.txt prints them ("API 승인처리 예시"), one client each:
/// - PHP: `json_encode` (`\/`, `\uXXXX`), `cust_ip: ""`, uncertified 11111000, and the curl header array
///   `["Content-Type: application/json", "charset=utf-8"]`, whose second line has no colon;
/// - Java: json-simple `toString()` with `replace(",", ",\r\n")`, `Accept-Charset: UTF-8`, 11111000;
/// - Python: `json.dumps(..., ensure_ascii=False, indent="\t")`, headers `Content-Type` and `charset: UTF-8`,
///   certified 11121000 with card_taxno and card_pwd, no cust_ip;
/// - ASP: `Content-Type: application/json;charset=UTF-8`, string concatenation, 11121000, no cust_ip;
/// - Node: `fetch` with `JSON.stringify`, `cust_ip: ""`, 11121000.
///
/// Every one is accepted and answered with every field the response tables list (README "Answer fields").
#[test]
fn kcp_official_samples_in_every_language() {
    let sb = Sandbox::start(strict()).unwrap();
    let base = sb.base_url();
    let path = "/gw/hub/v1/payment";
    let php = php_json_encode(&kcp_request("KCP-PHP-1", OK_CARD, false, true));
    assert!(php.contains("\\/") && php.contains("\\u"), "{php}");
    let a = raw_post(base, path, &["Content-Type: application/json", "charset=utf-8"], php.as_bytes());
    let java = java_sample_body(&kcp_request("KCP-JAVA-1", OK_CARD, false, true));
    let b = raw_post(base, path, &["Content-Type: application/json", "Accept-Charset: UTF-8"], java.as_bytes());
    let py = serde_json::to_string_pretty(&kcp_request("KCP-PY-1", OK_CARD, true, false)).unwrap().replace("  ", "\t");
    let c = raw_post(base, path, &["Content-Type: application/json", "charset: UTF-8"], py.as_bytes());
    let r = kcp_request("KCP-ASP-1", OK_CARD, true, false);
    let asp = format!(
        "{{\"site_cd\":\"{}\",\"kcp_cert_info\":\"{}\",\"pay_method\":\"CARD\",\"amount\":\"1000\",\"card_mny\":\"1000\",\
         \"currency\":\"410\",\"quota\":\"00\",\"ordr_idxx\":\"KCP-ASP-1\",\"good_name\":\"{}\",\"buyr_name\":\"{}\",\
         \"buyr_mail\":\"\",\"buyr_tel2\":\"\",\"card_tx_type\":\"11121000\",\"card_no\":\"{}\",\"card_expiry\":\"3007\",\
         \"card_taxno\":\"951010\",\"card_pwd\":\"00\"}}",
        r["site_cd"].as_str().unwrap(),
        r["kcp_cert_info"].as_str().unwrap(),
        r["good_name"].as_str().unwrap(),
        r["buyr_name"].as_str().unwrap(),
        OK_CARD
    );
    let d = raw_post(base, path, &["Content-Type: application/json;charset=UTF-8"], asp.as_bytes());
    let e = post_json(base, path, &kcp_request("KCP-NODE-1", OK_CARD, true, true));
    for (name, answer) in [("PHP", &a), ("Java", &b), ("Python", &c), ("ASP", &d), ("Node", &e)] {
        assert_eq!(answer["res_cd"], "0000", "{name}: {answer}");
        assert_reads(answer, KCP_APPROVAL_READS);
        assert_eq!(answer["amount"], "1000", "{name}");
    }
    let l = ledger(base);
    for id in ["KCP-PHP-1", "KCP-JAVA-1", "KCP-PY-1", "KCP-ASP-1", "KCP-NODE-1"] {
        let t = l["transactions"].as_array().unwrap().iter().find(|t| t["order_number"] == id).unwrap();
        assert_eq!(t["warnings"], json!([]), "{id}");
    }
    // What the gateway refuses, the sandbox refuses with a code the samples read from res_cd.
    let r = post_json(base, path, &kcp_request("KCP-BAD-1", "1234567800000000", true, true));
    assert_eq!(r["res_cd"], "V001", "the spec's sample card number is not Luhn-valid: {r}");
    let r = post_json(base, path, &kcp_request("KCP-DECLINE-1", DECLINE_CARD, true, true));
    assert_eq!(r["res_cd"], "8101");
    assert_reads(&r, &["res_cd", "res_msg"]);
}

/// The cancels of public KCP integrations:
/// - the auto-cancel of NHN KCP's own sample (the JSP approval page's "승인 결과 DB 처리 실패시 : 자동취소":
///   STSC, `mod_desc` "가맹점 DB 처리 실패(자동취소)", the `,\r\n` body), which reads res_cd and res_msg;
/// - a public PHP integration's partial refund (STPC with `mod_mny` and `rem_mny` as strings, `mod_desc` cut to
///   100 bytes), which reads res_cd, tno, mod_mny, rem_mny (checked: the balance after) and canc_time.
#[test]
fn kcp_cancel_clients() {
    let sb = Sandbox::start(strict()).unwrap();
    let base = sb.base_url();
    let tno = |ordr: &str| {
        let a = post_json(base, "/gw/hub/v1/payment", &kcp_request(ordr, OK_CARD, true, true));
        assert_eq!(a["res_cd"], "0000", "{a}");
        a["tno"].as_str().unwrap().to_string()
    };
    let t = tno("KCP-AUTO-1");
    let body = json!({"site_cd": "T0000", "kcp_cert_info": kcp_cert_one_line(),
        "kcp_sign_data": kcp_sign(&format!("T0000^{t}^STSC")), "tno": t, "mod_type": "STSC",
        "mod_desc": "가맹점 DB 처리 실패(자동취소)"});
    let r = raw_post(
        base,
        "/gw/mod/v1/cancel",
        &["Content-Type: application/json", "Accept-Charset: UTF-8"],
        java_sample_body(&body).as_bytes(),
    );
    assert_eq!(r["res_cd"], "0000", "{r}");
    assert_reads(&r, &["res_cd", "res_msg"]);

    let t = tno("KCP-PART-1");
    let reason: String = "고객 요청에 의한 부분 환불 ".repeat(10);
    let cut = {
        let mut n = 100.min(reason.len());
        while !reason.is_char_boundary(n) {
            n -= 1;
        }
        &reason[..n]
    };
    let body = json!({"site_cd": "T0000", "kcp_cert_info": kcp_cert_one_line(), "tno": t, "mod_type": "STPC",
        "mod_desc": cut, "kcp_sign_data": kcp_sign(&format!("T0000^{t}^STPC")), "mod_mny": "300", "rem_mny": "1000"});
    let r = post_json(base, "/gw/mod/v1/cancel", &body);
    assert_eq!(r["res_cd"], "0000", "{r}");
    assert_reads(&r, &["res_cd", "tno", "mod_mny", "rem_mny", "canc_time"]);
    assert_eq!(
        (r["tno"].as_str(), r["mod_mny"].as_str(), r["rem_mny"].as_str()),
        (Some(t.as_str()), Some("300"), Some("700"))
    );
    assert_eq!(r["canc_time"].as_str().map(str::len), Some(14));
}

fn payup_keyin_body(order: &str, card: &str, ts: &str) -> Value {
    json!({"orderNumber": order, "cardNo": card, "expireMonth": "01", "expireYear": "30", "birthday": "890302",
        "cardPw": "11", "amount": "1000", "quota": "0", "itemName": "TEST아이템", "userName": "테스터",
        "timestamp": ts, "signature": sha256_hex(&format!("{MID}|{order}|1000|{KEY}|{ts}"))})
}

/// seog2/bob `version1.0_230623/bookShop01/src/main/java/com/bookshop01/payment/service/PaymentService.java`
/// `keyin()`: a HashMap of strings (quota "0", a fixed timestamp, no mobileNumber / kakaoSend / userEmail),
/// the whole answer printed; then a cancel as the same course's controllers send it (`merchantId`,
/// `transactionId`, `signature`), reading responseCode, responseMsg and cancelDateTime.
#[test]
fn payup_keyin_and_cancel_as_the_himedia_course_sends_them() {
    let sb = Sandbox::start(strict()).unwrap();
    let base = sb.base_url();
    let a = post_json(
        base,
        &format!("/v2/api/payment/{MID}/keyin2"),
        &payup_keyin_body("TEST1234", OK_CARD, "20230531010112"),
    );
    assert_eq!(a["responseCode"], "0000", "{a}");
    assert_reads(
        &a,
        &[
            "responseCode",
            "responseMsg",
            "transactionId",
            "authDateTime",
            "authNumber",
            "orderNumber",
            "amount",
            "cardName",
            "kakaoResultCode",
            "noinf",
        ],
    );
    let tid = a["transactionId"].as_str().unwrap();
    assert_eq!(&tid[14..16], "ST");
    let c = post_json(
        base,
        &format!("/v2/api/payment/{MID}/cancel2"),
        &json!({"merchantId": MID, "transactionId": tid, "signature": sha256_hex(&format!("{MID}|{tid}|{KEY}"))}),
    );
    assert_eq!(c["responseCode"], "0000", "{c}");
    assert_reads(&c, &["responseCode", "responseMsg", "cancelDateTime"]);
    assert_eq!(tx(&ledger(base), tid)["status"], "cancelled");

    // A public CodeIgniter shop on the live host (`class Payment extends CI_Controller`, merchant `alloga`;
    // found by the text `api.payup.co.kr`): the form's fields plus its own `user_id`, `kakaoSend` "Y" with a
    // mobileNumber, PHP `date('YmdHis')`; it stores responseCode, responseMsg, transactionId, cardName and
    // kakaoResultCode.
    let ts = "20261130120000";
    let mut b = payup_keyin_body("ORDER2026113000001", OK_CARD, ts);
    for (k, v) in
        [("user_id", "kakao_123"), ("mobileNumber", "01012345678"), ("userEmail", "a@b.kr"), ("kakaoSend", "Y")]
    {
        b[k] = json!(v);
    }
    let a = raw_post(
        base,
        &format!("/v2/api/payment/{MID}/keyin2"),
        &["Content-Type: application/json; charset=utf-8"],
        php_json_encode(&b).as_bytes(),
    );
    assert_eq!(a["responseCode"], "0000", "{a}");
    assert_reads(&a, &["responseCode", "responseMsg", "transactionId", "cardName", "kakaoResultCode"]);
    assert_eq!(a["kakaoResultCode"], "0000");
    // A public PHP client class (`namespace PayUp; class PayUp`, `OfferCardType`): every optional field
    // present and empty (userEmail, mobileNumber ""), `JSON_UNESCAPED_UNICODE`, its own User-Agent.
    let mut b = payup_keyin_body("HB-1", OK_CARD, ts);
    b["userEmail"] = json!("");
    b["mobileNumber"] = json!("");
    let a = raw_post(
        base,
        &format!("/v2/api/payment/{MID}/keyin2"),
        &["Content-Type: application/json; charset=utf-8", "User-Agent: HANSBIOTECH-HTTPClient/0.1"],
        b.to_string().as_bytes(),
    );
    assert_eq!(a["responseCode"], "0000", "{a}");
    assert_eq!(a["kakaoResultCode"], "", "no 알림톡 without kakaoSend");
    assert_no_warnings(base);
}

fn assert_no_warnings(base: &str) {
    let l = ledger(base);
    assert_eq!(l["warnings"], json!([]));
    assert!(l["transactions"].as_array().unwrap().iter().all(|t| t["warnings"] == json!([])), "{l}");
}

fn kakao_wp_order(base: &str, order: &str, return_url: &str, extra: Value) -> Value {
    let ts = "20230601105020";
    let mut b = json!({"orderNumber": order, "userAgent": "WP", "amount": "1000", "itemName": "강의테스트",
        "userName": "kevin", "returnUrl": return_url, "timestamp": ts,
        "signature": sha256_hex(&format!("{MID}|{order}|1000|{KEY}|{ts}"))});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    post_json(base, &format!("/ep/api/kakao/{MID}/order"), &b)
}

/// The page's `order_info` form after `GetField` (payup-kakaopay-kcp.txt §3.2.2, with the table's names):
/// its fixed fields plus what the window returned; the sample forwards all of it to `/pay`.
fn wp_form_after_window(base: &str, order: &Value, choice: &str) -> Value {
    let ordr = order["ordr_idxx"].as_str().unwrap();
    let r = post_json(
        base,
        "/kcp/plugin/choose",
        &json!({"ordr_idxx": ordr, "site_cd": order["site_cd"], "choice": choice}),
    );
    assert_eq!(r["res_cd"], "0000", "{r}");
    let mut form = json!({"ordr_idxx": ordr, "good_name": order["good_name"], "good_mny": order["good_mny"],
        "buyr_name": order["buyr_name"], "site_cd": order["site_cd"], "req_tx": "pay", "pay_method": "100000000000",
        "currency": "410", "kakaopay_direct": "Y", "module_type": "01", "ordr_chk": "", "param_opt_1": "",
        "param_opt_2": "", "param_opt_3": ""});
    for (k, v) in r.as_object().unwrap() {
        if let Some(s) = v.as_str() {
            form[k] = json!(s);
        }
    }
    form
}

/// seog2/bob `…/bookshop01/payment/service/PaymentService.java` `kakaoOrder()` and `kakaoPay()` (and
/// `bob/src/main/java/com/bob/payment/controller/PaymentController2.java`): a WP order with
/// `returnUrl = "test"` ("이거는 아무값이나 넣어도 됩니다"), whose printed answer is
/// `{good_mny, site_cd, Ret_URL=test, affiliaterCode=0005, buyr_name, ordr_idxx=…KK0277, good_name,
/// responseCode=0000, responseMsg}`; then the window's whole form forwarded to `/pay`, whose printed answer
/// is `{amount, orderNumber, type=KAKAO_MONEY, authDateTime, cashReceipt, transactionId=…KK0644,
/// responseCode, responseMsg}`. The returnUrl is warning W4 on the payment's entry; `strict` refuses it.
#[test]
fn kakaopay_wp_order_with_any_return_url_and_the_forwarded_form() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let o = kakao_wp_order(base, "TEST_ORDER", "test", json!({}));
    assert_eq!(o["responseCode"], "0000", "{o}");
    assert_reads(
        &o,
        &[
            "good_mny",
            "site_cd",
            "Ret_URL",
            "affiliaterCode",
            "buyr_name",
            "ordr_idxx",
            "good_name",
            "responseCode",
            "responseMsg",
        ],
    );
    assert_eq!(o["Ret_URL"], "test");
    let ordr = o["ordr_idxx"].as_str().unwrap().to_string();
    assert_eq!((ordr.len(), &ordr[14..16]), (20, "KK"), "{ordr}");
    let form = wp_form_after_window(base, &o, "money");
    // The window's result as public merchant code prints it (KakaoController2.java of the same course):
    // ordr_chk=…|100, res_cd, res_msg, enc_info, enc_data, ret_pay_method=CARD, tran_cd=00100000,
    // use_pay_method=100000000000, card_pay_method=KAKAO_MONEY.
    assert_eq!(form["ordr_chk"], format!("{ordr}|1000").as_str());
    assert_eq!(
        (form["ret_pay_method"].as_str(), form["tran_cd"].as_str(), form["use_pay_method"].as_str()),
        (Some("CARD"), Some("00100000"), Some("100000000000"))
    );
    assert_eq!(form["card_pay_method"], "KAKAO_MONEY");
    let p = post_json(base, &format!("/ep/api/kakao/{MID}/pay"), &form);
    assert_eq!(p["responseCode"], "0000", "{p}");
    assert_reads(
        &p,
        &[
            "amount",
            "orderNumber",
            "type",
            "authDateTime",
            "cashReceipt",
            "transactionId",
            "responseCode",
            "responseMsg",
        ],
    );
    assert_eq!((p["type"].as_str(), p["transactionId"].as_str()), (Some("KAKAO_MONEY"), Some(ordr.as_str())));
    assert_eq!(p["responseMsg"], "정상처리");
    let l = ledger(base);
    let w = &tx(&l, &ordr)["warnings"];
    assert_eq!(w.as_array().map(|w| w.len()), Some(1), "{w}");
    assert_eq!(w[0]["field"], "returnUrl");
    assert!(w[0]["evidence"].as_str().unwrap().contains("seog2/bob"));
    assert!(w[0]["rule"].as_str().unwrap().contains("payup-kakaopay-kcp.txt §3.1"));
    let logged = &l["warnings"][0];
    assert_eq!(
        (logged["operation"].as_str(), logged["reference"].as_str()),
        (Some("payup.kakaopay.order"), Some(ordr.as_str()))
    );
    let page = get(base, "/__sandbox/?warnings=1").text();
    assert!(page.contains(&ordr) && page.contains("seog2/bob"));

    // A card payment through the same forwarded form reads the card fields (§3.3 카드 결제 성공 시).
    let o = kakao_wp_order(base, "TEST_ORDER2", "https://shop.example/kakao", json!({}));
    let p = post_json(base, &format!("/ep/api/kakao/{MID}/pay"), &wp_form_after_window(base, &o, "card"));
    assert_eq!(p["responseCode"], "0000", "{p}");
    assert_reads(&p, &["authNumber", "cardName", "cardNo", "quota", "amount", "authDateTime", "transactionId"]);
    assert_eq!(tx(&ledger(base), o["ordr_idxx"].as_str().unwrap())["warnings"], json!([]));

    // --strict: the letter of §3.1.
    let sb = Sandbox::start(strict()).unwrap();
    let r = kakao_wp_order(sb.base_url(), "TEST_ORDER", "test", json!({}));
    assert_eq!(
        (r["responseCode"].as_str(), r["responseMsg"].as_str()),
        (Some("6002"), Some("returnUrl이 잘못되었습니다."))
    );
    assert_eq!(ledger(sb.base_url())["warnings"], json!([]));
}

/// The same course's other KakaoPay clients sign and send a timestamp that is not 14 digits (warning W5):
/// `com.bookshop01.test.TestController` `kakaoOrder()` sends `timestamp: "1000"` and `returnUrl: "naver.com"`
/// and prints the answer `{good_mny, site_cd, Ret_URL=naver.com, affiliaterCode, buyr_name,
/// ordr_idxx=20221014100929KK0905, good_name, responseCode=0000, responseMsg=성공}`;
/// `com.standout.sopang.order.controller.EasyPayPopup` sends `timestamp: "2023020400000000"`, `returnUrl:
/// "모바일전용데이터"`, and `merchantId` and `apiCertKey` in the body. Both deviations land on the payment's entry;
/// `strict` refuses the timestamp first (6002 timestamp). A timestamp that is not digits is refused either way.
#[test]
fn kakaopay_orders_with_other_timestamps() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let order = |base: &str, num: &str, ts: &str, ret: &str, extra: Value| {
        let mut b = json!({"orderNumber": num, "amount": "100", "itemName": "직장인을 위한 엑셀 실무", "userName": "테스트중",
            "returnUrl": ret, "timestamp": ts, "userAgent": "WP",
            "signature": sha256_hex(&format!("{MID}|{num}|100|{KEY}|{ts}"))});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        post_json(base, &format!("/ep/api/kakao/{MID}/order"), &b)
    };
    let a = order(base, "TEST_12346", "1000", "naver.com", json!({}));
    assert_eq!(a["responseCode"], "0000", "{a}");
    assert_reads(
        &a,
        &[
            "good_mny",
            "site_cd",
            "Ret_URL",
            "affiliaterCode",
            "buyr_name",
            "ordr_idxx",
            "good_name",
            "responseCode",
            "responseMsg",
        ],
    );
    let b = order(base, "1", "2023020400000000", "모바일전용데이터", json!({"merchantId": MID, "apiCertKey": KEY}));
    assert_eq!(b["responseCode"], "0000", "{b}");
    for o in [&a, &b] {
        let p = post_json(base, &format!("/ep/api/kakao/{MID}/pay"), &wp_form_after_window(base, o, "card"));
        assert_eq!(p["responseCode"], "0000", "{p}");
        let l = ledger(base);
        let fields: Vec<String> = tx(&l, o["ordr_idxx"].as_str().unwrap())["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, ["timestamp", "returnUrl"]);
    }
    let l = ledger(base);
    let w = l["warnings"].as_array().unwrap().iter().find(|w| w["field"] == "timestamp").unwrap();
    assert!(
        w["evidence"].as_str().unwrap().contains("TestController") && w["rule"].as_str().unwrap().contains("14 digits")
    );
    assert!(!l.to_string().contains(KEY), "the apiCertKey sent in the body is stored nowhere");
    let r = order(base, "X-1", "2023-02-04", "https://shop.example/r", json!({}));
    assert_eq!(r["responseMsg"], "timestamp이 잘못되었습니다.");

    let sb = Sandbox::start(strict()).unwrap();
    let base = sb.base_url();
    let r = order(base, "TEST_12346", "1000", "naver.com", json!({}));
    assert_eq!(r["responseMsg"], "timestamp이 잘못되었습니다.", "{r}");
    let r = order(base, "TEST_12347", "20230501112700", "https://shop.example/r", json!({}));
    assert_eq!(r["responseCode"], "0000", "{r}");
}

const CANARY_PAN: &str = "4556737586899855"; // Luhn-valid: approved
const CANARY_DECLINED: &str = "4556737586070002"; // Luhn-valid, ends in 0002: declined by the issuer
const CANARY_INVALID: &str = "4556737586899856"; // Luhn-invalid: refused as invalid
const CANARY_PW: &str = "47";
const CANARY_BIRTH: &str = "731205";
const CANARY_KEY: &str = "CANARYKEY0123456789abcdef";
const CANARY_CUST_KEY: &str = "CANARYCUSTKEY9876543210";
const CANARY_REFUND_KEY: &str = "CANARYREFUNDKEY1357924680";

/// Every text value of a JSON document, recursively.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        Value::Number(n) => out.push(n.to_string()),
        _ => {}
    }
}

fn assert_no_canary(sink: &str, text: &str) {
    for c in [CANARY_PAN, CANARY_DECLINED, CANARY_INVALID, CANARY_BIRTH, CANARY_KEY, CANARY_CUST_KEY, CANARY_REFUND_KEY]
    {
        assert!(!text.contains(c), "{sink} holds the canary {c}");
    }
    // The two password digits are too short to search for as text: no value or table cell is exactly them.
    for shape in
        [format!(">{CANARY_PW}<"), format!("={CANARY_PW}<"), format!("\"{CANARY_PW}\""), format!(": {CANARY_PW}<")]
    {
        assert!(!text.contains(&shape), "{sink} holds the password digits as {shape}");
    }
}

/// The sandbox's sinks — the ledger and its warnings (`/__sandbox/transactions`), the dashboard with each
/// filter, the `--state` file — never hold a full card number, the card password digits, a birth date or a
/// secret key (apiCertKey, custKey, refund key), whatever a merchant sends through any operation of the
/// four gateways, including the deviations that make warnings and a merchant that sends its apiCertKey in
/// the body (a public KakaoPay order client of the himedia course, `KakaoContorller.java`, does).
#[test]
fn no_sink_holds_a_card_number_password_birth_date_or_key() {
    let dir = std::env::temp_dir().join(format!("payup-sandbox-canary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let config = SandboxConfig::from_json(&format!(
        r#"{{"payup": [{{"merchant_id": "canary", "api_cert_key": "{CANARY_KEY}", "min_amount": 100, "max_amount": 10000000}}],
            "payple": [{{"cst_id": "canary", "cust_key": "{CANARY_CUST_KEY}", "refund_key": "{CANARY_REFUND_KEY}", "partial_refund": true}}]}}"#
    ))
    .unwrap();
    let sb = Sandbox::start_on("127.0.0.1:0", config, Some(state.clone())).unwrap();
    let base = sb.base_url();
    let mid = "canary";
    let ts = "20261130120000";

    // Payup keyin: approved, declined, invalid; a cancel.
    let keyin = |order: &str, card: &str| {
        let b = json!({"orderNumber": order, "cardNo": card, "expireMonth": "12", "expireYear": "30",
            "birthday": CANARY_BIRTH, "cardPw": CANARY_PW, "amount": "1000", "quota": "0", "itemName": "canary",
            "userName": "canary", "timestamp": ts, "signature": sha256_hex(&format!("{mid}|{order}|1000|{CANARY_KEY}|{ts}")),
            "apiCertKey": CANARY_KEY});
        post_json(base, &format!("/v2/api/payment/{mid}/keyin2"), &b)
    };
    let a = keyin("C-1", CANARY_PAN);
    assert_eq!(a["responseCode"], "0000", "{a}");
    assert_eq!(keyin("C-2", CANARY_DECLINED)["responseCode"], "9101");
    assert_eq!(keyin("C-3", CANARY_INVALID)["responseCode"], "6002");
    let tid = a["transactionId"].as_str().unwrap();
    let c = post_json(
        base,
        &format!("/v2/api/payment/{mid}/cancel2"),
        &json!({"merchantId": mid, "transactionId": tid, "signature": sha256_hex(&format!("{mid}|{tid}|{CANARY_KEY}"))}),
    );
    assert_eq!(c["responseCode"], "0000", "{c}");

    // KakaoPay: a WP order with the key in the body and a non-URL returnUrl (W4), the window, /pay, cancel.
    let order = |num: &str| {
        let b = json!({"merchantId": mid, "apiCertKey": CANARY_KEY, "orderNumber": num, "userAgent": "WP",
            "amount": "1000", "itemName": "canary", "userName": "canary", "returnUrl": "모바일전용 데이터입니다.",
            "mobileNumber": "01012345678", "timestamp": ts,
            "signature": sha256_hex(&format!("{mid}|{num}|1000|{CANARY_KEY}|{ts}"))});
        post_json(base, &format!("/ep/api/kakao/{mid}/order"), &b)
    };
    let o = order("C-K1");
    assert_eq!(o["responseCode"], "0000", "{o}");
    let p = post_json(base, &format!("/ep/api/kakao/{mid}/pay"), &wp_form_after_window(base, &o, "card"));
    assert_eq!(p["responseCode"], "0000", "{p}");
    let t = p["transactionId"].as_str().unwrap();
    let c = post_json(
        base,
        &format!("/ep/api/kakao/{mid}/cancel"),
        &json!({"transactionId": t, "cancelReason": "canary", "signature": sha256_hex(&format!("{mid}|{t}|{CANARY_KEY}"))}),
    );
    assert_eq!(c["responseCode"], "0000", "{c}");

    // Payple: a window auth with no work flag (W1) and its card entry; a billing key on the canary card, a
    // SIMPLE payment without year/month/order (W2, W3), its refund, the result query, PUSERINFO.
    let auth = |body: Value| post_json_h(base, "/php/auth.php", &body, &[("Referer", "http://shop.example")]);
    let path_of = |a: &Value| a["return_url"].as_str().unwrap().strip_prefix(base).unwrap().to_string();
    let a = auth(json!({"cst_id": "canary", "custKey": CANARY_CUST_KEY}));
    assert_eq!(a["result"], "success", "{a}");
    let w = post_json(
        base,
        &path_of(&a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": CANARY_CUST_KEY, "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAY_WORK": "PAY", "PCD_PAY_GOODS": "canary", "PCD_PAY_TOTAL": "1000",
            "PCD_PAY_OID": "C-W1", "card_no": CANARY_PAN, "card_expiry": "1230", "card_birth": CANARY_BIRTH,
            "card_pw": CANARY_PW}),
    );
    assert_eq!(w["PCD_PAY_CODE"], "SPCD0000", "{w}");
    let reg = post_json(
        base,
        "/__sandbox/payple/billing-keys",
        &json!({"card_no": CANARY_PAN, "payer_no": "1", "cst_id": "canary"}),
    );
    let payer = reg["payer_id"].as_str().unwrap_or_else(|| panic!("{reg}")).to_string();
    let a =
        auth(json!({"cst_id": "canary", "custKey": CANARY_CUST_KEY, "PCD_PAY_TYPE": "card", "PCD_SIMPLE_FLAG": "Y"}));
    let s = post_json(
        base,
        &path_of(&a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAY_TYPE": "card", "PCD_PAYER_ID": payer, "PCD_PAY_GOODS": "canary", "PCD_SIMPLE_FLAG": "Y",
            "PCD_PAY_TOTAL": "1000", "PCD_PAY_OID": "", "PCD_PAYER_NO": "1"}),
    );
    assert_eq!(s["PCD_PAY_CODE"], "SPCD0000", "{s}");
    let oid = s["PCD_PAY_OID"].as_str().unwrap().to_string();
    let date = tx(&ledger(base), &oid)["details"]["pay_date"].as_str().unwrap().to_string();
    let a = auth(json!({"cst_id": "canary", "custKey": CANARY_CUST_KEY, "PCD_PAYCANCEL_FLAG": "Y"}));
    let r = post_json(
        base,
        &path_of(&a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_REFUND_KEY": CANARY_REFUND_KEY, "PCD_PAYCANCEL_FLAG": "Y", "PCD_PAY_OID": oid, "PCD_PAY_DATE": date,
            "PCD_REFUND_TOTAL": "400"}),
    );
    assert_eq!(r["PCD_PAY_CODE"], "PAYC0000", "{r}");
    let a = auth(json!({"cst_id": "canary", "custKey": CANARY_CUST_KEY, "PCD_PAYCHK_FLAG": "Y"}));
    let q = post_json(
        base,
        &path_of(&a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"],
            "PCD_PAYCHK_FLAG": "Y", "PCD_PAY_TYPE": "card", "PCD_PAY_OID": oid, "PCD_PAY_DATE": date}),
    );
    assert_eq!(q["PCD_PAY_RST"], "success", "{q}");
    let a = auth(json!({"cst_id": "canary", "custKey": CANARY_CUST_KEY, "PCD_PAY_WORK": "PUSERINFO"}));
    let i = post_json(
        base,
        &path_of(&a),
        &json!({"PCD_CST_ID": a["cst_id"], "PCD_CUST_KEY": a["custKey"], "PCD_AUTH_KEY": a["AuthKey"], "PCD_PAYER_ID": payer}),
    );
    assert_eq!(i["PCD_PAY_CODE"], "0000", "{i}");

    // NHN KCP: certified approvals (approved, declined, invalid) and a partial cancel.
    let kcp = |ordr: &str, card: &str| {
        let mut b = kcp_request(ordr, card, true, true);
        b["card_taxno"] = json!(CANARY_BIRTH);
        b["card_pwd"] = json!(CANARY_PW);
        post_json(base, "/gw/hub/v1/payment", &b)
    };
    let k = kcp("C-KCP1", CANARY_PAN);
    assert_eq!(k["res_cd"], "0000", "{k}");
    assert_eq!(kcp("C-KCP2", CANARY_DECLINED)["res_cd"], "8101");
    assert_eq!(kcp("C-KCP3", CANARY_INVALID)["res_cd"], "V001");
    let tno = k["tno"].as_str().unwrap();
    let c = post_json(
        base,
        "/gw/mod/v1/cancel",
        &json!({"site_cd": "T0000", "kcp_cert_info": kcp_cert_one_line(), "tno": tno, "mod_type": "STPC",
            "mod_desc": "canary", "kcp_sign_data": kcp_sign(&format!("T0000^{tno}^STPC")), "mod_mny": "100", "rem_mny": "1000"}),
    );
    assert_eq!(c["res_cd"], "0000", "{c}");

    // The warnings the deviations made are there (so their sink was exercised) and hold no canary.
    let l = ledger(base);
    let fields: Vec<&str> = l["warnings"].as_array().unwrap().iter().map(|w| w["field"].as_str().unwrap()).collect();
    for f in ["returnUrl", "PCD_PAY_TYPE", "PCD_PAY_YEAR", "PCD_PAY_OID"] {
        assert!(fields.contains(&f), "no {f} warning: {fields:?}");
    }
    let text = l.to_string();
    assert_no_canary("/__sandbox/transactions", &text);
    let mut values = Vec::new();
    strings(&l, &mut values);
    assert!(!values.iter().any(|v| v == CANARY_PW), "a ledger value is the password digits");
    let page = get(base, "/__sandbox/").text();
    assert!(
        page.contains("C-KCP1") && page.contains("C-W1") && page.contains("returnUrl"),
        "the dashboard shows the entries"
    );
    for q in ["", "?gateway=payup", "?gateway=payple", "?gateway=kcp", "?warnings=1", "?q=C-", "?status=cancelled"] {
        assert_no_canary(&format!("/__sandbox/{q}"), &get(base, &format!("/__sandbox/{q}")).text());
    }
    let stored = std::fs::read_to_string(&state).unwrap();
    assert!(stored.contains("C-KCP1"), "the state file has the ledger");
    assert_no_canary("--state file", &stored);
    let mut values = Vec::new();
    strings(&serde_json::from_str(&stored).unwrap(), &mut values);
    assert!(!values.iter().any(|v| v == CANARY_PW), "a state-file value is the password digits");
    drop(sb);
    let _ = std::fs::remove_dir_all(&dir);
}
