"""Strict reading of the gateway's answers to order placement, modification and question replies.

Every outcome arrives as HTTP 200. An item is an acknowledgement only with a real order id and a
status; an item with an ``id`` and a ``message`` is a question; an ``error`` text is a refusal; and
anything else is *unreadable*: the caller must then look the order up, never guess.
"""

from __future__ import annotations

import re
from typing import TypeAlias

import attrs

from ibkr_webapi_client.models import ErrorResponse, OrderQuestion, OrderResponse
from ibkr_webapi_client.types import Response

from .. import errors
from ..errors import UnexpectedResponseError
from ..seam import body_excerpt, str_tuple

__all__ = [
    "Acknowledged",
    "Asked",
    "OrderAnswer",
    "Refused",
    "Unreadable",
    "classify",
    "is_duplicate_refusal",
    "may_have_acted",
]

OrderReply: TypeAlias = ErrorResponse | list[OrderQuestion | OrderResponse]

_ORDER_ID = re.compile(r"-?\d{1,19}")
_REPLY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-:.]{0,127}")
# Wordings of a refusal of a cOID the gateway has seen before. The first is the one IBKR documents
# ("Order couldn't be submitted: Local order ID=<cOID> is already registered."); the others are
# wordings gateways and brokers use for the same refusal. Matching one only makes the client look the
# order up (it never places anything), so a false match costs a look-up, never a duplicate.
_DUPLICATE_WORDINGS = (
    "local order id",
    "duplicate order",
    "duplicate client order",
    "duplicate coid",
    "duplicate c_oid",
    "duplicate orderref",
    "duplicate order ref",
    "order id already",
    "order ref already",
    "coid already",
    "client order id already",
    "already been submitted",
    "already submitted",
    "is already registered",
    "already in use",
    "already exists",
    "already used",
    "was used before",
    "not unique",
)
_COID_CHARS = "A-Za-z0-9_.:\\-"
# A 4xx answer to an order request is the gateway's refusal (nothing was done), except these.
_MAYBE_ACTED_4XX = frozenset({408, 409, 425, 499})


@attrs.frozen
class Acknowledged:
    """The gateway accepted an order: a real id and a status."""

    order_id: int
    status: str
    local_order_id: str | None = None
    """The cOID echoed back, when the gateway does."""
    parent_order_id: int | None = None


@attrs.frozen
class Asked:
    """The gateway wants a question answered before it goes on."""

    reply_id: str
    messages: tuple[str, ...]
    message_ids: tuple[str, ...]


@attrs.frozen
class Refused:
    """The gateway said no, in its own words."""

    text: str


@attrs.frozen
class Unreadable:
    """An answer that fits none of the documented shapes (the order may or may not exist)."""

    detail: str


OrderAnswer: TypeAlias = list[Acknowledged] | Asked | Refused | Unreadable


def _acknowledgement(item: OrderResponse) -> Acknowledged | None:
    order_id = item.order_id
    status = item.order_status
    if isinstance(order_id, int) and not isinstance(order_id, bool):
        order_id = str(order_id)
    if not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id.strip()):
        return None
    if not isinstance(status, str) or not status.strip():
        return None
    if {"id", "message"} & set(item.additional_properties):
        return None  # a question and an acknowledgement at once: not something to trust
    parent = item.parent_order_id
    local = item.local_order_id
    return Acknowledged(
        order_id=int(order_id.strip()),
        status=status.strip(),
        local_order_id=local if isinstance(local, str) and local else None,
        parent_order_id=int(parent)
        if isinstance(parent, str) and _ORDER_ID.fullmatch(parent)
        else None,
    )


def _question(item: OrderQuestion) -> Asked | None:
    reply_id = item.id
    if not isinstance(reply_id, str) or not _REPLY_ID.fullmatch(reply_id):
        return None
    try:
        messages = str_tuple(item.message, "message")
        ids = str_tuple(item.message_ids, "messageIds")
    except UnexpectedResponseError:
        return None
    if not messages:
        return None
    return Asked(reply_id=reply_id, messages=messages, message_ids=ids)


def classify(response: Response[OrderReply]) -> OrderAnswer:
    """What an order answer says; never raises."""
    parsed = response.parsed
    excerpt = body_excerpt(response)
    if isinstance(parsed, ErrorResponse):
        text = parsed.error if isinstance(parsed.error, str) else None
        if not text:
            text = parsed.message if isinstance(parsed.message, str) else None
        if text and text.strip():
            return Refused(text.strip())
        return Unreadable(f"an object without an error text: {excerpt!r}")
    if not isinstance(parsed, list) or not parsed:
        return Unreadable(f"no order and no question: {excerpt!r}")
    acknowledged: list[Acknowledged] = []
    for item in parsed:
        if isinstance(item, OrderResponse):
            ack = _acknowledgement(item)
            if ack is None:
                return Unreadable(
                    f"an acknowledgement without a usable order id/status: {excerpt!r}"
                )
            acknowledged.append(ack)
        elif isinstance(item, OrderQuestion):
            if acknowledged:
                return Unreadable(f"acknowledgements mixed with a question: {excerpt!r}")
            asked = _question(item)
            return asked if asked is not None else Unreadable(f"a malformed question: {excerpt!r}")
        else:
            return Unreadable(f"an item of unknown shape: {excerpt!r}")
    return acknowledged


def is_duplicate_refusal(text: str, c_oid: str | None) -> bool:
    """Whether a refusal says the cOID was used before (the order may already be on the gateway).

    Structurally: the refusal names the cOID we sent (no other refusal has a reason to); by wording:
    every phrasing of a duplicate refusal we know. A false "yes" only costs a look-up.
    """
    lowered = text.lower()
    if c_oid and re.search(
        rf"(?<![{_COID_CHARS}]){re.escape(c_oid.lower())}(?![{_COID_CHARS}])", lowered
    ):
        return True
    squeezed = " ".join(lowered.replace("_", " ").split())
    return any(w in lowered or w.replace("_", " ") in squeezed for w in _DUPLICATE_WORDINGS)


def may_have_acted(exc: errors.IBKRError) -> bool:
    """Whether a failed order request (place, modify, reply, cancel) may still have been carried out.

    ``False`` only when the gateway certainly did nothing: the request never left (a refused
    connection, a pacing limit, bad input) or the gateway refused it with a 4xx status. A broken
    connection, a timeout after sending, a 5xx or an unreadable answer may hide an order that exists.
    """
    if isinstance(exc, errors.APIConnectionError):
        return exc.may_have_reached_gateway
    if isinstance(exc, errors.APIStatusError):
        if exc.response is None:
            return False  # raised by the client itself (pacing, a failed session recovery)
        status = exc.status_code
        return not 400 <= status < 500 or status in _MAYBE_ACTED_4XX
    return isinstance(exc, errors.UnexpectedResponseError)
