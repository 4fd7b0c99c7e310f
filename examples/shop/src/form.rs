//! `application/x-www-form-urlencoded` bodies, in UTF-8 or in EUC-KR.
//!
//! The KakaoPay PC (WP) window form keeps `accept-charset="euc-kr"` (payup-kakaopay-kcp.txt §3.2), so the
//! browser posts its Korean values to `Ret_URL` in EUC-KR; the mobile (WM) window posts UTF-8. Browsers do
//! not name the charset of a form body, so a body that is not valid UTF-8 is read as EUC-KR.

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
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

/// Decodes a form body into (name, value) pairs, in order.
pub fn parse(body: &[u8]) -> Vec<(String, String)> {
    let raw: Vec<(Vec<u8>, Vec<u8>)> = body
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(i) => (percent_decode(&p[..i]), percent_decode(&p[i + 1..])),
            None => (percent_decode(p), Vec::new()),
        })
        .collect();
    let utf8 = raw.iter().all(|(k, v)| std::str::from_utf8(k).is_ok() && std::str::from_utf8(v).is_ok());
    let text = |b: &[u8]| {
        if utf8 {
            String::from_utf8_lossy(b).into_owned()
        } else {
            encoding_rs::EUC_KR.decode_without_bom_handling(b).0.into_owned()
        }
    };
    raw.iter().map(|(k, v)| (text(k), text(v))).collect()
}

/// The first value of `name`.
pub fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Percent-encodes a query-string value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_euc_kr() {
        let f = parse(b"a=%ED%99%8D+x&b=%22%3C%3E%26%27&c");
        assert_eq!(f, [("a".into(), "홍 x".into()), ("b".into(), "\"<>&'".into()), ("c".into(), String::new())]);
        // "상품" in EUC-KR
        let f = parse(b"good_name=%BB%F3%C7%B0&res_cd=0000");
        assert_eq!(get(&f, "good_name"), Some("상품"));
        assert_eq!(get(&f, "res_cd"), Some("0000"));
        assert_eq!(parse(b"x=%4"), [("x".into(), "%4".into())]);
        assert_eq!(parse(b"x=%41"), [("x".into(), "A".into())]);
        assert_eq!(encode("a b/한"), "a%20b%2F%ED%95%9C");
    }
}
