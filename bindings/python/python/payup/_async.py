"""payup.AsyncClient: the asyncio client. Calls run on payup's own I/O thread pool, never on the event loop.

The native call releases the GIL, so the loop (and every other thread) keeps running while a call waits for
the gateway. asyncio's default executor is ``min(32, cpu_count + 4)`` threads shared with everything else
that uses ``run_in_executor`` (six on two cores): payup keeps a pool of its own, :data:`IO_THREADS` threads.

Cancellation: a call that has started is never abandoned. Cancelling the awaiting task (a timeout, a
client that went away) raises ``CancelledError`` in the task at once, but the call itself runs to its end in
the pool — an approval whose bytes left is not cut off half-way, where nobody would learn whether it went
through. Its outcome is then logged on the ``"payup"`` logger as a WARNING record ``call completed after
its task was cancelled``, with the operation and the outcome's kind (no request contents, so no card data),
for reconciliation.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Dict, Mapping, Optional, Tuple, Type

from . import _payup
from ._client import Client, _mapping, _timeout, logger
from ._errors import error_from_document
from ._generated import AsyncOperations

__all__ = ["AsyncClient", "IO_THREADS"]

#: The size of payup's I/O pool: how many calls of every AsyncClient of the process wait on gateways at once.
IO_THREADS = 32

_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="payup-io")
        return _pool


def _after_fork_in_child() -> None:
    # A forked child has none of the pool's threads: it starts a pool of its own on its first call.
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


Outcome = Tuple[bool, Any, float]


def _log_after_cancel(operation: str, future: "Future[Outcome]") -> None:
    """Runs when a call whose task was cancelled completes: its outcome must not vanish."""
    exc = future.exception()
    if exc is not None:
        kind, code = "internal", type(exc).__name__
    else:
        ok, out, _ms = future.result()
        if ok:
            kind, code = "ok", ""
        else:
            error = error_from_document(out)
            kind, code = error.kind, error.code or ""
    logger.warning(
        "%s: call completed after its task was cancelled: %s%s",
        operation,
        kind,
        f" [{code}]" if code else "",
        extra={"payup_operation": operation, "payup_outcome": kind},
    )


class AsyncClient(AsyncOperations):
    """The asyncio twin of :class:`payup.Client`: the same configuration, operations and errors, each call a
    coroutine (``await client.call(...)``, ``await client.payup_keyin_approve(...)``).

    Use one per process (it holds one keep-alive pool), from any event loop; ``async with`` works too. See
    the module documentation for cancellation: a started call always runs to its end.
    """

    __slots__ = ("_client",)

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._client = Client(config)

    def __repr__(self) -> str:
        return repr(self._client).replace("payup.Client", "payup.AsyncClient", 1)

    def __reduce__(self) -> Any:
        raise TypeError("a payup.AsyncClient cannot be pickled (it holds keys): build one from the config in each process")

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Nothing to release but the keep-alive pool, which goes with the client; calls still running in the
        I/O pool finish (see cancellation)."""

    @property
    def sync(self) -> Client:
        """The blocking :class:`payup.Client` this one runs on (same pool), for code outside the loop."""
        return self._client

    async def call(
        self, operation: str, request: Mapping[str, Any], *, timeout_ms: Optional[int] = None
    ) -> Dict[str, Any]:
        """Runs ``operation`` with its request document on payup's I/O pool; see :meth:`payup.Client.call`.

        ``timeout_ms`` is a call option: this call's read timeout in milliseconds, in place of the
        configuration's ``timeouts.read_ms``.
        """
        _mapping("request", request)
        return await self._submit(operation, _payup.document(request), timeout_ms)

    async def _call_fields(
        self, operation: str, names: Tuple[str, ...], values: Tuple[Any, ...], timeout_ms: Optional[int]
    ) -> Any:
        """The typed methods' call (payup._generated): field names and values, ``None`` = not given."""
        return await self._submit(operation, _payup.document_fields(names, values), timeout_ms)

    async def _submit(self, operation: str, converted: Tuple[bool, Any], timeout_ms: Optional[int]) -> Dict[str, Any]:
        # Converted here, on the loop (the caller's dict may change once this awaits), so a bad document
        # raises before anything is queued; the pool thread gets the native document.
        ok, document = converted
        if not ok:
            raise error_from_document(document)
        timeout = _timeout(timeout_ms)
        loop = asyncio.get_running_loop()
        waiter: "asyncio.Future[Outcome]" = loop.create_future()

        def settle(done: "Future[Outcome]") -> None:
            if waiter.done():  # the task was cancelled meanwhile: _log_after_cancel reports it
                return
            exc = done.exception()
            if exc is not None:
                waiter.set_exception(exc)
            else:
                waiter.set_result(done.result())

        def wake(done: "Future[Outcome]") -> None:  # on the pool's thread
            try:
                loop.call_soon_threadsafe(settle, done)
            except RuntimeError:  # the loop is closed: its tasks were cancelled, and that path logs
                pass

        # Not asyncio.wrap_future: cancelling it would cancel the call too. This future is never cancelled.
        running = _executor().submit(self._client._run, operation, document, timeout)
        running.add_done_callback(wake)
        try:
            ok, out, ms = await waiter
        except asyncio.CancelledError:
            running.add_done_callback(lambda done: _log_after_cancel(operation, done))
            raise
        return self._client._result(operation, ok, out, ms)
