"""The result documents of every operation, as TypedDicts.

Results are plain ``dict``s — exactly the JSON documents ``payup call`` prints, so they serialize, compare
and log (they hold no card data: card numbers come back masked by the gateway) like any dict — and these
TypedDicts tell an IDE and mypy every key and its type. Every key is always present; ``Optional`` ones are
``None`` when the gateway did not send them. Field names are the gateway's own in snake_case, ``PCD_``
dropped; amounts are ``int`` (KRW).
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

__all__ = [
    "PayupKeyinApproved",
    "PayupCancelled",
    "KakaopayOrdered",
    "KakaopayWindow",
    "KakaopayCardApproved",
    "KakaopayMoneyApproved",
    "KakaopayApproved",
    "PaypleAuth",
    "PayplePayment",
    "PaypleCancelled",
    "PaypleBillingInfo",
    "PaypleBillingDeleted",
    "KcpKeyinApproved",
    "KcpCancelled",
    "SandboxLedger",
    "Result",
]


class PayupKeyinApproved(TypedDict):
    """``payup.keyin.approve``."""

    transaction_id: str
    order_number: str
    amount: int
    auth_number: str
    auth_date_time: str
    card_name: str
    #: "" not sent, "0000" sent, anything else: the KakaoTalk notification failed.
    kakao_result_code: str
    #: "Y" when an interest-free instalment applied.
    noinf: Optional[str]
    tax_amount: Optional[int]
    vat_amount: Optional[int]
    free_amount: Optional[int]
    response_code: str
    response_msg: str


class PayupCancelled(TypedDict):
    """``payup.keyin.cancel`` and ``payup.kakaopay.cancel``."""

    transaction_id: str
    cancel_date_time: str
    response_code: str
    response_msg: str


class KakaopayOrdered(TypedDict):
    """``payup.kakaopay.order``: hand it to ``payup.kakaopay.window`` to render the payment window."""

    good_mny: int
    site_cd: str
    ret_url: str
    buyr_name: str
    #: Payup's transaction number for this order; the window posts it back.
    ordr_idxx: str
    good_name: str
    approval_key: Optional[str]
    pay_url: Optional[str]
    response_code: str
    response_msg: str


class KakaopayWindow(TypedDict):
    """``payup.kakaopay.window``: the HTML page to send to the buyer's browser."""

    html: str


class KakaopayCardApproved(TypedDict):
    """``payup.kakaopay.approve`` paid by card (``type == "KAKAO_CARD"``)."""

    type: Literal["KAKAO_CARD"]
    transaction_id: str
    order_number: str
    auth_date_time: Optional[str]
    amount: Optional[int]
    auth_number: str
    card_name: str
    #: Masked by the gateway.
    card_no: str
    quota: str
    response_code: str
    response_msg: str


class KakaopayMoneyApproved(TypedDict):
    """``payup.kakaopay.approve`` paid with KakaoPay money (``type == "KAKAO_MONEY"``)."""

    type: Literal["KAKAO_MONEY"]
    transaction_id: str
    order_number: str
    auth_date_time: str
    amount: int
    #: The amount eligible for a cash receipt.
    cash_receipt: int
    response_code: str
    response_msg: str


#: Narrow it with ``if r["type"] == "KAKAO_CARD": ...``.
KakaopayApproved = Union[KakaopayCardApproved, KakaopayMoneyApproved]


class PaypleAuth(TypedDict):
    """``payple.auth``: what the merchant's ``payple_auth_file`` endpoint answers the browser window."""

    result: str
    result_msg: str
    #: Token standing for cst_id in the next call.
    cst_id: str
    #: Token standing for custKey in the next call.
    cust_key: str
    auth_key: str
    #: The absolute URL of the next call.
    return_url: str
    pay_host: Optional[str]
    pay_url: Optional[str]


