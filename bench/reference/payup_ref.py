"""A Payup keyin approval written by hand the way a merchant would: urllib3 (keep-alive pool), hashlib, json.

This is the reference the Python binding is compared with in bench/run; it checks what a careful merchant
checks (the response code, the amount and order it answers) and nothing more.
"""
import datetime
import hashlib
import json
import os
import sys

import urllib3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drivers"))
import benchlib  # noqa: E402

config, calls, warmup = benchlib.args()
mid = config["payup"]["merchant_id"]
key = config["payup"]["api_cert_key"]
base = config["payup"]["base_url"]
http = urllib3.PoolManager(maxsize=1, retries=False, timeout=urllib3.Timeout(connect=5, read=15))
url = f"{base}/v2/api/payment/{mid}/keyin2"
KST = datetime.timezone(datetime.timedelta(hours=9))
headers = {"Content-Type": "application/json; charset=utf-8"}


def approve(i):
    order, amount = f"BQ{i}", "1004"
    ts = datetime.datetime.now(KST).strftime("%Y%m%d%H%M%S")
    sig = hashlib.sha256(f"{mid}|{order}|{amount}|{key}|{ts}".encode()).hexdigest()
    body = {"orderNumber": order, "cardNo": "4111111111111111", "expireMonth": "12", "expireYear": "30",
            "birthday": "890302", "cardPw": "12", "amount": amount, "quota": "0", "itemName": "벤치 상품",
            "userName": "홍길동", "signature": sig, "timestamp": ts}
    r = http.request("POST", url, body=json.dumps(body, ensure_ascii=False).encode(), headers=headers)
    doc = json.loads(r.data)
    if r.status != 200 or doc.get("responseCode") != "0000" or doc.get("amount") != amount \
            or doc.get("orderNumber") != order:
        raise SystemExit(f"not approved: {r.status} {doc.get('responseCode')}")


benchlib.measure("python-reference", calls, warmup, approve)
