"""payup's sans-I/O core, for checks without a gateway: the exact HTTP request an operation sends, what
a gateway's answer parses into, the local (pure) operations, and Payup's signatures.

``prepare`` returns card data and keys as they go on the wire: never log its result.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union, cast

from . import _payup
from ._errors import InvalidRequestError, error_from_document

__all__ = ["prepare", "parse", "pure", "approval_signature", "cancel_signature", "operations", "operations_schema"]


def _result(outcome: Tuple[bool, str]) -> Dict[str, Any]:
    ok, text = outcome
    if not ok:
        raise error_from_document(text)
    return cast(Dict[str, Any], json.loads(text))


def prepare(
    config: Mapping[str, Any],
    operation: str,
    request: Mapping[str, Any],
    now_unix: int,
    payple_auth: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """The HTTP request ``operation`` sends first — or, with ``payple_auth`` (``{"cst_id", "cust_key",
    "auth_key", "return_url"}``), the one after Payple's partner auth — as ``{"method", "target": {"path"}
    or {"url"}, "headers", "body"}``. ``now_unix`` is the clock (signatures and timestamps use it)."""
    auth = json.dumps(dict(payple_auth)) if payple_auth is not None else None
    return _result(
        _payup.prepare_json(json.dumps(dict(config)), operation, json.dumps(dict(request)), now_unix, auth)
    )


def parse(operation: str, request: Mapping[str, Any], status: int, body: Union[bytes, str]) -> Dict[str, Any]:
    """The result document a gateway's answer (HTTP ``status`` and ``body``) gives for ``operation`` and
    its ``request``, or the :class:`payup.PayupError` it raises."""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    return _result(_payup.parse_json(operation, json.dumps(dict(request)), status, raw))


def pure(operation: str, request: Mapping[str, Any]) -> Dict[str, Any]:
    """Runs an operation that needs no network (``payup.kakaopay.window``, ``payple.result``)."""
    return _result(_payup.pure_json(operation, json.dumps(dict(request))))


def _utf8(**values: str) -> None:
    """Refuses text that is not valid UTF-8 (a lone surrogate) by name, before the native layer's own
    UnicodeEncodeError could carry the value (a key) in its ``.object``."""
    bad = None
    for name, value in values.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            bad = name
            break
    if bad is not None:  # raised outside the except block: no __context__ holding the value
        raise InvalidRequestError(f"invalid request: {bad}: must be valid UTF-8 text", field=bad)


def approval_signature(merchant_id: str, order_number: str, amount: int, api_cert_key: str, timestamp: str) -> str:
    """Payup's approval signature: SHA-256 of ``merchantId|orderNumber|amount|apiCertKey|timestamp``."""
    _utf8(merchant_id=merchant_id, order_number=order_number, api_cert_key=api_cert_key, timestamp=timestamp)
    return _payup.approval_signature(merchant_id, order_number, amount, api_cert_key, timestamp)


def cancel_signature(merchant_id: str, transaction_id: str, api_cert_key: str) -> str:
    """Payup's cancel signature: SHA-256 of ``merchantId|transactionId|apiCertKey``."""
    _utf8(merchant_id=merchant_id, transaction_id=transaction_id, api_cert_key=api_cert_key)
    return _payup.cancel_signature(merchant_id, transaction_id, api_cert_key)


def operations() -> List[Tuple[str, str]]:
    """The catalogue: ``(name, class)``, class ``"pure"``, ``"read_only"`` or ``"mutating"``."""
    return list(_payup.operations())


def operations_schema() -> Dict[str, Any]:
    """The catalogue as data: ``{"version", "operations": [...]}``, every operation's name, gateway, class,
    request fields (type, required, rules, description) and result fields — what ``payup-gen`` generates
    the typed methods and TypedDicts from."""
    return cast(Dict[str, Any], json.loads(_payup.operations_schema()))
