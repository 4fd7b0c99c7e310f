//! The payup example shop: a small merchant web shop that takes KakaoPay (mobile WM and PC WP windows,
//! through Payup) and Payple card payments (CERT: the shop gives the final approval), with payup's
//! `payup_transport::Client`.
//!
//! What it shows:
//! - **The browser is never trusted.** Each order (number, item, amount) is kept on the server. A window's
//!   post-back only leads to `payup.kakaopay.approve` (with the shop's own `ordr_idxx` and expected amount)
//!   or `payple.card.confirm` (with the shop's own `pay_oid` and amount), and the result is checked
//!   against the order again. Anything else is a failure page.
//! - KakaoPay's window kind follows the browser: WM for iPhone / iPad / Android User-Agents, WP otherwise;
//!   the browser's User-Agent is passed on as `http_user_agent`.
//! - Payple's `payple_auth_file` endpoint answers with `payple.auth`; the result arrives by a
//!   `PCD_RST_URL` POST or through `callbackFunction`.
//! - Every value from a person or a gateway is HTML-escaped; card data never reaches the shop at all
//!   (the person types it into the gateway's window).
//! - **Sessions and CSRF.** Each browser gets an unguessable session cookie (`HttpOnly; SameSite=Lax`) and a
//!   per-session token that every state-changing form of the shop carries (checkout, cancel) and the
//!   server checks; an order belongs to the session that placed it, and its pages, its cancel and the
//!   Payple callback refuse any other session. The gateways' post-backs (`/kakao/return`,
//!   `/payple/result`) are cross-site POSTs from the gateway's window that cannot carry the token: they
//!   are bound to a pending order and only lead to the gateway's own approve/confirm with the stored
//!   amount.

mod form;
mod html;

use html::{e, page, won};
use payup_transport::{Client, Error};
use ring::rand::SecureRandom;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use tiny_http::{Header, Method, Server};

/// The catalogue: the prices are the shop's, never the browser's.
pub const PRODUCTS: &[(&str, &str, u64)] = &[
    ("mug", "payup 머그컵", 2500),
    ("special", "한정판 \"<머그>\" & '컵' 세트", 3900),
    ("keyboard", "기계식 키보드 & 손목받침", 12000),
];

/// The biggest body the shop reads (window post-backs are a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gateway {
    KakaoPay,
    Payple,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Waiting for the person at the window.
    Pending,
    /// A post-back is being approved right now.
    Approving,
    Paid,
    Failed,
    Cancelled,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Pending => "결제 대기",
            Status::Approving => "승인 중",
            Status::Paid => "결제 완료",
            Status::Failed => "결제 실패",
            Status::Cancelled => "결제 취소됨",
        }
    }
    fn code(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approving => "approving",
            Status::Paid => "paid",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

/// One order, as the shop keeps it.
#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    pub gateway: Gateway,
    pub item_name: String,
    pub buyer_name: String,
    pub amount: u64,
    pub status: Status,
    /// WM / WP (KakaoPay) or rst_url / callback (Payple).
    pub window: String,
    /// KakaoPay: Payup's transaction number of the order (`ordr_idxx`).
    pub ordr_idxx: Option<String>,
    /// The approval / confirmation result document.
    pub approval: Option<Value>,
    pub cancel: Option<Value>,
    /// The last failure (reason, detail).
    pub failure: Option<(String, String)>,
    /// The session that placed the order: only it may see or cancel the order.
    pub session: String,
}

pub struct ShopOptions {
    /// Where to listen, e.g. `127.0.0.1:8000` (port 0: a free one).
    pub addr: String,
    /// The shop's URL as browsers reach it (default `http://ADDR`).
    pub public_url: Option<String>,
}

struct Inner {
    client: Client,
    url: String,
    payple_script: Option<String>,
    orders: Mutex<HashMap<String, Order>>,
    seq: AtomicU32,
    /// Session id (cookie) → its CSRF token.
    sessions: Mutex<HashMap<String, String>>,
    random: Arc<dyn SecureRandom + Send + Sync>,
}

/// The session cookie's name.
const SESSION_COOKIE: &str = "shop_session";

/// A running shop.
pub struct Shop {
    inner: Arc<Inner>,
    server: Arc<Server>,
    workers: Vec<JoinHandle<()>>,
}

