//! The payment journal (issue 17) through the real client against the embedded sandbox: the guard's
//! replay, DUPLICATE_ORDER and IN_FLIGHT; outcomes; `recover` with Payple's result query; what the journal
//! file holds (canaries). Process-level tests (SIGKILL, racing processes) are in payup-cli's tests.

use payup_core::journal::Status;
use payup_core::{ErrorKind, PayupCode};
use payup_sandbox::{KCP_TEST_CERT_PEM, Sandbox, SandboxConfig};
use payup_transport::Client;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn order(prefix: &str) -> String {
    format!("{prefix}{}-{}", std::process::id() % 10000, SEQ.fetch_add(1, Ordering::Relaxed))
}

fn tmpdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("payup-journal-{}-{}", std::process::id(), order("d")));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config_for(base: &str, db: &std::path::Path, read_ms: u64) -> Value {
    json!({
        "env": "test",
        "timeouts": {"connect_ms": 1000, "read_ms": read_ms},
        "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        "payple": {"cst_id": "test", "cust_key": "abcd1234567890",
                   "refund_key": "a41ce010ede9fcbfb3be86b24858806596a9db68b79d138b147c3e563e1829a0", "base_url": base},
        "kcp": {"site_cd": "T0000", "cert_info": KCP_TEST_CERT_PEM, "base_url": base},
        "journal": {"sqlite": db.to_str().unwrap()}
    })
}

fn setup(read_ms: u64) -> (Sandbox, Client, std::path::PathBuf) {
    let sb = Sandbox::start(SandboxConfig::default()).expect("sandbox");
    let db = tmpdir().join("payup.db");
    let client = Client::from_json(&config_for(sb.base_url(), &db, read_ms).to_string()).expect("client");
    (sb, client, db)
}

const CARD_OK: &str = "4111111111111111";
const CARD_DECLINED: &str = "4000000000000002";

fn keyin(order_number: &str, card: &str, amount: u64) -> Value {
    json!({"order_number": order_number, "card_no": card, "expire_month": "12", "expire_year": "30",
           "birthday": "890302", "card_pw": "12", "amount": amount, "quota": 0, "item_name": "book", "user_name": "Hong"})
}

fn ledger_for(sb: &Sandbox, id: &str) -> Vec<Value> {
    let all = sb.transactions()["transactions"].as_array().cloned().unwrap_or_default();
    all.into_iter().filter(|t| t["order_number"] == id || t["id"] == id).collect()
}

#[test]
fn an_approval_is_replayed_and_another_amount_is_a_duplicate_order() {
    let (sb, c, _) = setup(5000);
    let o = order("J");
    let first = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap();
    assert!(first.get("replayed").is_none());
    let again = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["transaction_id"], first["transaction_id"]);
    assert_eq!(ledger_for(&sb, &o).len(), 1, "nothing was sent for the replay");

    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 2000)).unwrap_err();
    assert_eq!((e.kind(), e.payup_code()), (ErrorKind::Invalid, Some(PayupCode::DuplicateOrder)));
    let doc = e.to_json();
    assert_eq!(doc["error"]["payup_code"], "DUPLICATE_ORDER");
    assert_eq!(doc["error"]["journal_id"], again["journal_id"]);
    assert_eq!(ledger_for(&sb, &o).len(), 1, "nothing was sent for the duplicate");
    let entries = c.journal().unwrap().list(None, None).unwrap();
    assert_eq!(entries.len(), 1, "refused intents leave nothing: {entries:?}");
    assert_eq!(entries[0].status, Status::Approved);
    assert_eq!(entries[0].transaction_id.as_deref(), first["transaction_id"].as_str());
}

#[test]
fn after_a_decline_a_new_attempt_is_allowed() {
    let (sb, c, _) = setup(5000);
    let o = order("D");
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_DECLINED, 1000)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined);
    let ok = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap();
    assert!(ok.get("replayed").is_none());
    let entries = c.journal().unwrap().list(None, None).unwrap();
    let st: Vec<_> = entries.iter().map(|e| (e.status, e.attempts)).collect();
    assert_eq!(st, vec![(Status::Declined, 1), (Status::Approved, 2)]);
    assert_eq!(ledger_for(&sb, &o).iter().filter(|t| t["status"] == "approved").count(), 1);
}

