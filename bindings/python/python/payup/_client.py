"""payup.Client: every operation of the catalogue, generic (:meth:`Client.call`) and typed."""

from __future__ import annotations

import json
import logging
import os
import time
import weakref
from typing import Any, Dict, Literal, Mapping, Optional, cast

from . import _payup
from ._errors import InvalidRequestError, error_from_document
from ._types import (
    KakaopayApproved,
    KakaopayOrdered,
    KakaopayWindow,
    KcpCancelled,
    KcpKeyinApproved,
    PaypleAuth,
    PaypleBillingDeleted,
    PaypleBillingInfo,
    PaypleCancelled,
    PayplePayment,
    PayupCancelled,
    PayupKeyinApproved,
)

__all__ = ["Client", "logger"]

#: payup's logger. It records operation names, outcomes (kind and gateway code) and durations: never a
#: request's contents, so never a card number, password digits, a birth date or a key.
logger = logging.getLogger("payup")

WindowKind = Literal["WM", "WP"]


def _dumps(what: str, document: Any) -> str:
    if not isinstance(document, Mapping):
        raise TypeError(f"the {what} must be a mapping (a dict), not {type(document).__name__}")
    try:
        # ASCII escapes: a lone surrogate becomes a JSON escape the core refuses by position, instead of a
        # UnicodeEncodeError that would carry the whole document (card data, keys) in its .object.
        return json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as e:
        # json's message names the offending type ("Object of type X is not JSON serializable"), not the value.
        raise InvalidRequestError(f"the {what} is not a JSON document: {e}", field=what) from None


def _fields(**fields: Any) -> Dict[str, Any]:
    """A request document from keyword arguments: ``None`` means "not given" and is left out."""
    return {k: v for k, v in fields.items() if v is not None}


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


