//! Payment-window stand-ins: the KakaoPay mobile (WM) window at `pay_url`, the PC (WP) `payplus_web.jsp`
//! script, and Payple's `cpay.payple.1.0.1.js`. Real HTML/JS; every value is escaped.

use serde_json::{Value, json};

use crate::Shared;
use crate::http::{Request, Response};
use crate::state::EncToken;
use crate::util::{self, html_escape, js_string};

/// "tran_cd" of a KCP payment authentication.
const TRAN_CD: &str = "00100000";

fn charset_of(req: &Request) -> Option<String> {
    let ct = req.header("content-type")?;
    ct.split(';').find_map(|p| p.trim().strip_prefix("charset=").map(|c| c.trim_matches('"').to_string()))
}

fn form(req: &Request) -> Vec<(String, String)> {
    util::parse_form(&req.body, charset_of(req).as_deref())
}

fn get<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em}}button{{display:block;width:100%;margin:.5em 0;padding:.8em;font-size:1em}}.kakao{{background:#fee500;border:0}}dt{{color:#666}}dd{{margin:0 0 .6em 0;font-weight:bold}}.sandbox{{color:#a00;font-size:.8em}}</style></head><body>{}<p class=\"sandbox\">payup sandbox: 실제 결제가 아닙니다 (not a real payment)</p></body></html>",
        html_escape(title),
        body
    )
}

fn error_page(status: u16, msg: &str) -> Response {
    let mut r =
        Response::html(page("결제 오류", &format!("<h1>결제 오류</h1><p id=\"error\">{}</p>", html_escape(msg))));
    r.status = status;
    r
}

