//! Table-driven validation: for every rule, a valid value passes and invalid ones fail, naming the field.
//! Plus the canary test: no Debug/Display of a request or error holds card data or keys.

use payup_core::catalog::{Exchange, Next, Operation, Request};
use payup_core::{Config, ErrorKind, Timestamp};
use serde_json::{Value, json};

fn base(op: &str) -> Value {
    match op {
        "payup.keyin.approve" => json!({"order_number": "ORD-1", "card_no": "4111111111111111", "expire_month": "12",
            "expire_year": "30", "birthday": "890302", "card_pw": "12", "amount": 1000, "quota": 0,
            "item_name": "상품", "user_name": "홍길동"}),
        "payup.keyin.cancel" => json!({"transaction_id": "20240301120000ST0001"}),
        "payup.kakaopay.order" => {
            json!({"order_number": "K-1", "amount": 1000, "item_name": "상품", "user_name": "홍길동",
            "return_url": "https://shop.example/return"})
        }
        "payup.kakaopay.approve" => {
            json!({"res_cd": "0000", "enc_info": "i", "enc_data": "d", "card_pay_method": "KAKAO_CARD",
            "ordr_idxx": "20240301120000ST0001", "amount": 1000})
        }
        "payup.kakaopay.cancel" => json!({"transaction_id": "20240301120000ST0001", "cancel_reason": "고객 요청"}),
        "payple.billing.pay" => {
            json!({"payer_id": "NS9q", "pay_goods": "정기구독", "pay_total": 1000, "pay_oid": "o-1",
            "pay_year": "2024", "pay_month": "03"})
        }
        "payple.cancel" => json!({"pay_oid": "o-1", "pay_date": "20240301", "refund_total": 1000}),
        "payple.status" => json!({"pay_oid": "o-1", "pay_date": "20240301"}),
        "payple.card.confirm" => json!({"auth_key": "a", "pay_reqkey": "r", "pay_oid": "o-1", "amount": 1000}),
        "payple.auth" => json!({}),
        "kcp.keyin.approve" => json!({"ordr_idxx": "K-1", "good_name": "상품", "buyr_name": "홍길동", "amount": 1000,
            "card_no": "4111111111111111", "card_expiry": "3012"}),
        other => panic!("{other}"),
    }
}

fn check(op: &str, field: &str, value: Value) -> Result<(), payup_core::Error> {
    let mut doc = base(op);
    if value.is_null() {
        doc.as_object_mut().unwrap().remove(field);
    } else {
        doc[field] = value;
    }
    Request::from_json(Operation::from_name(op).unwrap(), &doc).map(|_| ())
}

