"""Canaries: no full card number, password digits, birth date or key in any repr, str, exception or log record."""

from __future__ import annotations

import json
import logging
import pickle
import traceback
from typing import Any, Dict, List

import pytest
from helpers import keyin

import payup
import payup._client

CARD = "4556737586899855"  # Luhn-valid: approved by the sandbox
CARD_BAD = "4556737586899856"  # Luhn-invalid
PW = "47"
BIRTH = "731205"
KEY = "CANARYKEY0123456789abcdef"
CANARIES = (CARD, CARD_BAD, BIRTH, KEY, "CANARYKEY")


def exposed(obj: Any) -> List[str]:
    """Every text a person or a log might see of ``obj``."""
    out = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        out += traceback.format_exception_only(type(obj), obj)
        out += [repr(a) for a in obj.args]
        out.append(repr(vars(obj)))
        out.append(repr(pickle.dumps(obj)))
    return out


def assert_clean(*objs: Any) -> None:
    for obj in objs:
        for text in exposed(obj):
            for c in CANARIES:
                assert c not in text, f"{c!r} leaked in {text[:200]!r}"
            assert f"card_pw={PW}" not in text and f'"{PW}"' not in text and f"'{PW}'" not in text


def canary_keyin(order_number: str, card_no: str = CARD, **extra: Any) -> Dict[str, Any]:
    doc = keyin(order_number, card_no=card_no, birthday=BIRTH, card_pw=PW)
    doc.update(extra)
    return doc


def test_results_errors_and_logs_hold_no_canary(sandbox: payup.Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="payup")
    cfg = sandbox.client_config()
    client = payup.Client(cfg)
    r = client.call("payup.keyin.approve", canary_keyin("CAN-1"))
    assert_clean(r)
    kcp = client.kcp_keyin_approve(
        ordr_idxx="CAN-K1", good_name="g", buyr_name="b", amount=1000, card_no=CARD, card_expiry="3012",
        card_taxno=BIRTH, card_pwd=PW,
    )
    assert_clean(kcp)
    errors: List[payup.PayupError] = []
    for doc in (
        canary_keyin("CAN-2", card_no=CARD_BAD),  # the gateway refuses the number
        canary_keyin("CAN-3", amount=10),  # below the minimum
        canary_keyin("CAN-4", expire_month="13"),  # invalid before sending
        canary_keyin("CAN-5", card_no=CARD + "9999"),  # too long
        canary_keyin("CAN-6", card_pw=PW + "1", birthday=BIRTH + "x"),
        canary_keyin("CAN-7", card_no="4000000000000002"),  # declined
    ):
        with pytest.raises(payup.PayupError) as e:
            client.call("payup.keyin.approve", doc)
        errors.append(e.value)
    with pytest.raises(payup.PayupError) as e:
        client.kcp_keyin_approve(
            ordr_idxx="CAN-K2", good_name="g", buyr_name="b", amount=1000, card_no=CARD_BAD, card_expiry="3012",
            card_taxno=BIRTH + "0", card_pwd=PW,
        )
    errors.append(e.value)
    # Faults: ambiguous errors carry identifiers, not card data.
    sandbox.arm_fault("payup.keyin.approve", "drop_after_commit")
    with pytest.raises(payup.AmbiguousOutcomeError) as e:
        client.call("payup.keyin.approve", canary_keyin("CAN-8"))
    errors.append(e.value)
    assert_clean(*errors)
    for err in errors:
        assert_clean(err.document)
    assert caplog.records, "payup logs each call at DEBUG"
    assert_clean(*[rec.getMessage() for rec in caplog.records])
    assert_clean(sandbox.ledger())


