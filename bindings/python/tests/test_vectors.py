"""The shared vectors of tests/vectors/ (the same files every language checks)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict

import pytest

import payup
from payup import core

VECTORS = Path(os.environ.get("PAYUP_VECTORS", Path(__file__).resolve().parents[3] / "tests" / "vectors"))


def load(name: str) -> Dict[str, Any]:
    with open(VECTORS / name, encoding="utf-8") as f:
        return dict(json.load(f))


def names(cases: Any) -> Any:
    return [c["name"] for c in cases]


SIGNATURES = load("signatures.json")["vectors"]
REQUESTS = load("requests.json")["cases"]
RESPONSES = load("responses.json")["cases"]
PAYPLE_RESULTS = load("payple_results.json")["cases"]


def test_the_vectors_are_there() -> None:
    assert len(SIGNATURES) == 2 and len(REQUESTS) >= 20 and len(RESPONSES) >= 25 and len(PAYPLE_RESULTS) >= 3


@pytest.mark.parametrize("v", SIGNATURES, ids=names(SIGNATURES))
def test_signatures(v: Dict[str, Any]) -> None:
    if v["kind"] == "approval":
        got = core.approval_signature(v["merchant_id"], v["order_number"], v["amount"], v["api_cert_key"], v["timestamp"])
    else:
        got = core.cancel_signature(v["merchant_id"], v["transaction_id"], v["api_cert_key"])
    assert got == v["signature"]


@pytest.mark.parametrize("case", REQUESTS, ids=names(REQUESTS))
def test_requests(case: Dict[str, Any]) -> None:
    got = core.prepare(case["credentials"], case["operation"], case["request"], case["now_unix"], case.get("auth"))
    want = case["expected"]
    assert (got["method"], got["target"]) == (want["method"], want["target"])
    assert got["body"] == want["body"]
    assert list(got["body"]) == list(want["body"]), "field order (the specs' table order)"
    for k, v in want["headers"].items():
        assert got["headers"][k] == v, k


MINIMAL_REQUESTS: Dict[str, Dict[str, Any]] = load("minimal_requests.json")["requests"]


def some_request(op: str) -> Dict[str, Any]:
    """A minimal valid request per operation (tests/vectors/minimal_requests.json): a response's context."""
    return MINIMAL_REQUESTS[op]


def test_minimal_requests_cover_the_catalogue() -> None:
    assert set(MINIMAL_REQUESTS) >= set(payup.OPERATIONS) - {"payple.result"}


@pytest.mark.parametrize("case", RESPONSES, ids=names(RESPONSES))
def test_responses(case: Dict[str, Any]) -> None:
    body = case["body"] if isinstance(case["body"], str) else json.dumps(case["body"], ensure_ascii=False)
    op = case["operation"]
    if "expected" in case:
        assert core.parse(op, some_request(op), case["status"], body) == case["expected"]
    else:
        with pytest.raises(payup.PayupError) as e:
            core.parse(op, some_request(op), case["status"], body.encode("utf-8"))
        for k, v in case["error"].items():
            assert e.value.document.get(k) == v, k
        assert e.value.kind == case["error"]["kind"]


@pytest.mark.parametrize("case", PAYPLE_RESULTS, ids=names(PAYPLE_RESULTS))
def test_payple_results(case: Dict[str, Any]) -> None:
    client = payup.Client({})  # pure operations need no gateway section
    if "expected" in case:
        assert core.pure("payple.result", case["request"]) == case["expected"]
        assert client.payple_result(**case["request"]) == case["expected"]
        assert client.call("payple.result", case["request"]) == case["expected"]
    else:
        with pytest.raises(payup.PayupError) as e:
            core.pure("payple.result", case["request"])
        for k, v in case["error"].items():
            assert e.value.document.get(k) == v, k


def test_core_refuses_network_operations_in_pure() -> None:
    with pytest.raises(payup.InvalidRequestError) as e:
        core.pure("payup.keyin.cancel", {"transaction_id": "x"})
    assert e.value.field == "operation"