impl Shop {
    /// Starts the shop's HTTP server (a few worker threads; the client's calls are blocking).
    pub fn start(client: Client, opts: ShopOptions) -> Result<Shop, String> {
        let server = Server::http(&opts.addr).map_err(|e| format!("cannot listen on {}: {e}", opts.addr))?;
        let local = server.server_addr().to_ip().ok_or("the shop must listen on an IP address")?;
        let url = opts.public_url.unwrap_or_else(|| format!("http://{local}")).trim_end_matches('/').to_string();
        let payple_script = client
            .config()
            .base(payup_core::Gateway::Payple)
            .map(|b| format!("{}/js/cpay.payple.1.0.1.js", b.url.trim_end_matches('/')));
        let inner = Arc::new(Inner {
            client,
            url,
            payple_script,
            orders: Mutex::new(HashMap::new()),
            seq: AtomicU32::new(0),
            sessions: Mutex::new(HashMap::new()),
            random: payup_transport::system_random(),
        });
        let server = Arc::new(server);
        let workers = (0..8)
            .map(|_| {
                let (inner, server) = (inner.clone(), server.clone());
                std::thread::spawn(move || {
                    while let Ok(rq) = server.recv() {
                        handle(&inner, rq);
                    }
                })
            })
            .collect();
        Ok(Shop { inner, server, workers })
    }

    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// A copy of an order.
    pub fn order(&self, id: &str) -> Option<Order> {
        self.inner.orders().get(id).cloned()
    }

    /// Serves until the process ends.
    pub fn wait(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }

    pub fn stop(self) {
        self.server.unblock();
        for _ in 1..self.workers.len() {
            self.server.unblock();
        }
        for w in self.workers {
            let _ = w.join();
        }
    }
}

impl Inner {
    fn orders(&self) -> MutexGuard<'_, HashMap<String, Order>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new order number: a letter, 13 digits of milliseconds and a sequence (≤ 20 bytes, as Payup's
    /// `orderNumber` and Payple's `PCD_PAY_OID` allow).
    fn new_order_id(&self, prefix: char) -> String {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 10_000_000_000_000)
            .unwrap_or(0);
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 10_000;
        format!("{prefix}{ms:013}{n:04}")
    }

    /// 128 random bits, hex.
    fn random_hex(&self) -> String {
        let mut b = [0u8; 16];
        self.random.fill(&mut b).expect("the OS's random generator");
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The session named by the request's cookie, or a new one: (session id, CSRF token, is new). Only a
    /// GET starts a session: a POST without one (a gateway's post-back, or a forged cross-site form) gets
    /// none (empty id and token, which own no order and pass no CSRF check), so it cannot replace the
    /// buyer's cookie.
    fn session(&self, cookie: Option<&str>, may_start: bool) -> (String, String, bool) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = cookie
            && let Some(token) = sessions.get(id)
        {
            return (id.to_string(), token.clone(), false);
        }
        if !may_start {
            return (String::new(), String::new(), false);
        }
        let (id, token) = (self.random_hex(), self.random_hex());
        sessions.insert(id.clone(), token.clone());
        (id, token, true)
    }

    /// The order `id` if it belongs to the request's session.
    fn own_order(&self, req: &Req, id: &str) -> Option<Order> {
        self.orders().get(id).filter(|o| !req.session.is_empty() && o.session == req.session).cloned()
    }

    fn with_order<T>(&self, id: &str, f: impl FnOnce(&mut Order) -> T) -> Option<T> {
        self.orders().get_mut(id).map(f)
    }

    /// Takes an order for approval: only a pending (or earlier failed) order may be approved, once.
    fn begin_approval(&self, id: &str) -> Result<Order, (String, String)> {
        let mut orders = self.orders();
        let Some(o) = orders.get_mut(id) else {
            return Err(("알 수 없는 주문입니다".into(), format!("no order {id} in this shop: nothing was approved")));
        };
        match o.status {
            Status::Pending | Status::Failed => {
                o.status = Status::Approving;
                Ok(o.clone())
            }
            Status::Approving => {
                Err(("이 주문은 지금 승인 중입니다".into(), "a second post-back for the same order was refused".into()))
            }
            Status::Paid | Status::Cancelled => Err((
                "이미 처리된 주문입니다".into(),
                format!("order {id} is already {}: the post-back was ignored", o.status.code()),
            )),
        }
    }

    /// Ends an approval: paid with its result, or failed with a reason.
    fn end_approval(&self, id: &str, outcome: Result<Value, (String, String)>) -> Result<(), (String, String)> {
        self.with_order(id, |o| match outcome {
            Ok(v) => {
                o.status = Status::Paid;
                o.approval = Some(v);
                o.failure = None;
                Ok(())
            }
            Err(f) => {
                o.status = Status::Failed;
                o.failure = Some(f.clone());
                Err(f)
            }
        })
        .unwrap_or_else(|| Err(("알 수 없는 주문입니다".into(), String::new())))
    }
}

// ---- HTTP plumbing ---------------------------------------------------------------------------------

struct Req {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    user_agent: Option<String>,
    body: Vec<u8>,
    /// The session id (from the cookie, or new with this response).
    session: String,
    /// The session's CSRF token.
    csrf: String,
}

impl Req {
    fn q(&self, k: &str) -> &str {
        form::get(&self.query, k).unwrap_or("")
    }