def test_keys_stay_out_of_clients_and_config_errors(sandbox: payup.Sandbox) -> None:
    cfg = sandbox.client_config()
    cfg["payup"]["api_cert_key"] = KEY
    cfg["payple"]["cust_key"] = KEY
    cfg["payple"]["refund_key"] = KEY
    client = payup.Client(cfg)
    assert_clean(client)
    assert not hasattr(client, "__dict__")
    with pytest.raises(TypeError):
        pickle.dumps(client)
    errors: List[payup.PayupError] = []
    with pytest.raises(payup.ConfigError) as e:  # the sandbox refuses the signature (2001)
        client.call("payup.keyin.approve", canary_keyin("CAN-9"))
    errors.append(e.value)
    with pytest.raises(payup.ConfigError) as e:  # the sandbox refuses the partner (AUTH0002)
        client.payple_auth()
    errors.append(e.value)
    bad = dict(cfg)
    bad["payup"] = dict(cfg["payup"], base_url="http://example.com")
    with pytest.raises(payup.ConfigError) as e:
        payup.Client(bad)
    errors.append(e.value)
    bad_key = dict(cfg)
    bad_key["kcp"] = dict(cfg["kcp"], private_key=f"-----BEGIN PRIVATE KEY-----\n{KEY}\n-----END PRIVATE KEY-----\n")
    with pytest.raises(payup.ConfigError) as e:
        payup.Client(bad_key)
    errors.append(e.value)
    with pytest.raises(payup.PayupError) as any_error:
        payup.Client({"payup": {"merchant_id": 1, "api_cert_key": KEY}})
    errors.append(any_error.value)
    assert_clean(*errors)


def test_lone_surrogates_and_misplaced_documents_leak_nothing(client: payup.Client, sandbox: payup.Sandbox) -> None:
    # A lone surrogate in any field: refused as invalid, with no copy of the request (or config) attached.
    with pytest.raises(payup.InvalidRequestError) as bad:
        client.call("payup.keyin.approve", canary_keyin("SUR-1", item_name="x\ud800"))
    assert_clean(bad.value)
    chain = bad.value.__context__
    while chain is not None:
        assert_clean(chain)
        chain = chain.__context__
    config = sandbox.client_config()
    config["payup"]["api_cert_key"] = KEY
    config["payup"]["merchant_id"] = "tester\udfff"
    with pytest.raises(payup.PayupError) as cfg_error:
        payup.Client(config)
    assert_clean(cfg_error.value)
    # A request document passed where the operation name goes is not echoed back.
    import json

    with pytest.raises(payup.InvalidRequestError) as misplaced:
        client.call(json.dumps(canary_keyin("MIS-1")), {})
    assert misplaced.value.field == "operation"
    assert_clean(misplaced.value)


def test_signature_helpers_refuse_a_surrogate_key_without_quoting_it() -> None:
    from payup import core

    with pytest.raises(payup.InvalidRequestError) as e:
        core.approval_signature("tester", "O-1", 1000, KEY + "\ud800", "20260101000000")
    assert e.value.field == "api_cert_key"
    assert_clean(e.value)
    assert e.value.__context__ is None


def _events(caplog: pytest.LogCaptureFixture) -> List[Dict[str, Any]]:
    events: List[Dict[str, Any]] = [getattr(rec, "payup_event") for rec in caplog.records if hasattr(rec, "payup_event")]
    caplog.clear()
    return events


