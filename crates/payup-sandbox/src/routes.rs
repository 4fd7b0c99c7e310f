//! The one route table: which handler answers a request, and which catalogue operation the request is
//! (for faults and the `crossed_answer` memory). The control API (`/__sandbox`) and CORS preflights are
//! answered before it.

use crate::http::{Request, Response};
use crate::{Shared, kcp, payple, payup, windows};

/// The methods a route answers.
#[derive(Clone, Copy)]
enum On {
    Post,
    /// GET or HEAD.
    Get,
    /// Anything but POST (a POST-only path's 405).
    NotPost,
    Any,
}

/// The catalogue operation of a route's requests.
enum Op {
    None,
    Is(&'static str),
    /// Decided by the request (one path serving two operations).
    By(fn(&Request) -> Option<&'static str>),
}

enum Handler {
    Plain(fn(&Shared, &Request) -> Response),
    /// Given the merchant id of the path (`{mid}`).
    Merchant(fn(&Shared, &str, &Request) -> Response),
}

/// A path is literal, or `prefix{mid}suffix` where `{mid}` is one path segment (possibly empty) and a
/// suffix `/*` is anything after it.
struct Route(On, &'static str, Op, Handler);

use Handler::{Merchant, Plain};

/// First match wins.
static ROUTES: &[Route] = &[
    Route(On::Post, "/v2/api/payment/{mid}/keyin2", Op::Is("payup.keyin.approve"), Merchant(payup::keyin_approve)),
    Route(On::Post, "/v2/api/payment/{mid}/cancel2", Op::Is("payup.keyin.cancel"), Merchant(payup::keyin_cancel)),
    Route(On::NotPost, "/v2/api/payment/{mid}/keyin2", Op::None, Plain(use_post)),
    Route(On::NotPost, "/v2/api/payment/{mid}/cancel2", Op::None, Plain(use_post)),
    Route(On::Any, "/v2/api/payment/{mid}/*", Op::None, Plain(not_found)),
    Route(On::Post, "/ep/api/kakao/{mid}/order", Op::Is("payup.kakaopay.order"), Merchant(payup::kakao_order)),
    Route(On::Post, "/ep/api/kakao/{mid}/pay", Op::Is("payup.kakaopay.approve"), Merchant(payup::kakao_pay)),
    Route(On::Post, "/ep/api/kakao/{mid}/cancel", Op::Is("payup.kakaopay.cancel"), Merchant(payup::kakao_cancel)),
    Route(On::NotPost, "/ep/api/kakao/{mid}/order", Op::None, Plain(use_post)),
    Route(On::NotPost, "/ep/api/kakao/{mid}/pay", Op::None, Plain(use_post)),
    Route(On::NotPost, "/ep/api/kakao/{mid}/cancel", Op::None, Plain(use_post)),
    Route(On::Any, "/ep/api/kakao/{mid}/*", Op::None, Plain(not_found)),
    Route(On::Post, "/php/auth.php", Op::Is("payple.auth"), Plain(payple::auth)),
    Route(On::Post, "/php/PayCardConfirmAct.php", Op::Is("payple.card.confirm"), Plain(payple::confirm)),
    Route(On::Post, "/php/RePayCardAct.php", Op::Is("payple.billing.pay"), Plain(payple::billing_pay)),
    // The URL a PCD_SIMPLE_FLAG auth returns (issue 18): the same payment.
    Route(On::Post, "/php/SimplePayCardAct.php", Op::Is("payple.billing.pay"), Plain(payple::billing_pay)),
    Route(On::Post, "/php/PayChkAct.php", Op::By(payple::pay_chk_operation), Plain(payple::pay_chk)),
    Route(On::Post, "/php/account/api/cPayCAct.php", Op::Is("payple.cancel"), Plain(payple::cancel)),
    Route(On::Post, "/php/cPayUser/api/cPayUserAct.php", Op::By(payple::user_act_operation), Plain(payple::user_act)),
    Route(On::Post, "/index.php", Op::None, Plain(payple::window_pay)),
    Route(On::Get, "/js/cpay.payple.1.0.1.js", Op::None, Plain(windows::payple_js)),
    Route(On::Post, "/gw/hub/v1/payment", Op::Is("kcp.keyin.approve"), Plain(kcp::approve)),
    Route(On::Post, "/gw/mod/v1/cancel", Op::Is("kcp.cancel"), Plain(kcp::cancel)),
    Route(On::Post, "/kcp/mobile/pay", Op::None, Plain(windows::kcp_mobile_page)),
    Route(On::Post, "/kcp/mobile/choose", Op::None, Plain(windows::kcp_mobile_choose)),
    Route(On::Post, "/kcp/plugin/choose", Op::None, Plain(windows::kcp_plugin_choose)),
    Route(On::Get, "/plugin/payplus_web.jsp", Op::None, Plain(windows::payplus_js)),
    Route(On::Get, "/favicon.ico", Op::None, Plain(no_content)),
];

fn use_post(_: &Shared, _: &Request) -> Response {
    Response::error(405, "use POST")
}
fn not_found(_: &Shared, _: &Request) -> Response {
    Response::error(404, "no such path")
}
fn no_content(_: &Shared, _: &Request) -> Response {
    Response::new(204, "image/x-icon", Vec::new())
}

impl On {
    fn allows(self, method: &str) -> bool {
        match self {
            On::Post => method == "POST",
            On::Get => method == "GET" || method == "HEAD",
            On::NotPost => method != "POST",
            On::Any => true,
        }
    }
}

/// The `{mid}` of `path` under `pattern` ("" for a literal pattern), when it matches.
fn capture<'p>(pattern: &str, path: &'p str) -> Option<&'p str> {
    let Some((prefix, suffix)) = pattern.split_once("{mid}") else { return (pattern == path).then_some("") };
    let rest = path.strip_prefix(prefix)?;
    let (mid, tail) = rest.split_at(rest.find('/')?);
    (suffix == "/*" || tail == suffix).then_some(mid)
}

/// What the table says of one request.
pub(crate) struct Found<'r> {
    route: Option<&'static Route>,
    mid: &'r str,
}