fn won(n: u64) -> String {
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

/// Issue the opaque window result for a choice ("card" | "money" | "cancel"): the fields KCP posts back
/// (payup-kakaopay-kcp.txt §3.2.2 required fields, §3.3 request).
fn window_result(sh: &Shared, ordr_idxx: &str, choice: &str) -> Result<Value, String> {
    let mut st = sh.state();
    let Some(order) = st.order_mut(ordr_idxx) else { return Err("주문정보가 없습니다 (ordr_idxx)".into()) };
    if order.status == "paid" {
        return Err("결제가 진행된 주문입니다.".into());
    }
    order.updated_at = sh.now().iso();
    let method = match choice {
        "card" | "decline" => "KAKAO_CARD",
        "money" => "KAKAO_MONEY",
        _ => {
            order.status = "window_cancelled".into();
            return Ok(json!({
                "res_cd": "3001",
                "res_msg": "사용자가 결제를 취소하였습니다.",
                "enc_info": "", "enc_data": "", "tran_cd": "", "card_pay_method": "",
                "ordr_idxx": ordr_idxx, "use_pay_method": "", "ret_pay_method": "",
            }));
        }
    };
    let tok = EncToken {
        enc_data: util::random_alnum("enc_data", 96),
        enc_info: util::random_alnum("enc_info", 48),
        method: method.into(),
        declines: choice == "decline",
    };
    order.issued.push(tok.clone());
    order.status = "authenticated".into();
    // `ordr_chk` ("주문정보 검증 관련 정보 : 표준웹 에서 설정하는 정보", §3.2.2) is `ordr_idxx|good_mny` in the
    // window results public merchant code prints (KakaoController2.java, PaymentController2.java of the
    // himedia course: `ordr_chk=20230601145519KK0639|100`).
    let ordr_chk = format!("{ordr_idxx}|{}", order.amount);
    Ok(json!({
        "ordr_chk": ordr_chk,
        "res_cd": "0000",
        "res_msg": "정상처리",
        "enc_info": tok.enc_info,
        "enc_data": tok.enc_data,
        "tran_cd": TRAN_CD,
        "card_pay_method": method,
        "ordr_idxx": ordr_idxx,
        "use_pay_method": "100000000000",
        "ret_pay_method": "CARD",
    }))
}

/// `POST /kcp/mobile/pay`: the WM window. The merchant's form (payup-kakaopay-kcp.txt §3.2.1) arrives,
/// usually EUC-KR encoded (`accept-charset="euc-kr"`).
pub fn kcp_mobile_page(sh: &Shared, req: &Request) -> Response {
    let f = form(req);
    let ordr = get(&f, "ordr_idxx");
    if ordr.is_empty() {
        let hint = if get(&f, "ordr_idx").is_empty() {
            ""
        } else {
            " (ordr_idx는 규격서 예제의 오타입니다: ordr_idxx로 보내세요)"
        };
        return error_page(400, &format!("ordr_idxx 값이 없습니다{hint}"));
    }
    let order = {
        let st = sh.state();
        match st.order(ordr) {
            Some(o) => o.clone(),
            None => return error_page(400, "주문정보가 없습니다 (ordr_idxx)"),
        }
    };
    if get(&f, "approval_key") != order.approval_key {
        return error_page(400, "approval_key가 이 주문의 것이 아닙니다");
    }
    if order.status == "paid" {
        return error_page(400, "결제가 진행된 주문입니다.");
    }
    // The window takes the order's values from the merchant's form (payup-kakaopay-kcp.txt §3.2.1): a form
    // with another amount, site or return URL, or without the fixed values, is refused as KCP's would be.
    let expected = [
        ("good_mny", order.amount.to_string()),
        ("site_cd", crate::payup::KAKAO_SITE_CD.to_string()),
        ("Ret_URL", order.return_url.clone()),
        ("req_tx", "pay".to_string()),
        ("pay_method", "CARD".to_string()),
        ("currency", "410".to_string()),
        ("kakaopay_direct", "Y".to_string()),
    ];
    for (name, want) in &expected {
        if get(&f, name) != want {
            return error_page(400, &format!("{name} 값이 주문과 다르거나 없습니다 (payup-kakaopay-kcp.txt §3.2.1)"));
        }
    }
    let hidden = |name: &str, value: &str| {
        format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", html_escape(name), html_escape(value))
    };
    let mut common = hidden("ordr_idxx", &order.ordr_idxx) + &hidden("approval_key", &order.approval_key);
    for k in ["param_opt_1", "param_opt_2", "param_opt_3"] {
        common += &hidden(k, get(&f, k));
    }
    let button = |choice: &str, label: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"/kcp/mobile/choose\" accept-charset=\"UTF-8\">{common}{}<button type=\"submit\" id=\"choose-{choice}\" class=\"{class}\">{}</button></form>",
            hidden("choice", choice),
            html_escape(label)
        )
    };
    let body = format!(
        "<h1>카카오페이</h1><dl><dt>상품명</dt><dd id=\"good_name\">{}</dd><dt>결제금액</dt><dd id=\"good_mny\">{}</dd><dt>구매자</dt><dd id=\"buyr_name\">{}</dd></dl>{}{}{}{}",
        html_escape(&order.item_name),
        html_escape(&won(order.amount)),
        html_escape(&order.user_name),
        button("card", "카카오페이 카드로 결제", "kakao"),
        button("money", "카카오페이 머니로 결제", "kakao"),
        button("decline", "카드 승인 거절 (테스트)", ""),
        button("cancel", "결제 취소", ""),
    );
    Response::html(page("카카오페이 결제", &body))
}

/// `POST /kcp/mobile/choose`: the person's choice in the WM window; answers an auto-submitting form that
/// posts the result to the order's Ret_URL.
pub fn kcp_mobile_choose(sh: &Shared, req: &Request) -> Response {
    let f = form(req);
    let ordr = get(&f, "ordr_idxx");
    let (ret_url, ok) = {
        let st = sh.state();
        match st.order(ordr) {
            Some(o) => (o.return_url.clone(), o.approval_key == get(&f, "approval_key")),
            None => return error_page(400, "주문정보가 없습니다 (ordr_idxx)"),
        }
    };
    if !ok {
        return error_page(400, "approval_key가 이 주문의 것이 아닙니다");
    }
    let mut result = match window_result(sh, ordr, get(&f, "choice")) {
        Ok(v) => v,
        Err(e) => return error_page(400, &e),
    };
    for k in ["param_opt_1", "param_opt_2", "param_opt_3"] {
        result[k] = json!(get(&f, k));
    }
    let mut inputs = String::new();
    // Exactly the fields the merchant's Ret_URL receives.
    for k in [
        "res_cd",
        "res_msg",
        "enc_info",
        "enc_data",
        "tran_cd",
        "card_pay_method",
        "ordr_idxx",
        "use_pay_method",
        "param_opt_1",
        "param_opt_2",
        "param_opt_3",
    ] {
        inputs += &format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            html_escape(result[k].as_str().unwrap_or(""))
        );
    }
    let body = format!(
        "<p>가맹점으로 결과를 전송합니다…</p><form id=\"kcp_result\" method=\"post\" action=\"{}\" accept-charset=\"UTF-8\">{inputs}<noscript><button type=\"submit\">계속</button></noscript></form><script>document.getElementById(\"kcp_result\").submit();</script>",
        html_escape(&ret_url)
    );
    Response::html(page("카카오페이 결제", &body))
}

