"""payup.Sandbox: life cycle, ledger, faults, configuration."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict

import pytest
from helpers import keyin

import payup


def test_context_manager_and_close() -> None:
    with payup.Sandbox() as sb:
        assert sb.base_url.startswith("http://127.0.0.1:") and not sb.closed
        assert repr(sb) == f"<payup.Sandbox {sb.base_url} (running)>"
        with urllib.request.urlopen(f"{sb.base_url}/__sandbox/transactions") as r:
            assert set(json.load(r)) >= {"transactions", "kakaopay_orders", "payple_billing_keys"}
        base = sb.base_url
    assert sb.closed and "closed" in repr(sb)
    sb.close()  # idempotent
    with pytest.raises(RuntimeError):
        sb.transactions()
    c = payup.Client({"payup": {"merchant_id": "tester", "api_cert_key": "k", "base_url": base}})
    with pytest.raises(payup.NotSentError):
        c.call("payup.keyin.approve", keyin("AFTER-CLOSE"))


def test_ledger_reset_and_faults() -> None:
    with payup.Sandbox() as sb:
        c = sb.client()
        r = c.call("payup.keyin.approve", keyin("L-1"))
        txs = sb.transactions()
        assert len(txs) == 1 and txs[0]["id"] == r["transaction_id"] and txs[0]["status"] == "approved"
        assert txs[0]["card"] == "411111******1111"
        ledger = sb.ledger()
        assert ledger["transactions"] == txs and isinstance(ledger["payple_billing_keys"], list)
        sb.arm_fault("payup.keyin.approve", "http_500", times=2)
        for _ in range(2):
            with pytest.raises(payup.AmbiguousOutcomeError):
                c.call("payup.keyin.approve", keyin("L-2"))
        sb.arm_fault("payup.keyin.approve", "http_500")
        sb.clear_faults()
        c.call("payup.keyin.approve", keyin("L-3"))
        sb.reset()
        assert sb.transactions() == []
        with pytest.raises(ValueError):
            sb.arm_fault("payup.keyin.approve", "no_such_fault")
        with pytest.raises(ValueError):
            sb.arm_fault("no.such.operation", "http_500")
        assert "delay" in payup.FAULTS


def test_two_sandboxes_are_independent_and_configurable() -> None:
    extra = {"payup": [{"merchant_id": "shop2", "api_cert_key": "0123456789abcdef0123456789abcdef"}]}
    with payup.Sandbox(extra) as a, payup.Sandbox() as b:
        assert a.base_url != b.base_url
        cfg = a.client_config()
        cfg["payup"].update(merchant_id="shop2", api_cert_key="0123456789abcdef0123456789abcdef")
        r = payup.Client(cfg).call("payup.keyin.approve", keyin("S2-1"))
        assert r["response_code"] == "0000"
        assert [t["merchant"] for t in a.transactions()] == ["shop2"] and b.transactions() == []
    with pytest.raises(ValueError):
        payup.Sandbox({"unknown_key": 1})


def test_sandbox_clock_moves_payment_times() -> None:
    with payup.Sandbox() as sb:
        c = sb.client()
        payer = sb.register_payple_card()
        assert sb.set_clock("2026-05-31T23:59:00+09:00") == "2026-05-31T23:59:00+09:00"

        def pay(oid: str) -> Dict[str, Any]:
            return c.call(
                "payple.billing.pay",
                {"payer_id": payer, "pay_goods": "g", "pay_total": 1000, "pay_oid": oid,
                 "pay_year": "2026", "pay_month": "05", "simple_flag": True},
            )

        # The clock runs on between calls: compare to the minute.
        assert pay("CLK-1")["pay_time"].startswith("202605312359")
        assert sb.advance_clock(60).startswith("2026-06-01T00:00:")
        assert pay("CLK-2")["pay_time"].startswith("20260601")
        with pytest.raises(ValueError):
            sb.set_clock("tomorrow")
