//! Control API for tests: `/__sandbox/...` (ledger, faults, reset, billing keys, dashboard, receipts).

use serde_json::{Value, json};

use crate::Shared;
use crate::http::{Request, Response};
use crate::state::Tx;
use crate::util::{self, html_escape};

pub fn handle(sh: &Shared, req: &Request) -> Response {
    let path = req.path.trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("GET" | "HEAD", "/__sandbox") => dashboard(sh, req),
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

/// At most this many transactions are drawn (newest first); the filters narrow them.
const DASHBOARD_ROWS: usize = 500;

/// The dashboard's filters (`/__sandbox/?gateway=&status=&operation=&q=&warnings=1`).
struct Filter {
    gateway: String,
    status: String,
    operation: String,
    q: String,
    warnings_only: bool,
}

impl Filter {
    fn from_query(query: &str) -> Filter {
        let p = |k: &str| {
            util::decode_text(&util::percent_decode(util::query_param(query, k).unwrap_or("").as_bytes()), None)
                .replace('+', " ")
                .trim()
                .to_string()
        };
        Filter {
            gateway: p("gateway"),
            status: p("status"),
            operation: p("operation"),
            q: p("q"),
            warnings_only: p("warnings") == "1",
        }
    }

    fn keeps(&self, t: &Tx) -> bool {
        (self.gateway.is_empty() || t.gateway == self.gateway)
            && (self.status.is_empty() || t.status == self.status)
            && (self.operation.is_empty() || t.operation == self.operation)
            && (self.q.is_empty() || t.id.contains(&self.q) || t.order_number.contains(&self.q))
            && (!self.warnings_only || !t.warnings.is_empty())
    }

    fn form(&self) -> String {
        let select = |name: &str, current: &str, options: &[&str]| {
            let mut s = format!("<label>{name} <select name=\"{name}\"><option value=\"\">(all)</option>");
            for o in options {
                let sel = if *o == current { " selected" } else { "" };
                s += &format!("<option{sel}>{}</option>", html_escape(o));
            }
            s + "</select></label> "
        };
        format!(
            "<form id=\"filters\" method=\"get\" action=\"/__sandbox/\">{}{}{}<label>order <input name=\"q\" value=\"{}\" size=\"18\"></label> <label><input type=\"checkbox\" name=\"warnings\" value=\"1\"{}> with warnings only</label> <button type=\"submit\">filter</button> <a href=\"/__sandbox/\">clear</a></form>",
            select("gateway", &self.gateway, &["payup", "payple", "kcp"]),
            select("status", &self.status, &["approved", "pending", "partially_cancelled", "cancelled"]),
            select("operation", &self.operation, crate::OPERATIONS),
            html_escape(&self.q),
            if self.warnings_only { " checked" } else { "" },
        )
    }
}

/// One entry's request and answer at a glance: what the ledger keeps of them (masks only; no card
/// number, password digits or birth date is ever stored).
fn summary(t: &Tx) -> String {
    let mut parts = Vec::new();
    for (k, v) in &t.details {
        let v = match v {
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) => s.clone(),
            Value::Null => continue,
            v => v.to_string(),
        };
        let v = if v.chars().count() > 40 { format!("{}…", v.chars().take(40).collect::<String>()) } else { v };
        parts.push(format!("<span class=\"kv\"><b>{}</b>={}</span>", html_escape(k), html_escape(&v)));
    }
    parts.join(" ")
}

fn warnings_cell(t: &Tx) -> String {
    t.warnings
        .iter()
        .map(|w| {
            format!(
                "<div class=\"warning\"><b>{}</b>: {}<br><small>evidence: {}</small></div>",
                html_escape(&w.field),
                html_escape(&w.rule),
                html_escape(&w.evidence)
            )
        })
        .collect()
}

fn dashboard(sh: &Shared, req: &Request) -> Response {
    let filter = Filter::from_query(&req.query);
    let st = sh.state();
    let total = st.p.transactions.len();
    let mut rows = String::new();
    let mut shown = 0;
    let mut matched = 0;
    for t in st.p.transactions.iter().rev().filter(|t| filter.keeps(t)) {
        matched += 1;
        if shown == DASHBOARD_ROWS {
            continue;
        }
        shown += 1;
        let class = if t.warnings.is_empty() { "" } else { " class=\"warned\"" };
        rows += &format!(
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><span class=\"st {}\">{}</span></td><td>{}</td><td>{}</td><td class=\"summary\">{}</td><td>{}</td></tr>",
            html_escape(&t.gateway),
            html_escape(&t.operation),
            html_escape(&t.merchant),
            html_escape(&t.id),
            html_escape(&t.order_number),
            t.amount,
            t.cancelled_amount,
            html_escape(&t.status),
            html_escape(&t.status),
            html_escape(&t.card),
            html_escape(&t.created_at),
            summary(t),
            warnings_cell(t),
        );
    }
    let log: Vec<Value> = st.warning_log.iter().cloned().collect();
    let ledger = json!({
        "kakaopay_orders": st.p.kakaopay_orders,
        "payple_billing_keys": st.p.payple_billing_keys,
    });
    drop(st);
    let arr = |k: &str| ledger.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>payup sandbox</title><style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:.82em}}td,th{{border:1px solid #ccc;padding:.2em .45em;text-align:left;vertical-align:top}}th{{background:#f3f3f3}}.num{{text-align:right}}tr.warned{{background:#fff8e1}}.warning{{color:#8a4b00;max-width:28em}}.summary{{max-width:34em;color:#444}}.kv{{display:inline-block;margin-right:.5em}}.st{{padding:0 .3em;border-radius:.2em}}.approved{{background:#e3f5e1}}.pending{{background:#e8f0fe}}.cancelled,.partially_cancelled{{background:#f4e1e1}}#filters{{margin:.6em 0}}.mode{{font-weight:bold;color:#a00}}</style></head><body><h1>payup sandbox</h1><p>{} · clock {} · <span class=\"mode\">{}</span></p><h2>Transactions</h2>{}<p id=\"counts\">{} shown of {} matching, {} in the ledger (cap {})</p><table id=\"ledger\"><tr><th>gateway</th><th>operation</th><th>merchant</th><th>id</th><th>order</th><th>amount</th><th>cancelled</th><th>status</th><th>card</th><th>created</th><th>request / answer (masked)</th><th>warnings</th></tr>{}</table><h2>Warnings (newest last)</h2>{}<h2>KakaoPay orders</h2>{}<h2>Payple billing keys</h2>{}<h2>Armed faults</h2><pre>{}</pre></body></html>",
        html_escape(&sh.base_url),
        html_escape(&sh.now().iso()),
        if sh.config.strict {
            "strict: spec deviations are refused"
        } else {
            "warnings: spec deviations the gateways accept are recorded"
        },
        filter.form(),
        shown,
        matched,
        total,
        sh.config.ledger_cap,
        rows,
        table(&log, &["at", "operation", "reference", "field", "rule", "evidence"]),
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
