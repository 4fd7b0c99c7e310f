"""payup's exceptions: one class per error kind (DESIGN §3), all under :class:`PayupError`.

The native module never raises these itself: it hands back the ``{"error": {...}}`` document, and
:func:`error_from_document` builds the exception here. Messages come from payup's core, which builds them
from field names, rules and gateway codes only: they never hold a card number, password digits, a birth
date or a key.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Type

__all__ = [
    "PayupError",
    "InvalidRequestError",
    "ConfigError",
    "DeclinedError",
    "NotSentError",
    "AmbiguousOutcomeError",
    "error_from_document",
]


class PayupError(Exception):
    """Any failure of a payup operation.

    Attributes:
        kind: ``"invalid"``, ``"config"``, ``"declined"``, ``"not_sent"`` or ``"ambiguous"``.
        gateway_code: the gateway's own response code (``"9101"``, ``"PAYC0003"``…), when it answered with one.
        payup_code: payup's own decision (``"AMOUNT_MISMATCH"``, ``"ORDER_MISMATCH"``, ``"INTERNAL"``…), or None.
        retry_safe: True only where sending the same request again cannot cause a second effect (nothing
            was sent, or it was refused before sending): never for ``declined`` or ``ambiguous``.
        code: ``payup_code`` if set, else ``gateway_code`` (an alias kept for one release).
        display: the whole message line as payup's core renders it (what ``str(e)`` is).
        message: what went wrong (the gateway's own message for a gateway code).
        field: the first broken field of the request (``invalid``), in the request's naming.
        gateway: ``"payup"``, ``"payple"`` or ``"kcp"`` when one gateway is concerned.
        message_en: an English message for a known gateway code.
        fields: every broken field with its rule: ``[{"field": ..., "rule": ...}]``.
        ambiguous: for ``ambiguous`` outcomes, what is known to reconcile them: ``{"operation",
            "order_number", "transaction_id", "amount", "tried"}``.
        journal_id: the payment journal's entry the error is about (``IN_FLIGHT``, ``DUPLICATE_ORDER``, an
            ``ambiguous`` journaled call), or None.
        document: the whole error document, as ``payup call`` prints it under ``"error"``.
    """

    kind: str = "error"

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        code: Optional[str] = None,
        field: Optional[str] = None,
        gateway: Optional[str] = None,
        message_en: Optional[str] = None,
        fields: Optional[List[Dict[str, str]]] = None,
        ambiguous: Optional[Dict[str, Any]] = None,
        gateway_code: Optional[str] = None,
        payup_code: Optional[str] = None,
        retry_safe: Optional[bool] = None,
        display: Optional[str] = None,
        journal_id: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.code = code
        # Documents without the newer keys (an older core): the code is the gateway's, resending is safe
        # only when nothing was sent.
        self.gateway_code = gateway_code if gateway_code is not None or payup_code is not None else code
        self.payup_code = payup_code
        self.retry_safe = retry_safe if retry_safe is not None else self.kind == "not_sent"
        self.display = display
        self.message = message
        self.field = field
        self.gateway = gateway
        self.message_en = message_en
        self.fields: List[Dict[str, str]] = list(fields or [])
        self.ambiguous = ambiguous
        self.journal_id = journal_id

    @property
    def document(self) -> Dict[str, Any]:
        doc: Dict[str, Any] = {
            "kind": self.kind,
            "gateway": self.gateway,
            "code": self.code,
            "gateway_code": self.gateway_code,
            "payup_code": self.payup_code,
            "retry_safe": self.retry_safe,
            "message": self.message,
            "field": self.field,
        }
        if self.display is not None:
            doc["display"] = self.display
        if self.message_en is not None:
            doc["message_en"] = self.message_en
        if self.fields:
            doc["fields"] = [dict(f) for f in self.fields]
        if self.ambiguous is not None:
            doc["ambiguous"] = dict(self.ambiguous)
        if self.journal_id is not None:
            doc["journal_id"] = self.journal_id
        return doc

    def __str__(self) -> str:
        # Core's own rendering (the Rust error's Display), as the document carries it.
        if self.display is not None:
            return self.display
        # An error raised here in Python (a document that is not JSON…), or a document without "display".
        s = f"{self.gateway}: " if self.gateway else ""
        s += self.kind
        if self.code:
            s += f" [{self.code}]"
        s += f": {self.message}"
        if self.message_en:
            s += f" ({self.message_en})"
        return s

    def __repr__(self) -> str:
        parts = [f"kind={self.kind!r}"]
        for name in ("gateway", "code", "field"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        parts.append(f"message={self.message!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> Any:
        # Picklable (e.g. across multiprocessing) with every attribute.
        return (_rebuild, (type(self), self.document))


class InvalidRequestError(PayupError, ValueError):
    """The request broke a rule of the spec (``field`` says which); nothing was sent. Fix it, then send."""

    kind = "invalid"


class ConfigError(PayupError):
    """Bad or missing configuration: a key the gateway refused, a base URL, a missing gateway section."""

    kind = "config"


class DeclinedError(PayupError):
    """The gateway answered with a non-success code (``code``, ``message``). A new request may be made."""

    kind = "declined"


class NotSentError(PayupError):
    """Nothing left this machine (DNS, refused connection, connect timeout, TLS): safe to send again."""

    kind = "not_sent"


class AmbiguousOutcomeError(PayupError):
    """The request may have reached the gateway and its outcome is unknown: **never resend blindly**.

    Query the gateway, cancel, or hand ``ambiguous`` (order number, transaction id, amount, what was
    tried) to a person.
    """

    kind = "ambiguous"


_BY_KIND: Dict[str, Type[PayupError]] = {
    "invalid": InvalidRequestError,
    "config": ConfigError,
    "declined": DeclinedError,
    "not_sent": NotSentError,
    "ambiguous": AmbiguousOutcomeError,
}


def _opt_str(doc: Mapping[str, Any], key: str) -> Optional[str]:
    value = doc.get(key)
    return value if isinstance(value, str) else None


def _build(cls: Type[PayupError], doc: Mapping[str, Any]) -> PayupError:
    fields = doc.get("fields")
    ambiguous = doc.get("ambiguous")
    retry_safe = doc.get("retry_safe")
    return cls(
        str(doc.get("message", "")),
        kind=_opt_str(doc, "kind"),
        code=_opt_str(doc, "code"),
        field=_opt_str(doc, "field"),
        gateway=_opt_str(doc, "gateway"),
        message_en=_opt_str(doc, "message_en"),
        fields=[dict(f) for f in fields] if isinstance(fields, list) else None,
        ambiguous=dict(ambiguous) if isinstance(ambiguous, dict) else None,
        gateway_code=_opt_str(doc, "gateway_code"),
        payup_code=_opt_str(doc, "payup_code"),
        retry_safe=retry_safe if isinstance(retry_safe, bool) else None,
        display=_opt_str(doc, "display"),
        journal_id=doc.get("journal_id") if isinstance(doc.get("journal_id"), int) else None,
    )


def _rebuild(cls: Type[PayupError], doc: Mapping[str, Any]) -> PayupError:
    return _build(cls, doc)


def error_from_document(document: Any) -> PayupError:
    """The exception for an error document: ``{"error": {...}}`` or its inner object, as a dict or JSON text."""
    if isinstance(document, (str, bytes)):
        document = json.loads(document)
    if isinstance(document, Mapping) and isinstance(document.get("error"), Mapping):
        document = document["error"]
    if not isinstance(document, Mapping):
        raise TypeError("an error document is a JSON object")
    cls = _BY_KIND.get(str(document.get("kind")), PayupError)
    return _build(cls, document)