/// (operation, field, valid values, invalid values). `null` as an invalid value means "missing".
fn rules() -> Vec<(&'static str, &'static str, Vec<Value>, Vec<Value>)> {
    let k = "payup.keyin.approve";
    let ko = "payup.kakaopay.order";
    let b = "payple.billing.pay";
    let c = "kcp.keyin.approve";
    vec![
        (
            k,
            "order_number",
            vec![json!("A".repeat(20))],
            vec![json!("A".repeat(21)), json!("a b"), json!("a|b"), json!(""), Value::Null],
        ),
        (
            k,
            "card_no",
            vec![json!("12345678901"), json!("1".repeat(20))],
            vec![json!("1234567890"), json!("1".repeat(21)), json!("4111-1111-1111-1111"), json!(4111111111111111u64)],
        ),
        (k, "expire_month", vec![json!("01"), json!("12")], vec![json!("00"), json!("13"), json!("1"), json!("ab")]),
        (k, "expire_year", vec![json!("00"), json!("99")], vec![json!("2030"), json!("3"), json!("3a")]),
        (
            k,
            "birthday",
            vec![json!("890302"), json!("1234567890")],
            vec![json!("8903021"), json!("19890302"), json!("89-03-02")],
        ),
        (k, "card_pw", vec![json!("00")], vec![json!("1"), json!("123"), json!("ab")]),
        (
            k,
            "amount",
            vec![json!(1), json!(999_999_999_999u64)],
            vec![json!(0), json!(1_000_000_000_000u64), json!("1000"), json!(-5), json!(10.5)],
        ),
        (k, "quota", vec![json!(0), json!(24)], vec![json!(25), json!("0")]),
        (k, "item_name", vec![json!("가".repeat(42))], vec![json!("가".repeat(43)), json!("x".repeat(129))]),
        (
            k,
            "user_name",
            vec![json!("가".repeat(16)), json!("x".repeat(50))],
            vec![json!("가".repeat(17)), json!("x".repeat(51))],
        ),
        (k, "mobile_number", vec![json!("01012345678")], vec![json!("010-1234-5678"), json!("010123456789")]),
        (
            k,
            "user_email",
            vec![json!("a@b.kr")],
            vec![json!("not-an-email"), json!(format!("{}@b.kr", "a".repeat(124)))],
        ),
        (k, "unknown_field", vec![Value::Null], vec![json!("x")]),
        (ko, "user_agent", vec![json!("WM"), json!("WP")], vec![json!("MOBILE")]),
        (
            ko,
            "return_url",
            vec![json!("https://shop.example/r")],
            vec![json!("/relative"), json!(format!("https://x/{}", "a".repeat(200)))],
        ),
        (ko, "item_name", vec![json!("x".repeat(100))], vec![json!("x".repeat(101))]),
        (ko, "user_email", vec![json!("a@b.kr")], vec![json!(format!("{}@b.kr", "a".repeat(46)))]),
        (
            ko,
            "http_user_agent",
            vec![json!("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")],
            vec![json!("Mozilla/5.0 (Windows NT 10.0)")],
        ),
        (
            "payup.kakaopay.cancel",
            "cancel_reason",
            vec![json!("x".repeat(256))],
            vec![json!("x".repeat(257)), Value::Null],
        ),
        ("payup.kakaopay.approve", "amount", vec![json!(1000)], vec![Value::Null]),
        ("payup.kakaopay.approve", "enc_data", vec![json!("d")], vec![json!("")]),
        (b, "pay_total", vec![json!(100)], vec![json!(99), json!("1000")]),
        (b, "pay_month", vec![json!("01")], vec![json!("13"), json!("1")]),
        (b, "pay_year", vec![json!("2024")], vec![json!("24")]),
        (b, "payer_email", vec![json!("dev@payple.kr")], vec![json!("x")]),
        (
            "payple.cancel",
            "pay_date",
            vec![json!("20240229")],
            vec![json!("2024-02-29"), json!("20241301"), json!(20240301)],
        ),
        ("payple.cancel", "refund_total", vec![json!(1)], vec![json!(0)]),
        ("payple.status", "pay_oid", vec![json!("o")], vec![json!("x".repeat(256)), Value::Null]),
        (
            "payple.card.confirm",
            "pay_cofurl",
            vec![json!("https://testcpay.payple.kr/php/PayCardConfirmAct.php?ACT_=PAYM")],
            vec![json!("javascript:alert(1)")],
        ),
        ("payple.auth", "pay_work", vec![json!("PUSERINFO")], vec![json!("DROP")]),
        (c, "currency", vec![json!("410"), json!("840")], vec![json!("KRW")]),
        (c, "card_expiry", vec![json!("3012")], vec![json!("1230"), json!("30-12"), json!("301")]),
        (c, "quota", vec![json!(0), json!(12)], vec![json!(100)]),
        (c, "card_taxno", vec![Value::Null], vec![json!("951010")]), // without card_pwd
        (c, "buyr_tel2", vec![json!("010-0000-0000"), json!("01000000000")], vec![json!("phone")]),
        (c, "card_tx_type", vec![json!("11111000")], vec![json!("11121000")]), // certified type without its fields
    ]
}

#[test]
fn every_rule_accepts_valid_and_names_the_field_on_invalid() {
    for (op, field, valid, invalid) in rules() {
        for v in valid {
            let shown = v.to_string();
            check(op, field, v).unwrap_or_else(|e| panic!("{op}.{field} = {shown} should pass: {e}"));
        }
        for v in invalid {
            let shown = v.to_string();
            let e = check(op, field, v).expect_err(&format!("{op}.{field} = {shown} should fail"));
            assert_eq!(e.kind(), ErrorKind::Invalid, "{op}.{field}");
            let named = e.fields().iter().any(|f| f.field == field)
                || (field == "card_taxno" && e.field() == Some("card_pwd"))
                || (field == "card_tx_type" && e.field() == Some("card_tx_type"));
            assert!(named, "{op}.{field} = {shown}: error names {:?}", e.fields());
        }
    }
}

