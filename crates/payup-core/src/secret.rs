//! Secret values: card number, card password digits, birth date / business number and keys.
//!
//! `Debug` and `Display` print a mask, the value is zeroed on drop, and the only way to read it is
//! [`Secret::expose`], which the wire encoders call. (DESIGN §4.)

use serde::{Deserialize, Deserializer};
use zeroize::Zeroize;

/// What kind of secret a value is; it decides how the mask looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// Card number: shown as at most the first 6 and last 4 digits.
    CardNumber,
    /// Card password digits, birth date, business number, keys: never shown.
    Opaque,
}

/// A string that must never reach a log, an error message or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    kind: SecretKind,
}

impl Secret {
    /// A secret of `kind`.
    pub fn new(value: impl Into<String>, kind: SecretKind) -> Self {
        Secret { value: value.into(), kind }
    }
    /// A card number (masked 6+4 when shown).
    pub fn card_number(value: impl Into<String>) -> Self {
        Self::new(value, SecretKind::CardNumber)
    }
    /// A key or password (never shown).
    pub fn opaque(value: impl Into<String>) -> Self {
        Self::new(value, SecretKind::Opaque)
    }
    /// The value itself, for the wire encoders and validators only.
    pub fn expose(&self) -> &str {
        &self.value
    }
    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
    /// The masked form, safe to print.
    pub fn masked(&self) -> String {
        match self.kind {
            SecretKind::CardNumber => mask_card_number(&self.value),
            SecretKind::Opaque => "***".to_string(),
        }
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Deserializes a card number as a secret. Use with `#[serde(deserialize_with = ...)]`.
pub fn card_number<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::card_number)
}

/// Deserializes any other secret (password digits, birth date, keys).
pub fn opaque<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::opaque)
}

/// Optional variant of [`opaque`].
pub fn opaque_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    Option::<String>::deserialize(d).map(|o| o.map(Secret::opaque))
}

/// The secret fields of the gateways' wire bodies and of payup's own documents, by kind: the request
/// types hold these values as [`Secret`]s, and these are the names the encoders write them under (and the
/// gateways answer them under). Exchange events ([`crate::event`]) mask them by this table.
/// Names compare case-insensitively with `_` and Payple's `PCD_` prefix ignored (`PCD_PAY_CARDNUM`,
/// `cardNo`, `card_no` all match).
const WIRE_SECRETS: &[(&str, SecretKind)] = &[
    // Card numbers: payup-card-keyin.txt §2.1 cardNo, kcp-keyin.txt card_no, payple-card.txt PCD_PAY_CARDNUM.
    ("cardno", SecretKind::CardNumber),
    ("cardnum", SecretKind::CardNumber),
    ("paycardnum", SecretKind::CardNumber),
    // Card password digits, birth date / business number (payup cardPw, birthday; KCP card_pwd, card_taxno).
    ("cardpw", SecretKind::Opaque),
    ("cardpwd", SecretKind::Opaque),
    ("birthday", SecretKind::Opaque),
    ("cardtaxno", SecretKind::Opaque),
    // Keys and what is made from them: Payup's api_cert_key and its signatures, Payple's custKey /
    // PCD_CUST_KEY and PCD_REFUND_KEY, KCP's certificate, private key and kcp_sign_data.
    ("apicertkey", SecretKind::Opaque),
    ("signature", SecretKind::Opaque),
    ("custkey", SecretKind::Opaque),
    ("refundkey", SecretKind::Opaque),
    ("certinfo", SecretKind::Opaque),
    ("kcpcertinfo", SecretKind::Opaque),
    ("kcpsigndata", SecretKind::Opaque),
    ("privatekey", SecretKind::Opaque),
    ("privatekeypassword", SecretKind::Opaque),
    // Tokens: Payple's AuthKey / PCD_AUTH_KEY and billing key PCD_PAYER_ID (it charges the card), the KCP
    // window's approval_key and encrypted card data enc_info / enc_data (payup-kakaopay-kcp.txt §3).
    ("authkey", SecretKind::Opaque),
    ("payerid", SecretKind::Opaque),
    ("approvalkey", SecretKind::Opaque),
    ("encinfo", SecretKind::Opaque),
    ("encdata", SecretKind::Opaque),
];

/// The gateways' own identifiers and times in their answers: digits that by the spec's definition of the
/// field are no card number, which exchange events keep readable ([`crate::event::redact_answer_body`]).
/// Compared as [`WIRE_SECRETS`] are.
const WIRE_IDENTIFIERS: &[&str] = &[
    // payup-card-keyin.txt §2.1 / §2.2 and payup-kakaopay-kcp.txt §3.3: transactionId, authNumber,
    // authDateTime, cancelDateTime.
    "transactionid",
    "authnumber",
    "authdatetime",
    "canceldatetime",
    // kcp-keyin.txt (the approval's answer): tno, app_no, app_time.
    "tno",
    "appno",
    "apptime",
    // payple-card.txt: PCD_PAY_TIME, PCD_CARDTRADENUM (PCD_PAY_CARDTRADENUM in current answers).
    "paytime",
    "cardtradenum",
    "paycardtradenum",
];

