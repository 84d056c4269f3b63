"""Placing and changing orders exactly once: submit, answer questions, resolve lost answers.

While a question is open the order holds the client's gate (the gateway drops an order whose
question is not answered by the very next request). When an answer is lost or unreadable, the order
is looked up by its cOID among live orders and trades (:mod:`.lookup`), and the caller gets a
definite result or :class:`~ibkr_webapi.errors.OrderStatusUnknown` naming the cOID and what was
checked: never a guess.

**Known absent.** The client sends a cOID a second time only when the caller opted in
(``resend_if_missing=True``) and the order is *known absent*:

1. before the first send the client read the gateway's brokerage session id;
2. a look-up right after the loss was complete (live orders with ``snapshot: true`` *and* trades
   answered) and did not find the cOID;
3. a second complete look-up, begun ``settle_delay`` seconds later (covering live orders that lag),
   did not find it either;
4. after it, the brokerage session is still the one the order was sent in: the client did not
   re-open it, and the gateway reports the same session id.

Live orders are per brokerage session, so after a reset an order that has not filled is invisible:
the session check turns that case into "unknown". A failed or partial read is never "absent". The
resend carries the same cOID, and its own lost answer is only looked up: there is no third send.

A cOID this client already sent is not sent again by a later :meth:`OrderFlow.place` either: that
call looks the order up first (see :mod:`.sent`), so re-placing a live order returns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import attrs

from ibkr_webapi_client.api.orders import modify_order, place_order, reply_to_question
from ibkr_webapi_client.models import OrdersSubmission, ReplyRequest
from ibkr_webapi_client.types import Response

from .. import errors
from .._core import ClientCore
from ..results.orders import OrderPrompt, OrderStatus, PlacedOrder
from .answers import (
    Acknowledged,
    Asked,
    OrderReply,
    Prompted,
    Refused,
    Unreadable,
    classify,
    is_duplicate_refusal,
    may_have_acted,
)
from .lookup import Evidence, GatewayReads, OrderFinder, Sighting, describe
from .order import ConfirmPolicy, Order, Question, decide
from .sent import SentRecord, SentRecords

__all__ = ["DEFAULT_MAX_QUESTIONS", "DEFAULT_SETTLE_DELAY", "OrderFlow"]

logger = logging.getLogger("ibkr_webapi")
DEFAULT_MAX_QUESTIONS = 10
DEFAULT_SETTLE_DELAY = 2.0


@attrs.frozen
class Lost:
    """No usable answer: the request may or may not have been carried out."""

    detail: str


Outcome: TypeAlias = list[Acknowledged] | Refused | Prompted | Unreadable | Lost


@attrs.frozen
class _Followed:
    """Where a question chain ended, and the questions confirmed on the way."""

    outcome: Outcome
    answered: tuple[Question, ...] = ()
    lost_at: float = 0.0
    """``time.monotonic()`` when the answer was found lost (look-ups must begin after it)."""


# Background declines that outlive a second cancellation (kept referenced until done).
_declines: set[asyncio.Task[None]] = set()


class OrderFlow:
    """The order engine one client uses: placement, modification, question chains, look-ups.

    ``max_questions`` bounds a question chain; ``settle_delay`` is the wait between the two
    look-ups that must both miss an order before it is resent (make it longer than the gateway's
    live-orders lag).
    """

    def __init__(
        self,
        core: ClientCore,
        reads: GatewayReads,
        *,
        max_questions: int = DEFAULT_MAX_QUESTIONS,
        settle_delay: float = DEFAULT_SETTLE_DELAY,
        sent: SentRecords | None = None,
    ) -> None:
        self._core = core
        self._finder = OrderFinder(reads)
        self.max_questions = max_questions
        self.settle_delay = settle_delay
        self.sent = sent if sent is not None else SentRecords()
        """The cOIDs this client sent (see :mod:`ibkr_webapi.orders.sent`)."""

    # -- placing ------------------------------------------------------------------------------

    async def place(
        self, account: str, orders: Sequence[Order], confirm: ConfirmPolicy, resend: bool
    ) -> list[PlacedOrder]:
        """Submit ``orders`` (each with a cOID) in one request and follow the answer.

        A group (several orders) is settled leg by leg: every leg is acknowledged or found by its
        cOID, or :class:`errors.OrderStatusUnknown` names the legs in doubt. A group is resent only
        when *every* leg is known absent.
        """
        c_oids = _c_oids(orders)
        if not orders or len(c_oids) != len(orders) or len(set(c_oids)) != len(c_oids):
            raise errors.InvalidRequestError(
                "every order needs its own client order id (Order.with_client_order_id())"
            )
        earlier = next((r for c in c_oids if (r := self.sent.get(c)) is not None), None)
        if earlier is not None:
            return await self._again(account, orders, confirm, resend, earlier)
        marker = await self._brokerage_session() if resend else None
        record = SentRecord("sending", self._core.stack.session.generation, marker)
        for c_oid in c_oids:
            self.sent.note(c_oid, record)
        return await self._submit(account, orders, confirm, resend, record)

    async def _submit(
        self,
        account: str,
        orders: Sequence[Order],
        confirm: ConfirmPolicy,
        resend: bool,
        record: SentRecord,
    ) -> list[PlacedOrder]:
        followed = await self._send(account, orders, confirm)
        outcome = followed.outcome
        if isinstance(outcome, list):
            known = self._acknowledged(orders, outcome, followed.answered)
            if len(known) == len(orders):
                return [known[c] for c in _c_oids(orders)]
            why = (
                f"the gateway acknowledged {len(outcome)} order(s) of a group of {len(orders)} "
                "without saying which"
                if not known
                else f"the gateway acknowledged {len(known)} of {len(orders)} orders"
            )
            first = await self._finder.look(_missing(orders, known), since=followed.lost_at)
            return await self._settled(orders, why, first, resend=resend, known=known)
        self._raise_refusal(outcome, orders)
        duplicate = isinstance(outcome, Refused)
        why = (
            f"the gateway refused it as a duplicate ({outcome.text!r})"
            if isinstance(outcome, Refused)
            else f"the answer to placing it was lost ({_detail(outcome)})"
        )
        first = await self._finder.look(_c_oids(orders), since=followed.lost_at)
        if self._all_found(orders, first):
            return self._recovered(orders, first)
        if not resend or duplicate or first.found:
            # A leg that exists means the group went out: it is never sent again.
            return await self._settled(orders, why, first, resend=resend)
        return await self._resend_if_absent(account, orders, confirm, record, why, first)

    def _raise_refusal(self, outcome: Outcome, orders: Sequence[Order]) -> None:
        """Raise the gateway's refusal (nothing was placed); a duplicate refusal is looked up."""
        lead = orders[0]
        if isinstance(outcome, Prompted):
            self._forget(orders)
            prompt = OrderPrompt(
                order_id=outcome.order_id,
                req_id=outcome.req_id,
                text=outcome.text,
                options=outcome.options,
                message_id=outcome.message_id,
                c_oids=tuple(_c_oids(orders)),
            )
            raise errors.OrderRejectedWithPrompt(
                f"{outcome.text or 'the gateway refused the order'} (prompt "
                f"{outcome.message_id or '?'}: choose one of {', '.join(outcome.options)} with "
                "ib.orders.answer_prompt(exc.prompt, option); nothing was placed)",
                prompt=prompt,
                order=lead,
            )
        if isinstance(outcome, Refused) and not any(
            is_duplicate_refusal(outcome.text, c) for c in _c_oids(orders)
        ):
            self._forget(orders)
            raise errors.OrderRejected(outcome.text, order=lead)

    async def _settled(
        self,
        orders: Sequence[Order],
        why: str,
        first: Evidence,
        *,
        resend: bool,
        known: Mapping[str, PlacedOrder] | None = None,
    ) -> list[PlacedOrder]:
        """A second look after ``settle_delay`` (live orders can lag), then found or unknown."""
        known = dict(known or {})
        missing = [c for c in _missing(orders, known) if c not in first.found]
        if not missing:
            return self._recovered(orders, first, known=known)
        await asyncio.sleep(self.settle_delay)
        second = await self._finder.look(
            missing, since=time.monotonic(), label=f"after {self.settle_delay:g} s"
        )
        found = {**first.found, **second.found}
        checked = [*first.checked, *second.checked]
        if all(c in known or c in found for c in _c_oids(orders)):
            return self._recovered(orders, _merged(found, checked), known=known)
        doubt = "part of the group exists" if found or known else None
        raise self._unknown(
            orders, why, checked, resend=resend, doubt=doubt, found=found, known=known
        )

    async def _again(
        self,
        account: str,
        orders: Sequence[Order],
        confirm: ConfirmPolicy,
        resend: bool,
        earlier: SentRecord,
    ) -> list[PlacedOrder]:
        """``place()`` with a cOID this client already sent: look it up, never send it blindly."""
        lead = orders[0]
        why = {
            "placed": f"this client placed cOID {lead.c_oid} before (order {earlier.order_id})",
            "unknown": f"this client sent cOID {lead.c_oid} before and its fate was unknown",
            "sending": f"this client is sending cOID {lead.c_oid} in another call right now",
        }[earlier.state]
        if len(orders) > 1:
            why = f"{why} (a group of {len(orders)} orders)"
        first = await self._finder.look(_c_oids(orders), since=time.monotonic())
        if self._all_found(orders, first):
            return self._recovered(orders, first)
        if earlier.state == "placed" or not resend or first.found:
            return await self._settled(orders, why, first, resend=resend)
        return await self._resend_if_absent(account, orders, confirm, earlier, why, first)

    async def _resend_if_absent(
        self,
        account: str,
        orders: Sequence[Order],
        confirm: ConfirmPolicy,
        record: SentRecord,
        why: str,
        first: Evidence,
    ) -> list[PlacedOrder]:
        """Resend once, only when every order is known absent (see the module's docs)."""
        checked = list(first.checked)
        if not first.complete:
            raise self._unknown(orders, why, checked, resend=True, doubt="a read failed")
        await asyncio.sleep(self.settle_delay)
        second = await self._finder.look(
            _c_oids(orders), since=time.monotonic(), label=f"after {self.settle_delay:g} s"
        )
        checked += second.checked
        if self._all_found(orders, second):
            return self._recovered(orders, second)
        if second.found:
            raise self._unknown(
                orders,
                why,
                checked,
                resend=True,
                doubt="part of the group was found",
                found=second.found,
            )
        if not second.complete:
            raise self._unknown(orders, why, checked, resend=True, doubt="a read failed")
        if self._core.stack.session.generation != record.generation:
            checked.append("brokerage session (re-opened by the client)")
            raise self._unknown(
                orders, why, checked, resend=True, doubt="the brokerage session was re-opened"
            )
        marker = await self._brokerage_session()
        if record.brokerage_session is None or marker != record.brokerage_session:
            checked.append(
                "brokerage session (unknown)"
                if record.brokerage_session is None or marker is None
                else "brokerage session (changed)"
            )
            raise self._unknown(
                orders,
                why,
                checked,
                resend=True,
                doubt="the brokerage session could not be shown to be the one it was sent in",
            )
        checked.append("brokerage session (unchanged)")
        logger.warning(
            "order %s: %s; absent from two complete look-ups in the same brokerage session: "
            "resending it once with the same cOID",
            ", ".join(_c_oids(orders)),
            why,
        )
        for c_oid in _c_oids(orders):
            self.sent.note(c_oid, attrs.evolve(record, state="sending"))
        followed = await self._send(account, orders, confirm)
        outcome = followed.outcome
        if isinstance(outcome, list):
            known = self._acknowledged(orders, outcome, followed.answered, resent=True)
            if len(known) == len(orders):
                return [known[c] for c in _c_oids(orders)]
            again = f"the resend was acknowledged for {len(known)} of {len(orders)} orders"
        else:
            known = {}
            self._raise_refusal(outcome, orders)
            again = (
                f"the resend was refused as a duplicate ({outcome.text!r})"
                if isinstance(outcome, Refused)
                else f"the answer to the resend was lost too ({_detail(outcome)})"
            )
        third = await self._finder.look(
            _missing(orders, known), since=followed.lost_at, label="after the resend"
        )
        if all(c in known or c in third.found for c in _c_oids(orders)):
            return self._recovered(orders, third, known=known)
        raise self._unknown(
            orders,
            f"{why}; {again}",
            checked + list(third.checked),
            resend=True,
            found=third.found,
            known=known,
        )

    async def _send(
        self, account: str, orders: Sequence[Order], confirm: ConfirmPolicy
    ) -> _Followed:
        """One submission and its question chain, holding the gate (no other request between)."""
        body = OrdersSubmission(orders=[order.to_request(account) for order in orders])
        group = tuple(orders) if len(orders) > 1 else ()
        async with self._core.gate.exclusive():
            try:
                response = await self._core.call(
                    lambda c: place_order.asyncio_detailed(account, client=c, body=body)
                )
            except errors.IBKRError as exc:
                if not may_have_acted(exc):
                    self._forget(orders)
                    raise
                return _Followed(Lost(_described(exc)), lost_at=time.monotonic())
            except BaseException:
                self._mark_unknown(orders)
                raise
            try:
                return await self._follow(response, orders[0], confirm, group)
            except errors.OrderConfirmationRequired:
                self._forget(orders)  # declined: nothing was placed
                raise
            except BaseException:
                self._mark_unknown(orders)  # cancelled mid-flow, or the confirm callback failed
                raise

    # -- modifying ----------------------------------------------------------------------------

    async def modify(
        self, account: str, order_id: int, order: Order, confirm: ConfirmPolicy
    ) -> PlacedOrder:
        """Replace a live order's fields; a lost answer is settled by the order's status."""
        request = order.to_request(account)
        target = str(order_id)
        async with self._core.gate.exclusive():
            try:
                response = await self._core.call(
                    lambda c: modify_order.asyncio_detailed(account, target, client=c, body=request)
                )
            except errors.IBKRError as exc:
                if not may_have_acted(exc):
                    raise
                followed = _Followed(Lost(_described(exc)), lost_at=time.monotonic())
            else:
                followed = await self._follow(response, order, confirm, ())
        outcome = followed.outcome
        if isinstance(outcome, list):
            ack = outcome[0]
            return PlacedOrder(
                order_id=ack.order_id,
                order_status=ack.status,
                c_oid=order.c_oid,
                answered=followed.answered,
            )
        if isinstance(outcome, Prompted):
            raise errors.OrderRejectedWithPrompt(
                f"{outcome.text or 'the gateway refused the modification'} (prompt "
                f"{outcome.message_id or '?'}: choose one of {', '.join(outcome.options)} with "
                "ib.orders.answer_prompt(exc.prompt, option); the order was not changed)",
                prompt=OrderPrompt(
                    order_id=outcome.order_id,
                    req_id=outcome.req_id,
                    text=outcome.text,
                    options=outcome.options,
                    message_id=outcome.message_id,
                    c_oids=(order.c_oid,) if order.c_oid else (),
                ),
                order=order,
            )
        if isinstance(outcome, Refused):
            raise errors.OrderRejected(outcome.text, order=order)
        return await self._settle_modify(order_id, order, _detail(outcome))

    async def _settle_modify(self, order_id: int, order: Order, detail: str) -> PlacedOrder:
        try:
            status = await self._finder.status(order_id)
        except errors.IBKRError as exc:
            raise errors.OrderStatusUnknown(
                f"the answer to modifying order {order_id} was lost ({detail}) and its status could "
                f"not be read ({type(exc).__name__}); check order_status({order_id}) before acting "
                "on it (sending the same modification again cannot create an order)",
                c_oid=order.c_oid,
                order=order,
                checked=(f"order status (failed: {type(exc).__name__})",),
                order_id=order_id,
            ) from exc
        if _shows(status, order):
            return PlacedOrder(
                order_id=order_id, order_status=status.status, c_oid=order.c_oid, recovered=True
            )
        raise errors.OrderStatusUnknown(
            f"the answer to modifying order {order_id} was lost ({detail}); its status "
            f"({status.status or 'no status'}, size {status.total_size}, limit "
            f"{status.limit_price}, stop {status.stop_price}) does not show the change (yet). "
            "Send the same modification again if it must land: a modification replaces the "
            "order's fields, so repeating it cannot create a second order",
            c_oid=order.c_oid,
            order=order,
            checked=("order status",),
            order_id=order_id,
        )

    # -- questions ----------------------------------------------------------------------------

    async def _follow(
        self,
        response: Response[OrderReply],
        order: Order,
        confirm: ConfirmPolicy,
        group: tuple[Order, ...],
    ) -> _Followed:
        """Answer questions until the gateway accepts, refuses, or the answer is lost/unreadable."""
        answered: list[Question] = []
        while True:
            answer = classify(response)
            if not isinstance(answer, Asked):
                return _Followed(answer, tuple(answered), time.monotonic())
            question = Question(
                reply_id=answer.reply_id,
                messages=answer.messages,
                message_ids=answer.message_ids,
                order=order,
                group=group,
            )
            if len(answered) >= self.max_questions:
                await self._decline(question)
                raise errors.OrderConfirmationRequired(
                    question.messages,
                    question.message_ids,
                    question.reply_id,
                    order=order,
                    reason=(
                        f"the gateway asked more than {self.max_questions} questions in a row "
                        f"({', '.join(i for q in answered for i in q.message_ids) or 'no ids'}); "
                        "the order was declined"
                    ),
                )
            if not await self._decide(confirm, question):
                raise errors.OrderConfirmationRequired(
                    question.messages, question.message_ids, question.reply_id, order=order
                )
            answered.append(question)
            try:
                response = await self._reply(question.reply_id, confirmed=True)
            except errors.IBKRError as exc:
                # Whatever the failure, the confirmation may have placed the order.
                detail = f"the reply to question {', '.join(question.message_ids) or '?'} failed: "
                return _Followed(Lost(detail + _described(exc)), tuple(answered), time.monotonic())

    async def _reply(self, reply_id: str, *, confirmed: bool) -> Response[OrderReply]:
        body = ReplyRequest(confirmed=confirmed)
        return await self._core.call(
            lambda c: reply_to_question.asyncio_detailed(reply_id, client=c, body=body)
        )

    async def _decide(self, confirm: ConfirmPolicy, question: Question) -> bool:
        try:
            confirmed = await decide(confirm, question)
        except asyncio.CancelledError:
            await self._decline_shielded(question)
            raise
        except BaseException:
            await self._decline(question)
            raise
        if not confirmed:
            await self._decline(question)
        return confirmed

    async def _decline(self, question: Question) -> None:
        # Tell the gateway at once, so the order does not linger half-placed.
        try:
            await self._reply(question.reply_id, confirmed=False)
        except errors.IBKRError as exc:
            logger.warning("could not decline order question %s: %s", question.reply_id, exc)

    async def _decline_shielded(self, question: Question) -> None:
        """Decline while the caller is being cancelled (the gate is still ours)."""
        task = asyncio.ensure_future(self._decline(question))
        _declines.add(task)
        task.add_done_callback(_declines.discard)
        # Cancelled again: the decline finishes on its own; the first cancellation goes on.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    # -- results ------------------------------------------------------------------------------

    def _acknowledged(
        self,
        orders: Sequence[Order],
        acks: list[Acknowledged],
        answered: tuple[Question, ...],
        *,
        resent: bool = False,
    ) -> dict[str, PlacedOrder]:
        """The orders these acknowledgements prove, by cOID.

        An acknowledgement that echoes a cOID (``local_order_id``) belongs to that order; otherwise
        acknowledgements match orders by position, and only when there is one per order (a single
        order takes the first). Orders no acknowledgement can be matched to are left out: the
        caller looks them up, never guesses.
        """
        c_oids = _c_oids(orders)
        echoed = [a.local_order_id for a in acks]
        pairs: list[tuple[str, Acknowledged]]
        if all(e in c_oids for e in echoed) and len(set(echoed)) == len(echoed):
            pairs = [(a.local_order_id or "", a) for a in acks]
        elif len(orders) == 1 and acks:
            pairs = [(c_oids[0], acks[0])]
        elif len(acks) == len(orders):
            pairs = list(zip(c_oids, acks, strict=True))
        else:
            pairs = [(e, a) for e, a in zip(echoed, acks, strict=True) if e in c_oids]
        lead = c_oids[0]
        placed: dict[str, PlacedOrder] = {}
        for c_oid, ack in pairs:
            placed[c_oid] = PlacedOrder(
                order_id=ack.order_id,
                order_status=ack.status,
                c_oid=c_oid,
                answered=answered if c_oid == lead else (),
                resent=resent,
            )
            self.sent.mark(c_oid, "placed", ack.order_id)
        return placed

    @staticmethod
    def _all_found(orders: Sequence[Order], evidence: Evidence) -> bool:
        return all(c in evidence.found for c in _c_oids(orders))

    def _recovered(
        self,
        orders: Sequence[Order],
        evidence: Evidence,
        *,
        known: Mapping[str, PlacedOrder] | None = None,
    ) -> list[PlacedOrder]:
        placed = []
        for c_oid in _c_oids(orders):
            if known is not None and c_oid in known:
                placed.append(known[c_oid])
                continue
            sighting: Sighting = evidence.found[c_oid]
            self.sent.mark(c_oid, "placed", sighting.order_id)
            placed.append(
                PlacedOrder(
                    order_id=sighting.order_id,
                    order_status=sighting.status,
                    c_oid=c_oid,
                    recovered=True,
                )
            )
        return placed

    def _forget(self, orders: Sequence[Order]) -> None:
        for c_oid in _c_oids(orders):
            self.sent.forget(c_oid)

    def _mark_unknown(self, orders: Sequence[Order]) -> None:
        for c_oid in _c_oids(orders):
            if (record := self.sent.get(c_oid)) is not None and record.state != "placed":
                self.sent.mark(c_oid, "unknown")

    def _unknown(
        self,
        orders: Sequence[Order],
        why: str,
        checked: Sequence[str],
        *,
        resend: bool,
        doubt: str | None = None,
        found: Mapping[str, Sighting] | None = None,
        known: Mapping[str, PlacedOrder] | None = None,
    ) -> errors.OrderStatusUnknown:
        lead = orders[0]
        ids = {c: s.order_id for c, s in (found or {}).items()}
        ids.update({c: p.order_id for c, p in (known or {}).items()})
        for c_oid, order_id in ids.items():
            self.sent.mark(c_oid, "placed", order_id)
        self._mark_unknown(orders)
        if resend:
            held = f"it was not resent: {doubt}" if doubt else "it was not resent"
        else:
            held = "it was not resent (resend_if_missing=False)"
        missing = [c for c in _c_oids(orders) if c not in ids]
        if len(orders) == 1:
            subject = f"order {lead.c_oid}: {why}, and it could not be found by its cOID"
            look = f"Look for order_ref {lead.c_oid!r}"
        else:
            seen = ", ".join(f"{c} (order {i})" for c, i in ids.items()) or "none"
            subject = (
                f"a group of {len(orders)} orders ({', '.join(_c_oids(orders))}): {why}; "
                f"{len(missing)} could not be found by their cOIDs ({', '.join(missing)}; found: "
                f"{seen})"
            )
            held = held.replace("it was not resent", "the group was not resent")
            look = f"Look for order_ref {', '.join(repr(c) for c in missing)}"
        return errors.OrderStatusUnknown(
            f"{subject} (checked: {describe(checked)}); {held}. {look} in live_orders(), "
            "trades() or the TWS/portal order log before deciding; placing the same cOID again "
            "looks it up first and never sends it blindly",
            c_oid=missing[0] if missing else lead.c_oid,
            order=next((o for o in orders if o.c_oid in missing), lead),
            checked=checked,
            c_oids=missing,
            found=ids,
        )

    async def _brokerage_session(self) -> str | None:
        try:
            return await self._finder.reads.brokerage_session()
        except errors.IBKRError as exc:
            logger.info("could not read the brokerage session id: %s", exc)
            return None


def _c_oids(orders: Sequence[Order]) -> list[str]:
    return [o.c_oid for o in orders if o.c_oid is not None]


def _described(exc: errors.IBKRError) -> str:
    return f"{type(exc).__name__}: {exc}"


def _missing(orders: Sequence[Order], known: Mapping[str, object]) -> list[str]:
    return [c for c in _c_oids(orders) if c not in known]


def _merged(found: Mapping[str, Sighting], checked: Sequence[str]) -> Evidence:
    return Evidence(found=dict(found), checked=tuple(checked), complete=False)


def _detail(outcome: Unreadable | Lost | Refused | Prompted) -> str:
    if isinstance(outcome, Refused | Prompted):
        return outcome.text
    return outcome.detail


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _shows(status: OrderStatus, order: Order) -> bool:
    """Whether an order's status shows every field of ``order`` it can show (at least one)."""
    compared = []
    if order.quantity is not None and status.total_size is not None:
        compared.append(_close(order.quantity, status.total_size))
    if order.order_type in ("LMT", "STOP_LIMIT") and order.price is not None:
        compared.append(_close(order.price, status.limit_price))
    if order.stop_price is not None:
        compared.append(_close(order.stop_price, status.stop_price))
    return bool(compared) and all(compared)
