"""The payup Python binding: typed payup_keyin_approve, one client (one keep-alive pool), sequential."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import payup  # noqa: E402

config, calls, warmup = benchlib.args()
client = payup.Client(config)


def approve(i):
    r = client.payup_keyin_approve(order_number=f"BP{i}", card_no="4111111111111111", expire_month="12",
                                   expire_year="30", birthday="890302", card_pw="12", amount=1004, quota=0,
                                   item_name="벤치 상품", user_name="홍길동")
    if r["amount"] != 1004:
        raise SystemExit("unexpected amount")


benchlib.measure("python-binding", calls, warmup, approve)