def test_exchange_events_on_the_payup_logger(sandbox: payup.Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 20: one DEBUG record per exchange with ``record.payup_event``; none for an invalid request;
    status None when no answer came; no canary in any event."""
    caplog.set_level(logging.DEBUG, logger="payup")
    client = sandbox.client()
    result = client.call("payup.keyin.approve", canary_keyin("EV-1"))
    [e] = _events(caplog)
    assert (e["operation"], e["gateway"], e["method"], e["status"]) == ("payup.keyin.approve", "payup", "POST", 200)
    assert e["outcome"] == {"kind": "success", "gateway_code": None, "payup_code": None}
    assert e["request_body"]["cardNo"] == "455673******9855"
    assert e["request_body"]["cardPw"] == "***" and e["request_body"]["birthday"] == "***"
    # A transaction id whose digits pass Luhn (one in ten) is masked like a card number, by design.
    tx, want = e["response_body"]["transactionId"], result["transaction_id"]
    assert tx == want or (len(tx) == len(want) and "*" in tx and tx[-4:] == want[-4:]), tx
    assert isinstance(e["duration_ms"], int) and e["url"].endswith("/v2/api/payment/tester/keyin2")
    seen = [e]

    with pytest.raises(payup.DeclinedError):
        client.call("payup.keyin.approve", canary_keyin("EV-2", card_no="4556737586070002"))
    [e] = _events(caplog)
    assert (e["status"], e["outcome"]["kind"], e["outcome"]["gateway_code"]) == (200, "declined", "9101")
    seen.append(e)

    with pytest.raises(payup.InvalidRequestError):
        client.call("payup.keyin.approve", canary_keyin("EV-3", expire_month="13"))
    assert _events(caplog) == [], "an invalid request sends nothing: no event"

    sandbox.arm_fault("payup.keyin.approve", "drop_after_commit")
    with pytest.raises(payup.AmbiguousOutcomeError):
        client.call("payup.keyin.approve", canary_keyin("EV-4"))
    [e] = _events(caplog)
    assert (e["status"], e["outcome"]["kind"], e["response_body"]) == (None, "ambiguous", None)
    seen.append(e)

    cfg = sandbox.client_config()
    cfg["payup"]["base_url"] = "http://127.0.0.1:9"
    with pytest.raises(payup.NotSentError):
        payup.Client(cfg).call("payup.keyin.approve", canary_keyin("EV-5"))
    [e] = _events(caplog)
    assert (e["status"], e["outcome"]["kind"]) == (None, "not_sent")
    seen.append(e)

    kcp = client.kcp_keyin_approve(
        ordr_idxx="EV-K1", good_name="g", buyr_name="b", amount=1000, card_no=CARD, card_expiry="3012",
        card_taxno=BIRTH, card_pwd=PW,
    )
    assert kcp["res_cd"] == "0000"
    [e] = _events(caplog)
    assert e["request_body"]["kcp_cert_info"] == "***" and e["request_body"]["card_pwd"] == "***"
    seen.append(e)
    for e in seen:
        assert_clean(e, json.dumps(e))
        assert "4556737586070002" not in json.dumps(e)


def test_exchange_events_are_not_built_unless_debug_is_enabled(
    sandbox: payup.Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="payup")
    client = sandbox.client()
    client.call("payup.keyin.approve", canary_keyin("EV-6"))
    assert not any(hasattr(rec, "payup_event") for rec in caplog.records)
    built: List[Dict[str, Any]] = []
    original = payup._client._log_event
    payup._client._log_event = built.append  # type: ignore[assignment]
    try:
        client2 = sandbox.client()  # installs the module's function as it is now
        client2.call("payup.keyin.approve", canary_keyin("EV-7"))
        assert built == [], "isEnabledFor(DEBUG) is false: no event is built or delivered"
        caplog.set_level(logging.DEBUG, logger="payup")
        client2.call("payup.keyin.approve", canary_keyin("EV-8"))
        assert len(built) == 1 and built[0]["status"] == 200
    finally:
        payup._client._log_event = original


def test_a_converted_document_shows_nothing(client: payup.Client) -> None:
    """Issue 21: AsyncClient's native document (converted on the loop) holds the card data: its repr does not."""
    ok, document = payup._payup.document(canary_keyin("DOC-1"))
    assert ok
    assert_clean(document)
    ok, fields = payup._payup.document_fields(("card_no", "birthday", "card_pw"), (CARD, BIRTH, PW))
    assert ok and repr(fields) == "<payup._payup.Document>" and PW not in repr(fields)
    assert_clean(fields)
