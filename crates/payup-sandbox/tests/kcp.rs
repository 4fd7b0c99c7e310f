mod common;
use base64::Engine;
use common::*;
use payup_sandbox::{KCP_TEST_CERT_PEM, KCP_TEST_KEY_PEM};
use serde_json::{Value, json};

fn one_line_cert() -> String {
    KCP_TEST_CERT_PEM.replace('\n', "")
}

/// kcp-keyin.txt 승인요청 데이터 sample, with site_cd T0000, the test certificate, and the sample's card
/// number (1234567800000000, not Luhn-valid) replaced by an approving test card.
fn sample() -> Value {
    json!({
        "site_cd":"T0000", "kcp_cert_info": one_line_cert(), "pay_method":"CARD", "cust_ip":"", "amount":"1000",
        "card_mny":"1000", "currency":"410", "quota":"00", "ordr_idxx":"TEST1234567890", "good_name":"테스트 상품",
        "buyr_name":"홍길동", "buyr_mail":"test@kcp.co.kr", "buyr_tel2":"01000000000", "card_tx_type":"11121000",
        "card_no": OK_CARD, "card_expiry":"2607", "card_taxno":"951010", "card_pwd":"00"
    })
}

fn approve(base: &str, body: &Value) -> Value {
    post_json(base, "/gw/hub/v1/payment", body)
}

fn sign(msg: &str) -> String {
    let b64: String = KCP_TEST_KEY_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), msg.as_bytes(), &mut sig).unwrap();
    base64::engine::general_purpose::STANDARD.encode(sig)
}

fn cancel(base: &str, tno: &str, mod_type: &str, extra: Value) -> Value {
    let mut b = json!({"site_cd": "T0000", "kcp_cert_info": KCP_TEST_CERT_PEM, "tno": tno, "mod_type": mod_type,
        "mod_desc": "가맹점 DB 처리 실패(자동취소)", "kcp_sign_data": sign(&format!("T0000^{tno}^{mod_type}"))});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    post_json(base, "/gw/mod/v1/cancel", &b)
}

#[test]
fn sample_approves_both_certified_and_uncertified() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let r = approve(base, &sample());
    assert_eq!(r["res_cd"], "0000", "{r}");
    for k in [
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
    ] {
        assert!(r[k].is_string(), "{k}: {r}");
    }
    assert_eq!(r["tno"].as_str().unwrap().len(), 14);
    assert_eq!(r["card_no"], "41111111****1111");
    assert_eq!(r["amount"], "1000");
    let t = tx(&ledger(base), r["tno"].as_str().unwrap()).clone();
    assert_eq!(
        (t["gateway"].as_str(), t["order_number"].as_str(), t["status"].as_str()),
        (Some("kcp"), Some("TEST1234567890"), Some("approved"))
    );
    // Uncertified (the spec's Java sample), cert with real line breaks.
    let mut b = sample();
    b["card_tx_type"] = json!("11111000");
    b["kcp_cert_info"] = json!(KCP_TEST_CERT_PEM);
    b.as_object_mut().unwrap().remove("card_taxno");
    b.as_object_mut().unwrap().remove("card_pwd");
    assert_eq!(approve(base, &b)["res_cd"], "0000");
}

#[test]
fn approval_codes() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let with = |k: &str, v: Value| {
        let mut b = sample();
        b[k] = v;
        approve(base, &b)
    };
    assert_eq!(with("site_cd", json!("T1234"))["res_cd"], "V002");
    assert_eq!(
        with("kcp_cert_info", json!("-----BEGIN CERTIFICATE-----MIID3DCCAsSgAwIBAgIJAM...=-----END CERTIFICATE-----"))
            ["res_cd"],
        "V003"
    );
    assert_eq!(with("kcp_cert_info", json!("not a certificate"))["res_cd"], "V003");
    for (k, v) in [
        ("quota", "0"),
        ("currency", "392"),
        ("card_mny", "999"),
        ("card_expiry", "0726"),
        ("pay_method", "BANK"),
        ("card_taxno", "12345"),
        ("card_pwd", "1"),
        ("amount", "1,000"),
        ("card_tx_type", "11131000"),
    ] {
        let r = with(k, json!(v));
        assert_eq!(r["res_cd"], "V001", "{k}={v}: {r}");
        assert!(r["res_msg"].as_str().unwrap().contains(k), "{k}: {r}");
    }
    let r = with("amount", json!(1000));
    assert!(r["res_cd"] == "V001" && r["res_msg"].as_str().unwrap().contains("amount"), "{r}");
    // Certified without card_pwd; uncertified with it.
    let mut b = sample();
    b.as_object_mut().unwrap().remove("card_pwd");
    assert!(approve(base, &b)["res_msg"].as_str().unwrap().contains("card_pwd"));
    let mut b = sample();
    b["card_tx_type"] = json!("11111000");
    b.as_object_mut().unwrap().remove("card_taxno");
    assert!(approve(base, &b)["res_msg"].as_str().unwrap().contains("card_pwd"));
    assert_eq!(with("card_no", json!(BAD_CARD))["res_cd"], "V001");
    assert_eq!(with("card_no", json!(DECLINE_CARD))["res_cd"], "8101");
    assert_eq!(ledger(base)["transactions"].as_array().unwrap().len(), 0);
}

