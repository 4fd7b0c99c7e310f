"""The GIL is released during network calls, and one client serves many threads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

from helpers import keyin

import payup


def test_other_threads_run_while_a_call_waits(sandbox: payup.Sandbox, client: payup.Client) -> None:
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=1500)
    ticks: List[float] = []
    done = threading.Event()

    def ticker() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    result: List[payup.Result] = []
    call = threading.Thread(target=lambda: result.append(client.call("payup.keyin.approve", keyin("GIL-1"))))
    call.start()
    time.sleep(0.2)  # the call is now waiting on the delayed answer
    assert call.is_alive()
    t = threading.Thread(target=ticker)
    t.start()
    # The main thread runs Python too: pure-Python work while the call waits.
    spins = 0
    while call.is_alive():
        spins += 1
    call.join()
    done.set()
    t.join()
    assert result and result[0]["order_number"] == "GIL-1"
    # ~1.3 s of waiting at 10 ms per tick: far more than a handful (a held GIL would give ~0-1).
    assert len(ticks) >= 20, len(ticks)
    assert spins > 10_000, spins


def test_many_threads_share_one_client(sandbox: payup.Sandbox, client: payup.Client) -> None:
    threads, per_thread = 16, 8

    def work(t: int) -> List[payup.Result]:
        out = []
        for i in range(per_thread):
            amount = 1000 + t * 100 + i
            r = client.call("payup.keyin.approve", keyin(f"MT-{t}-{i}", amount=amount))
            out.append(r)
        return out

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = [r for rs in pool.map(work, range(threads)) for r in rs]
    assert len(results) == threads * per_thread
    for r in results:
        _, t, i = r["order_number"].split("-")
        assert r["amount"] == 1000 + int(t) * 100 + int(i) and r["response_code"] == "0000"
    assert len({r["transaction_id"] for r in results}) == len(results)
    ledger = {t["order_number"]: t for t in sandbox.transactions() if t["order_number"].startswith("MT-")}
    assert len(ledger) == len(results)
    assert all(ledger[r["order_number"]]["amount"] == r["amount"] for r in results)