#[test]
fn a_lost_answer_holds_the_order_in_flight_until_resolved_by_hand() {
    let (sb, c, _) = setup(5000);
    let o = order("F");
    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Ambiguous);
    let id = e.journal_id().expect("the ambiguous error names its journal entry");
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
    assert_eq!((e.kind(), e.payup_code(), e.journal_id()), (ErrorKind::Ambiguous, Some(PayupCode::InFlight), Some(id)));
    assert_eq!(e.to_json()["error"]["journal_id"], id);
    assert!(!e.retry_safe());
    assert_eq!(ledger_for(&sb, &o).len(), 1, "IN_FLIGHT sent nothing");

    // Payup keyin has no query API: recover marks it unresolved with what to check by hand.
    let summary = c.recover().unwrap();
    assert_eq!(summary["unresolved"][0]["id"], id, "{summary}");
    assert!(summary["unresolved"][0]["note"].as_str().unwrap().contains("journal resolve"));
    let j = c.journal().unwrap();
    assert_eq!(j.get(id).unwrap().unwrap().status, Status::Unresolved);
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
    assert_eq!(e.payup_code(), Some(PayupCode::InFlight));
    // A person checks the merchant pages and resolves it: the order now replays.
    assert!(j.transition(id, &[Status::Unresolved], Status::Approved, "by hand", None, None).unwrap());
    let r = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap();
    assert_eq!((r["replayed"].as_bool(), r["journal_id"].as_i64()), (Some(true), Some(id)));
    assert_eq!(ledger_for(&sb, &o).len(), 1);
}

#[test]
fn recover_resolves_a_payple_payment_by_its_result_query_and_refunds_a_wrong_amount() {
    let (sb, c, db) = setup(5000);
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    let j = c.journal().unwrap();
    // Three intents recorded by a process that died before its outcome, at noon KST on the sandbox's day:
    // one approved at the gateway with the amount asked, one with another amount, one never sent. The
    // sandbox clock is set, so that the result query's date (PCD_PAY_DATE) does not depend on when the test
    // runs (CI once ran it between 00:00 and 01:00 KST, when "an hour ago" was yesterday).
    sb.set_clock("2025-11-30T12:00:00+09:00").unwrap();
    let noon = 1_764_471_600; // 2025-11-30 12:00 KST
    let cfg = config_for(sb.base_url(), &db, 5000);
    let mut intents = Vec::new();
    for (total, pay, month) in [(1000u64, true, "10"), (2000, true, "11"), (3000, false, "11")] {
        let oid = order("P");
        let req = json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": total, "pay_oid": oid,
                         "pay_year": "2026", "pay_month": month});
        if pay {
            // The gateway took it (with 500 more for the second, as a misbehaving gateway would report).
            let mut asked = req.clone();
            asked["pay_total"] = json!(if total == 2000 { 2500 } else { total });
            unjournaled(&cfg).call_json("payple.billing.pay", &asked).unwrap();
        }
        intents.push((begin_payple_intent(&c, &req, noon), oid));
    }
    let summary = c.recover().unwrap();
    let status_of = |id: i64| j.get(id).unwrap().unwrap().status;
    assert_eq!(status_of(intents[0].0), Status::Approved, "{summary}");
    assert_eq!(status_of(intents[1].0), Status::Cancelled, "{summary}");
    assert_eq!(status_of(intents[2].0), Status::Declined, "{summary}");
    assert_eq!(summary["resolved"].as_array().unwrap().len(), 3, "{summary}");
    assert!(
        summary["unresolved"].as_array().unwrap().is_empty() && summary["still_pending"].as_array().unwrap().is_empty()
    );
    let wrong = ledger_for(&sb, &intents[1].1);
    assert_eq!(wrong[0]["status"], "cancelled", "the wrong amount was refunded: {wrong:?}");
    // The first order now replays with the queried result.
    let r = c
        .call_json(
            "payple.billing.pay",
            &json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000,
            "pay_oid": intents[0].1, "pay_year": "2026", "pay_month": "10"}),
        )
        .unwrap();
    assert_eq!(r["replayed"], true);
    assert_eq!(r["payer_id"], "***", "the billing key is not kept");
    assert_eq!(ledger_for(&sb, &intents[0].1).len(), 1);
}

/// A client of `cfg` without its journal: what the gateway saw, sent around the journal.
fn unjournaled(cfg: &Value) -> Client {
    let mut plain = cfg.clone();
    plain.as_object_mut().unwrap().remove("journal");
    Client::from_json(&plain.to_string()).unwrap()
}

