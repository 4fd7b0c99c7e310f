"""Each exception class with its attributes, from real failures against the sandbox."""

from __future__ import annotations

import pickle
import socket
from typing import Callable

import pytest
from helpers import keyin, ledger_for

import payup

Order = Callable[[str], str]


def test_hierarchy() -> None:
    for cls in (
        payup.InvalidRequestError,
        payup.ConfigError,
        payup.DeclinedError,
        payup.NotSentError,
        payup.AmbiguousOutcomeError,
    ):
        assert issubclass(cls, payup.PayupError) and issubclass(cls, Exception)
    assert issubclass(payup.InvalidRequestError, ValueError)
    assert not issubclass(payup.DeclinedError, ValueError)


def test_invalid_before_sending(sandbox: payup.Sandbox, client: payup.Client, order: Order) -> None:
    before = len(sandbox.transactions())
    with pytest.raises(payup.InvalidRequestError) as e:
        client.call("payup.keyin.approve", keyin(order("I"), card_no="12", amount=0))
    err = e.value
    assert isinstance(err, ValueError)
    assert (err.kind, err.field, err.code, err.gateway) == ("invalid", "card_no", None, None)
    assert {f["field"] for f in err.fields} >= {"card_no", "amount"}
    assert err.message.startswith("invalid request:") and str(err).startswith("invalid: invalid request:")
    assert len(sandbox.transactions()) == before
    # A typo is not ignored, and a wrong type is named.
    with pytest.raises(payup.InvalidRequestError) as e:
        client.call("payup.keyin.cancel", {"transaction_id": "x", "transactionid": "y"})
    assert e.value.field == "transactionid"
    with pytest.raises(ValueError) as v:
        client.payup_keyin_cancel(transaction_id=None)  # type: ignore[arg-type]
    assert isinstance(v.value, payup.InvalidRequestError) and v.value.field == "transaction_id"
    with pytest.raises(payup.InvalidRequestError) as e:
        client.call("no.such.op", {})
    assert e.value.field == "operation" and "payup.keyin.approve" in e.value.message
    # Not a JSON document: refused in Python, as invalid, without the value.
    with pytest.raises(payup.InvalidRequestError) as e:
        client.call("payup.keyin.cancel", {"transaction_id": object()})
    assert e.value.field == "request" and "object" in e.value.message
    with pytest.raises(TypeError):
        client.call("payup.keyin.cancel", ["not", "a", "mapping"])  # type: ignore[arg-type]


def test_invalid_from_the_gateway(client: payup.Client, order: Order) -> None:
    with pytest.raises(payup.InvalidRequestError) as e:
        client.call("payup.keyin.approve", keyin(order("L"), card_no="4111111111111112"))
    assert (e.value.code, e.value.field, e.value.gateway) == ("6002", "cardNo", "payup")
    assert e.value.message_en


def test_declined(client: payup.Client, order: Order) -> None:
    with pytest.raises(payup.DeclinedError) as e:
        client.call("payup.keyin.approve", keyin(order("D"), card_no=payup.TEST_CARD_DECLINED))
    err = e.value
    assert (err.kind, err.code, err.gateway, err.field) == ("declined", "9101", "payup", None)
    assert err.message and str(err) == f"payup: declined [9101]: {err.message} ({err.message_en})"
    assert repr(err).startswith("DeclinedError(kind='declined', gateway='payup', code='9101'")
    assert err.document["code"] == "9101"
    # The newer keys of the error document: the gateway's own code, payup's (none), never safe to resend.
    assert (err.gateway_code, err.payup_code, err.retry_safe) == ("9101", None, False)
    assert str(err) == err.display == err.document["display"]