/// `POST /kcp/plugin/choose` (JSON, CORS): called by the WP script stand-in after the person's choice.
pub fn kcp_plugin_choose(sh: &Shared, req: &Request) -> Response {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&req.body) else {
        return Response::json(&json!({"res_cd": "9502", "res_msg": "모듈 호출 오류 (JSON body)"}));
    };
    let s = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let ordr = s("ordr_idxx");
    if ordr.is_empty() {
        return Response::json(
            &json!({"res_cd": "9502", "res_msg": "모듈 호출 오류: ordr_idxx 값이 없습니다 (ordr_idx는 규격서 예제의 오타입니다)"}),
        );
    }
    {
        let st = sh.state();
        match st.order(&ordr) {
            Some(o) if s("approval_key").is_empty() || s("approval_key") == o.approval_key => {}
            Some(_) => return Response::json(&json!({"res_cd": "9502", "res_msg": "모듈 호출 오류: approval_key"})),
            None => {
                return Response::json(&json!({"res_cd": "9502", "res_msg": "모듈 호출 오류: 주문정보가 없습니다"}));
            }
        }
    }
    match window_result(sh, &ordr, &s("choice")) {
        Ok(v) => Response::json(&v),
        Err(e) => Response::json(&json!({"res_cd": "9502", "res_msg": e})),
    }
}

const MODAL_CSS: &str = "position:fixed;left:0;top:0;right:0;bottom:0;background:rgba(0,0,0,.45);z-index:2147483647;display:flex;align-items:center;justify-content:center;font-family:sans-serif";
const BOX_CSS: &str = "background:#fff;color:#111;min-width:18em;max-width:26em;padding:1.2em;border-radius:8px;box-shadow:0 4px 24px rgba(0,0,0,.3)";

