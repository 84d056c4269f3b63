"""Order calls: place with confirmation policies, modify, cancel, preview, status, live orders.

No order is ever sent twice: every placement carries a client order id (cOID), a lost answer is
resolved by looking the cOID up among live orders, and a resend reuses the same cOID, which the
gateway refuses if the first copy did arrive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from ibkr_webapi_client.api.orders import (
    cancel_order,
    get_live_orders,
    get_order_status,
    modify_order,
    place_order,
    preview_order,
    reply_to_question,
    reset_suppressed_questions,
    suppress_questions,
)
from ibkr_webapi_client.models import (
    CancelOrderResponse,
    ErrorResponse,
    LiveOrder,
    LiveOrders,
    OrderPreview,
    OrderQuestion,
    OrderResponse,
    OrdersSubmission,
    OrderStatus,
    ReplyRequest,
    SuppressRequest,
    SuppressResponse,
)
from ibkr_webapi_client.types import UNSET, Response, Unset

from .. import errors
from .._core import ClientCore, check_account
from ..orders.order import ConfirmPolicy, Order, Question, decide
from ..redact import redact_text
from ..results.orders import PlacedOrder, live_order_ref
from ..seam import unset_to_none

logger = logging.getLogger("ibkr_webapi")
_OrderAnswer = ErrorResponse | list[OrderQuestion | OrderResponse]
_LOST = (errors.APIConnectionError, errors.ServerError)
_DUPLICATE_COID = "Local order ID"


def _error_text(answer: ErrorResponse) -> str:
    for value in (answer.error, answer.message):
        if isinstance(value, str) and value:
            return value
    return "the gateway refused the order without saying why"


def _question(item: OrderQuestion, order: Order) -> Question:
    ids = item.message_ids if not isinstance(item.message_ids, Unset) else []
    return Question(
        reply_id=item.id, messages=tuple(item.message), message_ids=tuple(ids), order=order
    )


class OrdersAPI(ClientCore):
    """Order endpoints."""

    async def place_order(
        self,
        account_id: str,
        order: Order,
        *,
        confirm: ConfirmPolicy = False,
        resend_if_missing: bool = True,
    ) -> PlacedOrder:
        """Place ``order`` and answer the gateway's confirmation questions by ``confirm``.

        ``confirm=False`` raises :class:`errors.OrderConfirmationRequired` on the first question
        (after telling the gateway to drop the order); ``True`` confirms every question; a callable
        (sync or async) gets each :class:`Question` and returns whether to confirm it.
        A rejection raises :class:`errors.OrderRejected` with IBKR's text.
        """
        account = check_account(account_id)
        order = order.with_client_order_id()
        body = OrdersSubmission(orders=[order.to_request(account)])
        async with self._gate.exclusive():  # the reply to a question must be the very next request
            try:
                response = await self._call(place_order.asyncio_detailed, account, body=body)
            except _LOST as exc:
                return await self._recover_lost(account, order, exc, confirm, resend_if_missing)
            return await self._follow(response, order, confirm)

    async def modify_order(
        self, account_id: str, order_id: str | int, order: Order, *, confirm: ConfirmPolicy = False
    ) -> PlacedOrder:
        """Change a live order; ``order`` must repeat every field (the gateway replaces the order)."""
        account = check_account(account_id)
        async with self._gate.exclusive():
            try:
                response = await self._call(
                    modify_order.asyncio_detailed,
                    account,
                    str(order_id),
                    body=order.to_request(account),
                )
            except _LOST as exc:
                raise errors.OrderStatusUnknown(
                    f"the answer to modifying order {order_id} was lost ({type(exc).__name__}); "
                    "it was not resent: check order_status() before trying again",
                    c_oid=order.c_oid,
                ) from exc
            return await self._follow(response, order, confirm)

    async def _follow(
        self, response: Response[_OrderAnswer], order: Order, confirm: ConfirmPolicy
    ) -> PlacedOrder:
        """Answer questions until the gateway accepts or rejects the order."""
        answered: list[Question] = []
        while True:
            answer = response.parsed
            if isinstance(answer, ErrorResponse):
                raise errors.OrderRejected(_error_text(answer), order=order)
            if not isinstance(answer, list) or not answer:
                raise errors.UnexpectedResponseError(
                    f"order {order.c_oid}: the gateway's answer had no order and no question: "
                    f"{redact_text(response.content[:200].decode('utf-8', 'replace'))!r}; "
                    "check live_orders() before placing it again"
                )
            item = answer[0]
            if isinstance(item, OrderResponse):
                return PlacedOrder(
                    order_id=str(item.order_id),
                    order_status=str(unset_to_none(item.order_status) or "") or None,
                    c_oid=order.c_oid,
                    answered=tuple(answered),
                )
            question = _question(item, order)
            if not await self._decide(confirm, question):
                raise errors.OrderConfirmationRequired(
                    question.messages, question.message_ids, question.reply_id, order=order
                )
            answered.append(question)
            try:
                response = await self._call(
                    reply_to_question.asyncio_detailed,
                    question.reply_id,
                    body=ReplyRequest(confirmed=True),
                )
            except _LOST as exc:
                raise errors.OrderStatusUnknown(
                    f"the answer to confirming order {order.c_oid} was lost ({type(exc).__name__}); "
                    "look for it with live_orders() (its order_ref is the cOID) before placing it again",
                    c_oid=order.c_oid,
                ) from exc

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
            await self._call(
                reply_to_question.asyncio_detailed,
                question.reply_id,
                body=ReplyRequest(confirmed=False),
            )
        except errors.IBKRError as exc:
            logger.warning("could not decline order question %s: %s", question.reply_id, exc)

    async def _recover_lost(
        self,
        account: str,
        order: Order,
        cause: errors.IBKRError,
        confirm: ConfirmPolicy,
        resend: bool,
    ) -> PlacedOrder:
        """The placement's answer was lost: find the order by cOID before deciding anything."""
        found = await self._find_by_coid(order.c_oid)
        if found is not None:
            return found
        if not resend:
            raise errors.OrderStatusUnknown(
                f"the answer to placing order {order.c_oid} was lost ({cause}) and it is not among live "
                "orders yet; it was not resent. Check live_orders() before placing it again",
                c_oid=order.c_oid,
            ) from cause
        logger.warning(
            "order %s: answer lost (%s) and not among live orders; resending with the same cOID",
            order.c_oid,
            type(cause).__name__,
        )
        body = OrdersSubmission(orders=[order.to_request(account)])
        try:
            response = await self._call(place_order.asyncio_detailed, account, body=body)
            return await self._follow(response, order, confirm)
        except errors.OrderRejected as exc:
            if _DUPLICATE_COID not in exc.message:
                raise
            found = await self._find_by_coid(order.c_oid)  # the first copy did arrive after all
            if found is not None:
                return found
            raise errors.OrderStatusUnknown(
                f"order {order.c_oid} reached the gateway (it refused the resend as a duplicate) but "
                "is not among live orders; check live_orders() and the TWS/portal order log",
                c_oid=order.c_oid,
            ) from exc
        except _LOST as exc:
            raise errors.OrderStatusUnknown(
                f"placing order {order.c_oid} failed twice ({exc}); check live_orders() before "
                "placing it again",
                c_oid=order.c_oid,
            ) from exc

    async def _find_by_coid(self, c_oid: str | None) -> PlacedOrder | None:
        try:
            orders = await self.live_orders(force=True)
        except errors.IBKRError as exc:
            logger.warning("could not look up order %s among live orders: %s", c_oid, exc)
            return None
        for live in orders:
            if c_oid is not None and live_order_ref(live) == c_oid:
                status = unset_to_none(live.status)
                return PlacedOrder(
                    order_id=str(unset_to_none(live.order_id)),
                    order_status=status if isinstance(status, str) else None,
                    c_oid=c_oid,
                    recovered=True,
                )
        return None

    async def cancel_order(self, account_id: str, order_id: str | int) -> CancelOrderResponse:
        """Ask the gateway to cancel a live order."""
        response = await self._call(
            cancel_order.asyncio_detailed, check_account(account_id), str(order_id)
        )
        answer = response.parsed
        if (
            isinstance(answer, CancelOrderResponse)
            and isinstance(answer.error, str)
            and answer.error
        ):
            raise errors.OrderRejected(answer.error)
        if isinstance(answer, ErrorResponse):
            raise errors.OrderRejected(_error_text(answer))
        return self._parsed(response, CancelOrderResponse, "cancel order")

    async def preview_order(self, account_id: str, order: Order) -> OrderPreview:
        """What the order would cost and do to margin, without placing it."""
        account = check_account(account_id)
        body = OrdersSubmission(orders=[order.to_request(account)])
        response = await self._call(preview_order.asyncio_detailed, account, body=body)
        return self._parsed(response, OrderPreview, "order preview")

    async def order_status(self, order_id: str | int) -> OrderStatus:
        """Status of one order by its IBKR order id."""
        response = await self._call(get_order_status.asyncio_detailed, str(order_id))
        return self._parsed(response, OrderStatus, "order status")

    async def live_orders(
        self, *, filters: Iterable[str] | None = None, force: bool = False
    ) -> list[LiveOrder]:
        """Orders of the current session; waits out the gateway's first, empty answer.

        ``force`` first asks the gateway to drop its cached list (that call answers nothing), then
        reads the fresh one.
        """
        status_filter = ",".join(filters) if filters is not None else UNSET
        if force:
            await self._call(get_live_orders.asyncio_detailed, filters=status_filter, force=True)
        polls = max(1, self.preflight.max_polls)
        orders: list[LiveOrder] = []
        for attempt in range(polls):
            response = await self._call(get_live_orders.asyncio_detailed, filters=status_filter)
            answer = self._parsed(response, LiveOrders, "live orders")
            orders = list(answer.orders) if not isinstance(answer.orders, Unset) else []
            if orders or answer.snapshot is True:
                return orders
            if attempt + 1 < polls:
                await asyncio.sleep(self.preflight.interval)
        return orders

    async def suppress_questions(self, message_ids: Iterable[str]) -> bool:
        """Stop the gateway asking the questions with these message ids for this session."""
        ids = list(dict.fromkeys(message_ids))
        if not ids or len(ids) > 51:
            raise errors.InvalidRequestError(
                "give between 1 and 51 message ids, e.g. ['o163', 'o354']"
            )
        response = await self._call(
            suppress_questions.asyncio_detailed, body=SuppressRequest(message_ids=ids)
        )
        return self._parsed(response, SuppressResponse, "suppress").status == "submitted"

    async def reset_suppressed_questions(self) -> bool:
        """Ask every question again."""
        response = await self._call(reset_suppressed_questions.asyncio_detailed)
        return self._parsed(response, SuppressResponse, "suppress reset").status == "submitted"