/// Records the intent of a Payple billing payment as a process would have at `created_at` (unix seconds).
fn begin_payple_intent(c: &Client, req: &Value, created_at: i64) -> i64 {
    let r = payup_core::Request::from_json(payup_core::Operation::PaypleBillingPay, req).unwrap();
    let intent = payup_core::journal::intent(&r, &c.config().credentials, payup_core::Timestamp(created_at)).unwrap();
    let payup_journal::Begin::Proceed(id) = c.journal().unwrap().begin(&intent).unwrap() else { panic!("guard") };
    id
}

#[test]
fn recover_finds_a_payment_that_crossed_midnight_kst() {
    let (sb, c, db) = setup(5000);
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    // The intent is recorded at 23:59:58 KST; the gateway pays it at 00:00:03 of the next day.
    sb.set_clock("2025-12-01T00:00:03+09:00").unwrap();
    let oid = order("M");
    let req = json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000, "pay_oid": oid,
                     "pay_year": "2026", "pay_month": "11"});
    unjournaled(&config_for(sb.base_url(), &db, 5000)).call_json("payple.billing.pay", &req).unwrap();
    let id = begin_payple_intent(&c, &req, 1_764_514_798); // 2025-11-30 23:59:58 KST (a fixed past instant: the test passes whenever it runs)
    let summary = c.recover().unwrap();
    assert_eq!(summary["resolved"][0]["status"], "approved", "{summary}");
    assert_eq!(c.journal().unwrap().get(id).unwrap().unwrap().status, Status::Approved);
    let r = c.call_json("payple.billing.pay", &req).unwrap();
    assert_eq!(r["replayed"], true);
    assert_eq!(ledger_for(&sb, &oid).len(), 1);
}

/// A process paid, then refunded (a wrong amount, or the merchant's commit failed) and died before either
/// outcome was recorded. Payple's result query still reports the refunded payment: recover must not call
/// it approved while the refund is in doubt, and calls it cancelled once the refund is known to have gone
/// through. (Found by the soak with kills: an approval "approved" by recover whose refund stood in the ledger.)
#[test]
fn recover_does_not_approve_a_payment_whose_refund_was_in_flight() {
    let (sb, c, db) = setup(5000);
    let payer_id = sb.register_payple_card(CARD_OK, "1");
    sb.set_clock("2026-11-30T12:00:00+09:00").unwrap();
    let noon = 1_796_007_600; // 2026-11-30 12:00 KST
    let cfg = config_for(sb.base_url(), &db, 5000);
    let oid = order("R");
    let req = json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000, "pay_oid": oid,
                     "pay_year": "2026", "pay_month": "11"});
    let paid = unjournaled(&cfg).call_json("payple.billing.pay", &req).unwrap();
    let approval = begin_payple_intent(&c, &req, noon);
    let date = paid["pay_time"].as_str().unwrap()[..8].to_string();
    let refund = json!({"pay_oid": oid, "pay_date": date, "refund_total": 1000, "reguler_flag": true,
                        "pay_year": "2026", "pay_month": "11"});
    unjournaled(&cfg).call_json("payple.cancel", &refund).unwrap();
    assert_eq!(ledger_for(&sb, &oid)[0]["status"], "cancelled");
    let r = payup_core::Request::from_json(payup_core::Operation::PaypleCancel, &refund).unwrap();
    let intent = payup_core::journal::intent(&r, &c.config().credentials, payup_core::Timestamp(noon + 1)).unwrap();
    let j = c.journal().unwrap();
    let payup_journal::Begin::Proceed(cancel) = j.begin(&intent).unwrap() else { panic!("guard") };

    let summary = c.recover().unwrap();
    let status_of = |id: i64| j.get(id).unwrap().unwrap().status;
    assert_eq!(status_of(approval), Status::Unresolved, "{summary}");
    let note = summary["unresolved"].as_array().unwrap().iter().find(|e| e["id"] == approval).unwrap()["note"].clone();
    assert!(note.as_str().unwrap().contains(&format!("refund (entry {cancel}")), "{summary}");
    // The order does not replay as a payment meanwhile.
    let again = c.call_json("payple.billing.pay", &req).unwrap_err();
    assert_eq!(again.code(), Some("IN_FLIGHT"), "{again:?}");
    // A person finds the refund at Payple and resolves it: the next recover calls the payment cancelled.
    assert!(j.transition(cancel, &[Status::Unresolved], Status::Approved, "refund found", None, None).unwrap());
    let summary = c.recover().unwrap();
    assert_eq!(status_of(approval), Status::Cancelled, "{summary}");
    assert_eq!(ledger_for(&sb, &oid).len(), 1, "nothing was sent again");
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn a_young_pending_entry_is_left_alone() {
    let (_sb, c, _) = setup(5000);
    let r =
        payup_core::Request::from_json(payup_core::Operation::PayupKeyinApprove, &keyin(&order("Y"), CARD_OK, 1000))
            .unwrap();
    let intent = payup_core::journal::intent(&r, &c.config().credentials, payup_core::Timestamp(now_unix())).unwrap();
    let payup_journal::Begin::Proceed(id) = c.journal().unwrap().begin(&intent).unwrap() else { panic!() };
    let summary = c.recover().unwrap();
    assert_eq!(summary["still_pending"][0]["id"], id, "{summary}");
    assert_eq!(c.journal().unwrap().get(id).unwrap().unwrap().status, Status::Pending);
}

