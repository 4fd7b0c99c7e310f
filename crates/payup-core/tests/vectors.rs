//! The shared vectors of tests/vectors/, which every binding reads too: the specs' signature vectors,
//! the specs' request samples reproduced field for field, and the specs' response samples parsed.

use payup_core::catalog::{Exchange, Next, Operation, Request};
use payup_core::{Config, HttpRequest, HttpResponse, Target, Timestamp, payup};
use serde_json::{Value, json};

fn load(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

#[test]
fn spec_signature_vectors_bit_for_bit() {
    let v = load("signatures.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for t in vectors {
        let s = |k: &str| t[k].as_str().unwrap();
        let got = match s("kind") {
            "approval" => payup::approval_signature(
                s("merchant_id"),
                s("order_number"),
                t["amount"].as_u64().unwrap(),
                s("api_cert_key"),
                s("timestamp"),
            ),
            "cancel" => payup::cancel_signature(s("merchant_id"), s("transaction_id"), s("api_cert_key")),
            k => panic!("unknown kind {k}"),
        };
        assert_eq!(got, s("signature"), "{}", s("name"));
        assert_eq!(payup::sign(&s("input").split('|').collect::<Vec<_>>()), s("signature"));
    }
}

/// Runs an exchange up to its operation's own call: Payple's partner auth is answered with the
/// vector's tokens.
fn prepare(case: &Value) -> HttpRequest {
    let mut cfg = Config::from_json(&case["credentials"]).expect("credentials");
    cfg.credentials.set_random(std::sync::Arc::new(ring::rand::SystemRandom::new()));
    let op = Operation::from_name(case["operation"].as_str().unwrap()).unwrap();
    let req = Request::from_json(op, &case["request"]).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
    let mut x = Exchange::new(&req, Timestamp(case["now_unix"].as_i64().unwrap()));
    let mut next = x.start(&cfg.credentials);
    if let Some(auth) = case.get("auth") {
        let Next::Send(http) = next else { panic!("{}: expected partner auth", case["name"]) };
        assert_eq!(http.target, Target::Path("/php/auth.php".into()));
        let body = json!({"result": "success", "result_msg": "사용자 인증완료", "cst_id": auth["cst_id"],
            "custKey": auth["cust_key"], "AuthKey": auth["auth_key"], "return_url": auth["return_url"]});
        next = x.on_response(&cfg.credentials, &HttpResponse::new(200, body.to_string()));
    }
    match next {
        Next::Send(http) => http,
        Next::Done(r) => panic!("{}: finished early: {r:?}", case["name"]),
    }
}

#[test]
fn spec_request_samples_field_for_field() {
    let v = load("requests.json");
    for case in v["cases"].as_array().unwrap() {
        let http = prepare(case);
        let want = &case["expected"];
        let name = case["name"].as_str().unwrap();
        assert_eq!(http.method, want["method"].as_str().unwrap(), "{name}");
        let target = match &http.target {
            Target::Path(p) => json!({"path": p}),
            Target::Url(u) => json!({"url": u}),
        };
        assert_eq!(target, want["target"], "{name}");
        for (k, v) in want["headers"].as_object().unwrap() {
            assert_eq!(http.header(k), v.as_str(), "{name}: header {k}");
        }
        assert_eq!(
            http.headers.len(),
            want["headers"].as_object().unwrap().len(),
            "{name}: extra headers {:?}",
            http.headers
        );
        let body: Value = serde_json::from_slice(&http.body).unwrap();
        assert_eq!(body, want["body"], "{name}");
        // Same keys in the same order as the vector (the specs' table order): byte-comparable bodies.
        let got_keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        let want_keys: Vec<&String> = want["body"].as_object().unwrap().keys().collect();
        assert_eq!(got_keys, want_keys, "{name}: field order");
    }
}

fn response_of(case: &Value) -> HttpResponse {
    let body = match &case["body"] {
        Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).unwrap(),
    };
    HttpResponse::new(case["status"].as_u64().unwrap() as u16, body)
}

/// A minimal valid request per operation, so that a response can be parsed in context.
fn some_request(op: Operation) -> Value {
    load("minimal_requests.json")["requests"][op.name()].clone()
}