/// `GET /plugin/payplus_web.jsp`: the WP script (payup-kakaopay-kcp.txt §3.2.2) — `KCP_Pay_Execute(form)`,
/// `GetField(form, result)`; it calls the page's `m_Completepayment(result, closeEvent)`.
pub fn payplus_js(sh: &Shared, req: &Request) -> Response {
    let base = req.base_url(&sh.base_url);
    let js = r#"/* payup sandbox stand-in for NHN KCP payplus_web.jsp (KakaoPay PC window). Not a real payment. */
(function () {
  "use strict";
  var SANDBOX = __BASE__;
  function field(form, name) { var el = form.elements ? form.elements[name] : null; return el ? String(el.value) : ""; }
  function el(tag, css, text) { var e = document.createElement(tag); if (css) e.style.cssText = css; if (text != null) e.textContent = text; return e; }
  function GetField(form, result) {
    for (var k in result) {
      if (!Object.prototype.hasOwnProperty.call(result, k)) continue;
      var input = form.elements[k];
      if (!input) { input = document.createElement("input"); input.type = "hidden"; input.name = k; form.appendChild(input); }
      input.value = result[k] == null ? "" : String(result[k]);
    }
  }
  function KCP_Pay_Execute(form) {
    var data = {
      ordr_idxx: field(form, "ordr_idxx"), good_name: field(form, "good_name"), good_mny: field(form, "good_mny"),
      buyr_name: field(form, "buyr_name"), site_cd: field(form, "site_cd"), approval_key: field(form, "approval_key")
    };
    var overlay = el("div", __MODAL_CSS__); overlay.id = "kcp-sandbox-window";
    var box = el("div", __BOX_CSS__); overlay.appendChild(box);
    box.appendChild(el("h2", "margin-top:0", "카카오페이"));
    var info = [["상품명", data.good_name], ["결제금액", data.good_mny + "원"], ["구매자", data.buyr_name]];
    for (var i = 0; i < info.length; i++) {
      var row = el("p", "margin:.3em 0"); row.appendChild(el("span", "color:#666", info[i][0] + ": "));
      var v = el("b", null, info[i][1]); v.className = "kcp-" + ["good_name", "good_mny", "buyr_name"][i]; row.appendChild(v); box.appendChild(row);
    }
    if (!data.ordr_idxx) box.appendChild(el("p", "color:#a00", "ordr_idxx 필드가 없습니다 (ordr_idx는 규격서 예제의 오타입니다)"));
    var closeEvent = function () { if (overlay.parentNode) overlay.parentNode.removeChild(overlay); };
    var choices = [["card", "카카오페이 카드로 결제"], ["money", "카카오페이 머니로 결제"], ["decline", "카드 승인 거절 (테스트)"], ["cancel", "결제 취소"]];
    choices.forEach(function (c) {
      var b = el("button", "display:block;width:100%;margin:.4em 0;padding:.7em;font-size:1em;" + (c[0] === "cancel" || c[0] === "decline" ? "" : "background:#fee500;border:0"), c[1]);
      b.type = "button"; b.id = "kcp-choose-" + c[0];
      b.onclick = function () {
        var body = JSON.parse(JSON.stringify(data)); body.choice = c[0];
        fetch(SANDBOX + "/kcp/plugin/choose", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
          .then(function (r) { return r.json(); })
          .then(function (result) {
            if (result.res_cd === "0000") closeEvent();
            window.m_Completepayment(result, closeEvent);
          })
          .catch(function (e) { window.m_Completepayment({ res_cd: "9502", res_msg: "모듈 호출 오류: " + e }, closeEvent); });
      };
      box.appendChild(b);
    });
    box.appendChild(el("p", "color:#a00;font-size:.8em", "payup sandbox: 실제 결제가 아닙니다"));
    document.body.appendChild(overlay);
  }
  window.KCP_Pay_Execute = KCP_Pay_Execute;
  window.GetField = GetField;
})();
"#
    .replace("__BASE__", &js_string(&base))
    .replace("__MODAL_CSS__", &js_string(MODAL_CSS))
    .replace("__BOX_CSS__", &js_string(BOX_CSS));
    Response::new(200, "application/javascript; charset=utf-8", js)
}

/// `GET /js/cpay.payple.1.0.1.js`: `PaypleCpayAuthCheck(obj)` (payple-card.txt "1. 최초결제 - 공통").
pub fn payple_js(sh: &Shared, req: &Request) -> Response {
    let _ = (sh, req);
    let js = r#"/* payup sandbox stand-in for Payple cpay.payple.1.0.1.js. Not a real payment. */
(function () {
  "use strict";
  /* An approving test card (README "Test cards"); the person may type another. */
  var TEST_CARD = { no: "4111111111111111", mm: "12", yy: "30", birth: "900101", pw: "00" };
  function el(tag, css, text) { var e = document.createElement(tag); if (css) e.style.cssText = css; if (text != null) e.textContent = text; return e; }
  function pcdFields(obj) {
    var out = {};
    for (var k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      var v = obj[k];
      if (k.indexOf("PCD_") === 0 && (typeof v === "string" || typeof v === "number")) out[k] = String(v);
    }
    return out;
  }
  function formEncode(o) {
    var parts = [];
    for (var k in o) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(o[k]));
    return parts.join("&");
  }
  function deliver(obj, result) {
    if (typeof obj.callbackFunction === "function") { obj.callbackFunction(result); return; }
    if (!obj.PCD_RST_URL) return;
    var form = document.createElement("form");
    form.method = "post"; form.action = obj.PCD_RST_URL; form.acceptCharset = "UTF-8"; form.style.display = "none";
    for (var k in result) {
      if (!Object.prototype.hasOwnProperty.call(result, k)) continue;
      var i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = result[k] == null ? "" : String(result[k]);
      form.appendChild(i);
    }
    document.body.appendChild(form);
    form.submit();
  }
  function input(box, label, name, value, size) {
    var p = el("label", "display:block;margin:.4em 0", label + " ");
    var i = el("input", "width:" + size + "em"); i.name = name; i.id = "payple-" + name; i.value = value; i.autocomplete = "off";
    p.appendChild(i); box.appendChild(p); return i;
  }
  function showWindow(obj, auth) {
    var overlay = el("div", __MODAL_CSS__); overlay.id = "payple-sandbox-window";
    var box = el("div", __BOX_CSS__); overlay.appendChild(box);
    box.appendChild(el("h2", "margin-top:0", "페이플 카드결제"));
    box.appendChild(el("p", null, (obj.PCD_PAY_GOODS || "") + (obj.PCD_PAY_TOTAL ? " · " + obj.PCD_PAY_TOTAL + "원" : "")));
    var no = input(box, "카드번호", "card_no", TEST_CARD.no, 14);
    var mm = input(box, "유효기간 MM", "card_mm", TEST_CARD.mm, 3);
    var yy = input(box, "YY", "card_yy", TEST_CARD.yy, 3);
    var birth = input(box, "생년월일(YYMMDD)", "card_birth", TEST_CARD.birth, 7);
    var pw = input(box, "비밀번호 앞 2자리", "card_pw", TEST_CARD.pw, 3); pw.type = "password";
    var close = function () { if (overlay.parentNode) overlay.parentNode.removeChild(overlay); };
    var pay = el("button", "display:inline-block;margin:.6em .4em 0 0;padding:.6em 1.2em", "결제하기"); pay.type = "button"; pay.id = "payple-pay";
    var cancel = el("button", "display:inline-block;margin:.6em 0 0 0;padding:.6em 1.2em", "닫기"); cancel.type = "button"; cancel.id = "payple-close";
    pay.onclick = function () {
      pay.disabled = true;
      var body = pcdFields(obj);
      body.PCD_AUTH_KEY = auth.AuthKey; body.PCD_CST_ID = auth.cst_id; body.PCD_CUST_KEY = auth.custKey;
      body.card_no = no.value.replace(/[^0-9]/g, ""); body.card_expiry = mm.value + yy.value;
      body.card_birth = birth.value; body.card_pw = pw.value;
      fetch(auth.return_url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json(); })
        .then(function (result) { close(); deliver(obj, result); })
        .catch(function (e) { close(); deliver(obj, { PCD_PAY_RST: "error", PCD_PAY_MSG: "결제 요청 실패: " + e }); });
    };
    cancel.onclick = function () {
      close();
      deliver(obj, { PCD_PAY_RST: "close", PCD_PAY_MSG: "결제창을 닫았습니다.", PCD_PAY_OID: String(obj.PCD_PAY_OID || ""),
        PCD_PAY_TYPE: String(obj.PCD_PAY_TYPE || "card"), PCD_PAY_WORK: String(obj.PCD_PAY_WORK || "") });
    };
    box.appendChild(pay); box.appendChild(cancel);
    box.appendChild(el("p", "color:#a00;font-size:.8em", "payup sandbox: 실제 결제가 아닙니다"));
    document.body.appendChild(overlay);
  }
  function PaypleCpayAuthCheck(obj) {
    if (!obj || !obj.payple_auth_file) { alert("payple_auth_file이 없습니다"); return; }
    fetch(obj.payple_auth_file, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: formEncode(pcdFields(obj)) })
      .then(function (r) { return r.json(); })
      .then(function (auth) {
        if (!auth || auth.result !== "success") {
          deliver(obj, { PCD_PAY_RST: "error", PCD_PAY_CODE: (auth && auth.result_code) || "", PCD_PAY_MSG: (auth && auth.result_msg) || "가맹점 인증 실패" });
          return;
        }
        showWindow(obj, auth);
      })
      .catch(function (e) { deliver(obj, { PCD_PAY_RST: "error", PCD_PAY_MSG: "가맹점 인증 요청 실패: " + e }); });
  }
  window.PaypleCpayAuthCheck = PaypleCpayAuthCheck;
})();
"#
    .replace("__MODAL_CSS__", &js_string(MODAL_CSS))
    .replace("__BOX_CSS__", &js_string(BOX_CSS));
    Response::new(200, "application/javascript; charset=utf-8", js)
}
