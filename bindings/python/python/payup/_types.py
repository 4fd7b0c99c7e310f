"""The result documents of every operation, as TypedDicts.

The per-operation ones are generated from payup-core's schema into :mod:`payup._generated` (see it for
what the keys mean); this module re-exports them with the few hand-written types that are not one
operation's result (the sandbox's ledger, the loose :data:`Result`).
"""

from __future__ import annotations

from typing import Any, Dict, List, TypedDict

from . import _generated
from ._generated import *  # noqa: F403 (the generated result types, re-exported)

__all__ = ["SandboxLedger", "Result"]
__all__ += _generated.__all__


class SandboxLedger(TypedDict):
    """:meth:`payup.Sandbox.ledger`: the sandbox's whole ledger (``GET /__sandbox/transactions``)."""

    transactions: List[Dict[str, Any]]
    kakaopay_orders: List[Dict[str, Any]]
    payple_billing_keys: List[Dict[str, Any]]
    #: The newest warnings of every request: ``{at, operation, reference, rule, field, evidence}``.
    warnings: List[Dict[str, Any]]


#: Any operation's result document (what :meth:`payup.Client.call` returns, typed loosely).
Result = Dict[str, Any]
