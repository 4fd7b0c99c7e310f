//! Control API for tests: `/__sandbox/...` (ledger, faults, reset, billing keys, dashboard, receipts).

use serde_json::{Value, json};

use crate::Shared;
use crate::http::{Request, Response};
use crate::util::{self, html_escape};

pub fn handle(sh: &Shared, req: &Request) -> Response {
    let path = req.path.trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("GET" | "HEAD", "/__sandbox") => dashboard(sh),
        ("GET" | "HEAD", "/__sandbox/transactions") => Response::json(&sh.state().ledger_json()),
        ("GET" | "HEAD", "/__sandbox/faults") => Response::json(&json!({ "faults": sh.faults.list() })),
        ("POST", "/__sandbox/faults") => arm(sh, req),
        ("DELETE", "/__sandbox/faults") => {
            sh.faults.clear();
            Response::json(&json!({ "ok": true }))
        }
        ("POST", "/__sandbox/reset") => {
            sh.reset();
            Response::json(&json!({ "ok": true }))
        }
        ("POST", "/__sandbox/payple/billing-keys") => billing_key(sh, req),
        ("GET" | "HEAD", "/__sandbox/clock") => clock_json(sh),
        ("POST", "/__sandbox/clock") => clock(sh, req),
        ("GET" | "HEAD", "/__sandbox/receipt") => receipt(sh, req),
        _ => Response::error(404, &format!("no such control endpoint: {} {}", req.method, req.path)),
    }
}

fn arm(sh: &Shared, req: &Request) -> Response {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&req.body) else {
        return Response::error(400, "expected a JSON object {\"operation\",\"fault\",\"delay_ms\"?,\"times\"?}");
    };
    let op = m.get("operation").and_then(Value::as_str).unwrap_or("");
    let fault = m.get("fault").and_then(Value::as_str).unwrap_or("");
    let delay = m.get("delay_ms").and_then(Value::as_u64);
    let times = match m.get("times") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64() {
            Some(n) if n <= u32::MAX as u64 => n as u32,
            _ => return Response::error(400, "times must be a positive integer"),
        },
    };
    match sh.faults.arm(op, fault, delay, times) {
        Ok(()) => Response::json(&json!({ "ok": true, "faults": sh.faults.list() })),
        Err(e) => Response::error(400, &e),
    }
}

fn clock_json(sh: &Shared) -> Response {
    Response::json(&json!({ "now": sh.now().iso(), "offset_secs": sh.clock.offset() }))
}

/// `{"advance_secs": N}` (N may be negative) or `{"set": "RFC 3339"}`.
fn clock(sh: &Shared, req: &Request) -> Response {
    let doc = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
    match (doc.get("advance_secs"), doc.get("set")) {
        (Some(n), None) => match n.as_i64() {
            Some(n) => sh.clock.advance(n),
            None => return Response::error(400, "advance_secs must be a whole number of seconds"),
        },
        (None, Some(Value::String(t))) => match util::parse_rfc3339(t) {
            Some(unix) => sh.clock.set(unix),
            None => return Response::error(400, "set must be an RFC 3339 date-time (2026-12-01T00:00:00+09:00)"),
        },
        _ => return Response::error(400, "expected {\"advance_secs\": N} or {\"set\": \"RFC 3339\"}"),
    }
    clock_json(sh)
}

fn billing_key(sh: &Shared, req: &Request) -> Response {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&req.body) else {
        return Response::error(400, "expected {\"card_no\",\"payer_no\",\"cst_id\"?}");
    };
    let card = m.get("card_no").and_then(Value::as_str).unwrap_or("");
    if !util::all_digits(card) {
        return Response::error(400, "card_no must be digits");
    }
    let cst = match m.get("cst_id").and_then(Value::as_str) {
        Some(c) => c.to_string(),
        None => sh.config.payple.first().map(|p| p.cst_id.clone()).unwrap_or_default(),
    };
    if sh.config.payple_merchant(&cst).is_none() {
        return Response::error(400, "unknown cst_id");
    }
    let payer_no = m.get("payer_no").cloned().unwrap_or(Value::String(String::new()));
    let id = sh.register_payple_card(&cst, card, payer_no);
    sh.persist();
    Response::json(&json!({ "payer_id": id }))
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => html_escape(s),
        Value::Null => String::new(),
        v => html_escape(&v.to_string()),
    }
}

fn table(rows: &[Value], cols: &[&str]) -> String {
    let mut s = String::from("<table><tr>");
    for c in cols {
        s += &format!("<th>{}</th>", html_escape(c));
    }
    s += "</tr>";
    for r in rows.iter().rev() {
        s += "<tr>";
        for c in cols {
            s += &format!("<td>{}</td>", cell(r.get(*c).unwrap_or(&Value::Null)));
        }
        s += "</tr>";
    }
    s + "</table>"
}

fn dashboard(sh: &Shared) -> Response {
    let ledger = sh.state().ledger_json();
    let arr = |k: &str| ledger.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>payup sandbox</title><style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:.85em}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}</style></head><body><h1>payup sandbox</h1><p>{}</p><h2>Transactions</h2>{}<h2>KakaoPay orders</h2>{}<h2>Payple billing keys</h2>{}<h2>Armed faults</h2><pre>{}</pre></body></html>",
        html_escape(&sh.base_url),
        table(
            &arr("transactions"),
            &[
                "gateway",
                "operation",
                "merchant",
                "id",
                "order_number",
                "amount",
                "cancelled_amount",
                "status",
                "card",
                "created_at",
                "updated_at"
            ]
        ),
        table(
            &arr("kakaopay_orders"),
            &[
                "merchant_id",
                "ordr_idxx",
                "order_number",
                "amount",
                "item_name",
                "user_name",
                "user_agent",
                "status",
                "transaction_id",
                "updated_at"
            ]
        ),
        table(
            &arr("payple_billing_keys"),
            &["cst_id", "payer_id", "payer_no", "card", "card_name", "status", "billed_months", "updated_at"]
        ),
        html_escape(&serde_json::to_string_pretty(&sh.faults.list()).unwrap_or_default()),
    );
    Response::html(body)
}

fn receipt(sh: &Shared, req: &Request) -> Response {
    let oid =
        util::decode_text(&util::percent_decode(util::query_param(&req.query, "oid").unwrap_or("").as_bytes()), None);
    let st = sh.state();
    let Some(tx) = st.p.transactions.iter().find(|t| t.gateway == "payple" && t.id == oid) else {
        return Response::error(404, "no such payment");
    };
    let body = format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>매출전표</title></head><body><h1>매출전표 (payup sandbox)</h1><dl><dt>주문번호</dt><dd>{}</dd><dt>금액</dt><dd>{}</dd><dt>취소금액</dt><dd>{}</dd><dt>상태</dt><dd>{}</dd><dt>카드</dt><dd>{}</dd><dt>승인일시</dt><dd>{}</dd></dl></body></html>",
        html_escape(&tx.id),
        tx.amount,
        tx.cancelled_amount,
        html_escape(&tx.status),
        html_escape(&tx.card),
        html_escape(&tx.created_at)
    );
    Response::html(body)
}
