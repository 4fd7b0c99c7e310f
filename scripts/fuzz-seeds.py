"""Seeds the fuzz corpora from the specs' samples (tests/vectors/*.json)."""
import json, os, sys, hashlib

out = sys.argv[1]
root = os.path.join(os.path.dirname(__file__), "..", "tests", "vectors")
load = lambda f: json.load(open(os.path.join(root, f), encoding="utf-8"))
ops = ["payup.keyin.approve", "payup.keyin.cancel", "payup.kakaopay.order", "payup.kakaopay.window", "payup.kakaopay.approve",
       "payup.kakaopay.cancel", "payple.auth", "payple.card.confirm", "payple.billing.pay", "payple.billing.info",
       "payple.billing.delete", "payple.cancel", "payple.status", "payple.result", "kcp.keyin.approve", "kcp.cancel"]

def put(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb").write(data)

for c in load("responses.json")["cases"]:
    body = c["body"] if isinstance(c["body"], str) else json.dumps(c["body"], ensure_ascii=False)
    put("responses", bytes([ops.index(c["operation"]), 0]) + body.encode())
for c in load("requests.json")["cases"]:
    put("request_documents", bytes([ops.index(c["operation"])]) + json.dumps(c["request"], ensure_ascii=False).encode())
    put("config", json.dumps(c["credentials"], ensure_ascii=False).encode())
    if c["operation"] == "payup.kakaopay.approve":
        put("window_postback", json.dumps(c["request"]).encode())
for c in load("payple_results.json")["cases"]:
    r = c["request"]
    put("payple_result_form", (r["form"] if "form" in r else json.dumps(r["fields"], ensure_ascii=False)).encode())
