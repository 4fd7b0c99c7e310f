//! `payup demo`: every gateway, through the real client, against the embedded sandbox.

use payup_sandbox::person::{self, KakaoChoice, PaypleCard};
use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::Client;
use serde_json::{Map, Value, json};
use std::process::ExitCode;
use std::time::Instant;

struct Row {
    gateway: &'static str,
    operation: String,
    result: String,
    ids: String,
    ms: f64,
    ok: bool,
}

struct Demo {
    client: Client,
    rows: Vec<Row>,
}

impl Demo {
    /// Runs one operation through `payup call`'s path; `expect` is the error code this row expects, if any.
    fn call(
        &mut self,
        operation: &str,
        request: Value,
        expect: Option<&str>,
        ids: impl Fn(&Value) -> String,
    ) -> Option<Value> {
        let t = Instant::now();
        let r = self.client.call_json(operation, &request);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let gateway = match operation.split('.').next() {
            Some("payple") => "payple",
            Some("kcp") => "kcp",
            _ => "payup",
        };
        let (result, ok, out, id) = match (&r, expect) {
            (Ok(v), None) => ("ok".to_string(), true, Some(v.clone()), ids(v)),
            (Err(e), Some(code)) if e.code() == Some(code) => {
                (format!("{} {} (expected)", e.kind().as_str(), code), true, None, e.message().to_string())
            }
            (Ok(_), Some(code)) => (format!("ok, but {code} was expected"), false, None, String::new()),
            (Err(e), _) => {
                (format!("{} {}", e.kind().as_str(), e.code().unwrap_or("")), false, None, e.message().to_string())
            }
        };
        self.rows.push(Row { gateway, operation: operation.to_string(), result, ids: id, ms, ok });
        out
    }

    fn step(&mut self, gateway: &'static str, what: &str, r: Result<String, String>, t: Instant) {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let (result, ids, ok) = match r {
            Ok(ids) => ("ok".to_string(), ids, true),
            Err(e) => ("failed".to_string(), e, false),
        };
        self.rows.push(Row { gateway, operation: what.to_string(), result, ids, ms, ok });
    }
}