#[test]
fn a_full_cancel_marks_its_approval_cancelled_and_a_second_one_replays() {
    let (sb, c, _) = setup(5000);
    let o = order("C");
    let a = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap();
    let tx = a["transaction_id"].as_str().unwrap();
    c.call_json("payup.keyin.cancel", &json!({"transaction_id": tx})).unwrap();
    let again = c.call_json("payup.keyin.cancel", &json!({"transaction_id": tx})).unwrap();
    assert_eq!(again["replayed"], true);
    let statuses: Vec<_> = c.journal().unwrap().list(None, None).unwrap().iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![Status::Cancelled, Status::Approved]);
    // The order was approved and cancelled: approving it again is a duplicate, not a replay of a dead approval.
    let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
    assert_eq!(e.payup_code(), Some(PayupCode::DuplicateOrder));
    assert_eq!(ledger_for(&sb, &o).len(), 1);
}

/// Canary values: none of them may reach the journal file or its WAL.
#[test]
fn the_journal_file_and_its_wal_hold_no_card_data_or_key() {
    let (sb, c, db) = setup(5000);
    let (card, birthday, pw, key) = ("4532015112830366", "730815", "47", "25bcd7a82f5b4058818462cc7715964c");
    let o = order("K");
    let mut req = keyin(&o, card, 1000);
    req["birthday"] = json!(birthday);
    req["card_pw"] = json!(pw);
    c.call_json("payup.keyin.approve", &req).unwrap();
    sb.arm_fault("payup.keyin.approve", "drop_after_commit", None, 1).unwrap();
    let mut req2 = req.clone();
    req2["order_number"] = json!(order("K"));
    c.call_json("payup.keyin.approve", &req2).unwrap_err();
    let mut declined = req.clone();
    declined["order_number"] = json!(order("K"));
    declined["card_no"] = json!("4000000000000002");
    c.call_json("payup.keyin.approve", &declined).unwrap_err();
    let payer_id = sb.register_payple_card(card, "1");
    c.call_json(
        "payple.billing.pay",
        &json!({"payer_id": payer_id, "pay_goods": "g", "pay_total": 1000,
        "pay_oid": order("K"), "pay_year": "2026", "pay_month": "10"}),
    )
    .unwrap();
    let wal = db.with_extension("db-wal");
    assert!(wal.exists(), "WAL mode");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(&wal).unwrap());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(&o), "the journal holds the order (the check reads the right file)");
    for canary in [card, &card[6..], key, "abcd1234567890", payer_id.as_str(), "4000000000000002"] {
        assert!(!text.contains(canary), "the journal holds {canary}");
    }
    // The birth date and password digits: never near a field of theirs, in no form.
    for canary in [format!("\"{birthday}\""), format!("birthday\":\"{birthday}"), format!("card_pw\":\"{pw}\"")] {
        assert!(!text.contains(&canary), "the journal holds {canary}");
    }
    assert!(!text.contains(birthday), "the birth date is in the journal");
}

#[test]
fn a_journal_on_a_read_only_path_is_a_config_error_and_nothing_is_sent() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = tmpdir();
    let ro = dir.join("ro");
    std::fs::create_dir(&ro).unwrap();
    // Root ignores directory permissions: a path under a regular file cannot be created by anyone.
    std::fs::write(dir.join("file"), b"x").unwrap();
    for path in [dir.join("file").join("payup.db"), std::path::PathBuf::from("/proc/payup.db")] {
        let e = Client::from_json(&config_for(sb.base_url(), &path, 5000).to_string()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        assert!(e.to_string().contains("nothing was sent"), "{e}");
        let c = Client::new(payup_core::Config::from_json(&config_for(sb.base_url(), &path, 5000)).unwrap());
        let o = order("RO");
        let e = c.call_json("payup.keyin.approve", &keyin(&o, CARD_OK, 1000)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(ledger_for(&sb, &o).is_empty(), "sent without an intent");
    }
}
