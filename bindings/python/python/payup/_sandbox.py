"""payup.Sandbox: the four gateways' local emulator, running inside this Python process."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Dict, List, Literal, Mapping, Optional, Type, cast

from . import _payup
from ._client import Client
from ._types import SandboxLedger

__all__ = ["Sandbox", "TEST_CARD_APPROVED", "TEST_CARD_DECLINED", "KCP_TEST_CERT_PEM", "FAULTS"]

#: A Luhn-valid number: approved by every gateway of the sandbox.
TEST_CARD_APPROVED = "4111111111111111"
#: Ends in 0002: declined (Payup code 9101, KCP 8101).
TEST_CARD_DECLINED = "4000000000000002"
#: The test certificate of the sandbox's NHN KCP site ``T0000`` (the ``kcp.cert_info`` of a client).
KCP_TEST_CERT_PEM: str = _payup.KCP_TEST_CERT_PEM
#: The faults :meth:`Sandbox.arm_fault` accepts.
FAULTS: List[str] = list(_payup.FAULTS)

KakaoChoice = Literal["card", "money", "decline", "cancel"]


class Sandbox:
    """The sandbox of all four gateways (Payup keyin and KakaoPay, Payple, NHN KCP) on a loopback port, in
    this process: for a merchant's own test suite, with no network, contract or key.

    ``config`` adds merchants to the specs' test identities (see the sandbox README); the defaults are what
    :meth:`client_config` uses. Use it as a context manager, or call :meth:`close`::

        with payup.Sandbox() as sandbox:
            client = payup.Client(sandbox.client_config())
            client.payup_keyin_approve(...)
            assert sandbox.transactions()[0]["status"] == "approved"

    Test cards: ``4111111111111111`` is approved, one ending in ``0002`` is declined, a Luhn-invalid
    number is invalid. The sandbox keeps only masks of card numbers.
    """

    __slots__ = ("_native",)

    def __init__(self, config: Optional[Mapping[str, Any]] = None) -> None:
        self._native = _payup.NativeSandbox(json.dumps(dict(config)) if config is not None else None)

    # ---- life ----------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash): the ``base_url`` of every gateway section."""
        return self._native.base_url

    @property
    def closed(self) -> bool:
        return self._native.closed

    def close(self) -> None:
        """Stops the server (idempotent)."""
        self._native.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<payup.Sandbox {self.base_url} ({'closed' if self.closed else 'running'})>"

    # ---- a client for it -------------------------------------------------------------------------------

    def client_config(self, *, connect_ms: int = 2000, read_ms: int = 10000) -> Dict[str, Any]:
        """The configuration document of a client against this sandbox, for its first merchant of each
        gateway (by default the specs' test identities: Payup ``tester``, Payple ``test``, KCP ``T0000`` with
        the test certificate and private key, so that ``kcp.cancel`` can be signed)."""
        doc = cast(Dict[str, Any], json.loads(self._native.client_config()))
        doc["timeouts"] = {"connect_ms": connect_ms, "read_ms": read_ms}
        return doc

    def client(self, *, connect_ms: int = 2000, read_ms: int = 10000) -> Client:
        """A :class:`payup.Client` configured by :meth:`client_config`."""
        return Client(self.client_config(connect_ms=connect_ms, read_ms=read_ms))

    # ---- ledger and control ------------------------------------------------------------------------------

    def ledger(self) -> SandboxLedger:
        """The whole ledger: ``transactions``, ``kakaopay_orders`` and ``payple_billing_keys``."""
        return cast(SandboxLedger, json.loads(self._native.transactions()))

    def transactions(self) -> List[Dict[str, Any]]:
        """Every transaction of the ledger (approvals, with their ``status``: approved, cancelled…), in order."""
        return self.ledger()["transactions"]

    def arm_fault(self, operation: str, fault: str, delay_ms: Optional[int] = None, times: int = 1) -> None:
        """Arms ``fault`` for the next ``times`` calls of ``operation`` (a catalogue name). Faults:
        ``delay`` (answer after ``delay_ms``), ``http_500``, ``malformed_body``, ``reset_before_commit``,
        ``drop_after_commit``, ``wrong_amount``, ``crossed_answer`` (the answer of the previous call of the
        operation: another order's). Raises ``ValueError`` for an unknown name."""
        self._native.arm_fault(operation, fault, delay_ms, times)

    def clear_faults(self) -> None:
        self._native.clear_faults()

    def reset(self) -> None:
        """Empties the ledger (the specs' sample billing keys are registered again) and clears faults."""
        self._native.reset()

    def register_payple_card(self, card_no: str = TEST_CARD_APPROVED, payer_no: str = "") -> str:
        """Registers a card for Payple billing and returns its billing key (``payer_id``)."""
        return self._native.register_payple_card(card_no, payer_no)

    def advance_clock(self, secs: int) -> str:
        """Moves the sandbox clock ``secs`` seconds on (back when negative): Payple's AuthKey lifetime,
        billing months and KST dates follow it. Returns the sandbox's time (RFC 3339, KST)."""
        return self._native.advance_clock(int(secs))

    def set_clock(self, iso: str) -> str:
        """Sets the sandbox clock to an RFC 3339 date-time (``2026-12-01T23:59:50+09:00``); returns it in KST.
        Raises ``ValueError`` for anything else."""
        return self._native.set_clock(str(iso))

    # ---- the person at the payment windows ----------------------------------------------------------------

    def pay_kakaopay_window(self, html: str, choice: KakaoChoice = "card") -> Dict[str, str]:
        """Plays the buyer at KakaoPay's mobile (WM) window: submits the page of
        :meth:`payup.Client.payup_kakaopay_window` as a browser would, chooses ``card``, ``money`` or
        ``cancel``, and returns the fields the window then POSTs to the merchant's return URL (``res_cd``,
        ``enc_info``, ``enc_data``, ``tran_cd``, ``card_pay_method``, ``ordr_idxx``…)."""
        _url, fields = _payup.person_kakaopay_mobile(html, choice)
        return dict(fields)

    def pay_kakaopay_pc(self, ordr_idxx: str, choice: KakaoChoice = "card") -> Dict[str, Any]:
        """Plays the buyer at KakaoPay's PC (WP) window for an order; returns the result fields that the
        page's ``m_Completepayment`` receives."""
        return cast(Dict[str, Any], json.loads(_payup.person_kakaopay_pc(self.base_url, ordr_idxx, choice)))

    def pay_payple_window(
        self,
        auth: Mapping[str, Any],
        fields: Mapping[str, Any],
        *,
        card_no: str = TEST_CARD_APPROVED,
        expiry_mmyy: str = "1230",
        birth: str = "890302",
        pw2: str = "12",
    ) -> Dict[str, Any]:
        """Plays the buyer at Payple's window: given the ``payple.auth`` result and the window's
        ``PCD_*`` fields (``PCD_PAY_TYPE``, ``PCD_PAY_WORK``, ``PCD_PAY_TOTAL``, ``PCD_PAY_OID``…), pays with
        a card and returns the result fields the merchant receives (give them to ``payple_result``)."""
        out = _payup.person_payple_window(
            json.dumps(dict(auth)), json.dumps(dict(fields)), card_no, expiry_mmyy, birth, pw2
        )
        return cast(Dict[str, Any], json.loads(out))
