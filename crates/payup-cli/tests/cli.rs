//! The `payup` binary as a merchant's script runs it: exit codes, JSON shapes, the sandbox command, the demo.

use payup_sandbox::{KCP_TEST_CERT_PEM, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const PAYUP: &str = env!("CARGO_BIN_EXE_payup");
const CANARY_PAN: &str = "4556737586899855";

fn config(base: &str) -> String {
    json!({
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        "payple": {"cst_id": "test", "cust_key": "abcd1234567890", "base_url": base},
        "kcp": {"site_cd": "T0000", "cert_info": KCP_TEST_CERT_PEM, "base_url": base}
    })
    .to_string()
}

/// Runs `payup call`; returns (exit code, stdout JSON, stderr).
fn call(config: &str, op: &str, request: &Value) -> (i32, Value, String) {
    call_with(config, &["call", op], request)
}

/// Runs `payup` with `args`; returns (exit code, stdout JSON, stderr).
fn call_with(config: &str, args: &[&str], request: &Value) -> (i32, Value, String) {
    let mut child = Command::new(PAYUP)
        .args(args)
        .env("PAYUP_CONFIG", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("stdout is not JSON: {stdout}"));
    (out.status.code().unwrap(), json, String::from_utf8(out.stderr).unwrap())
}

fn keyin(order: &str, card: &str) -> Value {
    json!({"order_number": order, "card_no": card, "expire_month": "12", "expire_year": "30", "birthday": "731205",
           "card_pw": "47", "amount": 1000, "quota": 0, "item_name": "상품", "user_name": "홍길동"})
}

fn assert_error_shape(v: &Value, kind: &str) {
    let e = &v["error"];
    for k in ["kind", "code", "message", "field", "gateway"] {
        assert!(e.get(k).is_some(), "error.{k} missing in {v}");
    }
    assert_eq!(e["kind"], kind, "{v}");
}

#[test]
fn call_exit_codes_and_json_shapes() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = config(sb.base_url());
    let (code, ok, _) = call(&cfg, "payup.keyin.approve", &keyin("CLI-1", "4111111111111111"));
    assert_eq!(code, 0, "{ok}");
    assert_eq!(ok["amount"], 1000);

    let (code, v, _) = call(&cfg, "payup.keyin.approve", &keyin("CLI-2", "4000000000000002"));
    assert_eq!(code, 1);
    assert_error_shape(&v, "declined");
    assert_eq!((v["error"]["code"].as_str(), v["error"]["gateway"].as_str()), (Some("9101"), Some("payup")));

    let (code, v, _) = call(&cfg, "payup.keyin.approve", &json!({"order_number": "CLI-3"}));
    assert_eq!(code, 2);
    assert_error_shape(&v, "invalid");
    assert_eq!(v["error"]["field"], "card_no");

    let (code, v, _) =
        call("{\"payup\": {\"merchant_id\": \"tester\"}}", "payup.keyin.approve", &keyin("CLI-4", "4111111111111111"));
    assert_eq!(code, 2);
    assert_error_shape(&v, "config");
    assert_eq!(v["error"]["field"], "payup.api_cert_key");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, v, _) =
        call(&config(&format!("http://127.0.0.1:{port}")), "payup.keyin.approve", &keyin("CLI-5", "4111111111111111"));
    assert_eq!(code, 3);
    assert_error_shape(&v, "not_sent");

    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let (code, v, _) = call(&cfg, "payup.keyin.approve", &keyin("CLI-6", "4111111111111111"));
    assert_eq!(code, 4);
    assert_error_shape(&v, "ambiguous");
    assert_eq!(v["error"]["ambiguous"]["order_number"], "CLI-6");

    let (code, v, _) = call(&cfg, "no.such.operation", &json!({}));
    assert_eq!(code, 2);
    assert_eq!(v["error"]["field"], "operation");
}

#[test]
fn call_never_prints_card_data() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = config(sb.base_url());
    for (order, card) in [("CAN-1", CANARY_PAN), ("CAN-2", "4556737586899800002"), ("CAN-3", "4556737586070002")] {
        let (_, v, err) = call(&cfg, "payup.keyin.approve", &keyin(order, card));
        let (_, v2, events) =
            call_with(&cfg, &["call", "-v", "payup.keyin.approve"], &keyin(&format!("{order}v"), card));
        assert!(events.contains("\"request_body\""), "{events}");
        let all = format!("{v}{err}{v2}{events}");
        for canary in [CANARY_PAN, "731205", "\"47\"", "4556737586899800002"] {
            assert!(!all.contains(canary), "{canary} leaked: {all}");
        }
    }
    // Not JSON on stdin: the error gives the position, never the input.
    let mut child = Command::new(PAYUP)
        .args(["call", "payup.keyin.approve"])
        .env("PAYUP_CONFIG", &cfg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{{\"card_no\": {CANARY_PAN}x").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(CANARY_PAN));
}