fn test_config() -> Config {
    let mut cfg = Config::from_json(&json!({
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c"},
        "payple": {"cst_id": "test", "cust_key": "abcd1234567890", "refund_key": "k"},
        "kcp": {"site_cd": "T0000", "cert_info": "-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----",
                "private_key": include_str!("../../payup-sandbox/testdata/kcp_T0000_key.pem")}
    }))
    .unwrap();
    cfg.credentials.set_random(std::sync::Arc::new(ring::rand::SystemRandom::new()));
    cfg
}

#[test]
fn spec_response_samples_parse() {
    let v = load("responses.json");
    let cfg = test_config();
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let op = Operation::from_name(case["operation"].as_str().unwrap()).unwrap();
        let req = Request::from_json(op, &some_request(op)).unwrap();
        let mut x = Exchange::new(&req, Timestamp(0));
        let mut next = x.start(&cfg.credentials);
        if !x.is_at_main_call() {
            let auth = json!({"result": "success", "cst_id": "t", "custKey": "k", "AuthKey": "a",
                "return_url": "https://testcpay.payple.kr/next"});
            next = x.on_response(&cfg.credentials, &HttpResponse::new(200, auth.to_string()));
        }
        assert!(matches!(next, Next::Send(_)), "{name}");
        let Next::Done(result) = x.on_response(&cfg.credentials, &response_of(case)) else { panic!("{name}") };
        match (result, case.get("expected"), case.get("error")) {
            (Ok(r), Some(want), None) => {
                assert_eq!(&r.to_json(), want, "{name}");
                assert_eq!(r.to_json_text(), r.to_json().to_string(), "{name}: the text path's bytes");
            }
            (Err(e), None, Some(want)) => {
                let got = serde_json::to_value(&e).unwrap();
                for (k, v) in want.as_object().unwrap() {
                    assert_eq!(&got[k], v, "{name}: error.{k} in {got}");
                }
            }
            (r, _, _) => panic!("{name}: unexpected {r:?}"),
        }
    }
}

#[test]
fn payple_partner_auth_error_stops_before_the_call() {
    let cfg = test_config();
    let req = Request::from_json(Operation::PaypleStatus, &some_request(Operation::PaypleStatus)).unwrap();
    let mut x = Exchange::new(&req, Timestamp(0));
    assert!(matches!(x.start(&cfg.credentials), Next::Send(_)));
    let refused = json!({"result": "error", "result_code": "AUTH0002", "result_msg": "인증키 불일치"});
    let Next::Done(Err(e)) = x.on_response(&cfg.credentials, &HttpResponse::new(200, refused.to_string())) else {
        panic!()
    };
    assert_eq!((e.kind().as_str(), e.code()), ("config", Some("AUTH0002")));
    assert!(!x.is_at_main_call());
}

#[test]
fn payple_window_results() {
    let v = load("payple_results.json");
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let req = Request::from_json(Operation::PaypleResult, &case["request"]).unwrap();
        let Next::Done(r) = Exchange::new(&req, Timestamp(0)).start(&Default::default()) else { panic!("{name}") };
        match (r, case.get("expected"), case.get("error")) {
            (Ok(r), Some(want), None) => {
                assert_eq!(&r.to_json(), want, "{name}");
                assert_eq!(r.to_json_text(), r.to_json().to_string(), "{name}: the text path's bytes");
            }
            (Err(e), None, Some(want)) => {
                let got = serde_json::to_value(&e).unwrap();
                for (k, v) in want.as_object().unwrap() {
                    assert_eq!(&got[k], v, "{name}: error.{k}");
                }
            }
            (r, _, _) => panic!("{name}: unexpected {r:?}"),
        }
    }
}

#[test]
fn payup_approval_amount_mismatch_is_detected_with_its_undo() {
    use payup_core::catalog::check_result;
    let req = Request::from_json(Operation::PayupKeyinApprove, &some_request(Operation::PayupKeyinApprove)).unwrap();
    let resp = json!({"responseCode": "0000", "responseMsg": "성공", "transactionId": "20180212000000ST0000",
        "orderNumber": "TEST_00001", "amount": "2004"});
    let cfg = test_config();
    let mut x = Exchange::new(&req, Timestamp(0));
    x.start(&cfg.credentials);
    let Next::Done(Ok(r)) = x.on_response(&cfg.credentials, &HttpResponse::new(200, resp.to_string())) else {
        panic!()
    };
    let m = check_result(&req, &r).expect("a mismatch");
    assert_eq!((m.requested, m.approved), (1004, 2004));
    assert!(
        matches!(m.undo.map(|u| u.request), Some(Request::PayupKeyinCancel(ref c)) if c.transaction_id == "20180212000000ST0000")
    );
}

