//! NHN KCP keyin approval (kcp-keyin.txt, `POST /gw/hub/v1/payment`) and cancel (`POST /gw/mod/v1/cancel`,
//! from KCP's public cancel documentation: specs/README.md "Facts from the gateways' public material").

use base64::Engine;
use payup_core::codes::{Gateway, lookup};
use serde_json::{Map, json};
use x509_cert::der::Decode;

use crate::Shared;
use crate::fields::{Dialect, Fields, birth_or_business, card_number, digits_exact, max_bytes, month, tri};
use crate::http::{Request, Response};
use crate::state::Tx;
use crate::util::{self, CardOutcome};

fn err(code: &str, detail: Option<&str>) -> Response {
    let m = lookup(Gateway::Kcp, code).map(|c| c.message).unwrap_or("오류");
    let m = match detail {
        Some(d) => format!("{m} ({d})"),
        None => m.to_string(),
    };
    Response::json(&json!({ "res_cd": code, "res_msg": m }))
}

/// "승인요청 데이터는 Json String 전송방식으로 요청 하세요": every value a JSON string; any bad field is V001
/// naming it and its rule.
static KCP: Dialect = Dialect {
    strings_only: true,
    not_an_object: || err("V001", Some("요청 본문이 JSON 객체가 아닙니다")),
    missing: |k| err("V001", Some(&format!("{k}: 필수 항목입니다"))),
    invalid: |k, rule| err("V001", Some(&format!("{k}: {rule}"))),
};

fn parse(req: &Request) -> Result<Fields<'_>, Response> {
    Fields::json(&req.body, &KCP)
}

/// Decode `kcp_cert_info`: "-----BEGIN CERTIFICATE-----" base64 "-----END CERTIFICATE-----", on one line
/// (kcp-keyin.txt: "인증서의 text 값을 데이터 직렬화") or with line breaks (real or escaped `\n`). Returns DER.
pub(crate) fn cert_der(info: &str) -> Option<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = info.find(BEGIN)? + BEGIN.len();
    let end = info[start..].find(END)? + start;
    let b64: String =
        info[start..end].replace("\\n", "").replace("\\r", "").chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()).ok()?;
    (der.first() == Some(&0x30) && der.len() > 64).then_some(der)
}

/// The site and its certificate: `kcp_cert_info` must be the certificate KCP issued to that site
/// (kcp-keyin.txt 서비스 인증서), and a cancel's `kcp_sign_data` is verified with that certificate's key.
fn check_site_and_cert<'a>(sh: &'a Shared, f: &Fields) -> Result<(&'a crate::KcpSite, Vec<u8>), Response> {
    let site = sh.config.kcp_site(f.s("site_cd")).ok_or_else(|| err("V002", None))?;
    let der = cert_der(f.s("kcp_cert_info")).ok_or_else(|| err("V003", None))?;
    let issued = site.cert_pem.as_deref().map(cert_der);
    match issued {
        Some(Some(issued)) if issued != der => Err(err("V003", None)),
        _ => Ok((site, der)),
    }
}

