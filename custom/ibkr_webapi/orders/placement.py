"""Placing and changing orders exactly once: submit, answer questions, resolve lost answers.

While a question is open the order holds the client's gate (the gateway cancels an order whose
question is not answered by the very next request). When an answer is lost or unreadable, the
order is looked up by its cOID and the caller gets a definite result or
:class:`~ibkr_webapi.errors.OrderStatusUnknown` naming the cOID and what was checked: never a
guess, and never a second copy unless the caller opted into resending *and* the order is known to
be absent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import attrs

from ibkr_webapi_client.api.orders import modify_order, place_order, reply_to_question
from ibkr_webapi_client.models import OrdersSubmission, ReplyRequest
from ibkr_webapi_client.types import Response

from .. import errors
from .._core import ClientCore
from ..results.orders import LiveOrder, PlacedOrder
from .answers import (
    Acknowledged,
    Asked,
    OrderReply,
    Refused,
    Unreadable,
    classify,
    is_duplicate_refusal,
)
from .order import ConfirmPolicy, Order, Question, decide

__all__ = ["DEFAULT_MAX_QUESTIONS", "OrderFlow"]

logger = logging.getLogger("ibkr_webapi")
DEFAULT_MAX_QUESTIONS = 10
# Failures after which the request may have reached the gateway and acted.
_MAYBE_SENT = (errors.APIConnectionError, errors.ServerError, errors.UnexpectedResponseError)
LiveOrdersReader = Callable[[], Awaitable[list[LiveOrder]]]


@attrs.frozen
class _Followed:
    """Where a question chain ended, and the questions confirmed on the way."""

    outcome: list[Acknowledged] | Refused | Unreadable
    answered: tuple[Question, ...] = ()


@attrs.frozen
class _Lookup:
    found: PlacedOrder | None
    checked: tuple[str, ...]
    complete: bool
    """Every source answered (so "not found" means "not there now")."""


def _lost(exc: errors.IBKRError) -> bool:
    if isinstance(exc, errors.APIConnectionError):
        return exc.may_have_reached_gateway
    return isinstance(exc, _MAYBE_SENT)


class OrderFlow:
    """The order engine one client uses: placement, modification, question chains, look-ups."""

    def __init__(
        self,
        core: ClientCore,
        live_orders: LiveOrdersReader,
        *,
        max_questions: int = DEFAULT_MAX_QUESTIONS,
        settle_delay: float = 1.0,
    ) -> None:
        self._core = core
        self._live_orders = live_orders
        self.max_questions = max_questions
        self.settle_delay = settle_delay

    # -- placing ------------------------------------------------------------------------------

    async def place(
        self, account: str, orders: Sequence[Order], confirm: ConfirmPolicy, resend: bool
    ) -> list[PlacedOrder]:
        """Submit ``orders`` in one request (each with a cOID) and follow the answer."""
        body = OrdersSubmission(orders=[order.to_request(account) for order in orders])
        lead = orders[0]
        generation = self._core.stack.session.generation
        async with (
            self._core.gate.exclusive()
        ):  # the reply to a question must be the very next request
            try:
                response = await self._core.call(
                    lambda c: place_order.asyncio_detailed(account, client=c, body=body)
                )
                followed = await self._follow(response, lead, confirm)
            except errors.IBKRError as exc:
                if not _lost(exc):
                    raise
                lost = f"{type(exc).__name__}: {exc}"
            else:
                outcome = followed.outcome
                if isinstance(outcome, list):
                    return self._placed(orders, outcome, followed.answered)
                if isinstance(outcome, Refused) and not is_duplicate_refusal(
                    outcome.text, lead.c_oid
                ):
                    raise errors.OrderRejected(outcome.text, order=lead)
                lost = (
                    f"a duplicate refusal ({outcome.text!r})"
                    if isinstance(outcome, Refused)
                    else outcome.detail
                )
        found = await self._lookup([o.c_oid for o in orders if o.c_oid])
        if found.found is not None:
            return [found.found]
        if resend and found.complete:
            again = await self._settled_lookup(orders)
            if again.found is not None:
                return [again.found]
            if again.complete and self._core.stack.session.generation == generation:
                logger.warning(
                    "order %s: answer lost (%s) and absent on two look-ups; resending with the "
                    "same cOID",
                    lead.c_oid,
                    lost,
                )
                return await self._resend(account, orders, confirm, body)
            found = again
        raise self._unknown(orders, f"the answer to placing it was lost ({lost})", found.checked)

    async def _resend(
        self, account: str, orders: Sequence[Order], confirm: ConfirmPolicy, body: OrdersSubmission
    ) -> list[PlacedOrder]:
        lead = orders[0]
        async with self._core.gate.exclusive():
            try:
                response = await self._core.call(
                    lambda c: place_order.asyncio_detailed(account, client=c, body=body)
                )
                followed = await self._follow(response, lead, confirm)
            except errors.IBKRError as exc:
                if not _lost(exc):
                    raise
                raise self._unknown(orders, f"the resend failed too ({exc})") from exc
        outcome = followed.outcome
        if isinstance(outcome, list):
            return self._placed(orders, outcome, followed.answered)
        if isinstance(outcome, Refused) and not is_duplicate_refusal(outcome.text, lead.c_oid):
            raise errors.OrderRejected(outcome.text, order=lead)
        return await self._resolve(orders, "the resend's answer")

    async def modify(
        self, account: str, order_id: int, order: Order, confirm: ConfirmPolicy
    ) -> PlacedOrder:
        """Replace a live order's fields; a lost answer is reported, never resent."""
        request = order.to_request(account)
        target = str(order_id)
        async with self._core.gate.exclusive():
            try:
                response = await self._core.call(
                    lambda c: modify_order.asyncio_detailed(account, target, client=c, body=request)
                )
                followed = await self._follow(response, order, confirm)
            except errors.IBKRError as exc:
                if not _lost(exc):
                    raise
                raise errors.OrderStatusUnknown(
                    f"the answer to modifying order {order_id} was lost ({type(exc).__name__}); it "
                    "was not resent: check order_status() before trying again",
                    c_oid=order.c_oid,
                    order=order,
                ) from exc
        outcome = followed.outcome
        if isinstance(outcome, list):
            ack = outcome[0]
            return PlacedOrder(
                order_id=ack.order_id,
                order_status=ack.status,
                c_oid=order.c_oid,
                answered=followed.answered,
            )
        if isinstance(outcome, Refused):
            raise errors.OrderRejected(outcome.text, order=order)
        raise errors.OrderStatusUnknown(
            f"the answer to modifying order {order_id} could not be read ({outcome.detail}); "
            "check order_status() before trying again",
            c_oid=order.c_oid,
            order=order,
        )

    # -- questions ----------------------------------------------------------------------------

    async def _follow(
        self, response: Response[OrderReply], order: Order, confirm: ConfirmPolicy
    ) -> _Followed:
        """Answer questions until the gateway accepts, refuses, or says something unreadable."""
        answered: list[Question] = []
        while True:
            answer = classify(response)
            if not isinstance(answer, Asked):
                return _Followed(answer, tuple(answered))
            question = Question(
                reply_id=answer.reply_id,
                messages=answer.messages,
                message_ids=answer.message_ids,
                order=order,
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
            response = await self._reply(question.reply_id, confirmed=True)

    async def _reply(self, reply_id: str, *, confirmed: bool) -> Response[OrderReply]:
        body = ReplyRequest(confirmed=confirmed)
        return await self._core.call(
            lambda c: reply_to_question.asyncio_detailed(reply_id, client=c, body=body)
        )

    async def _decide(self, confirm: ConfirmPolicy, question: Question) -> bool:
        try:
            confirmed = await decide(confirm, question)
        except asyncio.CancelledError:
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

    # -- look-ups -----------------------------------------------------------------------------

    @staticmethod
    def _placed(
        orders: Sequence[Order], acks: list[Acknowledged], answered: tuple[Question, ...]
    ) -> list[PlacedOrder]:
        placed = []
        for index, ack in enumerate(acks):
            order = orders[index] if index < len(orders) else orders[0]
            placed.append(
                PlacedOrder(
                    order_id=ack.order_id,
                    order_status=ack.status,
                    c_oid=order.c_oid,
                    answered=answered if index == 0 else (),
                )
            )
        return placed

    async def _lookup(self, c_oids: Sequence[str]) -> _Lookup:
        try:
            live = await self._live_orders()
        except errors.IBKRError as exc:
            logger.warning("order look-up by cOID failed: %s", exc)
            return _Lookup(found=None, checked=("live orders (failed)",), complete=False)
        wanted = set(c_oids)
        for order in live:
            if order.c_oid in wanted:
                return _Lookup(
                    found=PlacedOrder(
                        order_id=order.order_id,
                        order_status=order.status,
                        c_oid=order.c_oid,
                        recovered=True,
                    ),
                    checked=("live orders",),
                    complete=True,
                )
        return _Lookup(found=None, checked=("live orders",), complete=True)

    async def _resolve(self, orders: Sequence[Order], why: str) -> list[PlacedOrder]:
        lookup = await self._lookup([o.c_oid for o in orders if o.c_oid])
        if lookup.found is not None:
            return [lookup.found]
        raise self._unknown(orders, why, lookup.checked)

    async def _settled_lookup(self, orders: Sequence[Order]) -> _Lookup:
        """A second look-up after ``settle_delay`` (the gateway's order list can lag)."""
        await asyncio.sleep(self.settle_delay)
        return await self._lookup([o.c_oid for o in orders if o.c_oid])

    def _unknown(
        self, orders: Sequence[Order], why: str, checked: Sequence[str] = ("live orders",)
    ) -> errors.OrderStatusUnknown:
        lead = orders[0]
        return errors.OrderStatusUnknown(
            f"order {lead.c_oid}: {why}, and it could not be found by its cOID "
            f"(checked: {', '.join(checked)}); it was not resent. Look for order_ref "
            f"{lead.c_oid!r} in live_orders() or the TWS/portal order log before placing it again",
            c_oid=lead.c_oid,
            order=lead,
            checked=checked,
        )
