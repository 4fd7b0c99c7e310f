"""payup from Python: every gateway, through the typed client, against the in-process sandbox.

    pip install payup_kr-*.whl         # the prebuilt wheel (distribution payup-kr; never `pip install payup`)
    pip install ./bindings/python      # or from source: the repository root, in a virtual environment
    python examples/python/checkout.py

Swap ``sandbox.client_config()`` for your own configuration document to talk to the real gateways.
"""

from __future__ import annotations

import sys
import time
from typing import List, Tuple

import payup


def keyin(client: payup.Client, order_number: str, card_no: str) -> payup.PayupKeyinApproved:
    return client.payup_keyin_approve(
        order_number=order_number,
        card_no=card_no,
        expire_month="12",
        expire_year="30",
        birthday="890302",
        card_pw="12",
        amount=1004,
        item_name="예제 상품",
        user_name="홍길동",
    )


def main() -> int:
    rows: List[Tuple[str, str]] = []
    stamp = str(int(time.time() * 1000) % 100_000_000)
    with payup.Sandbox() as sandbox:
        client = payup.Client(sandbox.client_config())

        # Payup card keyin: approve, cancel; a declined card raises DeclinedError.
        approved = keyin(client, f"PY-K{stamp}", payup.TEST_CARD_APPROVED)
        rows.append(("payup.keyin.approve", f"tx {approved['transaction_id']} · {approved['amount']}원"))
        cancelled = client.payup_keyin_cancel(transaction_id=approved["transaction_id"])
        rows.append(("payup.keyin.cancel", f"cancelled {cancelled['cancel_date_time']}"))
        try:
            keyin(client, f"PY-D{stamp}", payup.TEST_CARD_DECLINED)
        except payup.DeclinedError as e:
            rows.append(("payup.keyin.approve", f"declined [{e.code}] {e.message}"))

        # Payup KakaoPay: order → window page → (the buyer pays) → approve → cancel.
        order = client.payup_kakaopay_order(
            order_number=f"PY-KP{stamp}",
            amount=2500,
            item_name="카카오 상품",
            user_name="김철수",
            return_url="https://shop.example/kakao/return",
        )
        window = client.payup_kakaopay_window(order=order)
        posted = sandbox.pay_kakaopay_window(window["html"], "card")  # in production: your return URL receives it
        kakao = client.payup_kakaopay_approve(
            res_cd=posted["res_cd"],
            enc_info=posted["enc_info"],
            enc_data=posted["enc_data"],
            tran_cd=posted.get("tran_cd"),
            card_pay_method=posted["card_pay_method"],
            ordr_idxx=posted["ordr_idxx"],
            amount=order["good_mny"],
        )
        if kakao["type"] == "KAKAO_CARD":
            rows.append(("payup.kakaopay.approve", f"card {kakao['card_no']} · tx {kakao['transaction_id']}"))
        else:
            rows.append(("payup.kakaopay.approve", f"money · cash receipt {kakao['cash_receipt']}원"))
        client.payup_kakaopay_cancel(transaction_id=kakao["transaction_id"], cancel_reason="예제 취소")

        # Payple recurring billing with a billing key: pay → status → refund.
        payer_id = sandbox.register_payple_card(payup.TEST_CARD_APPROVED, "2324")
        oid = f"PY-P{stamp}"
        paid = client.payple_billing_pay(
            payer_id=payer_id,
            pay_goods="정기구독",
            pay_total=9900,
            pay_oid=oid,
            pay_year="2026",
            pay_month="11",
        )
        pay_date = (paid["pay_time"] or "")[:8]
        rows.append(("payple.billing.pay", f"{paid['pay_oid']} · {paid['card_trade_num']} · {paid['pay_total']}원"))
        status = client.payple_status(pay_oid=oid, pay_date=pay_date, reguler_flag=True, pay_year="2026", pay_month="11")
        rows.append(("payple.status", f"{status['pay_rst']} · {status['pay_total']}원"))
        refund = client.payple_cancel(
            pay_oid=oid, pay_date=pay_date, refund_total=9900, reguler_flag=True, pay_year="2026", pay_month="11"
        )
        rows.append(("payple.cancel", f"refunded {refund['refund_total']}원"))

        # NHN KCP keyin, certified.
        kcp = client.kcp_keyin_approve(
            ordr_idxx=f"PY-KCP{stamp}",
            good_name="KCP 상품",
            buyr_name="이영희",
            amount=5000,
            card_no=payup.TEST_CARD_APPROVED,
            card_expiry="3012",
            card_taxno="890302",
            card_pwd="12",
        )
        rows.append(("kcp.keyin.approve", f"tno {kcp['tno']} · app {kcp['app_no']} · {kcp['amount']}원"))
        part = client.kcp_cancel(tno=kcp["tno"], mod_type="STPC", mod_desc="부분취소", mod_mny=2000, rem_mny=5000)
        rows.append(("kcp.cancel", f"partial {part['mod_mny']}원 · {part['rem_mny']}원 left"))

        # An unknown outcome is reported as such, with what is needed to reconcile it.
        sandbox.arm_fault("payup.keyin.approve", "http_500")
        try:
            keyin(client, f"PY-A{stamp}", payup.TEST_CARD_APPROVED)
        except payup.AmbiguousOutcomeError as e:
            ctx = e.ambiguous or {}
            rows.append(("payup.keyin.approve", f"ambiguous: reconcile order {ctx.get('order_number')} by hand"))

        print(f"payup {payup.__version__} — sandbox at {sandbox.base_url}, {len(sandbox.transactions())} transactions")
    width = max(len(op) for op, _ in rows)
    for op, what in rows:
        print(f"{op:<{width}}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