/// `POST /gw/hub/v1/payment` (kcp-keyin.txt 승인요청).
pub fn approve(sh: &Shared, req: &Request) -> Response {
    let f = tri!(parse(req));
    tri!(f.require(&[
        "site_cd",
        "kcp_cert_info",
        "pay_method",
        "amount",
        "card_mny",
        "currency",
        "quota",
        "ordr_idxx",
        "card_tx_type",
        "card_no",
        "card_expiry"
    ]));
    let (site, _) = tri!(check_site_and_cert(sh, &f));
    tri!(f.rule("pay_method", "CARD 고정값입니다", |s| s == "CARD"));
    tri!(f.rule("amount", "숫자만 허용됩니다", util::all_digits));
    tri!(f.rule("card_mny", "숫자만 허용됩니다", util::all_digits));
    if f.s("amount") != f.s("card_mny") {
        return err("V001", Some("card_mny: amount와 같아야 합니다"));
    }
    tri!(f.rule("currency", "410(원화) 또는 840(달러)입니다", |s| s == "410" || s == "840"));
    tri!(f.rule("quota", "두 자리 숫자입니다 (예: 00, 05)", digits_exact(2)));
    tri!(f.rule("ordr_idxx", "40자 이하입니다", max_bytes(40)));
    tri!(f.rule("good_name", "100바이트 이하입니다", max_bytes(100)));
    tri!(f.rule("buyr_name", "40바이트 이하입니다", max_bytes(40)));
    tri!(f.rule("buyr_mail", "100바이트 이하입니다", max_bytes(100)));
    tri!(f.rule("buyr_tel2", "숫자와 '-'만 허용됩니다", |s| s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'-')));
    tri!(f.rule("card_tx_type", "11121000(인증) 또는 11111000(비인증)입니다", |s| s == "11121000"
        || s == "11111000"));
    if f.s("card_tx_type") == "11121000" {
        tri!(f.require(&["card_taxno", "card_pwd"]));
        tri!(f.rule("card_taxno", "생년월일 6자리 또는 사업자번호 10자리입니다", birth_or_business));
        tri!(f.rule("card_pwd", "카드 비밀번호 앞 두 자리입니다", digits_exact(2)));
    } else {
        for k in ["card_taxno", "card_pwd"] {
            if f.sent(k) {
                return err("V001", Some(&format!("{k}: 비인증(11111000) 요청에는 보내지 않습니다")));
            }
        }
    }
    tri!(f.rule("card_no", "숫자만 입력합니다", card_number));
    tri!(f.rule("card_expiry", "YYMM 형식입니다", |s| digits_exact(4)(s) && month(&s[2..])));
    let card_no = f.s("card_no");
    match util::card_outcome(card_no) {
        CardOutcome::Invalid => return err("V001", Some("card_no: 유효하지 않은 카드번호입니다")),
        CardOutcome::Decline => return err("8101", None),
        CardOutcome::Approve => {}
    }
    let amount: u64 = f.s("amount").parse().unwrap_or(0);
    let (card_name, card_cd) = util::issuer(card_no);
    let now = sh.now();
    let app_no = util::random_digits("kcp-app", 8);
    let tno = {
        let mut st = sh.state();
        let tno = st.next_tno(&now);
        let mut d = Map::new();
        d.insert("card_cd".into(), json!(card_cd));
        d.insert("card_name".into(), json!(card_name));
        d.insert("app_no".into(), json!(app_no));
        d.insert("quota".into(), json!(f.s("quota")));
        d.insert("currency".into(), json!(f.s("currency")));
        d.insert("card_tx_type".into(), json!(f.s("card_tx_type")));
        st.insert_tx(Tx {
            order_number: f.s("ordr_idxx").into(),
            card: payup_core::mask_card_number(card_no),
            details: d,
            ..Tx::approved("kcp", "kcp.keyin.approve", &site.site_cd, &tno, amount, &now)
        });
        tno
    };
    Response::json(&json!({
        "res_cd": "0000",
        "res_msg": "정상처리",
        "res_en_msg": "processing completed",
        "tno": tno,
        "amount": f.s("amount"),
        "card_cd": card_cd,
        "card_name": card_name,
        "card_no": util::mask_third_group(card_no),
        "app_no": app_no,
        "app_time": now.compact(),
        "noinf": "N",
        "noinf_type": "",
        "quota": f.s("quota"),
        "card_mny": f.s("card_mny"),
        "acqu_cd": card_cd,
        "acqu_name": card_name,
        "partcanc_yn": "Y",
        "card_bin_type_01": "0",
        "card_bin_type_02": "0",
        "card_bin_bank_cd": "0088",
    }))
}

