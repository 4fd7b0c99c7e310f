"""payup: Payup (card keyin, KakaoPay via NHN KCP), Payple card and NHN KCP keyin payments, implemented
once in Rust, with a local sandbox of all four gateways.

    import payup

    client = payup.Client({"payup": {"merchant_id": "...", "api_cert_key": "..."}})
    approved = client.payup_keyin_approve(order_number="ORD-1", card_no="...", expire_month="12",
                                          expire_year="30", birthday="890302", card_pw="12", amount=1004,
                                          item_name="상품", user_name="홍길동")
    approved["transaction_id"]

Every operation is also reachable by name: ``client.call("payup.keyin.approve", {...})``; every call takes
the option ``timeout_ms=``. :class:`AsyncClient` is the asyncio twin (``await client.call(...)``). Failures raise
:class:`PayupError` subclasses; :class:`Sandbox` runs the gateways' emulator in-process for tests.
"""

from __future__ import annotations

from . import _generated, _payup, core
from ._async import IO_THREADS, AsyncClient
from ._client import Client, logger
from ._errors import (
    AmbiguousOutcomeError,
    ConfigError,
    DeclinedError,
    InvalidRequestError,
    NotSentError,
    PayupError,
    error_from_document,
)
from ._sandbox import FAULTS, KCP_TEST_CERT_PEM, TEST_CARD_APPROVED, TEST_CARD_DECLINED, Sandbox
from .core import operations_schema
from ._generated import *  # noqa: F403 (every result TypedDict, generated from the schema)
from ._types import Result, SandboxLedger

__version__: str = _payup.VERSION

#: Every operation name of the catalogue, in order.
OPERATIONS = tuple(name for name, _class in _payup.operations())

__all__ = [
    "__version__",
    "OPERATIONS",
    "operations_schema",
    "Client",
    "AsyncClient",
    "IO_THREADS",
    "Sandbox",
    "logger",
    "core",
    "PayupError",
    "InvalidRequestError",
    "ConfigError",
    "DeclinedError",
    "NotSentError",
    "AmbiguousOutcomeError",
    "error_from_document",
    "FAULTS",
    "KCP_TEST_CERT_PEM",
    "TEST_CARD_APPROVED",
    "TEST_CARD_DECLINED",
    "Result",
    "SandboxLedger",
]
__all__ += _generated.__all__
