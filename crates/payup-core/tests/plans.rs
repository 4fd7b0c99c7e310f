//! Recovery and undo are sans-I/O plans in core (issue 15): what the transport (or a journal's recovery in
//! another process) executes is decided here, and tested without sockets.

use payup_core::catalog::{self, Recovery};
use payup_core::{HttpResponse, Operation, Request, Response};
use serde_json::json;

fn request(op: Operation, doc: serde_json::Value) -> Request {
    Request::from_json(op, &doc).unwrap()
}

fn billing_pay() -> Request {
    request(
        Operation::PaypleBillingPay,
        json!({"payer_id": "KEY", "pay_goods": "g", "pay_total": 1000, "pay_oid": "OID-1", "pay_year": "2026", "pay_month": "11"}),
    )
}

fn payple_payment(oid: &str, total: u64) -> Response {
    let body = json!({"PCD_PAY_RST": "success", "PCD_PAY_CODE": "SPCD0000", "PCD_PAY_MSG": "ok", "PCD_PAY_OID": oid,
        "PCD_PAYER_ID": "KEY", "PCD_PAY_TOTAL": total, "PCD_PAY_TIME": "20261201101010"});
    billing_pay().parse(&HttpResponse::new(200, body.to_string())).unwrap()
}

#[test]
fn an_unknown_billing_payment_is_looked_up_by_the_result_query_of_the_day_it_was_asked() {
    match billing_pay().recovery("20261130") {
        Recovery::Query(Request::PaypleStatus(q)) => {
            assert_eq!((q.pay_oid.as_str(), q.pay_date.as_str(), q.reguler_flag), ("OID-1", "20261130", true));
            assert_eq!((q.pay_year.as_deref(), q.pay_month.as_deref()), (Some("2026"), Some("11")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_kakaopay_approval_is_asked_again_and_8002_means_paid() {
    let r = request(
        Operation::PayupKakaopayApprove,
        json!({"res_cd": "0000", "enc_info": "i", "enc_data": "d", "card_pay_method": "KAKAO", "ordr_idxx": "T1", "amount": 1000}),
    );
    assert!(matches!(r.recovery("20261201"), Recovery::AskAgain { already_done: "8002", .. }));
}

#[test]
fn keyin_approvals_have_no_query_api_and_stay_for_a_person() {
    let r = request(
        Operation::PayupKeyinApprove,
        json!({"order_number": "O", "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
               "birthday": "890302", "card_pw": "12", "amount": 1000, "item_name": "i", "user_name": "u"}),
    );
    assert!(matches!(r.recovery("20261201"), Recovery::Unresolvable));
    let ctx = catalog::ambiguous_context(&r);
    assert_eq!((ctx.order_number.as_deref(), ctx.amount), (Some("O"), Some(1000)));
}

#[test]
fn a_wrong_amount_of_our_own_billing_payment_is_refunded_for_what_payple_says_was_paid() {
    let req = billing_pay();
    let m = catalog::check_result(&req, &payple_payment("OID-1", 2000)).expect("a mismatch");
    assert_eq!(m.what, "amount");
    let undo = m.undo.expect("ours: undone");
    assert!(
        matches!(&undo.confirm_with, Some(Request::PaypleStatus(q)) if q.pay_oid == "OID-1" && q.pay_date == "20261201")
    );
    // The query says 2500 was paid: that is what is refunded.
    match undo.confirmed(&payple_payment("OID-1", 2500)).request {
        Request::PaypleCancel(c) => assert_eq!((c.payment.pay_oid.as_str(), c.refund_total), ("OID-1", 2500)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_for_another_order_is_never_undone_whatever_its_amount() {
    let m = catalog::check_result(&billing_pay(), &payple_payment("SOMEONE-ELSE", 5000)).expect("a mismatch");
    assert_eq!(m.what, "order_number");
    assert!(m.undo.is_none());
    assert_eq!(catalog::check_result(&billing_pay(), &payple_payment("OID-1", 1000)).map(|m| m.what), None);
}
