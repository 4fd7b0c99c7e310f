"""Every operation of the catalogue, typed and generic, against the in-process sandbox (a real HTTP server)."""

from __future__ import annotations

from typing import Callable

import pytest
from helpers import keyin, ledger_for

import payup

Order = Callable[[str], str]


def test_catalogue_and_version() -> None:
    assert payup.__version__ == "0.1.0"
    assert "payup.keyin.approve" in payup.OPERATIONS and "payple.result" in payup.OPERATIONS
    classes = dict(payup.core.operations())
    assert classes["payple.status"] == "read_only" and classes["payup.kakaopay.window"] == "pure"
    # Every operation of the catalogue has its typed method (a new one, such as kcp.cancel, must add it).
    for name in payup.OPERATIONS:
        assert callable(getattr(payup.Client, name.replace(".", "_"))), name


def test_payup_keyin_approve_then_cancel(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    o = order("K")
    r = client.payup_keyin_approve(
        order_number=o,
        card_no=payup.TEST_CARD_APPROVED,
        expire_month="12",
        expire_year="30",
        birthday="890302",
        card_pw="12",
        amount=1004,
        quota=0,
        item_name="테스트 상품",
        user_name="홍길동",
    )
    assert (r["amount"], r["order_number"], r["response_code"]) == (1004, o, "0000")
    assert len(r["transaction_id"]) == 20 and r["auth_number"]
    assert ledger_for(sandbox, o)[0]["status"] == "approved"
    c = client.payup_keyin_cancel(transaction_id=r["transaction_id"])
    assert c["transaction_id"] == r["transaction_id"] and c["cancel_date_time"]
    assert ledger_for(sandbox, o)[0]["status"] == "cancelled"
    with pytest.raises(payup.DeclinedError) as e:
        client.payup_keyin_cancel(transaction_id=r["transaction_id"])
    assert e.value.code == "1005"


def test_generic_call_is_the_same_document(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    o = order("G")
    r = client.call("payup.keyin.approve", keyin(o, amount=2000))
    assert set(r) == set(payup.PayupKeyinApproved.__annotations__)
    assert (r["order_number"], r["amount"]) == (o, 2000)
    assert client.call("payup.keyin.cancel", {"transaction_id": r["transaction_id"]})["response_code"] == "0000"


def test_kakaopay_mobile_order_window_approve_cancel(
    sandbox: payup.Sandbox, client: payup.Client, order: Order
) -> None:
    o = order("KP")
    ordered = client.payup_kakaopay_order(
        order_number=o,
        user_agent="WM",
        amount=2500,
        item_name='카카오 "<상품>" & 할인',
        user_name="김철수",
        return_url="https://shop.example/kakao/return",
    )
    assert ordered["good_mny"] == 2500 and ordered["ordr_idxx"] and ordered["pay_url"]
    window = client.payup_kakaopay_window(order=ordered, user_agent="WM")
    assert "<form" in window["html"] and "euc-kr" in window["html"]
    posted = sandbox.pay_kakaopay_window(window["html"], "card")
    assert posted["res_cd"] == "0000" and posted["ordr_idxx"] == ordered["ordr_idxx"]
    approved = client.payup_kakaopay_approve(
        res_cd=posted["res_cd"],
        enc_info=posted["enc_info"],
        enc_data=posted["enc_data"],
        tran_cd=posted.get("tran_cd"),
        card_pay_method=posted["card_pay_method"],
        ordr_idxx=posted["ordr_idxx"],
        amount=2500,
    )
    assert approved["type"] == "KAKAO_CARD"
    if approved["type"] == "KAKAO_CARD":  # narrows the TypedDict union for mypy
        assert approved["amount"] == 2500 and "*" in approved["card_no"]
    cancelled = client.payup_kakaopay_cancel(transaction_id=approved["transaction_id"], cancel_reason="테스트 취소")
    assert cancelled["transaction_id"] == approved["transaction_id"]


def test_kakaopay_money_and_a_closed_window(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    ordered = client.payup_kakaopay_order(
        order_number=order("KM"), amount=3000, item_name="상품", user_name="김", return_url="https://shop.example/r"
    )
    html = client.payup_kakaopay_window(order=ordered)["html"]
    posted = sandbox.pay_kakaopay_window(html, "money")
    approved = client.payup_kakaopay_approve(
        res_cd=posted["res_cd"],
        enc_info=posted["enc_info"],
        enc_data=posted["enc_data"],
        card_pay_method=posted["card_pay_method"],
        ordr_idxx=posted["ordr_idxx"],
        amount=3000,
    )
    assert approved["type"] == "KAKAO_MONEY"
    if approved["type"] == "KAKAO_MONEY":
        assert approved["amount"] == 3000 and approved["cash_receipt"] >= 0
    # The buyer closes the window: KCP's res_cd 3001 comes back, and approving it is refused.
    ordered = client.payup_kakaopay_order(
        order_number=order("KX"), amount=1000, item_name="상품", user_name="김", return_url="https://shop.example/r"
    )
    posted = sandbox.pay_kakaopay_window(client.payup_kakaopay_window(order=ordered)["html"], "cancel")
    assert posted["res_cd"] == "3001"
    with pytest.raises(payup.PayupError):
        client.payup_kakaopay_approve(res_cd=posted["res_cd"], ordr_idxx=ordered["ordr_idxx"], amount=1000)


def test_kakaopay_pc_window(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    ordered = client.payup_kakaopay_order(
        order_number=order("KW"),
        user_agent="WP",
        amount=1500,
        item_name="상품",
        user_name="김",
        return_url="https://shop.example/r",
    )
    window = client.payup_kakaopay_window(order=ordered, user_agent="WP")
    assert window["html"]
    fields = sandbox.pay_kakaopay_pc(ordered["ordr_idxx"], "card")
    approved = client.payup_kakaopay_approve(
        res_cd=fields["res_cd"],
        enc_info=fields["enc_info"],
        enc_data=fields["enc_data"],
        card_pay_method=fields["card_pay_method"],
        ordr_idxx=fields["ordr_idxx"],
        amount=1500,
    )
    assert approved["transaction_id"] and approved["order_number"]


def test_payple_billing_pay_info_status_cancel_delete(
    sandbox: payup.Sandbox, client: payup.Client, order: Order
) -> None:
    payer_id = sandbox.register_payple_card(payup.TEST_CARD_APPROVED, "2324")
    oid = order("P")
    paid = client.payple_billing_pay(
        payer_id=payer_id,
        payer_no="2324",
        pay_goods="정기구독",
        pay_total=1000,
        pay_oid=oid,
        pay_year="2026",
        pay_month="11",
    )
    assert (paid["pay_rst"], paid["pay_total"], paid["pay_oid"]) == ("success", 1000, oid)
    assert paid["pay_time"] is not None
    date = paid["pay_time"][:8]
    info = client.payple_billing_info(payer_id=payer_id, payer_no="2324")
    assert info["pay_rst"] == "success" and info["payer_id"] == payer_id
    status = client.payple_status(pay_oid=oid, pay_date=date, reguler_flag=True, pay_year="2026", pay_month="11")
    assert (status["pay_total"], status["pay_oid"]) == (1000, oid)
    # The test account refuses partial refunds.
    with pytest.raises(payup.DeclinedError) as e:
        client.payple_cancel(
            pay_oid=oid, pay_date=date, refund_total=500, reguler_flag=True, pay_year="2026", pay_month="11"
        )
    assert e.value.code == "PAYC0003" and e.value.gateway == "payple"
    refunded = client.payple_cancel(
        pay_oid=oid, pay_date=date, refund_total=1000, reguler_flag=True, pay_year="2026", pay_month="11"
    )
    assert refunded["refund_total"] == 1000
    assert ledger_for(sandbox, oid)[0]["status"] == "cancelled"
    deleted = client.payple_billing_delete(payer_id=payer_id)
    assert deleted["pay_rst"] == "success"
    with pytest.raises(payup.DeclinedError) as e:
        client.payple_billing_pay(
            payer_id=payer_id, pay_goods="g", pay_total=1000, pay_oid=order("P"), pay_year="2026", pay_month="11"
        )
    assert e.value.code == "SPCD0011"


def test_payple_window_cert_result_and_confirm(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    auth = client.payple_auth()
    assert auth["result"] == "success" and auth["return_url"].startswith(sandbox.base_url)
    oid = order("C")
    fields = {
        "PCD_PAY_TYPE": "card",
        "PCD_PAY_WORK": "CERT",
        "PCD_CARD_VER": "02",
        "PCD_PAYER_NO": "77",
        "PCD_PAY_GOODS": "상품",
        "PCD_PAY_TOTAL": "3000",
        "PCD_PAY_OID": oid,
    }
    window = sandbox.pay_payple_window(auth, fields)
    result = client.payple_result(fields=window)
    assert result["pay_rst"] == "success" and result["pay_work"] == "CERT"
    assert result["auth_key"] and result["pay_reqkey"]
    # The same result, as the form body POSTed to PCD_RST_URL.
    from urllib.parse import urlencode

    assert client.payple_result(form=urlencode({k: str(v) for k, v in window.items()}))["pay_oid"] == oid
    confirmed = client.payple_card_confirm(
        auth_key=result["auth_key"],
        pay_reqkey=result["pay_reqkey"],
        pay_cofurl=result["pay_cofurl"],
        pay_oid=oid,
        amount=3000,
    )
    assert (confirmed["pay_rst"], confirmed["pay_total"], confirmed["pay_oid"]) == ("success", 3000, oid)
    assert ledger_for(sandbox, oid)[0]["status"] == "approved"


def test_kcp_keyin_certified_uncertified_declined(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    r = client.kcp_keyin_approve(
        ordr_idxx=order("KCP"),
        good_name="상품",
        buyr_name="홍길동",
        amount=1000,
        card_no=payup.TEST_CARD_APPROVED,
        card_expiry="3012",
    )
    assert (r["res_cd"], r["amount"]) == ("0000", 1000)
    assert r["card_no"] is not None and payup.TEST_CARD_APPROVED not in r["card_no"]
    r = client.kcp_keyin_approve(
        ordr_idxx=order("KCP"),
        good_name="상품",
        buyr_name="홍길동",
        amount=5000,
        quota=0,
        card_no=payup.TEST_CARD_APPROVED,
        card_expiry="3012",
        card_taxno="890302",
        card_pwd="12",
    )
    assert r["res_cd"] == "0000" and len(ledger_for(sandbox, r["tno"])) == 1
    with pytest.raises(payup.DeclinedError) as e:
        client.kcp_keyin_approve(
            ordr_idxx=order("KCP"),
            good_name="상품",
            buyr_name="홍길동",
            amount=1000,
            card_no=payup.TEST_CARD_DECLINED,
            card_expiry="3012",
        )
    assert (e.value.code, e.value.gateway) == ("8101", "kcp")


def test_drop_after_commit_on_billing_pay_is_recovered(
    sandbox: payup.Sandbox, client: payup.Client, order: Order
) -> None:
    payer_id = sandbox.register_payple_card()
    sandbox.arm_fault("payple.billing.pay", "drop_after_commit")
    oid = order("R")
    r = client.payple_billing_pay(
        payer_id=payer_id, pay_goods="g", pay_total=1500, pay_oid=oid, pay_year="2026", pay_month="10"
    )
    assert (r["pay_oid"], r["pay_total"]) == (oid, 1500)
    assert len(ledger_for(sandbox, oid)) == 1


def test_wrong_amount_is_cancelled_and_reported(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    sandbox.arm_fault("payup.keyin.approve", "wrong_amount")
    o = order("W")
    with pytest.raises(payup.DeclinedError) as e:
        client.call("payup.keyin.approve", keyin(o, amount=1000))
    assert e.value.code == "AMOUNT_MISMATCH" and "cancelled" in e.value.message
    assert (e.value.payup_code, e.value.gateway_code, e.value.retry_safe) == ("AMOUNT_MISMATCH", None, False)
    assert ledger_for(sandbox, o)[0]["status"] == "cancelled"


def test_kcp_full_and_partial_cancels(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    def approve(amount: int) -> str:
        return client.kcp_keyin_approve(
            ordr_idxx=order("KC"), good_name="g", buyr_name="b", amount=amount, card_no=payup.TEST_CARD_APPROVED,
            card_expiry="3012",
        )["tno"]

    tno = approve(1000)
    r = client.kcp_cancel(tno=tno, mod_desc="고객 요청")
    assert (r["res_cd"], r["tno"], r["rem_mny"]) == ("0000", tno, 0)
    assert ledger_for(sandbox, tno)[0]["status"] == "cancelled"
    with pytest.raises(payup.DeclinedError) as e:
        client.kcp_cancel(tno=tno, mod_desc="again")
    assert (e.value.code, e.value.gateway) == ("8202", "kcp")
    tno = approve(3000)
    r = client.kcp_cancel(tno=tno, mod_type="STPC", mod_desc="부분취소", mod_mny=1000, rem_mny=3000)
    assert (r["mod_mny"], r["rem_mny"]) == (1000, 2000)
    assert ledger_for(sandbox, tno)[0]["status"] == "partially_cancelled"
    with pytest.raises(payup.InvalidRequestError) as v:
        client.kcp_cancel(tno=tno, mod_type="STPC", mod_desc="x", mod_mny=5000, rem_mny=2000)
    assert v.value.field == "mod_mny"
    rest = client.call("kcp.cancel", {"tno": tno, "mod_type": "STPC", "mod_desc": "나머지", "mod_mny": 2000, "rem_mny": 2000})
    assert rest["rem_mny"] == 0 and ledger_for(sandbox, tno)[0]["status"] == "cancelled"
    # Without the private key, kcp.cancel is a configuration error and nothing is sent.
    cfg = sandbox.client_config()
    del cfg["kcp"]["private_key"]
    with pytest.raises(payup.ConfigError) as c:
        payup.Client(cfg).kcp_cancel(tno=approve(1000), mod_desc="x")
    assert "private_key" in c.value.message