#[test]
fn a_configuration_that_is_not_json_is_never_echoed() {
    // A BOM before the JSON, or the JSON quoted by a shell script: still read or refused, never printed.
    let cfg = config("http://127.0.0.1:9").replace("25bcd7a82f5b4058818462cc7715964c", "CANARYKEY0123456789abcdef");
    let (code, v, err) = call(&format!("\u{feff}{cfg}"), "payup.keyin.approve", &keyin("BOM-1", "4111111111111111"));
    assert_eq!(code, 3, "{v}"); // read (BOM skipped), then not_sent to the closed port
    let (code, v, err2) = call(&format!("'{cfg}'"), "payup.keyin.approve", &keyin("Q-1", "4111111111111111"));
    assert_eq!(code, 2, "{v}");
    assert!(!format!("{v}{err}{err2}").contains("CANARYKEY"), "{v}");
}

#[test]
fn sandbox_command_prints_its_url_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("payup-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let log = dir.join("stderr.log");
    let mut child = Command::new(PAYUP)
        .args(["sandbox", "--addr", "127.0.0.1:0", "--state", state.to_str().unwrap(), "--client-config"])
        .arg(dir.join("client.json"))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let written = std::fs::read_to_string(dir.join("client.json")).unwrap();
    let (code, v, _) = call(&written, "payup.keyin.approve", &keyin("SBX-1", "4111111111111111"));
    assert_eq!(code, 0, "{v}");
    let (code, v, _) = call(
        &written,
        "kcp.keyin.approve",
        &json!({"ordr_idxx": "SBX-2", "good_name": "g", "buyr_name": "b",
        "amount": 1000, "card_no": "4111111111111111", "card_expiry": "3012"}),
    );
    assert_eq!(code, 0, "{v}");
    let (code, v, _) = call(&written, "kcp.cancel", &json!({"tno": v["tno"], "mod_desc": "test"}));
    assert_eq!(code, 0, "{v}");
    // The sandbox's own output holds no canary (card number, birth date, a key a merchant sent in a body):
    // an approval with the canary card, and raw requests a merchant's code could send (README "Warnings").
    let (code, v, _) = call(&written, "payup.keyin.approve", &keyin("SBX-3", CANARY_PAN));
    assert_eq!(code, 0, "{v}");
    let raw = [
        (
            "/ep/api/kakao/tester/order",
            json!({"orderNumber": "SBX-4", "userAgent": "WP", "amount": "1000", "itemName": "i",
            "userName": "u", "returnUrl": "test", "timestamp": "20261130120000", "signature": "0".repeat(64),
            "apiCertKey": "CANARYKEY0123456789abcdef"}),
        ),
        (
            "/gw/hub/v1/payment",
            json!({"site_cd": "T0000", "card_no": CANARY_PAN, "card_taxno": "731205", "card_pwd": "47"}),
        ),
        ("/php/auth.php", json!({"cst_id": "test", "custKey": "CANARYKEY0123456789abcdef"})),
    ];
    for (path, body) in raw {
        let (status, _) = payup_sandbox::person::request(
            "POST",
            &format!("{base}{path}"),
            "application/json",
            body.to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(status, 200, "{path}");
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("SBX-1") && saved.contains("SBX-3") && !saved.contains("4111111111111111"));
    let printed = std::fs::read_to_string(&log).unwrap();
    assert!(printed.contains("dashboard at") && printed.contains("stopped"), "{printed}");
    for canary in [CANARY_PAN, "731205", "CANARYKEY0123456789abcdef"] {
        assert!(!printed.contains(canary) && !saved.contains(canary), "{canary} in: {printed}");
    }
    assert_eq!(printed.lines().count(), 2, "the sandbox prints only its start and stop lines: {printed}");
}

/// `payup sandbox --strict`: a spec deviation the real gateway accepts (README "Warnings", W1) is refused.
#[test]
fn sandbox_strict_flag_refuses_warnings() {
    let ask = |strict: bool| {
        let mut args = vec!["sandbox", "--addr", "127.0.0.1:0"];
        if strict {
            args.push("--strict");
        }
        let mut child = Command::new(PAYUP).args(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = format!("{}/php/auth.php", line.trim());
        let body = br#"{"cst_id": "test", "custKey": "abcd1234567890"}"#;
        let (status, answer) = payup_sandbox::person::request("POST", &url, "application/json", body).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(status, 200);
        serde_json::from_slice::<Value>(&answer).unwrap()
    };
    assert_eq!(ask(true)["result_code"], "AUTH0003");
    assert_eq!(ask(false)["result"], "success");
}

#[test]
fn demo_runs_every_gateway_and_exits_zero() {
    let out = Command::new(PAYUP).arg("demo").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for op in [
        "payup.keyin.approve",
        "payup.keyin.cancel",
        "payup.kakaopay.approve",
        "payup.kakaopay.cancel",
        "payple.billing.pay",
        "payple.status",
        "payple.cancel",
        "payple.card.confirm",
        "kcp.keyin.approve",
    ] {
        assert!(stdout.contains(op), "{op} missing:\n{stdout}");
    }
    assert!(stdout.contains("all 19 steps behaved as expected"), "{stdout}");
}

/// Runs `payup ARGS` with no input; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(PAYUP).args(args).stdin(Stdio::null()).env_remove("PAYUP_CONFIG").output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

#[test]
fn help_of_every_subcommand_goes_to_stdout_with_exit_zero() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["demo", "--help"],
        &["call", "--help"],
        &["sandbox", "--help"],
        &["operations", "--help"],
        &["completions", "--help"],
        &["help", "call"],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stdout.contains("Usage: payup"), "{args:?}: {stdout}");
    }
    let (_, stdout, _) = run(&["--help"]);
    for sub in ["demo", "call", "sandbox", "operations", "completions"] {
        assert!(stdout.contains(sub), "{sub} missing:\n{stdout}");
    }
    let (_, stdout, _) = run(&["sandbox", "--help"]);
    for opt in ["--addr", "--config", "--state", "--client-config"] {
        assert!(stdout.contains(opt), "{opt} missing:\n{stdout}");
    }
}