class PayplePayment(TypedDict):
    """``payple.billing.pay``, ``payple.card.confirm``, ``payple.status`` and ``payple.result``."""

    pay_rst: str
    pay_code: Optional[str]
    pay_msg: str
    pay_type: Optional[str]
    pay_work: Optional[str]
    pay_oid: str
    payer_no: Optional[str]
    payer_id: Optional[str]
    payer_email: Optional[str]
    pay_year: Optional[str]
    pay_month: Optional[str]
    pay_goods: Optional[str]
    pay_total: Optional[int]
    pay_istax: Optional[str]
    pay_taxtotal: Optional[int]
    pay_time: Optional[str]
    card_name: Optional[str]
    #: Masked card number.
    card_num: Optional[str]
    card_trade_num: Optional[str]
    card_auth_no: Optional[str]
    card_receipt: Optional[str]
    reguler_flag: Optional[str]
    user_define1: Optional[str]
    user_define2: Optional[str]
    #: Window results only: what ``payple.card.confirm`` needs for a CERT payment.
    auth_key: Optional[str]
    pay_reqkey: Optional[str]
    pay_cofurl: Optional[str]


class PaypleCancelled(TypedDict):
    """``payple.cancel``."""

    pay_rst: str
    pay_code: Optional[str]
    pay_msg: str
    pay_type: Optional[str]
    pay_oid: str
    payer_no: Optional[str]
    payer_id: Optional[str]
    pay_year: Optional[str]
    pay_month: Optional[str]
    pay_goods: Optional[str]
    reguler_flag: Optional[str]
    refund_total: int
    pay_taxtotal: Optional[int]


class PaypleBillingInfo(TypedDict):
    """``payple.billing.info``."""

    pay_rst: str
    pay_code: Optional[str]
    pay_msg: str
    pay_type: Optional[str]
    payer_id: str
    payer_name: Optional[str]
    payer_hp: Optional[str]
    pay_bank: Optional[str]
    pay_bankname: Optional[str]
    pay_banknum: Optional[str]
    pay_bankacctype: Optional[str]


class PaypleBillingDeleted(TypedDict):
    """``payple.billing.delete``."""

    pay_rst: str
    pay_msg: str
    pay_type: Optional[str]
    pay_work: Optional[str]
    payer_id: str
    payer_no: Optional[str]


class KcpKeyinApproved(TypedDict):
    """``kcp.keyin.approve``."""

    res_cd: str
    res_msg: str
    res_en_msg: Optional[str]
    #: KCP's transaction number: keep it whole.
    tno: str
    amount: int
    card_cd: Optional[str]
    card_name: Optional[str]
    #: Masked by KCP.
    card_no: Optional[str]
    app_no: Optional[str]
    app_time: Optional[str]
    noinf: Optional[str]
    noinf_type: Optional[str]
    quota: Optional[str]
    card_mny: Optional[int]
    acqu_cd: Optional[str]
    acqu_name: Optional[str]
    partcanc_yn: Optional[str]
    card_bin_type_01: Optional[str]
    card_bin_type_02: Optional[str]
    card_bin_bank_cd: Optional[str]


class KcpCancelled(TypedDict):
    """``kcp.cancel``."""

    res_cd: str
    res_msg: str
    tno: str
    #: ``STSC`` (full) or ``STPC`` (partial).
    mod_type: Optional[str]
    #: The original amount.
    amount: Optional[int]
    #: The amount this cancel took back.
    mod_mny: Optional[int]
    #: The balance after this cancel.
    rem_mny: Optional[int]
    canc_time: Optional[str]


class SandboxLedger(TypedDict):
    """:meth:`payup.Sandbox.ledger`: the sandbox's whole ledger (``GET /__sandbox/transactions``)."""

    transactions: List[Dict[str, Any]]
    kakaopay_orders: List[Dict[str, Any]]
    payple_billing_keys: List[Dict[str, Any]]


#: Any operation's result document (what :meth:`payup.Client.call` returns, typed loosely).
Result = Dict[str, Any]