/// The JSON entry points the bindings use give the same answers.
#[test]
fn json_entry_points_match_the_vectors() {
    use payup_core::catalog::{parse_json, prepare_json};
    for case in load("requests.json")["cases"].as_array().unwrap() {
        let got = prepare_json(
            &case["credentials"],
            case["operation"].as_str().unwrap(),
            &case["request"],
            case["now_unix"].as_i64().unwrap(),
            case.get("auth"),
            Some(std::sync::Arc::new(ring::rand::SystemRandom::new())),
        )
        .unwrap();
        let want = &case["expected"];
        assert_eq!(
            (&got["method"], &got["target"], &got["body"]),
            (&want["method"], &want["target"], &want["body"]),
            "{}",
            case["name"]
        );
        for (k, v) in want["headers"].as_object().unwrap() {
            assert_eq!(&got["headers"][k], v, "{}", case["name"]);
        }
    }
    for case in load("responses.json")["cases"].as_array().unwrap() {
        let op = case["operation"].as_str().unwrap();
        let body = response_of(case).body;
        let status = case["status"].as_u64().unwrap() as u16;
        match (parse_json(op, &some_request(Operation::from_name(op).unwrap()), status, &body), case.get("expected")) {
            (Ok(v), Some(want)) => assert_eq!(&v, want, "{}", case["name"]),
            (Err(e), None) => {
                assert_eq!(serde_json::to_value(&e).unwrap()["kind"], case["error"]["kind"], "{}", case["name"])
            }
            (r, _) => panic!("{}: {r:?}", case["name"]),
        }
    }
}

/// Exchange events (issue 20): every spec request sample, its card data replaced by canaries, prepared and
/// redacted as an event's request body holds none of the card data, keys or tokens (partner auth's too).
#[test]
fn event_bodies_of_every_request_sample_hold_no_secret() {
    use payup_core::event::{Event, Outcome};
    let v = load("requests.json");
    for case in v["cases"].as_array().unwrap() {
        let mut case = case.clone();
        let name = case["name"].as_str().unwrap().to_string();
        let request = case["request"].as_object_mut().unwrap();
        for (field, canary) in [
            ("card_no", "4556737586899855"),
            ("card_pw", "47"),
            ("card_pwd", "47"),
            ("birthday", "731205"),
            ("card_taxno", "731205"),
        ] {
            if request.contains_key(field) {
                request.insert(field.into(), json!(canary));
            }
        }
        let http = prepare(&case);
        let op = Operation::from_name(case["operation"].as_str().unwrap()).unwrap();
        let event = Event::new(op, &http, "https://gw.example/x", None, 1, Outcome::success());
        let text = event.to_json().to_string();
        let mut secrets: Vec<String> = vec!["4556737586899855".into(), "731205".into(), "\"47\"".into()];
        for section in case["credentials"].as_object().unwrap().values() {
            for (k, v) in section.as_object().unwrap() {
                if ["merchant_id", "cst_id", "site_cd"].contains(&k.as_str()) {
                    continue;
                }
                // A PEM's lines (its header aside) and every other key as a whole.
                let s = v.as_str().unwrap();
                secrets.extend(s.lines().filter(|l| !l.starts_with("-----") && l.len() > 8).map(str::to_string));
            }
        }
        for key in ["auth_key", "cust_key"] {
            if let Some(s) = case["auth"][key].as_str() {
                secrets.push(s.to_string());
            }
        }
        for key in ["signature", "PCD_AUTH_KEY", "PCD_PAYER_ID", "enc_data", "enc_info", "kcp_sign_data"] {
            if let Some(s) = http.json_body()[key].as_str().filter(|s| s.len() > 2) {
                secrets.push(format!("\"{s}\""));
            }
        }
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{name}: the event leaks {s}: {text}");
        }
    }
}