#[test]
fn cross_field_rules() {
    let k = |extra: Value| {
        let mut d = base("payup.keyin.approve");
        for (key, v) in extra.as_object().unwrap() {
            d[key] = v.clone();
        }
        Request::from_json(Operation::PayupKeyinApprove, &d)
    };
    assert_eq!(k(json!({"kakao_send": true})).unwrap_err().field(), Some("kakao_send"));
    assert!(k(json!({"kakao_send": true, "mobile_number": "01012345678"})).is_ok());
    assert_eq!(k(json!({"tax_flag": true})).unwrap_err().field(), Some("tax_flag"));
    assert_eq!(
        k(json!({"tax_flag": true, "tax_amount": 900, "free_amount": 200})).unwrap_err().field(),
        Some("tax_amount")
    );
    assert!(k(json!({"tax_flag": true, "tax_amount": 800, "free_amount": 200})).is_ok());
    assert_eq!(k(json!({"tax_amount": 800, "free_amount": 200})).unwrap_err().field(), Some("tax_amount"));
    // Every broken field is listed at once.
    let e = k(json!({"card_no": "12", "card_pw": "1", "quota": 30})).unwrap_err();
    let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["quota", "card_no", "card_pw"]);
    // A refused KakaoPay window result is declined before anything is sent, with the window's code.
    let mut d = base("payup.kakaopay.approve");
    d["res_cd"] = json!("3001");
    let req = Request::from_json(Operation::PayupKakaopayApprove, &d).unwrap();
    let cfg = Config::from_json(&json!({"payup": {"merchant_id": "tester", "api_cert_key": "k"}})).unwrap();
    let Next::Done(Err(e)) = Exchange::new(&req, Timestamp(0)).start(&cfg.credentials) else {
        panic!("should not send")
    };
    assert_eq!((e.kind(), e.code()), (ErrorKind::Declined, Some("3001")));
}

#[test]
fn missing_gateway_section_is_a_config_error() {
    let cfg = Config::from_json(&json!({})).unwrap();
    let req = Request::from_json(Operation::KcpKeyinApprove, &base("kcp.keyin.approve")).unwrap();
    let Next::Done(Err(e)) = Exchange::new(&req, Timestamp(0)).start(&cfg.credentials) else { panic!() };
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("\"kcp\""), "{e}");
}

const CANARY_PAN: &str = "4556737586899855";
const CANARY_PW: &str = "47";
const CANARY_BIRTH: &str = "731205";
const CANARY_KEY: &str = "CANARYKEY0123456789abcdef";

fn assert_clean(what: &str, text: &str) {
    for canary in [CANARY_PAN, CANARY_KEY, "731205"] {
        assert!(!text.contains(canary), "{what} leaks a canary: {text}");
    }
    assert!(!text.contains("\"47\"") && !text.contains("card_pw: \"47"), "{what} leaks password digits: {text}");
}

#[test]
fn canary_debug_and_display_hold_no_card_data_or_keys() {
    let good = json!({"order_number": "ORD-1", "card_no": CANARY_PAN, "expire_month": "12", "expire_year": "30",
        "birthday": CANARY_BIRTH, "card_pw": CANARY_PW, "amount": 1000, "quota": 0, "item_name": "상품", "user_name": "홍길동"});
    let req = Request::from_json(Operation::PayupKeyinApprove, &good).unwrap();
    assert_clean("request Debug", &format!("{req:?} {req:#?}"));
    let cfg = Config::from_json(&json!({"payup": {"merchant_id": "tester", "api_cert_key": CANARY_KEY},
        "payple": {"cst_id": "test", "cust_key": CANARY_KEY, "refund_key": CANARY_KEY},
        "kcp": {"site_cd": "T0000", "cert_info": "-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----"}}))
    .unwrap();
    assert_clean("config Debug", &format!("{cfg:?}"));
    let mut x = Exchange::new(&req, Timestamp(0));
    let Next::Send(http) = x.start(&cfg.credentials) else { panic!() };
    assert_clean("prepared request Debug", &format!("{http:?} {x:?}"));
    assert!(String::from_utf8_lossy(&http.body).contains(CANARY_PAN), "the wire body must hold the card");
    // Invalid values of every secret field, and wrong JSON types: errors name fields, never values.
    for (field, value) in [
        ("card_no", json!(format!("{CANARY_PAN}99999"))),
        ("card_no", json!(CANARY_PAN.parse::<u64>().unwrap())),
        ("card_pw", json!(format!("{CANARY_PW}1"))),
        ("birthday", json!(format!("{CANARY_BIRTH}1"))),
        ("birthday", json!(CANARY_BIRTH.parse::<u64>().unwrap())),
    ] {
        let mut d = good.clone();
        d[field] = value;
        let e = Request::from_json(Operation::PayupKeyinApprove, &d).unwrap_err();
        let json = serde_json::to_string(&e.to_json()).unwrap();
        assert_clean("invalid error", &format!("{e} {e:?} {json}"));
    }
    let kcp = json!({"ordr_idxx": "K", "good_name": "g", "buyr_name": "b", "amount": 1, "card_no": CANARY_PAN,
        "card_expiry": "3012", "card_taxno": CANARY_BIRTH, "card_pwd": CANARY_PW});
    let req = Request::from_json(Operation::KcpKeyinApprove, &kcp).unwrap();
    assert_clean("kcp request Debug", &format!("{req:?}"));
    // Gateway answers that echo a full card number are masked in results.
    let resp = json!({"res_cd": "0000", "tno": "1", "amount": "1", "card_no": CANARY_PAN});
    let mut x = Exchange::new(&req, Timestamp(0));
    x.start(&cfg.credentials);
    let Next::Done(Ok(r)) = x.on_response(&cfg.credentials, &payup_core::HttpResponse::new(200, resp.to_string()))
    else {
        panic!()
    };
    assert_clean("kcp result", &format!("{r:?} {}", r.to_json()));
}