class Client:
    """A configured payup client: every gateway of the configuration, one keep-alive connection pool.

    ``config`` is the configuration document of the README (``env``, ``timeouts`` and one section per
    gateway: ``payup``, ``payple``, ``kcp``). It is read once; the client keeps no Python copy of the keys.

    Network calls release the GIL, and a client is safe to share between threads (share one: it pools
    connections). Failures raise :class:`payup.PayupError` subclasses.
    """

    __slots__ = ("_native", "_gateways", "__weakref__")

    def __init__(self, config: Mapping[str, Any]) -> None:
        native, error = _payup.client_new(_dumps("config", config))
        if native is None:
            raise error_from_document(error or '{"kind": "config", "message": "bad configuration"}')
        self._native = native
        self._gateways = tuple(g for g in ("payup", "payple", "kcp") if g in config)
        _live_clients.add(self)

    def __repr__(self) -> str:
        return f"<payup.Client gateways={','.join(self._gateways) or '-'}>"

    def __reduce__(self) -> Any:
        raise TypeError("a payup.Client cannot be pickled (it holds keys): build one from the config in each process")

    # ---- generic -----------------------------------------------------------------------------------

    def call(self, operation: str, request: Mapping[str, Any]) -> Dict[str, Any]:
        """Runs ``operation`` (a catalogue name, e.g. ``"payup.keyin.approve"``) with its request document.

        The documents are the ones of ``payup call``: request fields are the gateway's own names in
        snake_case, amounts are integers (KRW); the result is the operation's result document.
        """
        text = _dumps("request", request)
        started = time.perf_counter()
        ok, out = self._native.call(operation, text)
        ms = (time.perf_counter() - started) * 1000.0
        if ok:
            logger.debug("%s: ok in %.1f ms", operation, ms)
            return cast(Dict[str, Any], json.loads(out))
        error = error_from_document(out)
        logger.debug("%s: %s %s in %.1f ms", operation, error.kind, error.code or "", ms)
        raise error

    # ---- Payup card keyin ----------------------------------------------------------------------------

    def payup_keyin_approve(
        self,
        *,
        order_number: str,
        card_no: str,
        expire_month: str,
        expire_year: str,
        birthday: str,
        card_pw: str,
        amount: int,
        item_name: str,
        user_name: str,
        quota: Optional[int] = None,
        mobile_number: Optional[str] = None,
        kakao_send: Optional[bool] = None,
        user_email: Optional[str] = None,
        tax_flag: Optional[bool] = None,
        tax_amount: Optional[int] = None,
        free_amount: Optional[int] = None,
    ) -> PayupKeyinApproved:
        """``payup.keyin.approve``: a card payment (card number, expiry MM/YY, birth date or business
        number, first 2 password digits). ``quota`` is the instalment months (0–24)."""
        doc = _fields(
            order_number=order_number,
            card_no=card_no,
            expire_month=expire_month,
            expire_year=expire_year,
            birthday=birthday,
            card_pw=card_pw,
            amount=amount,
            quota=quota,
            item_name=item_name,
            user_name=user_name,
            mobile_number=mobile_number,
            kakao_send=kakao_send,
            user_email=user_email,
            tax_flag=tax_flag,
            tax_amount=tax_amount,
            free_amount=free_amount,
        )
        return cast(PayupKeyinApproved, self.call("payup.keyin.approve", doc))

    def payup_keyin_cancel(self, *, transaction_id: str) -> PayupCancelled:
        """``payup.keyin.cancel``: cancels a keyin approval in full."""
        return cast(PayupCancelled, self.call("payup.keyin.cancel", _fields(transaction_id=transaction_id)))

    # ---- Payup KakaoPay (via NHN KCP) -----------------------------------------------------------------

    def payup_kakaopay_order(
        self,
        *,
        order_number: str,
        amount: int,
        item_name: str,
        user_name: str,
        return_url: str,
        user_agent: Optional[WindowKind] = None,
        http_user_agent: Optional[str] = None,
        app_url: Optional[str] = None,
        user_email: Optional[str] = None,
        cashbill_yn: Optional[bool] = None,
        mobile_number: Optional[str] = None,
    ) -> KakaopayOrdered:
        """``payup.kakaopay.order``: registers an order; ``user_agent`` is ``"WM"`` (mobile, default) or
        ``"WP"`` (PC)."""
        doc = _fields(
            order_number=order_number,
            user_agent=user_agent,
            http_user_agent=http_user_agent,
            app_url=app_url,
            amount=amount,
            item_name=item_name,
            user_name=user_name,
            return_url=return_url,
            user_email=user_email,
            cashbill_yn=cashbill_yn,
            mobile_number=mobile_number,
        )
        return cast(KakaopayOrdered, self.call("payup.kakaopay.order", doc))

    def payup_kakaopay_window(
        self,
        *,
        order: Mapping[str, Any],
        user_agent: Optional[WindowKind] = None,
        kcp_script_url: Optional[str] = None,
        param_opt_1: Optional[str] = None,
        param_opt_2: Optional[str] = None,
        param_opt_3: Optional[str] = None,
    ) -> KakaopayWindow:
        """``payup.kakaopay.window`` (no network): the payment-window page for an order's result."""
        doc = _fields(
            order=dict(order),
            user_agent=user_agent,
            kcp_script_url=kcp_script_url,
            param_opt_1=param_opt_1,
            param_opt_2=param_opt_2,
            param_opt_3=param_opt_3,
        )
        return cast(KakaopayWindow, self.call("payup.kakaopay.window", doc))

    def payup_kakaopay_approve(
        self,
        *,
        res_cd: str,
        ordr_idxx: str,
        amount: int,
        enc_info: Optional[str] = None,
        enc_data: Optional[str] = None,
        tran_cd: Optional[str] = None,
        card_pay_method: Optional[str] = None,
    ) -> KakaopayApproved:
        """``payup.kakaopay.approve``: approves what the window posted back (``res_cd``, ``enc_info``,
        ``enc_data``, ``tran_cd``, ``card_pay_method``, ``ordr_idxx``) for the order's ``amount``."""
        doc = _fields(
            res_cd=res_cd,
            enc_info=enc_info,
            enc_data=enc_data,
            tran_cd=tran_cd,
            card_pay_method=card_pay_method,
            ordr_idxx=ordr_idxx,
            amount=amount,
        )
        return cast(KakaopayApproved, self.call("payup.kakaopay.approve", doc))

    def payup_kakaopay_cancel(self, *, transaction_id: str, cancel_reason: str) -> PayupCancelled:
        """``payup.kakaopay.cancel``."""
        doc = _fields(transaction_id=transaction_id, cancel_reason=cancel_reason)
        return cast(PayupCancelled, self.call("payup.kakaopay.cancel", doc))

    # ---- Payple card ---------------------------------------------------------------------------------

    def payple_auth(
        self,
        *,
        pay_type: Optional[str] = None,
        pay_work: Optional[str] = None,
        reguler_flag: Optional[bool] = None,
        simple_flag: Optional[bool] = None,
        paycancel_flag: Optional[bool] = None,
        paychk_flag: Optional[bool] = None,
    ) -> PaypleAuth:
        """``payple.auth``: partner auth for the browser window (what ``payple_auth_file`` answers).
        With no argument, the window's auth (``pay_type="card"``)."""
        doc = _fields(
            pay_type=pay_type,
            pay_work=pay_work,
            reguler_flag=reguler_flag,
            simple_flag=simple_flag,
            paycancel_flag=paycancel_flag,
            paychk_flag=paychk_flag,
        )
        return cast(PaypleAuth, self.call("payple.auth", doc))

    def payple_card_confirm(
        self,
        *,
        auth_key: str,
        pay_reqkey: str,
        pay_oid: str,
        amount: int,
        payer_id: Optional[str] = None,
        pay_cofurl: Optional[str] = None,
    ) -> PayplePayment:
        """``payple.card.confirm``: the final approval of a window payment made with ``PCD_PAY_WORK:
        CERT``; ``auth_key``, ``pay_reqkey`` and ``pay_cofurl`` come from :meth:`payple_result`, ``pay_oid``
        and ``amount`` are the merchant's own and are checked against the payment."""
        doc = _fields(
            auth_key=auth_key,
            pay_reqkey=pay_reqkey,
            payer_id=payer_id,
            pay_cofurl=pay_cofurl,
            pay_oid=pay_oid,
            amount=amount,
        )
        return cast(PayplePayment, self.call("payple.card.confirm", doc))

    def payple_billing_pay(
        self,
        *,
        payer_id: str,
        pay_goods: str,
        pay_total: int,
        pay_oid: str,
        pay_year: str,
        pay_month: str,
        payer_no: Optional[str] = None,
        payer_hp: Optional[str] = None,
        payer_email: Optional[str] = None,
        pay_istax: Optional[bool] = None,
        pay_taxtotal: Optional[int] = None,
        simple_flag: Optional[bool] = None,
        user_define1: Optional[str] = None,
        user_define2: Optional[str] = None,
    ) -> PayplePayment:
        """``payple.billing.pay``: a payment with a billing key (``payer_id``); recurring by default,
        ``simple_flag=True`` for a one-click payment."""
        doc = _fields(
            payer_id=payer_id,
            payer_no=payer_no,
            payer_hp=payer_hp,
            payer_email=payer_email,
            pay_goods=pay_goods,
            pay_total=pay_total,
            pay_istax=pay_istax,
            pay_taxtotal=pay_taxtotal,
            pay_oid=pay_oid,
            pay_year=pay_year,
            pay_month=pay_month,
            simple_flag=simple_flag,
            user_define1=user_define1,
            user_define2=user_define2,
        )
        return cast(PayplePayment, self.call("payple.billing.pay", doc))

    def payple_billing_info(self, *, payer_id: str, payer_no: str) -> PaypleBillingInfo:
        """``payple.billing.info``: what Payple knows of a billing key (read-only; PUSERINFO needs payer_no)."""
        doc = _fields(payer_id=payer_id, payer_no=payer_no)
        return cast(PaypleBillingInfo, self.call("payple.billing.info", doc))

    def payple_billing_delete(self, *, payer_id: str, payer_no: Optional[str] = None) -> PaypleBillingDeleted:
        """``payple.billing.delete``: deletes a billing key."""
        doc = _fields(payer_id=payer_id, payer_no=payer_no)
        return cast(PaypleBillingDeleted, self.call("payple.billing.delete", doc))

    def payple_cancel(
        self,
        *,
        pay_oid: str,
        pay_date: str,
        refund_total: int,
        pay_taxtotal: Optional[int] = None,
        reguler_flag: Optional[bool] = None,
        pay_year: Optional[str] = None,
        pay_month: Optional[str] = None,
    ) -> PaypleCancelled:
        """``payple.cancel``: a full refund, or a partial one below the paid amount. ``pay_date`` is the
        payment's date ``YYYYMMDD``; a recurring payment needs ``reguler_flag``, ``pay_year`` and ``pay_month``."""
        doc = _fields(
            pay_oid=pay_oid,
            pay_date=pay_date,
            refund_total=refund_total,
            pay_taxtotal=pay_taxtotal,
            reguler_flag=reguler_flag,
            pay_year=pay_year,
            pay_month=pay_month,
        )
        return cast(PaypleCancelled, self.call("payple.cancel", doc))

    def payple_status(
        self,
        *,
        pay_oid: str,
        pay_date: str,
        reguler_flag: Optional[bool] = None,
        pay_year: Optional[str] = None,
        pay_month: Optional[str] = None,
    ) -> PayplePayment:
        """``payple.status``: what Payple knows of an order (read-only)."""
        doc = _fields(
            pay_oid=pay_oid, pay_date=pay_date, reguler_flag=reguler_flag, pay_year=pay_year, pay_month=pay_month
        )
        return cast(PayplePayment, self.call("payple.status", doc))

    def payple_result(
        self, *, form: Optional[str] = None, fields: Optional[Mapping[str, Any]] = None
    ) -> PayplePayment:
        """``payple.result`` (no network): reads the window's result, given either as the form-encoded body
        POSTed to ``PCD_RST_URL`` (``form``) or as the object handed to ``callbackFunction`` (``fields``)."""
        doc = _fields(form=form, fields=dict(fields) if fields is not None else None)
        return cast(PayplePayment, self.call("payple.result", doc))

    # ---- NHN KCP keyin -----------------------------------------------------------------------------

    def kcp_keyin_approve(
        self,
        *,
        ordr_idxx: str,
        good_name: str,
        buyr_name: str,
        amount: int,
        card_no: str,
        card_expiry: str,
        card_taxno: Optional[str] = None,
        card_pwd: Optional[str] = None,
        quota: Optional[int] = None,
        currency: Optional[str] = None,
        buyr_mail: Optional[str] = None,
        buyr_tel2: Optional[str] = None,
        cust_ip: Optional[str] = None,
        card_tx_type: Optional[str] = None,
    ) -> KcpKeyinApproved:
        """``kcp.keyin.approve``: certified when ``card_taxno`` (birth date or business number) and
        ``card_pwd`` (first 2 password digits) are given, uncertified otherwise. ``card_expiry`` is YYMM."""
        doc = _fields(
            ordr_idxx=ordr_idxx,
            good_name=good_name,
            buyr_name=buyr_name,
            buyr_mail=buyr_mail,
            buyr_tel2=buyr_tel2,
            amount=amount,
            currency=currency,
            quota=quota,
            card_no=card_no,
            card_expiry=card_expiry,
            card_taxno=card_taxno,
            card_pwd=card_pwd,
            cust_ip=cust_ip,
            card_tx_type=card_tx_type,
        )
        return cast(KcpKeyinApproved, self.call("kcp.keyin.approve", doc))

    def kcp_cancel(
        self,
        *,
        tno: str,
        mod_desc: str,
        mod_type: Optional[Literal["STSC", "STPC"]] = None,
        mod_mny: Optional[int] = None,
        rem_mny: Optional[int] = None,
    ) -> KcpCancelled:
        """``kcp.cancel``: cancels a KCP approval (``tno``) with a reason (``mod_desc``): in full (``STSC``, the
        default) or in part (``mod_type="STPC"`` with ``mod_mny``, the amount to cancel, and ``rem_mny``, the
        balance before this cancel). Signed with ``kcp.private_key`` of the configuration."""
        doc = _fields(tno=tno, mod_type=mod_type, mod_desc=mod_desc, mod_mny=mod_mny, rem_mny=rem_mny)
        return cast(KcpCancelled, self.call("kcp.cancel", doc))
