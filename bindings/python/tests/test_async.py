"""payup.AsyncClient (issue 20): calls off the event loop on payup's own pool, the typed coroutines, per-call
timeouts, and cancellation that never abandons a started call."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Dict, List

import pytest
from helpers import keyin, ledger_for

import payup

DELAY_S = 1.0


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_eight_concurrent_approvals_take_about_one_delay_while_the_loop_keeps_running(
    sandbox: payup.Sandbox, order: Any
) -> None:
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=int(DELAY_S * 1000), times=8)
    orders = [order("AS") for _ in range(8)]

    async def main() -> float:
        ticks: List[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        async with payup.AsyncClient(sandbox.client_config()) as client:
            tick_task = asyncio.create_task(ticker())
            started = time.monotonic()
            results = await asyncio.gather(*(client.call("payup.keyin.approve", keyin(o)) for o in orders))
            elapsed = time.monotonic() - started
            stop.set()
            await tick_task
        assert sorted(r["order_number"] for r in results) == sorted(orders)
        # The loop was never blocked: it ticked all along (10 ms ticks over ≥ 1 s; a blocked loop gives ~0).
        assert len(ticks) > 20, len(ticks)
        return elapsed

    elapsed = run(main())
    # Concurrent, not one after the other (8 s): a loose bound, not a timing test.
    assert elapsed < 3 * DELAY_S, elapsed
    for o in orders:
        assert ledger_for(sandbox, o)[0]["status"] == "approved"


def test_typed_coroutines_and_errors(sandbox: payup.Sandbox, order: Any) -> None:
    o = order("AT")

    async def main() -> None:
        client = payup.AsyncClient(sandbox.client_config())
        approved = await client.payup_keyin_approve(
            order_number=o,
            card_no=payup.TEST_CARD_APPROVED,
            expire_month="12",
            expire_year="30",
            birthday="890302",
            card_pw="12",
            amount=1004,
            item_name="책",
            user_name="홍길동",
        )
        assert approved["order_number"] == o
        cancelled = await client.payup_keyin_cancel(transaction_id=approved["transaction_id"])
        assert cancelled["transaction_id"] == approved["transaction_id"]
        with pytest.raises(payup.DeclinedError):
            await client.call("payup.keyin.approve", keyin(order("AT"), card_no=payup.TEST_CARD_DECLINED))
        with pytest.raises(payup.InvalidRequestError) as bad:
            await client.call("payup.keyin.approve", {"order_number": o})
        assert bad.value.field is not None

    run(main())


def test_a_per_call_timeout_applies_to_that_call_only(sandbox: payup.Sandbox, order: Any) -> None:
    client = sandbox.client()  # read_ms 10000
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=1500)
    started = time.monotonic()
    with pytest.raises(payup.AmbiguousOutcomeError) as e:
        client.call("payup.keyin.approve", keyin(order("TO")), timeout_ms=300)
    assert time.monotonic() - started < 1.4
    assert "timed out" in str(e.value)
    # The client's own timeout is unchanged: the same delay completes.
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=800)
    assert client.call("payup.keyin.approve", keyin(order("TO")))["response_code"] == "0000"

    async def typed() -> None:
        sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=1500)
        with pytest.raises(payup.AmbiguousOutcomeError):
            await payup.AsyncClient(sandbox.client_config()).payup_keyin_approve(
                order_number=order("TO"),
                card_no=payup.TEST_CARD_APPROVED,
                expire_month="12",
                expire_year="30",
                birthday="890302",
                card_pw="12",
                amount=1004,
                item_name="책",
                user_name="홍길동",
                timeout_ms=300,
            )

    run(typed())
    for bad in (0, 600_001, -1, "300", True, 1.5):
        with pytest.raises(payup.InvalidRequestError) as err:
            client.call("payup.keyin.approve", keyin(order("TO")), timeout_ms=bad)  # type: ignore[arg-type]
        assert err.value.field == "timeout_ms"


def test_a_cancelled_task_s_call_still_completes_and_is_logged(
    sandbox: payup.Sandbox, order: Any, caplog: pytest.LogCaptureFixture
) -> None:
    o = order("CX")
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=800)
    client = payup.AsyncClient(sandbox.client_config())

    async def main() -> None:
        task = asyncio.create_task(client.call("payup.keyin.approve", keyin(o)))
        await asyncio.sleep(0.2)  # the approval's bytes have left; the answer is delayed
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.WARNING, logger="payup"):
        run(main())
        # The call was not cut off: it completes in payup's pool, lands in the ledger, and is logged.
        deadline = time.monotonic() + 5
        records: List[logging.LogRecord] = []
        while time.monotonic() < deadline:
            records = [r for r in caplog.records if "cancelled" in r.getMessage()]
            if records:
                break
            time.sleep(0.05)
    assert ledger_for(sandbox, o)[0]["status"] == "approved"
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    record = records[0]
    assert record.levelno == logging.WARNING and record.name == "payup"
    assert "call completed after its task was cancelled" in record.getMessage()
    extra: Dict[str, Any] = record.__dict__
    assert (extra["payup_operation"], extra["payup_outcome"]) == ("payup.keyin.approve", "ok")
    # No card data in the record.
    text = record.getMessage() + repr(record.__dict__)
    for secret in (payup.TEST_CARD_APPROVED, "890302"):
        assert secret not in text


def test_the_pool_is_payup_s_own(sandbox: payup.Sandbox, order: Any) -> None:
    # More concurrent calls than asyncio's default executor has threads on a small machine: all run at once.
    n = 12
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=int(DELAY_S * 1000), times=n)

    async def main() -> float:
        client = payup.AsyncClient(sandbox.client_config())
        started = time.monotonic()
        await asyncio.gather(*(client.call("payup.keyin.approve", keyin(order("PO"))) for _ in range(n)))
        return time.monotonic() - started

    assert payup.IO_THREADS >= n
    assert run(main()) < 3 * DELAY_S