#[test]
fn cancel_full_partial_and_codes() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let tno = approve(base, &sample())["tno"].as_str().unwrap().to_string();
    // Bad signature (signed over another tno) → 8133; unknown tno → 8201.
    let r = cancel(base, &tno, "STSC", json!({"kcp_sign_data": sign("T0000^00000000000000^STSC")}));
    assert_eq!(r["res_cd"], "8133");
    assert_eq!(cancel(base, "99999999999999", "STSC", json!({}))["res_cd"], "8201");
    // Two partial cancels down to zero; wrong rem_mny → 8204; over-cancel → 8203.
    assert_eq!(cancel(base, &tno, "STPC", json!({"mod_mny": "300", "rem_mny": "900"}))["res_cd"], "8204");
    assert_eq!(cancel(base, &tno, "STPC", json!({"mod_mny": "1001", "rem_mny": "1000"}))["res_cd"], "8203");
    let r = cancel(base, &tno, "STPC", json!({"mod_mny": "300", "rem_mny": "1000"}));
    assert_eq!(r["res_cd"], "0000", "{r}");
    assert_eq!((r["mod_mny"].as_str(), r["rem_mny"].as_str()), (Some("300"), Some("700")));
    let t = tx(&ledger(base), &tno).clone();
    assert_eq!((t["status"].as_str(), t["cancelled_amount"].as_u64()), (Some("partially_cancelled"), Some(300)));
    let r = cancel(base, &tno, "STPC", json!({"mod_mny": "700", "rem_mny": "700"}));
    assert_eq!(r["rem_mny"], "0");
    assert_eq!(tx(&ledger(base), &tno)["status"], "cancelled");
    assert_eq!(cancel(base, &tno, "STSC", json!({}))["res_cd"], "8202");
    // Full cancel of another.
    let tno2 = approve(base, &sample())["tno"].as_str().unwrap().to_string();
    assert_ne!(tno, tno2);
    let r = cancel(base, &tno2, "STSC", json!({}));
    assert_eq!(
        (r["res_cd"].as_str(), r["mod_mny"].as_str(), r["rem_mny"].as_str()),
        (Some("0000"), Some("1000"), Some("0"))
    );
    assert!(r["canc_time"].as_str().unwrap().len() == 14);
}

#[test]
fn openssl_made_signature_verifies() {
    // A signature made by `openssl dgst -sha256 -sign` is accepted (skipped when openssl is missing).
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let base = sb.base_url();
    let tno = approve(base, &sample())["tno"].as_str().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("sbkcp{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.pem");
    std::fs::write(&key, KCP_TEST_KEY_PEM).unwrap();
    let msg = dir.join("msg");
    std::fs::write(&msg, format!("T0000^{tno}^STSC")).unwrap();
    let out = std::process::Command::new("openssl").args(["dgst", "-sha256", "-sign"]).arg(&key).arg(&msg).output();
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(out) = out else { return };
    if !out.status.success() {
        return;
    }
    let sig = base64::engine::general_purpose::STANDARD.encode(&out.stdout);
    assert_eq!(sig, sign(&format!("T0000^{tno}^STSC")));
    assert_eq!(cancel(base, &tno, "STSC", json!({"kcp_sign_data": sig}))["res_cd"], "0000");
}