#[test]
fn an_unknown_operation_is_named_only_when_it_looks_like_one() {
    let e = Operation::unknown("payup.keyin.aprove");
    assert!(e.message().contains("\"payup.keyin.aprove\""), "{e}");
    let doc = format!("{{\"card_no\": \"{CANARY_PAN}\"}}");
    let e = Operation::unknown(&doc);
    assert!(!e.message().contains(CANARY_PAN) && e.message().contains("(not shown)"), "{e}");
    let e = payup_core::Operation::internal_failure("payup.keyin.approve");
    assert_eq!((e.kind(), e.code()), (ErrorKind::Ambiguous, Some("INTERNAL")));
}

/// The request body a keyin approval sends (every field, secrets included) and its Debug form.
fn keyin_sent(r: &Request) -> (Vec<u8>, String) {
    let cfg = Config::from_json(
        &json!({"payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c"}}),
    )
    .unwrap();
    let Next::Send(http) = Exchange::new(r, Timestamp(1_518_361_200)).start(&cfg.credentials) else { panic!() };
    (http.body.clone(), format!("{r:?}"))
}

/// Issue 21: `Request::from_json_text` (the hot path without a `Value`) gives exactly what `from_json`
/// gives for every plain valid request, and steps aside (`None`) for everything else, so that errors keep
/// their wording.
#[test]
fn keyin_text_reader_agrees_with_from_json() {
    let op = Operation::PayupKeyinApprove;
    let valid = base("payup.keyin.approve");
    let mut plain = vec![valid.clone()];
    for (k, v) in [
        ("mobile_number", json!("01012345678")),
        ("kakao_send", json!(false)),
        ("user_email", json!("a@example.com")),
        ("quota", json!(24)),
        ("item_name", json!("따옴표 \" 와 \\ 역슬래시 \u{1F600}")),
    ] {
        let mut d = valid.clone();
        d[k] = v;
        plain.push(d);
    }
    let mut taxed = valid.clone();
    taxed["tax_flag"] = json!(true);
    taxed["tax_amount"] = json!(600);
    taxed["free_amount"] = json!(400);
    plain.push(taxed);
    for d in &plain {
        let text = d.to_string();
        let fast = Request::from_json_text(op, &text).unwrap_or_else(|| panic!("the text reader declined {text}"));
        let slow = Request::from_json(op, d).unwrap();
        assert_eq!(keyin_sent(&fast), keyin_sent(&slow), "{text}");
    }
    // Everything else: either the same request, or None (then `from_json` decides, as before).
    let mut texts: Vec<String> = vec![
        "".into(),
        "[]".into(),
        "null".into(),
        "{\"order_number\": \"A\"".into(),
        format!("{valid} x"),
        valid.to_string().replacen('{', "{\"amount\": 5, ", 1), // a repeated key
    ];
    for k in valid.as_object().unwrap().keys() {
        for bad in [json!(null), json!(""), json!(-1), json!(1.5), json!("1000"), json!(true), json!({}), json!([1])] {
            let mut d = valid.clone();
            d[k] = bad;
            texts.push(d.to_string());
        }
        let mut d = valid.clone();
        d.as_object_mut().unwrap().remove(k);
        texts.push(d.to_string());
    }
    for (k, v) in [("quota", json!(25)), ("card_no", json!("4111")), ("expire_month", json!("13")), ("extra", json!(1))]
    {
        let mut d = valid.clone();
        d[k] = v;
        texts.push(d.to_string());
    }
    for text in &texts {
        let slow = serde_json::from_str::<Value>(text).ok().map(|v| Request::from_json(op, &v));
        match (Request::from_json_text(op, text), slow) {
            (None, _) => {}
            (Some(fast), Some(Ok(slow))) => assert_eq!(keyin_sent(&fast), keyin_sent(&slow), "{text}"),
            (Some(_), other) => panic!("the text reader accepted {text}; from_json: {other:?}"),
        }
    }
    // Other operations have no text reader yet.
    assert!(Request::from_json_text(Operation::PayupKeyinCancel, "{\"transaction_id\": \"x\"}").is_none());
}