/// `name` as the tables above hold names: lowercase, without `_` / `-` and Payple's `PCD_` prefix.
fn wire_key(name: &str) -> Option<String> {
    if name.len() > 40 {
        return None;
    }
    let key: String = name.chars().filter(|c| *c != '_' && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    Some(match key.strip_prefix("pcd") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => key,
    })
}

/// The kind of secret a wire or document field `name` holds, if it holds one (see [`WIRE_SECRETS`]).
pub fn wire_secret_kind(name: &str) -> Option<SecretKind> {
    let key = wire_key(name)?;
    WIRE_SECRETS.iter().find(|(n, _)| *n == key).map(|(_, k)| *k)
}

/// Whether `name` is one of the gateways' own identifiers or times (see [`WIRE_IDENTIFIERS`]).
pub fn wire_identifier(name: &str) -> bool {
    wire_key(name).is_some_and(|key| WIRE_IDENTIFIERS.contains(&key.as_str()))
}

/// Masks a card number: at most the first 6 and the last 4 digits stay and at least 6 are hidden
/// (fewer shown for short numbers), so no short number is printed almost whole.
/// Anything that is not all digits is masked completely: it may be a number with separators.
pub fn mask_card_number(number: &str) -> String {
    let n = number.chars().count();
    if n == 0 || !number.chars().all(|c| c.is_ascii_digit()) {
        return "*".repeat(n.clamp(3, 20));
    }
    let suffix = (n / 4).min(4);
    let prefix = n.saturating_sub(suffix + 6).min(6);
    let hidden = n - prefix - suffix;
    format!("{}{}{}", &number[..prefix], "*".repeat(hidden), &number[n - suffix..])
}

/// Masks a card number received from a gateway, masked or not: at most its first 6 and last 4 digits stay
/// (KCP masks only the third group, `12345678****1234`; DESIGN §4 allows 6 + 4), separators and stars kept.
pub fn mask_card_number_if_full(number: &str) -> String {
    if number.chars().all(|c| c.is_ascii_digit()) {
        return mask_card_number(number);
    }
    let n = number.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    number
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= 6 || seen > n.saturating_sub(4) { c } else { '*' }
        })
        .collect()
}

/// Masks every run of 11 or more digits (spaces and '-' allowed inside) in free text, such as a gateway's
/// message that echoes a field: a card number never passes through it whole.
pub fn redact_card_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            let mut digits = 0;
            while j < chars.len() && (chars[j].is_ascii_digit() || ((chars[j] == ' ' || chars[j] == '-') && digits > 0))
            {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                }
                j += 1;
            }
            while j > i && !chars[j - 1].is_ascii_digit() {
                j -= 1; // a trailing separator is not part of the number
            }
            let run: String = chars[i..j].iter().collect();
            if digits >= 11 {
                out.push_str(&mask_card_number_if_full(&run));
            } else {
                out.push_str(&run);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_at_most_six_and_four() {
        assert_eq!(mask_card_number("9490191412341234"), "949019******1234");
        assert_eq!(mask_card_number("1234567890123456789"), "123456*********6789");
        for n in 1..=20 {
            let pan: String = (0..n).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
            let m = mask_card_number(&pan);
            assert_eq!(m.chars().count(), n);
            let shown = m.chars().filter(|c| *c != '*').count();
            assert!(shown <= 10 && n - shown >= 6.min(n - n / 4), "{n}: {m}");
        }
        assert_eq!(mask_card_number("1234-5678"), "*********");
    }

    #[test]
    fn gateway_masks_are_narrowed_and_messages_redacted() {
        assert_eq!(mask_card_number_if_full("12345678****1234"), "123456******1234");
        assert_eq!(mask_card_number_if_full("1111-****-****-1111"), "1111-****-****-1111");
        assert_eq!(mask_card_number_if_full("12345678 ** ** 1234"), "123456** ** ** 1234");
        assert_eq!(
            redact_card_numbers("cardNo(9490191412341234)이 잘못되었습니다 6001"),
            "cardNo(949019******1234)이 잘못되었습니다 6001"
        );
        assert_eq!(redact_card_numbers("4111 1111 1111 1111, amount 1004"), "4111 11** **** 1111, amount 1004");
        // Safe over-redaction: a 14-digit time is indistinguishable from an 14-digit card number.
        assert_eq!(redact_card_numbers("20180212000000ST0000"), "20180******000ST0000");
        assert_eq!(redact_card_numbers("code 6001, 2 items"), "code 6001, 2 items");
    }

    #[test]
    fn debug_and_display_mask() {
        let s = Secret::card_number("9490191412341234");
        assert_eq!(format!("{s:?}"), "Secret(949019******1234)");
        assert_eq!(format!("{}", Secret::opaque("00")), "***");
    }
}