#[test]
fn version_prints_the_core_version() {
    for args in [&["--version"][..], &["-V"]] {
        let (code, stdout, _) = run(args);
        assert_eq!((code, stdout.trim()), (0, format!("payup {}", payup_core::VERSION).as_str()));
    }
}

#[test]
fn unknown_options_arguments_and_subcommands_are_usage_errors() {
    for args in [
        &["call", "--bogus", "x"][..],
        &["call"],
        &["call", "payup.keyin.approve", "extra"],
        &["call", "payup.keyin.approve", "--config"],
        &["sandbox", "--bogus"],
        &["sandbox", "extra"],
        &["operations", "--yaml"],
        &["completions", "tcsh"],
        &["bogus"],
        &[],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains("Usage: payup"), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn a_usage_error_never_quotes_a_secret_argument() {
    // The configuration given without --config, or a card number where the operation goes.
    let cfg = config("http://127.0.0.1:9").replace("25bcd7a82f5b4058818462cc7715964c", "CANARYKEY0123456789abcdef");
    for args in [
        &["call", "payup.keyin.approve", cfg.as_str()][..],
        &["call", CANARY_PAN, "payup.keyin.approve"],
        &[cfg.as_str()],
        &["call", &format!("--bogus={cfg}"), "payup.keyin.approve"],
        &["sandbox", CANARY_PAN],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 2, "{stdout}{stderr}");
        let all = format!("{stdout}{stderr}");
        assert!(!all.contains("CANARYKEY") && !all.contains(CANARY_PAN), "{all}");
        assert!(stderr.contains("Usage: payup"), "{stderr}");
    }
    // A name is still quoted, for the user to see what was wrong.
    let (_, _, stderr) = run(&["call", "--bogus", "x"]);
    assert!(stderr.contains("--bogus"), "{stderr}");
}

#[test]
fn completions_print_a_script() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, stdout, stderr) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("payup") && stdout.contains("sandbox"), "{shell}: {stdout}");
    }
}