def test_config_errors(sandbox: payup.Sandbox, order: Order) -> None:
    cfg = sandbox.client_config()
    cfg["payup"]["api_cert_key"] = "0000000000000000"
    with pytest.raises(payup.ConfigError) as e:
        payup.Client(cfg).call("payup.keyin.approve", keyin(order("S")))
    assert (e.value.kind, e.value.code, e.value.gateway) == ("config", "2001", "payup")
    # Refused when the client is built: plain http to a non-loopback host.
    with pytest.raises(payup.ConfigError) as e:
        payup.Client({"payup": {"merchant_id": "m", "api_cert_key": "k", "base_url": "http://api.payup.co.kr"}})
    assert e.value.field == "payup.base_url"
    # A missing section fails its operations only.
    no_kcp = sandbox.client_config()
    del no_kcp["kcp"]
    c = payup.Client(no_kcp)
    with pytest.raises(payup.ConfigError) as e:
        c.kcp_keyin_approve(
            ordr_idxx="x", good_name="g", buyr_name="b", amount=1000, card_no=payup.TEST_CARD_APPROVED, card_expiry="3012"
        )
    assert e.value.gateway == "kcp"
    with pytest.raises(TypeError):
        payup.Client("not a dict")  # type: ignore[arg-type]


def test_not_sent(order: Order) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    c = payup.Client(
        {
            "timeouts": {"connect_ms": 1000, "read_ms": 1000},
            "payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c", "base_url": base},
        }
    )
    with pytest.raises(payup.NotSentError) as e:
        c.call("payup.keyin.approve", keyin(order("X")))
    assert (e.value.kind, e.value.gateway, e.value.code) == ("not_sent", "payup", None)
    assert e.value.retry_safe is True and e.value.gateway_code is None


@pytest.mark.parametrize(
    "fault,approvals",
    [("http_500", 0), ("malformed_body", 1), ("reset_before_commit", 0), ("drop_after_commit", 1)],
)
def test_ambiguous(sandbox: payup.Sandbox, client: payup.Client, order: Order, fault: str, approvals: int) -> None:
    sandbox.arm_fault("payup.keyin.approve", fault)
    o = order("F")
    with pytest.raises(payup.AmbiguousOutcomeError) as e:
        client.call("payup.keyin.approve", keyin(o, amount=1000))
    err = e.value
    assert (err.kind, err.gateway) == ("ambiguous", "payup")
    assert err.ambiguous is not None
    assert (err.ambiguous["operation"], err.ambiguous["order_number"], err.ambiguous["amount"]) == (
        "payup.keyin.approve",
        o,
        1000,
    )
    assert isinstance(err.ambiguous["tried"], list)
    assert len(ledger_for(sandbox, o)) == approvals
    # The fault was armed for one call: the next one goes through.
    client.call("payup.keyin.approve", keyin(order("F")))


def test_read_timeout_is_ambiguous(sandbox: payup.Sandbox, order: Order) -> None:
    c = sandbox.client(read_ms=300)
    sandbox.arm_fault("payup.keyin.approve", "delay", delay_ms=2000)
    with pytest.raises(payup.AmbiguousOutcomeError) as e:
        c.call("payup.keyin.approve", keyin(order("T")))
    assert "timed out" in e.value.message
    sandbox.clear_faults()


def test_errors_pickle_and_rebuild_from_documents(client: payup.Client, order: Order) -> None:
    with pytest.raises(payup.DeclinedError) as e:
        client.call("payup.keyin.approve", keyin(order("D"), card_no=payup.TEST_CARD_DECLINED))
    copy = pickle.loads(pickle.dumps(e.value))
    assert type(copy) is payup.DeclinedError and copy.document == e.value.document
    rebuilt = payup.error_from_document({"error": {"kind": "not_sent", "message": "m", "gateway": "kcp"}})
    assert isinstance(rebuilt, payup.NotSentError) and rebuilt.gateway == "kcp"
    assert type(payup.error_from_document('{"kind": "???", "message": "m"}')) is payup.PayupError


def test_documents_without_the_newer_keys_still_read() -> None:
    # An error document of a core without gateway_code / payup_code / retry_safe / display.
    e = payup.error_from_document({"kind": "not_sent", "gateway": "kcp", "code": None, "message": "refused"})
    assert (e.gateway_code, e.payup_code, e.retry_safe, e.display) == (None, None, True, None)
    assert str(e) == "kcp: not_sent: refused"
    d = payup.error_from_document({"kind": "declined", "gateway": "payup", "code": "9101", "message": "no"})
    assert (d.gateway_code, d.retry_safe) == ("9101", False)
