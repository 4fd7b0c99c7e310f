"""payup.Client: every operation of the catalogue, generic (:meth:`Client.call`) and typed.

Documents cross into the native module as Python objects (dicts), converted in Rust straight to core's
document and back: no JSON text on the call path (issue 21; bench/README.md has the figures).
"""

from __future__ import annotations

import json
import logging
import os
import time
import weakref
from typing import Any, Dict, Mapping, Optional, Tuple, cast

from . import _payup
from ._errors import InvalidRequestError, error_from_document
from ._generated import Operations

__all__ = ["Client", "logger"]

#: payup's logger. At DEBUG it records each call (operation, outcome, duration) and each HTTP exchange: one
#: record per exchange whose ``record.payup_event`` is the redacted event (a dict: operation, gateway, method,
#: url, status, duration_ms, request_body, response_body, outcome). Card numbers are masked 6+4; card password
#: digits, birth dates, keys and tokens never appear. Events are built only when DEBUG is enabled for it.
logger = logging.getLogger("payup")

_DEBUG = logging.DEBUG


def _log_event(event: Dict[str, Any]) -> None:
    outcome = event["outcome"]
    logger.debug(
        "%s %s %s -> %s %s in %s ms",
        event["operation"],
        event["method"],
        event["url"],
        "no answer" if event["status"] is None else event["status"],
        outcome["kind"] if outcome["gateway_code"] is None else f"{outcome['kind']} [{outcome['gateway_code']}]",
        event["duration_ms"],
        extra={"payup_event": event},
    )


def _install_event_sink(native: "_payup.NativeClient") -> None:
    """Routes a native client's exchange events to :data:`logger` (every client kind calls this). Events are
    built only for calls made while the logger is enabled for DEBUG (each call asks it once)."""
    native.set_event_sink(_log_event)


def _dumps(what: str, document: Any) -> str:
    """The configuration's JSON text (read once per client: not on the call path)."""
    if not isinstance(document, Mapping):
        raise TypeError(f"the {what} must be a mapping (a dict), not {type(document).__name__}")
    try:
        # ASCII escapes: a lone surrogate becomes a JSON escape the core refuses by position, instead of a
        # UnicodeEncodeError that would carry the whole document (card data, keys) in its .object.
        return json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as e:
        # json's message names the offending type ("Object of type X is not JSON serializable"), not the value.
        raise InvalidRequestError(f"the {what} is not a JSON document: {e}", field=what) from None


def _mapping(what: str, document: Any) -> None:
    if not isinstance(document, Mapping):
        raise TypeError(f"the {what} must be a mapping (a dict), not {type(document).__name__}")