#[test]
fn operations_lists_names_or_the_schema() {
    let (code, stdout, _) = run(&["operations"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = stdout.lines().collect();
    assert_eq!(names.len(), 16, "{stdout}");
    assert!(names.contains(&"payup.keyin.approve") && names.contains(&"kcp.cancel"), "{stdout}");

    let (code, stdout, stderr) = run(&["operations", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let ops = doc["operations"].as_array().unwrap_or_else(|| panic!("no operations array: {doc}"));
    assert_eq!(ops.len(), 16);
    for (op, name) in ops.iter().zip(&names) {
        assert_eq!(op["name"], *name);
        for k in ["gateway", "class"] {
            assert!(op[k].as_str().is_some_and(|s| !s.is_empty()), "{k} missing in {op}");
        }
    }
}

#[test]
fn call_verbose_prints_the_events_on_stderr_and_the_result_alone_on_stdout() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = config(sb.base_url());
    let events = |stderr: &str| -> Vec<Value> {
        stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}"))).collect()
    };
    let outcome = |e: &Value| (e["status"].clone(), e["outcome"]["kind"].clone());

    let (code, result, err) =
        call_with(&cfg, &["call", "payup.keyin.approve", "-v"], &keyin("CLI-V1", "4111111111111111"));
    assert_eq!((code, &result["amount"]), (0, &json!(1000)), "{result}");
    assert!(result.get("request_body").is_none());
    let [e] = events(&err).try_into().unwrap();
    assert_eq!((e["operation"].as_str(), outcome(&e)), (Some("payup.keyin.approve"), (json!(200), json!("success"))));
    assert_eq!(e["request_body"]["cardNo"], "411111******1111");
    assert!(e["duration_ms"].is_u64() && e["url"].as_str().unwrap().ends_with("/keyin2"), "{e}");

    let (code, _, err) =
        call_with(&cfg, &["call", "--verbose", "payup.keyin.approve"], &keyin("CLI-V2", "4000000000000002"));
    let [e] = events(&err).try_into().unwrap();
    assert_eq!(
        (code, outcome(&e), &e["outcome"]["gateway_code"]),
        (1, (json!(200), json!("declined")), &json!("9101"))
    );

    let mut bad = keyin("CLI-V3", "4111111111111111");
    bad["expire_month"] = json!("13");
    let (code, _, err) = call_with(&cfg, &["call", "-v", "payup.keyin.approve"], &bad);
    assert_eq!((code, err.as_str()), (2, ""), "invalid: nothing sent, no event");

    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let (code, _, err) = call_with(&cfg, &["call", "-v", "payup.keyin.approve"], &keyin("CLI-V4", "4111111111111111"));
    let [e] = events(&err).try_into().unwrap();
    assert_eq!((code, outcome(&e), &e["response_body"]), (4, (Value::Null, json!("ambiguous")), &Value::Null));

    let closed = config("http://127.0.0.1:9");
    let (code, _, err) =
        call_with(&closed, &["call", "-v", "payup.keyin.approve"], &keyin("CLI-V5", "4111111111111111"));
    let [e] = events(&err).try_into().unwrap();
    assert_eq!((code, outcome(&e)), (3, (Value::Null, json!("not_sent"))));

    // Without -v, stderr stays empty.
    let (_, _, err) = call(&cfg, "payup.keyin.approve", &keyin("CLI-V6", "4111111111111111"));
    assert_eq!(err, "");
}

/// Runs `payup call OP ARGS…` with the request on stdin; returns (exit code, stdout JSON).
fn call_with_args(config: &str, op: &str, args: &[&str], request: &Value) -> (i32, Value) {
    let mut child = Command::new(PAYUP)
        .args(["call", op])
        .args(args)
        .env("PAYUP_CONFIG", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    (out.status.code().unwrap(), serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout}")))
}

#[test]
fn timeout_ms_overrides_the_read_timeout_for_this_call() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = config(sb.base_url());
    sb.arm_fault("payup.keyin.approve", "delay", Some(1500), 1).unwrap();
    let started = std::time::Instant::now();
    let (code, v) =
        call_with_args(&cfg, "payup.keyin.approve", &["--timeout-ms", "300"], &keyin("CLI-T1", "4111111111111111"));
    assert_error_shape(&v, "ambiguous");
    assert_ne!(code, 0);
    assert!(started.elapsed() < std::time::Duration::from_millis(1400));
    // Without the option the configuration's timeout (15 s by default) lets the same delay through.
    sb.arm_fault("payup.keyin.approve", "delay", Some(500), 1).unwrap();
    let (code, v) = call_with_args(&cfg, "payup.keyin.approve", &[], &keyin("CLI-T2", "4111111111111111"));
    assert_eq!(code, 0, "{v}");
    let (_, v) =
        call_with_args(&cfg, "payup.keyin.approve", &["--timeout-ms", "0"], &keyin("CLI-T3", "4111111111111111"));
    assert_error_shape(&v, "invalid");
    assert_eq!(v["error"]["field"], "timeout_ms");
}