    /// Whether a form carries this session's CSRF token (compared in constant time).
    fn csrf_ok(&self, form: &[(String, String)]) -> bool {
        let got = form::get(form, "csrf").unwrap_or("").as_bytes();
        let want = self.csrf.as_bytes();
        !want.is_empty() && got.len() == want.len() && got.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// The hidden form field with the session's CSRF token.
fn csrf_field(req: &Req) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", e(&req.csrf))
}

fn forbidden() -> Resp {
    html(
        403,
        html::failure(
            "요청을 처리할 수 없습니다",
            "this form did not come from this shop's page (missing or wrong CSRF token, or no session)",
            "",
            None,
        ),
    )
}

/// The value of cookie `name` in a Cookie header.
fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

struct Resp {
    status: u16,
    content_type: &'static str,
    body: String,
    location: Option<String>,
}

fn html(status: u16, body: String) -> Resp {
    Resp { status, content_type: "text/html; charset=utf-8", body, location: None }
}

fn json_resp(status: u16, v: &Value) -> Resp {
    Resp { status, content_type: "application/json; charset=utf-8", body: v.to_string(), location: None }
}

fn redirect(to: String) -> Resp {
    Resp { status: 303, content_type: "text/plain; charset=utf-8", body: String::new(), location: Some(to) }
}

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
}

