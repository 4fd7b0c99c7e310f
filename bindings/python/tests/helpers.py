"""Request builders and ledger helpers shared by the tests."""

from __future__ import annotations

from typing import Any, Dict, List

import payup


def keyin(order_number: str, card_no: str = payup.TEST_CARD_APPROVED, amount: int = 1004, **extra: Any) -> Dict[str, Any]:
    doc: Dict[str, Any] = {
        "order_number": order_number,
        "card_no": card_no,
        "expire_month": "12",
        "expire_year": "30",
        "birthday": "890302",
        "card_pw": "12",
        "amount": amount,
        "quota": 0,
        "item_name": "테스트 상품",
        "user_name": "홍길동",
    }
    doc.update(extra)
    return doc


def ledger_for(sandbox: payup.Sandbox, key: str) -> List[Dict[str, Any]]:
    return [t for t in sandbox.transactions() if key in (t.get("order_number"), t.get("id"))]