#: Every live client of this process, for the after-fork hook below.
_live_clients: "weakref.WeakSet[Client]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child must never use the parent's pooled connections (answers would cross between the
    # processes). The Rust pool notices the new pid on its own; dropping it here as well means a child
    # that forks before any call starts clean, whatever the fork mechanism.
    for client in list(_live_clients):
        client._native.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Client(Operations):
    """A configured payup client: every gateway of the configuration, one keep-alive connection pool.

    ``config`` is the configuration document of the README (``env``, ``timeouts`` and one section per
    gateway: ``payup``, ``payple``, ``kcp``). It is read once; the client keeps no Python copy of the keys.

    The typed methods (``payup_keyin_approve(...)`` and one per operation) come from
    :class:`payup._generated.Operations`, generated from payup-core's schema.

    Network calls release the GIL, and a client is safe to share between threads (share one: it pools
    connections). Failures raise :class:`payup.PayupError` subclasses.
    """

    __slots__ = ("_native", "_gateways", "__weakref__")

    def __init__(self, config: Mapping[str, Any]) -> None:
        native, error = _payup.client_new(_dumps("config", config))
        if native is None:
            raise error_from_document(error or '{"kind": "config", "message": "bad configuration"}')
        _install_event_sink(native)
        self._native = native
        self._gateways = tuple(g for g in ("payup", "payple", "kcp") if g in config)
        _live_clients.add(self)

    def __repr__(self) -> str:
        return f"<payup.Client gateways={','.join(self._gateways) or '-'}>"

    def __reduce__(self) -> Any:
        raise TypeError("a payup.Client cannot be pickled (it holds keys): build one from the config in each process")

    # ---- generic -----------------------------------------------------------------------------------

    def call(
        self, operation: str, request: Mapping[str, Any], *, timeout_ms: Optional[int] = None
    ) -> Dict[str, Any]:
        """Runs ``operation`` (a catalogue name, e.g. ``"payup.keyin.approve"``) with its request document.

        The documents are the ones of ``payup call``: request fields are the gateway's own names in
        snake_case, amounts are integers (KRW); the result is the operation's result document.

        ``timeout_ms`` is a call option (never a request field): this call's read timeout in milliseconds,
        in place of the configuration's ``timeouts.read_ms`` (1–600000).
        """
        _mapping("request", request)
        ok, out, ms = self._run(operation, request, _timeout(timeout_ms))
        return self._result(operation, ok, out, ms)

    def _call_fields(
        self, operation: str, names: Tuple[str, ...], values: Tuple[Any, ...], timeout_ms: Optional[int]
    ) -> Any:
        """The typed methods' call (payup._generated): field names and values, ``None`` = not given. The
        conversion to core's document is native (no JSON text); the logger is asked once per call."""
        if timeout_ms is not None:
            timeout_ms = _timeout(timeout_ms)
        if logger.isEnabledFor(_DEBUG):
            started = time.perf_counter()
            ok, out = self._native.call_fields(operation, names, values, timeout_ms, True)
            return self._result(operation, ok, out, (time.perf_counter() - started) * 1000.0)
        ok, out = self._native.call_fields(operation, names, values, timeout_ms, False)
        if ok:
            return out
        raise error_from_document(out)

    def _run(self, operation: str, request: Any, timeout_ms: Optional[int]) -> Tuple[bool, Any, float]:
        """The native call (the GIL released inside): ``(ok, document, milliseconds)``; ``request`` is a dict
        or a :class:`payup._payup.Document`. Any thread. The duration is only measured for the DEBUG log."""
        if logger.isEnabledFor(_DEBUG):
            started = time.perf_counter()
            ok, out = self._native.call(operation, request, timeout_ms, True)
            return ok, out, (time.perf_counter() - started) * 1000.0
        ok, out = self._native.call(operation, request, timeout_ms, False)
        return ok, out, 0.0

    def _result(self, operation: str, ok: bool, out: Any, ms: float) -> Dict[str, Any]:
        if ok:
            logger.debug("%s: ok in %.1f ms", operation, ms)
            return cast(Dict[str, Any], out)
        error = error_from_document(out)
        logger.debug("%s: %s %s in %.1f ms", operation, error.kind, error.code or "", ms)
        raise error

    def recover(self) -> Dict[str, Any]:
        """Resolves the payment journal's pending and ambiguous entries (the configuration's ``"journal"``),
        as ``payup recover`` does: ``{"resolved": [...], "unresolved": [...], "still_pending": [...]}`` with
        the entries' ids. Entries left unresolved or pending are in the arrays, not raised; a configuration
        without a journal raises :class:`payup.ConfigError`."""
        ok, out = self._native.recover(logger.isEnabledFor(_DEBUG))
        if ok:
            return cast(Dict[str, Any], out)
        raise error_from_document(out)


def _timeout(timeout_ms: Optional[int]) -> Optional[int]:
    """Checks the type here (the native side takes an unsigned integer); the range is the core's rule."""
    if timeout_ms is None:
        return None
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int):
        raise InvalidRequestError(
            f"timeout_ms must be a whole number of milliseconds (1–600000), not {type(timeout_ms).__name__}",
            field="timeout_ms",
        )
    if timeout_ms < 1 or timeout_ms > 600_000:
        raise InvalidRequestError("timeout_ms must be 1–600000 milliseconds", field="timeout_ms")
    return timeout_ms