fn handle(inner: &Inner, mut rq: tiny_http::Request) {
    let url = rq.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut body = Vec::new();
    let too_big = rq.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut body).is_err() || body.len() > MAX_BODY;
    let cookie = rq.headers().iter().find(|h| h.field.equiv("Cookie")).map(|h| h.value.to_string());
    let (session, csrf, new_session) =
        inner.session(cookie.as_deref().and_then(|c| cookie_value(c, SESSION_COOKIE)), *rq.method() == Method::Get);
    let req = Req {
        method: rq.method().clone(),
        path: path.to_string(),
        query: form::parse(query.as_bytes()),
        user_agent: rq.headers().iter().find(|h| h.field.equiv("User-Agent")).map(|h| h.value.to_string()),
        body,
        session,
        csrf,
    };
    let resp = if too_big {
        html(413, html::failure("요청이 너무 큽니다", "request body too large", "", None))
    } else {
        route(inner, &req)
    };
    // One line per request: method, path and status; never a body (no card data reaches the shop, and
    // post-backs carry one-time tokens).
    eprintln!("payup-shop: {} {} → {}", req.method, req.path, resp.status);
    let mut r = tiny_http::Response::from_string(resp.body)
        .with_status_code(resp.status)
        .with_header(header("Content-Type", resp.content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    if let Some(l) = resp.location {
        r = r.with_header(header("Location", &l));
    }
    if new_session {
        // Lax, not Strict: the gateway's post-back redirects the buyer to the receipt with a top-level GET,
        // which must carry the session; cross-site POSTs (a forged cancel) carry no cookie at all.
        r = r.with_header(header(
            "Set-Cookie",
            &format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax", req.session),
        ));
    }
    let _ = rq.respond(r);
}

fn route(inner: &Inner, req: &Req) -> Resp {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match (&req.method, segs.as_slice()) {
        (Method::Get, [""]) => home(req),
        (Method::Get, ["orders"]) => order_list(inner, req),
        (Method::Post, ["checkout"]) => checkout(inner, req),
        (Method::Post, ["kakao", "return"]) => kakao_return(inner, req),
        (Method::Post, ["payple", "auth"]) => payple_auth(inner, req),
        (Method::Post, ["payple", "result"]) => payple_result(inner, req),
        (Method::Post, ["payple", "callback"]) => payple_callback(inner, req),
        (Method::Get, ["orders", id]) => receipt(inner, req, id),
        (Method::Get, ["orders", id, "failure"]) => failure_of(inner, req, id),
        (Method::Post, ["orders", id, "cancel"]) => cancel(inner, req, id),
        (Method::Get, ["favicon.ico"]) => {
            Resp { status: 404, content_type: "text/plain", body: String::new(), location: None }
        }
        _ => html(404, html::failure("페이지가 없습니다", "no such page", &req.path, None)),
    }
}

fn err_detail(e: &Error) -> String {
    let mut s = format!("{} error", e.kind().as_str());
    if let Some(g) = e.gateway() {
        s += &format!(" from {}", g.as_str());
    }
    if let Some(c) = e.code() {
        s += &format!(" [{c}]");
    }
    s + ": " + e.message()
}

fn str_of(v: &Value, k: &str) -> String {
    match &v[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---- pages -------------------------------------------------------------------------------------------

fn home(req: &Req) -> Resp {
    let csrf = csrf_field(req);
    let mut items = String::new();
    for (i, (id, name, price)) in PRODUCTS.iter().enumerate() {
        items += &format!(
            "<label><input type=\"radio\" name=\"product\" value=\"{}\"{}> <span class=\"product-name\">{}</span> — {}</label>\n",
            e(id),
            if i == 0 { " checked" } else { "" },
            e(name),
            won(*price)
        );
    }
    html(
        200,
        page(
            "payup example shop",
            &format!(
                "<h1>payup example shop</h1>\n<form method=\"post\" action=\"/checkout\" accept-charset=\"UTF-8\">\n{csrf}\n{items}<label>구매자 이름 <input name=\"buyer_name\" id=\"buyer_name\" value=\"홍길동\" maxlength=\"30\"></label>\n<p>\n<button class=\"kakao\" id=\"pay-kakaopay\" name=\"method\" value=\"kakaopay\">카카오페이로 결제</button>\n<button class=\"payple\" id=\"pay-payple\" name=\"method\" value=\"payple\">페이플 카드 결제</button>\n<button class=\"payple\" id=\"pay-payple-callback\" name=\"method\" value=\"payple-callback\">페이플 카드 결제 (callbackFunction)</button>\n</p>\n</form>\n<p class=\"muted\">KakaoPay opens the mobile (WM) window on phones and tablets, the PC (WP) window elsewhere. The prices are the shop's own: the browser only picks a product.</p>"
            ),
        ),
    )
}

fn order_list(inner: &Inner, req: &Req) -> Resp {
    // This session's orders only.
    let mut orders: Vec<Order> =
        inner.orders().values().filter(|o| !req.session.is_empty() && o.session == req.session).cloned().collect();
    orders.sort_by(|a, b| b.id.cmp(&a.id));
    let rows: String = orders
        .iter()
        .map(|o| {
            format!(
                "<tr><td><a href=\"/orders/{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td></tr>\n",
                e(&o.id),
                e(&o.item_name),
                won(o.amount),
                if o.gateway == Gateway::KakaoPay { "KakaoPay" } else { "Payple" },
                o.status.label()
            )
        })
        .collect();
    html(
        200,
        page(
            "주문 내역",
            &format!(
                "<h1>주문 내역</h1>\n<table id=\"orders\"><tr><th>주문번호</th><th>상품</th><th>금액</th><th>결제</th><th>상태</th></tr>\n{rows}</table>"
            ),
        ),
    )
}

/// `POST /checkout`: keeps the order, then opens the chosen gateway's window.
fn checkout(inner: &Inner, req: &Req) -> Resp {
    let f = form::parse(&req.body);
    if !req.csrf_ok(&f) {
        return forbidden();
    }
    let product = form::get(&f, "product").unwrap_or("");
    let Some((_, item_name, amount)) = PRODUCTS.iter().find(|(id, _, _)| *id == product) else {
        return html(400, html::failure("주문할 수 없습니다", "unknown product", product, None));
    };
    let buyer_name = form::get(&f, "buyer_name").unwrap_or("").trim().to_string();
    if buyer_name.is_empty() || buyer_name.len() > 50 {
        return html(
            400,
            html::failure(
                "주문할 수 없습니다",
                "구매자 이름을 1–30자로 적어 주세요 (buyer name: 1–50 bytes)",
                "",
                None,
            ),
        );
    }
    let method = form::get(&f, "method").unwrap_or("kakaopay");
    let (gateway, window, prefix) = match method {
        "kakaopay" => {
            let mobile = req.user_agent.as_deref().is_some_and(payup_core::payup::is_mobile_user_agent);
            (Gateway::KakaoPay, if mobile { "WM" } else { "WP" }, 'K')
        }
        "payple" => (Gateway::Payple, "rst_url", 'P'),
        "payple-callback" => (Gateway::Payple, "callback", 'P'),
        other => return html(400, html::failure("주문할 수 없습니다", "unknown payment method", other, None)),
    };
    let order = Order {
        id: inner.new_order_id(prefix),
        gateway,
        item_name: item_name.to_string(),
        buyer_name,
        amount: *amount,
        status: Status::Pending,
        window: window.to_string(),
        ordr_idxx: None,
        approval: None,
        cancel: None,
        failure: None,
        session: req.session.clone(),
    };
    inner.orders().insert(order.id.clone(), order.clone());
    match gateway {
        Gateway::KakaoPay => kakao_window(inner, req, order),
        Gateway::Payple => payple_page(inner, &order),
    }
}

// ---- KakaoPay ----------------------------------------------------------------------------------------

/// Registers the order with `payup.kakaopay.order` and answers the window page from
/// `payup.kakaopay.window` (WM: a form that posts itself to `pay_url`; WP: KCP's script).
fn kakao_window(inner: &Inner, req: &Req, order: Order) -> Resp {
    let mut request = json!({
        "order_number": order.id,
        "user_agent": order.window,
        "amount": order.amount,
        "item_name": order.item_name,
        "user_name": order.buyer_name,
        "return_url": format!("{}/kakao/return?order={}", inner.url, form::encode(&order.id)),
    });
    if let Some(ua) = &req.user_agent {
        request["http_user_agent"] = json!(ua);
    }
    let fail = |inner: &Inner, e: &Error| {
        let f = ("카카오페이 주문을 등록하지 못했습니다".to_string(), err_detail(e));
        inner.with_order(&order.id, |o| {
            o.status = Status::Failed;
            o.failure = Some(f.clone());
        });
        html(502, html::failure(&f.0, e.message(), &f.1, Some(&order.id)))
    };
    let ordered = match inner.client.call_json("payup.kakaopay.order", &request) {
        Ok(v) => v,
        Err(e) => return fail(inner, &e),
    };
    // The order result must be this order's.
    if ordered["good_mny"].as_u64() != Some(order.amount) {
        let e =
            Error::config(format!("the order was registered for {} instead of {}", ordered["good_mny"], order.amount));
        return fail(inner, &e);
    }
    let ordr_idxx = str_of(&ordered, "ordr_idxx");
    inner.with_order(&order.id, |o| o.ordr_idxx = Some(ordr_idxx));
    match inner.client.call_json("payup.kakaopay.window", &json!({"order": ordered, "user_agent": order.window})) {
        Ok(w) => html(200, str_of(&w, "html")),
        Err(e) => fail(inner, &e),
    }
}

/// `POST /kakao/return?order=ID`: the window's post-back (`Ret_URL`). Approved only through
/// `payup.kakaopay.approve` with the shop's own `ordr_idxx` and amount; the approval is checked again.
fn kakao_return(inner: &Inner, req: &Req) -> Resp {
    let id = req.q("order").to_string();
    let f = form::parse(&req.body);
    let order = match inner.begin_approval(&id) {
        Ok(o) => o,
        Err((reason, detail)) => {
            return html(
                409,
                html::failure(&reason, &reason, &detail, Some(&id).filter(|i| !i.is_empty()).map(|s| s.as_str())),
            );
        }
    };
    let outcome = kakao_approve(inner, &order, &f);
    match inner.end_approval(&id, outcome) {
        Ok(()) => redirect(format!("/orders/{}", form::encode(&id))),
        Err(_) => redirect(format!("/orders/{}/failure", form::encode(&id))),
    }
}

fn kakao_approve(inner: &Inner, order: &Order, f: &[(String, String)]) -> Result<Value, (String, String)> {
    let posted = |k: &str| form::get(f, k).unwrap_or("").to_string();
    let ours = order.ordr_idxx.clone().unwrap_or_default();
    if posted("ordr_idxx") != ours {
        return Err((
            "다른 주문의 결제 결과입니다".into(),
            "the post-back's ordr_idxx is not this order's: nothing was approved".into(),
        ));
    }
    let res_cd = posted("res_cd");
    if res_cd != "0000" {
        let msg = posted("res_msg");
        let reason = if res_cd == "3001" {
            "결제를 취소하셨습니다"
        } else {
            "결제창에서 결제가 완료되지 않았습니다"
        };
        return Err((
            reason.into(),
            format!(
                "the window returned res_cd {} ({}); nothing was approved",
                if res_cd.is_empty() { "(none)" } else { &res_cd },
                msg
            ),
        ));
    }
    let mut request = json!({
        "res_cd": res_cd,
        "enc_info": posted("enc_info"),
        "enc_data": posted("enc_data"),
        "card_pay_method": posted("card_pay_method"),
        "ordr_idxx": ours,
        "amount": order.amount,
    });
    if !posted("tran_cd").is_empty() {
        request["tran_cd"] = json!(posted("tran_cd"));
    }
    let approved = inner
        .client
        .call_json("payup.kakaopay.approve", &request)
        .map_err(|e| ("결제 승인에 실패했습니다".to_string(), err_detail(&e)))?;
    // The transport checks the amount already; the shop checks its own order once more.
    let amount = approved["amount"].as_u64();
    if str_of(&approved, "order_number") != order.id || amount.is_some_and(|a| a != order.amount) {
        let undo = inner.client.call_json(
            "payup.kakaopay.cancel",
            &json!({"transaction_id": approved["transaction_id"], "cancel_reason": "주문 불일치 자동취소"}),
        );
        return Err((
            "결제 승인 내용이 주문과 다릅니다".into(),
            format!(
                "approved order {} / amount {:?} instead of {} / {}; cancel: {}",
                str_of(&approved, "order_number"),
                amount,
                order.id,
                order.amount,
                if undo.is_ok() { "done" } else { "FAILED, reconcile by hand" }
            ),
        ));
    }
    Ok(approved)
}

// ---- Payple ------------------------------------------------------------------------------------------

/// The page that loads Payple's script and opens its window with `PaypleCpayAuthCheck(obj)`. The obj's
/// values travel in hidden inputs (HTML-escaped), so no value is ever spliced into the script.
fn payple_page(inner: &Inner, order: &Order) -> Resp {
    let Some(script) = &inner.payple_script else {
        return html(
            500,
            html::failure(
                "페이플 결제를 쓸 수 없습니다",
                "no \"payple\" section in the configuration",
                "",
                Some(&order.id),
            ),
        );
    };
    let mut fields = vec![
        ("PCD_PAY_TYPE", "card".to_string()),
        ("PCD_PAY_WORK", "CERT".to_string()),
        ("PCD_CARD_VER", "02".to_string()),
        ("PCD_PAY_GOODS", order.item_name.clone()),
        ("PCD_PAY_TOTAL", order.amount.to_string()),
        ("PCD_PAY_OID", order.id.clone()),
        ("PCD_PAYER_NAME", order.buyer_name.clone()),
    ];
    if order.window == "rst_url" {
        fields.push(("PCD_RST_URL", format!("{}/payple/result?order={}", inner.url, form::encode(&order.id))));
    }
    let inputs: String =
        fields.iter().map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">\n", e(v))).collect();
    let body = format!(
        "<h1>페이플 카드 결제</h1>
<table>
<tr><th>주문번호</th><td id=\"order-id\">{id}</td></tr>
<tr><th>상품</th><td id=\"item-name\">{item}</td></tr>
<tr><th>구매자</th><td id=\"buyer-name\">{buyer}</td></tr>
<tr><th>금액</th><td>{amount}</td></tr>
</table>
<form id=\"payple_order\" data-order=\"{id}\" data-mode=\"{mode}\" onsubmit=\"return false\">
{inputs}</form>
<p><button type=\"button\" class=\"payple\" id=\"payple-open\">결제하기</button></p>
<p id=\"payple-status\" class=\"muted\"></p>
<script src=\"{script}\"></script>
<script>
(function () {{
  \"use strict\";
  var form = document.getElementById(\"payple_order\");
  var order = form.getAttribute(\"data-order\");
  function status(t) {{ document.getElementById(\"payple-status\").textContent = t; }}
  /* The shop refused the result without touching the order (unknown or already settled). */
  function refused(reason, detail) {{
    var h = document.createElement(\"h1\"); h.id = \"failure\"; h.className = \"fail\"; h.textContent = \"결제 실패\";
    var p = document.createElement(\"p\"); p.id = \"failure-reason\"; p.textContent = reason || \"\";
    var d = document.createElement(\"p\"); d.id = \"failure-detail\"; d.className = \"muted\"; d.textContent = detail || \"\";
    document.body.insertBefore(d, document.body.firstChild); document.body.insertBefore(p, d); document.body.insertBefore(h, p);
    status(\"\");
  }}
  /* callbackFunction: hand the result to the shop, which confirms it server-side. */
  function onResult(result) {{
    status(\"결제 결과를 확인하는 중…\");
    fetch(\"/payple/callback?order=\" + encodeURIComponent(order), {{
      method: \"POST\", headers: {{ \"Content-Type\": \"application/json\" }}, body: JSON.stringify(result)
    }}).then(function (r) {{ return r.json(); }})
      .then(function (a) {{ if (a.redirect) {{ location.href = a.redirect; }} else {{ refused(a.message, a.detail); }} }})
      .catch(function (e) {{ status(\"결제 결과를 전달하지 못했습니다: \" + e); }});
  }}
  function obj() {{
    var o = {{}};
    for (var i = 0; i < form.elements.length; i++) o[form.elements[i].name] = form.elements[i].value;
    o.payple_auth_file = \"/payple/auth\";
    if (form.getAttribute(\"data-mode\") === \"callback\") o.callbackFunction = onResult;
    return o;
  }}
  document.getElementById(\"payple-open\").onclick = function () {{
    if (typeof window.PaypleCpayAuthCheck !== \"function\") {{ status(\"페이플 스크립트를 불러오지 못했습니다\"); return; }}
    window.PaypleCpayAuthCheck(obj());
  }};
}})();
</script>",
        id = e(&order.id),
        item = e(&order.item_name),
        buyer = e(&order.buyer_name),
        amount = won(order.amount),
        mode = e(&order.window),
        script = e(script),
    );
    html(200, page("페이플 카드 결제", &body))
}

/// `POST /payple/auth` (the window's `payple_auth_file`): partner auth with `payple.auth`, answered with
/// the field names Payple's script reads. Only for a pending order of this shop.
fn payple_auth(inner: &Inner, req: &Req) -> Resp {
    let f = form::parse(&req.body);
    let oid = form::get(&f, "PCD_PAY_OID").unwrap_or("");
    let known = inner
        .orders()
        .get(oid)
        .is_some_and(|o| o.gateway == Gateway::Payple && matches!(o.status, Status::Pending | Status::Failed));
    if !known {
        return json_resp(
            200,
            &json!({"result": "error", "result_code": "SHOP0001", "result_msg": "결제할 수 있는 주문이 아닙니다 (unknown or settled PCD_PAY_OID)"}),
        );
    }
    match inner.client.call_json("payple.auth", &json!({"pay_type": "card"})) {
        Ok(a) => json_resp(
            200,
            &json!({
                "result": a["result"], "result_msg": a["result_msg"],
                "cst_id": a["cst_id"], "custKey": a["cust_key"], "AuthKey": a["auth_key"],
                "return_url": a["return_url"], "PCD_PAY_HOST": a["pay_host"], "PCD_PAY_URL": a["pay_url"],
            }),
        ),
        Err(e) => json_resp(
            200,
            &json!({"result": "error", "result_code": e.code().map(str::to_string).unwrap_or_default(), "result_msg": e.message()}),
        ),
    }
}

/// `POST /payple/result?order=ID` (`PCD_RST_URL`): the window's form post.
fn payple_result(inner: &Inner, req: &Req) -> Resp {
    let id = req.q("order").to_string();
    let body = String::from_utf8_lossy(&req.body).into_owned();
    match payple_settle(inner, &id, json!({ "form": body })) {
        Ok(()) => redirect(format!("/orders/{}", form::encode(&id))),
        Err(Some((reason, detail))) => {
            html(409, html::failure(&reason, &reason, &detail, Some(&id).filter(|i| !i.is_empty()).map(|s| s.as_str())))
        }
        Err(None) => redirect(format!("/orders/{}/failure", form::encode(&id))),
    }
}

/// `POST /payple/callback?order=ID`: what the page's `callbackFunction` received, as JSON.
fn payple_callback(inner: &Inner, req: &Req) -> Resp {
    let id = req.q("order").to_string();
    // A same-origin fetch from the order's own page: it carries the session cookie.
    if inner.own_order(req, &id).is_none() {
        return json_resp(403, &json!({"ok": false, "message": "not this session's order"}));
    }
    let fields = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    match payple_settle(inner, &id, json!({ "fields": fields })) {
        Ok(()) => json_resp(200, &json!({"ok": true, "redirect": format!("/orders/{}", form::encode(&id))})),
        Err(Some((reason, detail))) => json_resp(200, &json!({"ok": false, "message": reason, "detail": detail})),
        Err(None) => {
            json_resp(200, &json!({"ok": false, "redirect": format!("/orders/{}/failure", form::encode(&id))}))
        }
    }
}

/// Parses the window's result with `payple.result` and confirms it with `payple.card.confirm` (the
/// shop's own `pay_oid` and amount). `Err(None)`: failed, recorded on the order; `Err(Some(..))`: refused
/// without touching the order (unknown, or already settled).
fn payple_settle(inner: &Inner, id: &str, result_doc: Value) -> Result<(), Option<(String, String)>> {
    let order = inner.begin_approval(id).map_err(Some)?;
    let outcome = payple_confirm(inner, &order, &result_doc);
    inner.end_approval(id, outcome).map_err(|_| None)
}

fn payple_confirm(inner: &Inner, order: &Order, result_doc: &Value) -> Result<Value, (String, String)> {
    let result = inner.client.call_json("payple.result", result_doc).map_err(|e| {
        let reason = if e.code() == Some("close") {
            "결제를 취소하셨습니다"
        } else {
            "결제창에서 결제가 완료되지 않았습니다"
        };
        (reason.to_string(), err_detail(&e))
    })?;
    if str_of(&result, "pay_oid") != order.id {
        return Err((
            "다른 주문의 결제 결과입니다".into(),
            "the result's PCD_PAY_OID is not this order's: nothing was confirmed".into(),
        ));
    }
    if str_of(&result, "pay_work") != "CERT" || str_of(&result, "pay_reqkey").is_empty() {
        return Err((
            "결제 결과를 확인할 수 없습니다".into(),
            "this shop asks for CERT payments: a result without PCD_PAY_REQKEY cannot be confirmed".into(),
        ));
    }
    let mut confirm = json!({
        "auth_key": result["auth_key"],
        "pay_reqkey": result["pay_reqkey"],
        "pay_oid": order.id,
        "amount": order.amount,
    });
    if !str_of(&result, "pay_cofurl").is_empty() {
        // The transport follows it only to the configured Payple host.
        confirm["pay_cofurl"] = result["pay_cofurl"].clone();
    }
    let paid = inner
        .client
        .call_json("payple.card.confirm", &confirm)
        .map_err(|e| ("결제 승인에 실패했습니다".to_string(), err_detail(&e)))?;
    if str_of(&paid, "pay_rst") != "success"
        || str_of(&paid, "pay_oid") != order.id
        || paid["pay_total"].as_u64() != Some(order.amount)
    {
        return Err((
            "결제 승인 내용이 주문과 다릅니다".into(),
            format!(
                "confirmed {} / {} instead of {} / {}",
                str_of(&paid, "pay_oid"),
                paid["pay_total"],
                order.id,
                order.amount
            ),
        ));
    }
    Ok(paid)
}

// ---- receipt, failure, cancel ------------------------------------------------------------------------

fn receipt(inner: &Inner, req: &Req, id: &str) -> Resp {
    // Another session's order is "no such order": its id reveals nothing.
    let Some(o) = inner.own_order(req, id) else {
        return html(404, html::failure("주문이 없습니다", "no such order", id, None));
    };
    if o.status == Status::Failed {
        return failure_of(inner, req, id);
    }
    let a = o.approval.clone().unwrap_or(Value::Null);
    let mut rows = vec![
        ("주문번호", "order-id", o.id.clone()),
        ("상품", "receipt-item", o.item_name.clone()),
        ("구매자", "receipt-buyer", o.buyer_name.clone()),
        ("금액", "receipt-amount", won(o.amount)),
    ];
    match o.gateway {
        Gateway::KakaoPay => {
            rows.push(("결제수단", "receipt-method", format!("카카오페이 ({}, {})", str_of(&a, "type"), o.window)));
            rows.push(("거래번호", "receipt-tx", str_of(&a, "transaction_id")));
            rows.push(("승인번호", "receipt-auth", str_of(&a, "auth_number")));
            rows.push(("카드", "receipt-card", format!("{} {}", str_of(&a, "card_name"), str_of(&a, "card_no"))));
            rows.push(("승인일시", "receipt-time", str_of(&a, "auth_date_time")));
        }
        Gateway::Payple => {
            let via = if o.window == "callback" { "callbackFunction" } else { "PCD_RST_URL" };
            rows.push(("결제수단", "receipt-method", format!("페이플 카드 ({via})")));
            rows.push(("거래번호", "receipt-tx", str_of(&a, "card_trade_num")));
            rows.push(("카드", "receipt-card", format!("{} {}", str_of(&a, "card_name"), str_of(&a, "card_num"))));
            rows.push(("승인일시", "receipt-time", str_of(&a, "pay_time")));
        }
    }
    let table: String =
        rows.iter().map(|(k, id, v)| format!("<tr><th>{k}</th><td id=\"{id}\">{}</td></tr>\n", e(v))).collect();
    let action = match o.status {
        Status::Paid => format!(
            "<form method=\"post\" action=\"/orders/{}/cancel\">{}<button id=\"cancel\" type=\"submit\">결제 취소</button></form>",
            e(&o.id),
            csrf_field(req)
        ),
        Status::Cancelled => "<p class=\"muted\">결제가 취소되었습니다.</p>".to_string(),
        _ => String::new(),
    };
    let title = match o.status {
        Status::Paid => "영수증",
        Status::Cancelled => "취소 영수증",
        _ => "주문",
    };
    let class = if o.status == Status::Paid { "ok" } else { "muted" };
    html(
        200,
        page(
            title,
            &format!(
                "<h1 id=\"receipt\">{title}</h1>\n<p id=\"status\" class=\"{class}\" data-status=\"{}\">{}</p>\n<table>\n{table}</table>\n{action}",
                o.status.code(),
                o.status.label()
            ),
        ),
    )
}

fn failure_of(inner: &Inner, req: &Req, id: &str) -> Resp {
    let Some(o) = inner.own_order(req, id) else {
        return html(404, html::failure("주문이 없습니다", "no such order", id, None));
    };
    let (reason, detail) = o.failure.clone().unwrap_or_else(|| ("결제 실패".into(), String::new()));
    html(402, html::failure("결제 실패", &reason, &detail, Some(&o.id)))
}

/// `POST /orders/ID/cancel`: `payup.kakaopay.cancel` or `payple.cancel` (a full refund).
fn cancel(inner: &Inner, req: &Req, id: &str) -> Resp {
    if !req.csrf_ok(&form::parse(&req.body)) {
        return forbidden();
    }
    let order = {
        let mut orders = inner.orders();
        match orders.get_mut(id).filter(|o| !req.session.is_empty() && o.session == req.session) {
            Some(o) if o.status == Status::Paid => {
                o.status = Status::Approving;
                o.clone()
            }
            Some(o) => {
                let msg = format!("order {} is {}", o.id, o.status.code());
                return html(
                    409,
                    html::failure("취소할 수 없는 주문입니다", "취소할 수 없는 주문입니다", &msg, Some(id)),
                );
            }
            None => return html(404, html::failure("주문이 없습니다", "no such order", id, None)),
        }
    };
    let a = order.approval.clone().unwrap_or(Value::Null);
    let result = match order.gateway {
        Gateway::KakaoPay => inner.client.call_json(
            "payup.kakaopay.cancel",
            &json!({"transaction_id": a["transaction_id"], "cancel_reason": "구매자 요청 취소"}),
        ),
        Gateway::Payple => {
            let date: String = str_of(&a, "pay_time").chars().take(8).collect();
            inner.client.call_json(
                "payple.cancel",
                &json!({"pay_oid": order.id, "pay_date": date, "refund_total": order.amount}),
            )
        }
    };
    match result {
        Ok(v) => {
            inner.with_order(id, |o| {
                o.status = Status::Cancelled;
                o.cancel = Some(v);
            });
            redirect(format!("/orders/{}", form::encode(id)))
        }
        Err(err) => {
            inner.with_order(id, |o| o.status = Status::Paid);
            html(502, html::failure("결제를 취소하지 못했습니다", err.message(), &err_detail(&err), Some(id)))
        }
    }
}
