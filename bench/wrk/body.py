"""Prints a correctly signed Payup keyin approval body for wrk (the sandbox checks the signature on every request
and does not reject a repeated order number). usage: body.py CLIENT_CONFIG"""
import datetime
import hashlib
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    payup = json.load(f)["payup"]
mid, key = payup["merchant_id"], payup["api_cert_key"]
order, amount = "WRK-1", "1004"
ts = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).strftime("%Y%m%d%H%M%S")
sig = hashlib.sha256(f"{mid}|{order}|{amount}|{key}|{ts}".encode()).hexdigest()
sys.stdout.write(json.dumps({"orderNumber": order, "cardNo": "4111111111111111", "expireMonth": "12",
                             "expireYear": "30", "birthday": "890302", "cardPw": "12", "amount": amount,
                             "quota": "0", "itemName": "벤치 상품", "userName": "홍길동", "signature": sig,
                             "timestamp": ts}, ensure_ascii=False))