fn s(v: &Value, k: &str) -> String {
    match &v[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn stamp() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    format!("{}", t % 100_000_000)
}

pub fn run() -> ExitCode {
    let sandbox = match Sandbox::start(SandboxConfig::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("payup demo: cannot start the sandbox: {e}");
            return ExitCode::from(1);
        }
    };
    let base = sandbox.base_url().to_string();
    let config = sandbox.client_config();
    let client = match Client::from_json(&config.to_string()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("payup demo: {e}");
            return ExitCode::from(1);
        }
    };
    let mut d = Demo { client, rows: Vec::new() };
    let n = stamp();

    // Payup card keyin: approve, cancel, and a card the issuer declines.
    let keyin = |order: &str, card: &str| {
        json!({"order_number": order, "card_no": card, "expire_month": "12", "expire_year": "30", "birthday": "890302",
               "card_pw": "12", "amount": 1004, "quota": 0, "item_name": "데모 상품", "user_name": "홍길동"})
    };
    let tx_ids =
        |v: &Value| format!("tx {} · auth {} · {}원", s(v, "transaction_id"), s(v, "auth_number"), s(v, "amount"));
    if let Some(a) = d.call("payup.keyin.approve", keyin(&format!("DEMO-K{n}"), "4111111111111111"), None, tx_ids) {
        d.call("payup.keyin.cancel", json!({"transaction_id": a["transaction_id"]}), None, |v| {
            format!("tx {} · cancelled {}", s(v, "transaction_id"), s(v, "cancel_date_time"))
        });
    }
    d.call("payup.keyin.approve", keyin(&format!("DEMO-D{n}"), "4000000000000002"), Some("9101"), |_| String::new());

    // Payup KakaoPay: order → window (mobile) → the person pays by card → approve → cancel.
    let order = d.call(
        "payup.kakaopay.order",
        json!({"order_number": format!("DEMO-KP{n}"), "user_agent": "WM", "amount": 2500, "item_name": "카카오 데모 \"<상품>\" & 할인",
               "user_name": "김철수", "return_url": "https://shop.example/kakao/return"}),
        None,
        |v| format!("ordr_idxx {} · {}원", s(v, "ordr_idxx"), s(v, "good_mny")),
    );
    if let Some(order) = order {
        let window = d.call("payup.kakaopay.window", json!({"order": order, "user_agent": "WM"}), None, |v| {
            format!("{} bytes of HTML", s(v, "html").len())
        });
        let t = Instant::now();
        let posted = window
            .ok_or_else(|| "no window".to_string())
            .and_then(|w| person::kakaopay_mobile(&s(&w, "html"), KakaoChoice::Card));
        let ids = posted.as_ref().map(|(url, f)| format!("posted {} fields to {url}", f.len())).map_err(Clone::clone);
        d.step("kcp", "window: person pays (WM, over HTTP)", ids, t);
        if let Ok((_, fields)) = posted {
            let mut req: Map<String, Value> = fields
                .into_iter()
                .filter(|(k, _)| {
                    ["res_cd", "enc_info", "enc_data", "tran_cd", "card_pay_method", "ordr_idxx"].contains(&k.as_str())
                })
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            req.insert("amount".into(), json!(2500));
            let approved = d.call("payup.kakaopay.approve", Value::Object(req), None, |v| {
                format!("{} · tx {} · {}원", s(v, "type"), s(v, "transaction_id"), s(v, "amount"))
            });
            if let Some(a) = approved {
                d.call(
                    "payup.kakaopay.cancel",
                    json!({"transaction_id": a["transaction_id"], "cancel_reason": "데모 취소"}),
                    None,
                    |v| format!("tx {} · cancelled {}", s(v, "transaction_id"), s(v, "cancel_date_time")),
                );
            }
        }
    }

    // Payple recurring billing: a registered card → pay → result query → refund.
    let t = Instant::now();
    let payer = person::register_payple_card(&base, "4111111111111111", "2324");
    d.step(
        "payple",
        "register a billing card (sandbox)",
        payer.as_ref().map(|p| format!("PCD_PAYER_ID {p}")).map_err(Clone::clone),
        t,
    );
    if let Ok(payer_id) = payer {
        let oid = format!("DEMO-P{n}");
        let paid = d.call(
            "payple.billing.pay",
            json!({"payer_id": payer_id, "payer_no": "2324", "pay_goods": "정기구독", "pay_total": 9900, "pay_oid": oid,
                   "pay_year": "2026", "pay_month": "11"}),
            None,
            |v| format!("oid {} · {} · {}원", s(v, "pay_oid"), s(v, "card_trade_num"), s(v, "pay_total")),
        );
        if let Some(p) = paid {
            let date: String = s(&p, "pay_time").chars().take(8).collect();
            d.call(
                "payple.status",
                json!({"pay_oid": oid, "pay_date": date, "reguler_flag": true, "pay_year": "2026", "pay_month": "11"}),
                None,
                |v| format!("oid {} · {} · {}원", s(v, "pay_oid"), s(v, "pay_rst"), s(v, "pay_total")),
            );
            d.call(
                "payple.cancel",
                json!({"pay_oid": oid, "pay_date": date, "refund_total": 9900, "reguler_flag": true, "pay_year": "2026", "pay_month": "11"}),
                None,
                |v| format!("oid {} · refunded {}원", s(v, "pay_oid"), s(v, "refund_total")),
            );
        }
    }

    // Payple one-off window with the merchant's final approval (CERT): auth → window → result → confirm.
    let auth = d.call("payple.auth", json!({}), None, |v| format!("next {}", s(v, "return_url")));
    if let Some(auth) = auth {
        let oid = format!("DEMO-C{n}");
        let obj: Map<String, Value> =
            json!({"PCD_PAY_TYPE": "card", "PCD_PAY_WORK": "CERT", "PCD_CARD_VER": "02", "PCD_PAYER_NO": "77",
            "PCD_PAY_GOODS": "데모 상품", "PCD_PAY_TOTAL": "3000", "PCD_PAY_OID": oid})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let t = Instant::now();
        let window = person::payple_window(&auth, &obj, &PaypleCard::default());
        d.step(
            "payple",
            "window: person pays (CERT, over HTTP)",
            window
                .as_ref()
                .map(|w| format!("PCD_PAY_RST {}", s(&Value::Object(w.clone()), "PCD_PAY_RST")))
                .map_err(Clone::clone),
            t,
        );
        if let Ok(w) = window {
            let result =
                d.call("payple.result", json!({"fields": w}), None, |v| format!("reqkey {}", s(v, "pay_reqkey")));
            if let Some(r) = result {
                d.call(
                    "payple.card.confirm",
                    json!({"auth_key": r["auth_key"], "pay_reqkey": r["pay_reqkey"], "pay_cofurl": r["pay_cofurl"], "pay_oid": oid, "amount": 3000}),
                    None,
                    |v| format!("oid {} · {} · {}원", s(v, "pay_oid"), s(v, "card_trade_num"), s(v, "pay_total")),
                );
            }
        }
    }

    // NHN KCP keyin, certified (11121000), then a partial and a final RSA-signed cancel.
    let kcp = d.call(
        "kcp.keyin.approve",
        json!({"ordr_idxx": format!("DEMO-KCP{n}"), "good_name": "KCP 데모", "buyr_name": "이영희", "amount": 5000, "quota": 0,
               "card_no": "4111111111111111", "card_expiry": "3012", "card_taxno": "890302", "card_pwd": "12"}),
        None,
        |v| format!("tno {} · app {} · {}원", s(v, "tno"), s(v, "app_no"), s(v, "amount")),
    );
    if let Some(a) = kcp {
        let left =
            |v: &Value| format!("tno {} · cancelled {}원 · {}원 left", s(v, "tno"), s(v, "mod_mny"), s(v, "rem_mny"));
        d.call(
            "kcp.cancel",
            json!({"tno": a["tno"], "mod_type": "STPC", "mod_desc": "부분취소", "mod_mny": 2000, "rem_mny": 5000}),
            None,
            left,
        );
        d.call("kcp.cancel", json!({"tno": a["tno"], "mod_type": "STSC", "mod_desc": "전체취소"}), None, left);
    }

    print_table(&base, &d.rows);
    drop(sandbox);
    if d.rows.iter().all(|r| r.ok) { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn width(s: &str) -> usize {
    // Hangul and other wide characters take two terminal columns.
    s.chars()
        .map(|c| if ('\u{1100}'..='\u{d7a3}').contains(&c) || ('\u{3000}'..='\u{9fff}').contains(&c) { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn print_table(base: &str, rows: &[Row]) {
    println!("payup demo — four gateways through the real client, against the embedded sandbox at {base}\n");
    let wg = rows.iter().map(|r| width(r.gateway)).max().unwrap_or(0).max(7);
    let wo = rows.iter().map(|r| width(&r.operation)).max().unwrap_or(0).max(9);
    let wr = rows.iter().map(|r| width(&r.result)).max().unwrap_or(0).max(6);
    println!("{}  {}  {}  {:>8}  ids", pad("gateway", wg), pad("operation", wo), pad("result", wr), "ms");
    println!("{}", "-".repeat(wg + wo + wr + 60));
    for r in rows {
        println!("{}  {}  {}  {:>8.1}  {}", pad(r.gateway, wg), pad(&r.operation, wo), pad(&r.result, wr), r.ms, r.ids);
    }
    let failed = rows.iter().filter(|r| !r.ok).count();
    println!();
    if failed == 0 {
        println!(
            "all {} steps behaved as expected. Ledger and dashboard: payup sandbox, then open /__sandbox/",
            rows.len()
        );
    } else {
        println!("{failed} of {} steps did not behave as expected", rows.len());
    }
}