pub(crate) fn find(req: &Request) -> Found<'_> {
    ROUTES
        .iter()
        .find_map(|r| if r.0.allows(&req.method) { capture(r.1, &req.path).map(|mid| (r, mid)) } else { None })
        .map_or(Found { route: None, mid: "" }, |(r, mid)| Found { route: Some(r), mid })
}

impl Found<'_> {
    /// The catalogue operation, if the request is one.
    pub fn operation(&self, req: &Request) -> Option<&'static str> {
        match self.route.map(|r| &r.2) {
            Some(Op::Is(name)) => Some(name),
            Some(Op::By(decide)) => decide(req),
            Some(Op::None) | None => None,
        }
    }

    pub fn answer(&self, sh: &Shared, req: &Request) -> Response {
        match self.route.map(|r| &r.3) {
            Some(Plain(h)) => h(sh, req),
            Some(Merchant(h)) => h(sh, self.mid, req),
            None => Response::error(404, &format!("no such path: {} {}", req.method, req.path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(capture("/v2/api/payment/{mid}/keyin2", "/v2/api/payment/tester/keyin2"), Some("tester"));
        assert_eq!(capture("/v2/api/payment/{mid}/keyin2", "/v2/api/payment//keyin2"), Some(""));
        assert_eq!(capture("/v2/api/payment/{mid}/keyin2", "/v2/api/payment/a/b/keyin2"), None);
        assert_eq!(capture("/v2/api/payment/{mid}/*", "/v2/api/payment/a/b/keyin2"), Some("a"));
        assert_eq!(capture("/v2/api/payment/{mid}/*", "/v2/api/payment/a"), None);
        assert_eq!(capture("/php/auth.php", "/php/auth.php"), Some(""));
        assert_eq!(capture("/php/auth.php", "/php/auth.php/"), None);
    }

    fn post(path: &str, query: &str, body: &str) -> Request {
        Request {
            method: "POST".into(),
            path: path.into(),
            query: query.into(),
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn every_operation_has_a_route_and_every_route_operation_is_in_the_catalogue() {
        let requests = [
            post("/v2/api/payment/tester/keyin2", "", ""),
            post("/v2/api/payment/tester/cancel2", "", ""),
            post("/ep/api/kakao/tester/order", "", ""),
            post("/ep/api/kakao/tester/pay", "", ""),
            post("/ep/api/kakao/tester/cancel", "", ""),
            post("/php/auth.php", "", ""),
            post("/php/PayCardConfirmAct.php", "ACT_=PAYM", ""),
            post("/php/RePayCardAct.php", "ACT_=PAYM", ""),
            post("/php/cPayUser/api/cPayUserAct.php", "ACT_=PUSERINFO", ""),
            post("/php/cPayUser/api/cPayUserAct.php", "ACT_=PUSERDEL", ""),
            post("/php/PayChkAct.php", "", r#"{"PCD_PAYCANCEL_FLAG":"Y"}"#),
            post("/php/PayChkAct.php", "", r#"{"PCD_PAYCHK_FLAG":"Y"}"#),
            post("/gw/hub/v1/payment", "", ""),
            post("/gw/mod/v1/cancel", "", ""),
        ];
        let reached: Vec<_> = requests.iter().map(|r| find(r).operation(r).unwrap_or("(none)")).collect();
        assert_eq!(reached, crate::OPERATIONS);
        assert_eq!(find(&post("/php/account/api/cPayCAct.php", "", "")).operation(&requests[0]), Some("payple.cancel"));
        for r in ROUTES {
            if let Op::Is(name) = r.2 {
                assert!(crate::OPERATIONS.contains(&name), "{name}");
            }
        }
        let odd = post("/v2/api/payment/a/b/keyin2", "", "");
        assert_eq!(find(&odd).operation(&odd), None);
        let mut get = post("/v2/api/payment/tester/keyin2", "", "");
        get.method = "GET".into();
        assert_eq!(find(&get).operation(&get), None);
    }
}
