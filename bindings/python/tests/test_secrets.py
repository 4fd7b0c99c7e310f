"""Canaries: no full card number, password digits, birth date or key in any repr, str, exception or log record."""

from __future__ import annotations

import logging
import pickle
import traceback
from typing import Any, Dict, List

import pytest
from helpers import keyin

import payup

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