/// `Request::scalar_reader` (the Python binding's keyword arguments, issue 21) agrees with `from_json` like
/// the text reader: the same request for the plain case, `None` for a repeated or unknown name and for
/// whatever breaks a rule.
#[test]
fn keyin_scalar_reader_agrees_with_from_json() {
    use payup_core::payup::Scalar;
    let op = Operation::PayupKeyinApprove;
    let valid = base("payup.keyin.approve");
    let scalars = |d: &Value| -> Vec<(String, Scalar)> {
        d.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => Scalar::Str(s.clone()),
                    Value::Bool(b) => Scalar::Bool(*b),
                    v => Scalar::U64(v.as_u64().expect("a plain field")),
                };
                (k.clone(), s)
            })
            .collect()
    };
    let reader = Request::scalar_reader(op).expect("payup.keyin.approve has a scalar reader");
    let read = |fields: &[(String, Scalar)]| reader(fields.iter().map(|(k, v)| (k.as_str(), v.clone())).collect());
    let mut taxed = valid.clone();
    taxed["tax_flag"] = json!(true);
    taxed["tax_amount"] = json!(600);
    taxed["free_amount"] = json!(400);
    for d in [valid.clone(), taxed] {
        let fast = read(&scalars(&d)).unwrap_or_else(|| panic!("the scalar reader declined {d}"));
        assert_eq!(keyin_sent(&fast), keyin_sent(&Request::from_json(op, &d).unwrap()), "{d}");
    }
    let mut repeated = scalars(&valid);
    repeated.push(("amount".into(), Scalar::U64(5)));
    assert!(read(&repeated).is_none(), "a repeated name");
    let mut unknown = scalars(&valid);
    unknown.push(("extra".into(), Scalar::U64(1)));
    assert!(read(&unknown).is_none(), "an unknown name");
    for (k, v) in
        [("quota", json!(25)), ("card_no", json!("4111")), ("expire_month", json!("13")), ("amount", json!(0))]
    {
        let mut d = valid.clone();
        d[k] = v;
        assert!(Request::from_json(op, &d).is_err(), "{d}");
        assert!(read(&scalars(&d)).is_none(), "a broken rule is from_json's to report: {d}");
    }
    let mut missing = scalars(&valid);
    missing.retain(|(k, _)| k != "card_no");
    assert!(read(&missing).is_none(), "a missing field");
    assert!(Request::scalar_reader(Operation::PayupKeyinCancel).is_none(), "other operations have none yet");
    // The names a binding passes by position (the Node addon) are the reader's: every field of the document.
    let names = Request::scalar_fields(op).expect("payup.keyin.approve names its fields");
    let schema = payup_core::schema::operations_schema();
    let documented: Vec<&str> = schema["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "payup.keyin.approve")
        .and_then(|o| o["request"].as_array())
        .expect("the request's fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    let mut documented_sorted = documented.clone();
    documented_sorted.sort_unstable();
    assert_eq!(sorted, documented_sorted, "scalar_fields names exactly the request's fields");
    let plain = scalars(&valid);
    assert!(plain.iter().all(|(k, _)| names.contains(&k.as_str())), "the plain document's names are among them");
    assert!(Request::scalar_fields(Operation::PayupKeyinCancel).is_none());
}
