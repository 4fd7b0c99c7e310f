"""The same hand-written Payup keyin approval with `requests` (a keep-alive Session), the HTTP library most
merchants' Python code and most Korean PG samples use. bench/run measures it beside the urllib3 reference.
"""
import datetime
import hashlib
import json
import os
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drivers"))
import benchlib  # noqa: E402

config, calls, warmup = benchlib.args()
mid = config["payup"]["merchant_id"]
key = config["payup"]["api_cert_key"]
url = f"{config['payup']['base_url']}/v2/api/payment/{mid}/keyin2"
session = requests.Session()
KST = datetime.timezone(datetime.timedelta(hours=9))


def approve(i):
    order, amount = f"BR{i}", "1004"
    ts = datetime.datetime.now(KST).strftime("%Y%m%d%H%M%S")
    sig = hashlib.sha256(f"{mid}|{order}|{amount}|{key}|{ts}".encode()).hexdigest()
    body = {"orderNumber": order, "cardNo": "4111111111111111", "expireMonth": "12", "expireYear": "30",
            "birthday": "890302", "cardPw": "12", "amount": amount, "quota": "0", "itemName": "벤치 상품",
            "userName": "홍길동", "signature": sig, "timestamp": ts}
    r = session.post(url, data=json.dumps(body, ensure_ascii=False).encode(),
                     headers={"Content-Type": "application/json; charset=utf-8"}, timeout=(5, 15))
    doc = r.json()
    if r.status_code != 200 or doc.get("responseCode") != "0000" or doc.get("amount") != amount \
            or doc.get("orderNumber") != order:
        raise SystemExit(f"not approved: {r.status_code} {doc.get('responseCode')}")


benchlib.measure("python-reference-requests", calls, warmup, approve)
