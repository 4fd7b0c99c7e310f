"""Issue 21: documents cross into Rust as Python objects (no JSON text). What ``json.dumps(allow_nan=False)``
accepted is accepted with the same meaning, what it refused is refused the same way, and nothing is sent for a
refused document."""

from __future__ import annotations

import asyncio
import enum
import types
from typing import Any, Callable, Dict, Tuple

import pytest

import payup
from helpers import keyin, ledger_for

Order = Callable[[str], str]


class Amount(enum.IntEnum):
    SMALL = 1004


class Text(str):
    pass


def test_typed_and_generic_calls_give_the_same_document(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    o1, o2 = order("CV"), order("CV")
    typed = client.payup_keyin_approve(
        order_number=o1, card_no=payup.TEST_CARD_APPROVED, expire_month="12", expire_year="30", birthday="890302",
        card_pw="12", amount=1004, quota=0, item_name="테스트 상품 🙂", user_name="홍길동", kakao_send=False,
        tax_flag=None,
    )
    generic = client.call("payup.keyin.approve", keyin(o2, item_name="테스트 상품 🙂", kakao_send=False))
    assert type(typed) is dict and set(typed) == set(generic)
    for r, o in ((typed, o1), (generic, o2)):
        assert r["order_number"] == o and r["amount"] == 1004 and type(r["amount"]) is int
        assert r["tax_amount"] is None and r["response_msg"] == "성공" and r["card_name"].endswith("카드")
        [tx] = ledger_for(sandbox, o)
        # Korean (and a character outside the BMP) reached the gateway intact; the int quota as an int.
        assert tx["details"]["item_name"] == "테스트 상품 🙂" and tx["details"]["quota"] == "0"


def test_subclasses_are_their_values(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    o = order("SUB")
    r = client.payup_keyin_approve(
        order_number=Text(o), card_no=payup.TEST_CARD_APPROVED, expire_month="12", expire_year="30",
        birthday="890302", card_pw="12", amount=Amount.SMALL, item_name="상품", user_name="김",
    )
    assert r["amount"] == 1004 and r["order_number"] == o


def test_wrong_types_are_named_by_core(client: payup.Client, order: Order) -> None:
    # JSON true, 1004.0 and a number beyond 64 bits are not whole amounts: core names the field.
    amounts: Tuple[Any, ...] = (True, 1004.0, 10**30)
    for amount in amounts:
        with pytest.raises(payup.InvalidRequestError) as e:
            client.call("payup.keyin.approve", keyin(order("WT"), amount=amount))
        assert e.value.field == "amount", amount
    with pytest.raises(payup.InvalidRequestError) as e:
        client.payup_keyin_approve(
            order_number=order("WT"), card_no=payup.TEST_CARD_APPROVED, expire_month="12", expire_year="30",
            birthday="890302", card_pw="12", amount=1004, item_name="상품", user_name="김",
            kakao_send="yes",  # type: ignore[arg-type]
        )
    assert e.value.field == "kakao_send"


def test_what_json_refused_is_refused_before_sending(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    before = len(sandbox.transactions())
    circular: Dict[str, Any] = {}
    circular["self"] = circular
    deep: Any = "x"
    for _ in range(200):
        deep = [deep]
    cases: Dict[str, Any] = {
        "Out of range float values are not JSON compliant": keyin(order("R"), tax_amount=float("nan")),
        "keys must be str, int, float, bool or None, not tuple": {**keyin(order("R")), (1, 2): "x"},
        "Object of type object is not JSON serializable": keyin(order("R"), user_name=object()),
        "Object of type mappingproxy is not JSON serializable": types.MappingProxyType(keyin(order("R"))),
        "nested deeper than 128 levels": {**keyin(order("R")), "extra": deep},
    }
    for message, doc in cases.items():
        with pytest.raises(payup.InvalidRequestError) as e:
            client.call("payup.keyin.approve", doc)
        assert e.value.field == "request" and message in e.value.message, (message, e.value.message)
    with pytest.raises(payup.InvalidRequestError) as e:
        client.call("payup.keyin.approve", {**keyin(order("R")), "extra": circular})
    assert e.value.field == "request"
    with pytest.raises(payup.InvalidRequestError) as e:
        client.payup_keyin_cancel(transaction_id=object())  # type: ignore[arg-type]
    assert e.value.field == "request" and "object" in e.value.message
    assert len(sandbox.transactions()) == before


def test_a_lone_surrogate_names_its_field_and_not_its_text(client: payup.Client, order: Order) -> None:
    with pytest.raises(payup.InvalidRequestError) as e:
        client.payup_keyin_approve(
            order_number=order("SG"), card_no=payup.TEST_CARD_APPROVED, expire_month="12", expire_year="30",
            birthday="890302", card_pw="12", amount=1004, item_name="상품", user_name="김\udc00비밀",
        )
    assert e.value.field == "user_name" and e.value.__context__ is None and e.value.__cause__ is None
    assert "비밀" not in repr(e.value) and "비밀" not in str(e.value) and "비밀" not in repr(e.value.document)


def test_async_client_converts_when_the_call_starts(sandbox: payup.Sandbox, order: Order) -> None:
    async def main() -> Dict[str, Any]:
        async with payup.AsyncClient(sandbox.client_config()) as client:
            doc = keyin(order("AC"))
            task = asyncio.ensure_future(client.call("payup.keyin.approve", doc))
            await asyncio.sleep(0)  # the task has started: its document is converted
            doc["amount"] = 5
            return await task

    assert asyncio.run(main())["amount"] == 1004
