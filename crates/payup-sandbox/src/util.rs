//! Small helpers: KST clock (over core's calendar), hashing, Luhn, escaping, form decoding, token generation.

use payup_core::time::Timestamp;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A moment on the Korean wall clock (UTC+9, no DST): core's calendar, with the clock read here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kst(Timestamp);

impl Kst {
    pub fn from_unix(secs: i64) -> Kst {
        Kst(Timestamp::from_unix(secs))
    }
    pub fn now() -> Kst {
        Kst::from_unix(unix_now())
    }
    pub fn unix(&self) -> i64 {
        self.0.0
    }
    /// `YYYYMMDDHHMMSS`
    pub fn compact(&self) -> String {
        self.write(["", "", "", "", "", ""], 14)
    }
    /// `YYYYMMDD`
    pub fn date(&self) -> String {
        self.0.kst_date()
    }
    /// RFC 3339 with the +09:00 offset.
    pub fn iso(&self) -> String {
        self.write(["-", "-", "T", ":", ":", "+09:00"], 25)
    }

    /// Year, month, day, hour, minute, second, each followed by its separator. Written digit by digit:
    /// every answer and ledger entry carries two or three of these, and `format!` costs ~2,500
    /// instructions each (callgrind), ~5% of a keyin approval.
    fn write(&self, seps: [&str; 6], len: usize) -> String {
        let c = self.0.kst();
        let mut out = String::with_capacity(len);
        let parts =
            [(c.year.clamp(0, 9999) as u32, 4), (c.month, 2), (c.day, 2), (c.hour, 2), (c.minute, 2), (c.second, 2)];
        for ((v, width), sep) in parts.into_iter().zip(seps) {
            push_digits(&mut out, v, width);
            out.push_str(sep);
        }
        out
    }
}

/// `v` in exactly `width` decimal digits (zero-padded; `v` < 10^width).
pub(crate) fn push_digits(out: &mut String, v: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + (v / div % 10) as u8));
        div /= 10;
    }
}

/// Unix seconds of an RFC 3339 date-time (`2026-12-01T00:00:00+09:00`, `…Z`, fractions ignored).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) { t.parse().ok() } else { None }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.is_char_boundary(1) && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let digits = |t: &str| if t.bytes().all(|c| c.is_ascii_digit()) { t.parse::<i64>().ok() } else { None };
            let oh = digits(&rest[1..3])?;
            let om = digits(&rest[4..6])?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Luhn check over an all-digit string.
pub fn luhn_ok(s: &str) -> bool {
    if !all_digits(s) {
        return false;
    }
    let mut sum = 0u32;
    for (i, b) in s.bytes().rev().enumerate() {
        let mut d = (b - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// What the deterministic test cards decide (README "Test cards").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardOutcome {
    Approve,
    Decline,
    Invalid,
}

pub fn card_outcome(card_no: &str) -> CardOutcome {
    if !luhn_ok(card_no) {
        CardOutcome::Invalid
    } else if card_no.ends_with("0002") {
        CardOutcome::Decline
    } else {
        CardOutcome::Approve
    }
}

/// Issuer (name, KCP card code) chosen from the first digit: deterministic and obviously fake-able.
pub fn issuer(card_no_or_mask: &str) -> (&'static str, &'static str) {
    match card_no_or_mask.as_bytes().first() {
        Some(b'4') => ("신한카드", "CCLG"),
        Some(b'5') => ("KB국민카드", "CCKM"),
        Some(b'9') => ("BC카드", "CCBC"),
        Some(b'3') => ("현대카드", "CCDI"),
        _ => ("삼성카드", "CCSS"),
    }
}

/// Payple billing-response mask: first 4, the rest stars, last 4 (`1111********4444`, payple-card.txt §3).
pub fn mask_first4_last4(card_no: &str) -> String {
    let n = card_no.len();
    if n < 9 {
        return "*".repeat(n);
    }
    format!("{}{}{}", &card_no[..4], "*".repeat(n - 8), &card_no[n - 4..])
}

/// Payple result-POST mask: first 8, the rest stars, last 4 (`12345678****1234`, payple-card.txt "결제결과 수신").
/// Also NHN KCP's: "카드번호 16자리 중 3번째구간은 마스킹" (kcp-keyin.txt 승인응답).
pub fn mask_third_group(card_no: &str) -> String {
    let n = card_no.len();
    if n < 16 {
        // Fewer than 4 hidden digits would give the number away (the check digit restores one): 6 + 4 at most.
        return payup_core::mask_card_number(card_no);
    }
    format!("{}{}{}", &card_no[..8], "*".repeat(n - 12), &card_no[n - 4..])
}

static TOKEN_COUNTER: AtomicU64 = AtomicU64::new(0);

fn token_seed() -> &'static str {
    static SEED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let stack = &nanos as *const u128 as usize;
        format!("{nanos}:{}:{stack}", std::process::id())
    })
}

/// A token that is stable for one process and `value` (Payple's cst_id / custKey tokens).
pub fn stable_token(label: &str, value: &str) -> String {
    use base64::Engine;
    let d = Sha256::digest(format!("{}|{label}|{value}", token_seed()).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&d[..24])
}

