"""payup from asyncio: AsyncClient, concurrent approvals, a per-call timeout, against the in-process sandbox.

    pip install ./bindings/python      # from the repository root, in a virtual environment
    python examples/python/async_checkout.py

In a FastAPI or Django async view, build one ``payup.AsyncClient(config)`` at start-up and ``await`` its
methods in the handlers: the event loop never blocks on a gateway.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import List

import payup


async def approve(client: payup.AsyncClient, order_number: str) -> payup.PayupKeyinApproved:
    return await client.payup_keyin_approve(
        order_number=order_number,
        card_no=payup.TEST_CARD_APPROVED,
        expire_month="12",
        expire_year="30",
        birthday="890302",
        card_pw="12",
        amount=1004,
        item_name="예제 상품",
        user_name="홍길동",
        timeout_ms=5000,  # a call option: this call's read timeout, not a request field
    )


async def main() -> int:
    stamp = str(int(time.time() * 1000) % 100_000_000)
    with payup.Sandbox() as sandbox:
        async with payup.AsyncClient(sandbox.client_config()) as client:
            approved: List[payup.PayupKeyinApproved] = await asyncio.gather(
                *(approve(client, f"PY-A{stamp}-{i}") for i in range(4))
            )
            for a in approved:
                cancelled = await client.payup_keyin_cancel(transaction_id=a["transaction_id"])
                print(f"{a['order_number']}: approved {a['transaction_id']}, cancelled {cancelled['cancel_date_time']}")
            try:
                await client.call("payup.keyin.approve", {"order_number": f"PY-D{stamp}"})
            except payup.InvalidRequestError as e:
                print(f"refused before sending: {e.field}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
