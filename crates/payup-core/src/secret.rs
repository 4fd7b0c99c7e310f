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
    pub fn new(value: impl Into<String>, kind: SecretKind) -> Self {
        Secret { value: value.into(), kind }
    }
    pub fn card_number(value: impl Into<String>) -> Self {
        Self::new(value, SecretKind::CardNumber)
    }
    pub fn opaque(value: impl Into<String>) -> Self {
        Self::new(value, SecretKind::Opaque)
    }
    /// The value itself, for the wire encoders and validators only.
    pub fn expose(&self) -> &str {
        &self.value
    }
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

/// Masks a card number received from a gateway unless it is already masked: a gateway that returns a
/// full number must not make us print one.
pub fn mask_card_number_if_full(number: &str) -> String {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if number.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ') && digits >= 11 {
        mask_card_number(&number.chars().filter(char::is_ascii_digit).collect::<String>())
    } else {
        number.to_string()
    }
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
    fn debug_and_display_mask() {
        let s = Secret::card_number("9490191412341234");
        assert_eq!(format!("{s:?}"), "Secret(949019******1234)");
        assert_eq!(format!("{}", Secret::opaque("00")), "***");
    }
}