/// 32 unpredictable-enough bytes for tokens (test tool: not a CSPRNG, but not guessable from outside either).
pub fn random_bytes(label: &str) -> [u8; 32] {
    let n = TOKEN_COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0) as u64;
    // The process's seed condensed to 16 bytes once, and the parts hashed as they are (no `format!`): with
    // a short label the input fits one SHA-256 block instead of two (every approval's auth number).
    static SEED16: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    let seed = SEED16.get_or_init(|| {
        let d = Sha256::digest(token_seed().as_bytes());
        let mut s = [0u8; 16];
        s.copy_from_slice(&d[..16]);
        s
    });
    let mut h = Sha256::new();
    h.update(seed);
    h.update(n.to_le_bytes());
    h.update(nanos.to_le_bytes());
    h.update(label.as_bytes());
    h.finalize().into()
}

pub fn random_hex(label: &str, len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        s.push_str(&hex::encode(random_bytes(label)));
    }
    s.truncate(len);
    s
}

pub fn random_digits(label: &str, len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        for b in random_bytes(label) {
            if b < 250 && s.len() < len {
                s.push(char::from(b'0' + b % 10));
            }
        }
    }
    s
}

/// Alphanumeric token of `len` chars (Payple-style billing keys, REQKEYs, KCP enc data).
pub fn random_alnum(label: &str, len: usize) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::new();
    while s.len() < len {
        for b in random_bytes(label) {
            if (b as usize) < 248 && s.len() < len {
                s.push(ALPHA[b as usize % 62] as char);
            }
        }
    }
    s
}

/// Escape text for HTML element content and attribute values (core's escaper: escaping is not part of
/// what the sandbox must check independently of the client).
pub use payup_core::payup::html_escape;

/// A JavaScript string literal safe to put inside a `<script>` element.
pub fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()).replace("</", "<\\/").replace('\u{2028}', "\\u2028")
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

pub fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Decode bytes as UTF-8 when they are valid UTF-8, else as EUC-KR (the KakaoPay forms post
/// `accept-charset="euc-kr"`, payup-kakaopay-kcp.txt §3.2.1).
pub fn decode_text(bytes: &[u8], charset_hint: Option<&str>) -> String {
    let euc =
        charset_hint.map(|c| c.eq_ignore_ascii_case("euc-kr") || c.eq_ignore_ascii_case("cp949")).unwrap_or(false);
    if !euc && let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let (s, _, _) = encoding_rs::EUC_KR.decode(bytes);
    s.into_owned()
}

/// Parse `application/x-www-form-urlencoded` (first value wins).
pub fn parse_form(body: &[u8], charset_hint: Option<&str>) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let k = it.next().unwrap_or_default();
            let v = it.next().unwrap_or_default();
            (decode_text(&percent_decode(k), charset_hint), decode_text(&percent_decode(v), charset_hint))
        })
        .collect()
}

pub fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|p| {
        let mut it = p.splitn(2, '=');
        (it.next() == Some(name)).then(|| it.next().unwrap_or(""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kst_clock() {
        // 2017-09-10 13:20:00 KST = 04:20:00 UTC
        assert_eq!(Kst::from_unix(1_505_017_200).compact(), "20170910132000");
        assert_eq!(Kst::from_unix(1_709_164_800 - 9 * 3600).date(), "20240229");
        assert_eq!(Kst::from_unix(1_709_218_799).iso(), "2024-02-29T23:59:59+09:00");
        assert_eq!(Kst::from_unix(-9 * 3600).iso(), "1970-01-01T00:00:00+09:00");
        for t in [0, 1_505_017_200, 1_709_218_799, 4_102_444_799, 1_764_600_000] {
            let k = Kst::from_unix(t);
            assert_eq!(k.compact(), Timestamp::from_unix(t).kst_14(), "{t}");
            assert_eq!(k.iso().len(), 25);
            assert_eq!(k.iso().replace(['-', 'T', ':'], "")[..14], k.compact(), "{t}");
        }
    }

    #[test]
    fn digits() {
        for (v, width, text) in [(0, 4, "0000"), (7, 2, "07"), (2026, 4, "2026"), (9999, 4, "9999"), (59, 2, "59")] {
            let mut s = String::from("x");
            push_digits(&mut s, v, width);
            assert_eq!(s, format!("x{text}"));
        }
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-12-01T09:00:00+09:00"), parse_rfc3339("2026-12-01T00:00:00Z"));
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59.123-01:30"), Some(1_709_251_199 + 5400));
        assert_eq!(Kst::from_unix(parse_rfc3339("2026-05-31T14:59:50Z").unwrap()).compact(), "20260531235950");
        for bad in [
            "",
            "2026-12-01",
            "2026-12-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-12-01T00:00:00+9",
            "２026-12-01T00:00:00Z",
            "2026-12-01T00:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn luhn_and_cards() {
        assert_eq!(card_outcome("4111111111111111"), CardOutcome::Approve);
        assert_eq!(card_outcome("4000000000000002"), CardOutcome::Decline);
        assert_eq!(card_outcome("4111111111111112"), CardOutcome::Invalid);
        assert_eq!(mask_first4_last4("1111222233334444"), "1111********4444");
        assert_eq!(mask_third_group("4111111111111111"), "41111111****1111");
    }

    #[test]
    fn forms() {
        let f = parse_form(b"a=1+2&b=%ED%95%9C&c=%C7%D1", None);
        assert_eq!(f[0], ("a".into(), "1 2".into()));
        assert_eq!(f[1].1, "한");
        assert_eq!(f[2].1, "한"); // EUC-KR 0xC7D1
        assert_eq!(html_escape("<a href='x'>&\""), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
        assert_eq!(query_param("ACT_=PAYM&x=1", "ACT_"), Some("PAYM"));
    }
}
