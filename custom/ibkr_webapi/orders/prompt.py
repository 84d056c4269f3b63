"""IBKR's order-reject prompt: a refusal that offers choices (kept free of other imports, so that
:mod:`ibkr_webapi.errors` can name it)."""

from __future__ import annotations

import attrs

__all__ = ["OrderPrompt"]


@attrs.frozen(kw_only=True)
class OrderPrompt:
    """A refusal that offers choices (IBKR's order-reject prompt); nothing was placed.

    Answer with ``ib.orders.answer_prompt(prompt, option)``: ``option`` is one of ``options``, and
    some options resubmit the order (e.g. "Use on this order" for the price management algo).
    """

    order_id: int
    req_id: str
    text: str
    options: tuple[str, ...]
    message_id: str | None
    c_oids: tuple[str, ...]
    """The cOIDs of the refused submission (one order, or every leg of a group)."""