/// Verify `kcp_sign_data`: base64 RSA PKCS#1 v1.5 SHA-256 over `site_cd^tno^mod_type`, with the public
/// key of the certificate sent in `kcp_cert_info`.
pub(crate) fn verify_sign(cert_der: &[u8], message: &str, sign_b64: &str) -> bool {
    let Ok(cert) = x509_cert::Certificate::from_der(cert_der) else { return false };
    // The SPKI's BIT STRING is the PKCS#1 `RSAPublicKey` DER that ring reads.
    let Some(rsa_public_key) = cert.tbs_certificate.subject_public_key_info.subject_public_key.as_bytes() else {
        return false;
    };
    let Ok(sig_bytes) = base64::engine::general_purpose::STANDARD.decode(sign_b64.trim().as_bytes()) else {
        return false;
    };
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, rsa_public_key)
        .verify(message.as_bytes(), &sig_bytes)
        .is_ok()
}

/// `POST /gw/mod/v1/cancel`: STSC full cancel, STPC partial cancel (mod_mny, rem_mny = balance before).
pub fn cancel(sh: &Shared, req: &Request) -> Response {
    let f = tri!(parse(req));
    tri!(f.require(&["site_cd", "kcp_cert_info", "kcp_sign_data", "tno", "mod_type", "mod_desc"]));
    let (site, der) = tri!(check_site_and_cert(sh, &f));
    tri!(f.rule("mod_type", "STSC(전체취소) 또는 STPC(부분취소)입니다", |s| s == "STSC" || s == "STPC"));
    let partial = f.s("mod_type") == "STPC";
    if partial {
        tri!(f.require(&["mod_mny", "rem_mny"]));
        tri!(f.rule("mod_mny", "0보다 큰 숫자입니다", |s| util::all_digits(s)
            && s.parse::<u64>().is_ok_and(|n| n > 0)));
        tri!(f.rule("rem_mny", "숫자만 허용됩니다", util::all_digits));
    }
    let message = format!("{}^{}^{}", f.s("site_cd"), f.s("tno"), f.s("mod_type"));
    if !verify_sign(&der, &message, f.s("kcp_sign_data")) {
        return err("8133", None);
    }
    let now = sh.now();
    let mut st = sh.state();
    let Some(tx) = st.tx_mut("kcp", &site.site_cd, f.s("tno")) else { return err("8201", None) };
    if tx.status == "cancelled" {
        return err("8202", None);
    }
    let before = tx.remaining();
    let mod_mny = if partial {
        let rem: u64 = f.s("rem_mny").parse().unwrap_or(u64::MAX);
        if rem != before {
            return err("8204", None);
        }
        let m: u64 = f.s("mod_mny").parse().unwrap_or(u64::MAX);
        if m > before {
            return err("8203", None);
        }
        m
    } else {
        before
    };
    tx.cancel(mod_mny, &now);
    tx.details.insert("cancelled_by".into(), json!("kcp.cancel"));
    tx.details.insert("mod_desc".into(), json!(f.s("mod_desc")));
    let after = tx.remaining();
    let amount = tx.amount;
    drop(st);
    Response::json(&json!({
        "res_cd": "0000",
        "res_msg": "정상처리",
        "res_en_msg": "processing completed",
        "tno": f.s("tno"),
        "mod_type": f.s("mod_type"),
        "amount": amount.to_string(),
        "mod_mny": mod_mny.to_string(),
        "rem_mny": after.to_string(),
        "canc_time": now.compact(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cert_parses_one_line_and_escaped() {
        let pem = crate::KCP_TEST_CERT_PEM;
        assert!(cert_der(pem).is_some());
        assert!(cert_der(&pem.replace('\n', "")).is_some());
        assert!(cert_der(&pem.replace('\n', "\\n")).is_some());
        assert!(cert_der("-----BEGIN CERTIFICATE-----AAAA-----END CERTIFICATE-----").is_none());
        assert!(cert_der("nonsense").is_none());
    }
}
