"""Order calls: place with confirmation policies, modify, cancel, preview, status, live orders.

No order is ever sent twice: every placement carries a client order id (cOID), and a lost or
unreadable answer is resolved by looking the cOID up (see :mod:`ibkr_webapi.orders.placement`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from ibkr_webapi_client.api.orders import (
    cancel_order,
    get_live_orders,
    get_order_status,
    preview_order,
    reset_suppressed_questions,
    suppress_questions,
)
from ibkr_webapi_client.models import (
    CancelOrderResponse,
    ErrorResponse,
    LiveOrders,
    OrdersSubmission,
    SuppressRequest,
    SuppressResponse,
)
from ibkr_webapi_client.models import (
    OrderPreview as OrderPreviewModel,
)
from ibkr_webapi_client.models import (
    OrderStatus as OrderStatusModel,
)
from ibkr_webapi_client.types import Response

from .. import errors
from .._core import ClientCore
from ..ids import check_order_id
from ..orders.order import ConfirmPolicy, Order
from ..orders.placement import OrderFlow
from ..results.orders import CancelResult, LiveOrder, OrderPreview, OrderStatus, PlacedOrder
from ..seam import bool_or_none, expect_one, str_or_none, unset_if_none
from ._base import Resource

# Statuses in which a cancel request has nothing left to do.
_CANCELLED = frozenset({"cancelled", "pendingcancel", "apicancelled"})


def _is_cancelled_status(status: str | None) -> bool:
    return (status or "").lower().replace(" ", "") in _CANCELLED


def _cancel_refusal(response: Response[CancelOrderResponse | ErrorResponse]) -> str | None:
    parsed = response.parsed
    if isinstance(parsed, CancelOrderResponse | ErrorResponse):
        text = parsed.error if isinstance(parsed.error, str) else None
        return text.strip() if text and text.strip() else None
    return None


class OrdersResource(Resource):
    """``ib.orders``: place, change, cancel and follow orders.

    ``account_id`` defaults to the client's account (``IBKR_ACCOUNT_ID``), or the login's only one.
    """

    __slots__ = ("_flow",)

    def __init__(self, core: ClientCore) -> None:
        super().__init__(core)
        self._flow = OrderFlow(core, lambda: self.live(force=True))

    @property
    def flow(self) -> OrderFlow:
        """The engine behind placement (its ``max_questions`` and ``settle_delay`` can be tuned)."""
        return self._flow

    async def place(
        self,
        order: Order,
        *,
        account_id: str | None = None,
        confirm: ConfirmPolicy = False,
        resend_if_missing: bool = False,
    ) -> PlacedOrder:
        """Place ``order`` and answer the gateway's confirmation questions by ``confirm``.

        ``confirm=False`` raises :class:`errors.OrderConfirmationRequired` on the first question
        (after telling the gateway to drop the order); ``True`` confirms every question; a callable
        (sync or async) gets each :class:`Question` and returns whether to confirm it.
        A refusal raises :class:`errors.OrderRejected` with IBKR's text. When the answer is lost and
        the order cannot be found by its cOID, :class:`errors.OrderStatusUnknown` is raised;
        ``resend_if_missing=True`` resends instead, but only once the order is known to be absent.
        """
        account = await self._core.resolve_account(account_id)
        placed = await self._flow.place(
            account, [order.with_client_order_id()], confirm, resend_if_missing
        )
        return placed[0]

    async def modify(
        self,
        order_id: int | str,
        order: Order,
        *,
        account_id: str | None = None,
        confirm: ConfirmPolicy = False,
    ) -> PlacedOrder:
        """Change a live order; ``order`` must repeat every field (the gateway replaces the order)."""
        account = await self._core.resolve_account(account_id)
        return await self._flow.modify(account, check_order_id(order_id), order, confirm)

    async def cancel(self, order_id: int | str, *, account_id: str | None = None) -> CancelResult:
        """Ask the gateway to cancel a live order.

        An order that is already cancelled counts as done (``already_done``). A lost answer is not
        resent blindly: the order's status says whether the cancel landed.
        """
        account = await self._core.resolve_account(account_id)
        number = check_order_id(order_id)
        target = str(number)
        try:
            response = await self._core.call(
                lambda c: cancel_order.asyncio_detailed(account, target, client=c)
            )
        except (errors.APIConnectionError, errors.ServerError) as exc:
            if isinstance(exc, errors.APIConnectionError) and not exc.may_have_reached_gateway:
                raise
            return await self._settle_cancel(number, exc)
        refusal = _cancel_refusal(response)
        if refusal is not None:
            # "can't be cancelled" may mean it already is (an earlier cancel's answer was lost).
            if await self._is_cancelled(number):
                return CancelResult(order_id=number, message=refusal, already_done=True)
            raise errors.OrderRejected(refusal)
        answer = expect_one(response, CancelOrderResponse, "cancel order")
        return CancelResult.from_model(number, answer)

    async def _is_cancelled(self, order_id: int) -> bool:
        try:
            status = await self.status(order_id)
        except errors.IBKRError:
            return False
        return _is_cancelled_status(status.status)

    async def _settle_cancel(self, order_id: int, cause: errors.IBKRError) -> CancelResult:
        try:
            status = await self.status(order_id)
        except errors.IBKRError as exc:
            raise errors.OrderStatusUnknown(
                f"the answer to cancelling order {order_id} was lost ({type(cause).__name__}) and "
                f"its status could not be read ({type(exc).__name__}); check order_status() "
                "before acting on it",
                checked=("order status (failed)",),
            ) from cause
        if _is_cancelled_status(status.status):
            return CancelResult(order_id=order_id, message=status.status, already_done=True)
        raise errors.OrderStatusUnknown(
            f"the answer to cancelling order {order_id} was lost ({type(cause).__name__}); the "
            f"order is {status.status or 'in an unknown state'}: cancel it again if it must go",
            checked=("order status",),
        )

    async def preview(self, order: Order, *, account_id: str | None = None) -> OrderPreview:
        """What the order would cost and do to margin, without placing it."""
        account = await self._core.resolve_account(account_id)
        body = OrdersSubmission(orders=[order.to_request(account)])
        response = await self._core.call(
            lambda c: preview_order.asyncio_detailed(account, client=c, body=body)
        )
        return OrderPreview.from_model(expect_one(response, OrderPreviewModel, "order preview"))

    async def status(self, order_id: int | str) -> OrderStatus:
        """Status of one order by its IBKR order id."""
        target = str(check_order_id(order_id))
        response = await self._core.call(
            lambda c: get_order_status.asyncio_detailed(target, client=c)
        )
        return OrderStatus.from_model(expect_one(response, OrderStatusModel, "order status"))

    async def live(
        self, *, filters: Iterable[str] | None = None, force: bool = False
    ) -> list[LiveOrder]:
        """Orders of the current session; waits out the gateway's first, empty answer.

        ``force`` first asks the gateway to drop its cached list (that call answers nothing), then
        reads the fresh one.
        """
        status_filter = ",".join(filters) if filters is not None else None
        if force:
            await self._core.call(
                lambda c: get_live_orders.asyncio_detailed(
                    client=c, filters=unset_if_none(status_filter), force=True
                )
            )
        polls = max(1, self._core.preflight.max_polls)
        orders: list[LiveOrder] = []
        for attempt in range(polls):
            response = await self._core.call(
                lambda c: get_live_orders.asyncio_detailed(
                    client=c, filters=unset_if_none(status_filter)
                )
            )
            answer = expect_one(response, LiveOrders, "live orders")
            items = answer.orders if isinstance(answer.orders, list) else []
            orders = [LiveOrder.from_model(item) for item in items]
            if orders or bool_or_none(answer.snapshot, "snapshot") is True:
                return orders
            if attempt + 1 < polls:
                await asyncio.sleep(self._core.preflight.interval)
        return orders

    async def suppress_questions(self, message_ids: Iterable[str]) -> bool:
        """Stop the gateway asking the questions with these message ids for this session."""
        ids = list(dict.fromkeys(message_ids))
        if not ids or len(ids) > 51 or not all(isinstance(i, str) and i for i in ids):
            raise errors.InvalidRequestError(
                "give between 1 and 51 message ids, e.g. ['o163', 'o354']"
            )
        body = SuppressRequest(message_ids=ids)
        response = await self._core.call(
            lambda c: suppress_questions.asyncio_detailed(client=c, body=body)
        )
        answer = expect_one(response, SuppressResponse, "suppress")
        return str_or_none(answer.status, "status") == "submitted"

    async def reset_suppressed_questions(self) -> bool:
        """Ask every question again."""
        response = await self._core.call(
            lambda c: reset_suppressed_questions.asyncio_detailed(client=c)
        )
        answer = expect_one(response, SuppressResponse, "suppress reset")
        return str_or_none(answer.status, "status") == "submitted"
