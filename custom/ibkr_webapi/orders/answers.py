"""Strict reading of the gateway's answers to order placement, modification and question replies.

Every outcome arrives as HTTP 200. An item is an acknowledgement only with a real order id and a
status; an item with an ``id`` and a ``message`` is a question (a group of orders may bring several at
once: they are read as one question); an ``error`` text is a refusal; an object with ``orderId``,
``reqId`` and ``options`` is a refusal with a *prompt* (IBKR's fourth kind of answer, answered with
``POST /iserver/notification``); and anything else is *unreadable*: the caller must then look the
order up, never guess.
"""

from __future__ import annotations

import re
from typing import TypeAlias

import attrs

from ibkr_webapi_client.models import (
    ErrorResponse,
    OrderQuestion,
    OrderRejectPrompt,
    OrderResponse,
)
from ibkr_webapi_client.types import Response

from .. import errors
from ..errors import UnexpectedResponseError
from ..seam import body_excerpt, str_tuple

__all__ = [
    "Acknowledged",
    "Asked",
    "OrderAnswer",
    "Prompted",
    "Refused",
    "Unreadable",
    "classify",
    "is_duplicate_refusal",
    "may_have_acted",
]

OrderReply: TypeAlias = ErrorResponse | list[OrderQuestion | OrderResponse] | OrderRejectPrompt

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
class Prompted:
    """The gateway refused the order and offers choices; one of them may resubmit it.

    Nothing was placed unless the caller answers with an option that resubmits the order
    (``POST /iserver/notification`` with ``order_id``, ``req_id`` and the option's text).
    """

    order_id: int
    req_id: str
    text: str
    options: tuple[str, ...]
    message_id: str | None


@attrs.frozen
class Unreadable:
    """An answer that fits none of the documented shapes (the order may or may not exist)."""

    detail: str


OrderAnswer: TypeAlias = list[Acknowledged] | Asked | Refused | Prompted | Unreadable


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


def _questions(items: list[OrderQuestion | OrderResponse]) -> Asked | None:
    """Every question of a list, as one (a group of orders may bring one per order).

    The reply goes to the first question's id; the caller's policy sees every message, so nothing
    is confirmed unseen. A question the gateway still wants after the reply comes back as another.
    """
    asked: list[Asked] = []
    for item in items:
        if not isinstance(item, OrderQuestion):
            return None
        question = _question(item)
        if question is None:
            return None
        asked.append(question)
    if not asked:
        return None
    return Asked(
        reply_id=asked[0].reply_id,
        messages=tuple(m for a in asked for m in a.messages),
        message_ids=tuple(dict.fromkeys(i for a in asked for i in a.message_ids)),
    )


_PROMPT_TEXT_LIMIT = 4_000


def _prompt(parsed: OrderRejectPrompt, excerpt: str) -> Prompted | Refused | Unreadable:
    """A refusal with a prompt; without usable options it is a plain refusal (nothing to answer)."""
    order_id: object = parsed.order_id
    req_id: object = parsed.req_id
    text = parsed.text if isinstance(parsed.text, str) else ""
    raw_options: object = parsed.options
    options: tuple[str, ...] = ()
    if isinstance(raw_options, list) and all(
        isinstance(o, str) and 0 < len(o) <= 256 for o in raw_options
    ):
        options = tuple(raw_options)
    if parsed.prompt is False or not options:
        if text.strip():
            return Refused(text.strip()[:_PROMPT_TEXT_LIMIT])
        return Unreadable(f"a prompt without options or text: {excerpt!r}")
    if isinstance(order_id, str) and _ORDER_ID.fullmatch(order_id.strip()):
        order_id = int(order_id.strip())
    if (
        isinstance(order_id, bool)
        or not isinstance(order_id, int)
        or not 0 < order_id < 2**63
        or not isinstance(req_id, str)
        or not _REPLY_ID.fullmatch(req_id)
    ):
        return Unreadable(f"a prompt without a usable orderId/reqId: {excerpt!r}")
    message_id = parsed.message_id if isinstance(parsed.message_id, str) else None
    return Prompted(
        order_id=order_id,
        req_id=req_id,
        text=text.strip()[:_PROMPT_TEXT_LIMIT],
        options=options,
        message_id=message_id or None,
    )


def classify(response: Response[OrderReply]) -> OrderAnswer:
    """What an order answer says; never raises."""
    parsed = response.parsed
    excerpt = body_excerpt(response)
    if isinstance(parsed, OrderRejectPrompt):
        return _prompt(parsed, excerpt)
    if isinstance(parsed, ErrorResponse):
        text = parsed.error if isinstance(parsed.error, str) else None
        if not text:
            text = parsed.message if isinstance(parsed.message, str) else None
        if text and text.strip():
            return Refused(text.strip())
        return Unreadable(f"an object without an error text: {excerpt!r}")
    if not isinstance(parsed, list) or not parsed:
        return Unreadable(f"no order and no question: {excerpt!r}")
    if any(isinstance(item, OrderQuestion) for item in parsed):
        if any(isinstance(item, OrderResponse) for item in parsed):
            return Unreadable(f"acknowledgements mixed with a question: {excerpt!r}")
        asked = _questions(parsed)
        return asked if asked is not None else Unreadable(f"a malformed question: {excerpt!r}")
    acknowledged: list[Acknowledged] = []
    for item in parsed:
        if not isinstance(item, OrderResponse):
            return Unreadable(f"an item of unknown shape: {excerpt!r}")
        ack = _acknowledgement(item)
        if ack is None:
            return Unreadable(f"an acknowledgement without a usable order id/status: {excerpt!r}")
        acknowledged.append(ack)
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
