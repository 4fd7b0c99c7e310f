//! The shop's pages. Every value that came from a person or a gateway goes through [`e`].

pub use payup_core::payup::html_escape as e;

const CSS: &str = "body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.4em}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35em .5em;border-bottom:1px solid #ddd}\
button{padding:.6em 1em;margin:.3em .3em .3em 0;font-size:1em;cursor:pointer}.kakao{background:#fee500;border:0}\
.payple{background:#3d6ff5;color:#fff;border:0}.fail{color:#b00}.ok{color:#070}.muted{color:#777;font-size:.85em}\
label{display:block;margin:.4em 0}";

/// A whole page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<p class=\"muted\"><a href=\"/\">payup example shop</a> · <a href=\"/orders\">주문 내역</a></p>\n{body}\n</body>\n</html>\n",
        e(title)
    )
}

/// `12,345원`.
pub fn won(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out + "원"
}

/// The failure page: what failed and why, with a way back.
pub fn failure(title: &str, reason: &str, detail: &str, order_id: Option<&str>) -> String {
    let back = match order_id {
        Some(id) => format!("<a id=\"order-link\" href=\"/orders/{0}\">주문 {0} 보기</a> · ", e(id)),
        None => String::new(),
    };
    page(
        title,
        &format!(
            "<h1 id=\"failure\" class=\"fail\">{}</h1>\n<p id=\"failure-reason\">{}</p>\n<p id=\"failure-detail\" class=\"muted\">{}</p>\n<p>{back}<a href=\"/\">쇼핑 계속하기</a></p>",
            e(title),
            e(reason),
            e(detail)
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn won_groups_thousands() {
        assert_eq!(super::won(2500), "2,500원");
        assert_eq!(super::won(100), "100원");
        assert_eq!(super::won(1234567), "1,234,567원");
    }
}
