"""Order calls: place with confirmation policies, modify, cancel, preview, status, live orders,
trades.

No order is ever sent twice by mistake: every placement carries a client order id (cOID), and a lost
or unreadable answer is resolved by looking the cOID up (see :mod:`ibkr_webapi.orders.placement`).
A cancel is sent once (never retried by the transport) and a lost answer is settled by the order's
status.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable

from ibkr_webapi_client.api.accounts import get_accounts
from ibkr_webapi_client.api.orders import (
    cancel_order,
    get_live_orders,
    get_order_status,
    get_trades,
    preview_order,
    reset_suppressed_questions,
    suppress_questions,
)
from ibkr_webapi_client.models import (
    AccountsList,
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
from ibkr_webapi_client.types import Response, Unset

from .. import errors
from .._core import ClientCore
from ..ids import check_flag, check_order_id
from ..orders.answers import may_have_acted
from ..orders.order import ConfirmPolicy, Order, check_order, check_policy
from ..orders.placement import OrderFlow
from ..pacing import Pacer
from ..results.orders import (
    CancelResult,
    LiveOrder,
    OrderPreview,
    OrderStatus,
    PlacedOrder,
    Trade,
)
from ..seam import bool_or_none, expect_list, expect_one, str_or_none, unexpected, unset_if_none
from ._base import Resource

MAX_TRADE_DAYS = 7

_MESSAGE_ID = re.compile(r"[A-Za-z0-9_]{1,32}")
_FILTER = re.compile(r"[A-Za-z_]{1,32}")
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
        self._flow = OrderFlow(core, _Reads(self))

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
        A refusal raises :class:`errors.OrderRejected` with IBKR's text. When the answer is lost
        or unreadable, the order is looked up by its cOID (live orders and trades): found, it is
        returned (``recovered``); not found, :class:`errors.OrderStatusUnknown` names the cOID and
        what was checked. ``resend_if_missing=True`` resends once instead, with the same cOID, but
        only when the order is known absent: two complete look-ups ``flow.settle_delay`` apart in
        the brokerage session it was sent in. Placing a cOID this client already sent looks it up
        first: a live order is returned, never sent twice.
        """
        check_order(order)
        check_policy(confirm)
        check_flag(resend_if_missing, "resend_if_missing")
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
        number = check_order_id(order_id)
        check_order(order)
        check_policy(confirm)
        account = await self._core.resolve_account(account_id)
        return await self._flow.modify(account, number, order, confirm)

    async def cancel(self, order_id: int | str, *, account_id: str | None = None) -> CancelResult:
        """Ask the gateway to cancel a live order.

        The request is sent once: the transport never retries it. A lost or unreadable answer is
        settled by the order's status: cancelled (or pending cancel) is a success (``recovered``);
        an order already cancelled by an earlier call is a success too (``already_done``).
        """
        account = await self._core.resolve_account(account_id)
        number = check_order_id(order_id)
        target = str(number)
        try:
            with self._core.sending_once():
                response = await self._core.call(
                    lambda c: cancel_order.asyncio_detailed(account, target, client=c)
                )
        except errors.IBKRError as exc:
            if not may_have_acted(exc):
                raise
            return await self._settle_cancel(number, f"{type(exc).__name__}: {exc}")
        refusal = _cancel_refusal(response)
        if refusal is not None:
            # "can't be cancelled" may mean it already is (an earlier cancel's answer was lost).
            if await self._is_cancelled(number):
                return CancelResult(order_id=number, message=refusal, already_done=True)
            raise errors.OrderRejected(refusal)
        parsed = response.parsed
        if isinstance(parsed, CancelOrderResponse):
            try:
                return CancelResult.from_model(number, parsed)
            except errors.UnexpectedResponseError as exc:
                return await self._settle_cancel(number, str(exc))
        return await self._settle_cancel(number, "the answer could not be read")

    async def _is_cancelled(self, order_id: int) -> bool:
        try:
            status = await self.status(order_id)
        except errors.IBKRError:
            return False
        return _is_cancelled_status(status.status)

    async def _settle_cancel(self, order_id: int, cause: str) -> CancelResult:
        try:
            status = await self.status(order_id)
        except errors.IBKRError as exc:
            raise errors.OrderStatusUnknown(
                f"the answer to cancelling order {order_id} was lost ({cause}) and its status "
                f"could not be read ({type(exc).__name__}); check order_status({order_id}) before "
                "acting on it (cancelling again cannot create anything)",
                checked=(f"order status (failed: {type(exc).__name__})",),
                order_id=order_id,
            ) from exc
        if _is_cancelled_status(status.status):
            return CancelResult(
                order_id=order_id, message=status.status, already_done=True, recovered=True
            )
        if (status.status or "").lower() == "filled":
            raise errors.OrderRejected(
                f"order {order_id} is Filled: it can no longer be cancelled (the answer to the "
                "cancel request was lost; the order's status says so)"
            )
        raise errors.OrderStatusUnknown(
            f"the answer to cancelling order {order_id} was lost ({cause}); the order is "
            f"{status.status or 'in an unknown state'}: the cancel may still land. Cancel it again "
            "if it must go (a second cancel cannot create anything)",
            checked=("order status",),
            order_id=order_id,
        )

    async def preview(self, order: Order, *, account_id: str | None = None) -> OrderPreview:
        """What the order would cost and do to margin, without placing it."""
        check_order(order)
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
        """Orders of the current brokerage session; waits out the gateway's first, empty answer.

        ``force`` first asks the gateway to drop its cached list (that call answers nothing), then
        reads the fresh one.
        """
        orders, _ = await self._live(filters=filters, force=force)
        return orders

    async def trades(self, *, days: int = 1) -> list[Trade]:
        """Executions of today and the ``days`` days before (at most 7), across sessions.

        Each carries the ``c_oid`` its order was placed with: an order that filled is found here
        even after the brokerage session was reset (live orders then no longer list it).
        """
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_TRADE_DAYS:
            raise errors.InvalidRequestError(
                f"days must be a whole number from 0 to {MAX_TRADE_DAYS}, got {days!r}"
            )
        response = await self._core.call(lambda c: get_trades.asyncio_detailed(client=c, days=days))
        return [Trade.from_model(item) for item in expect_list(response, "trades")]

    async def _live(
        self, *, filters: Iterable[str] | None = None, force: bool = False
    ) -> tuple[list[LiveOrder], bool]:
        """Live orders, and whether the gateway said the list is complete (``snapshot: true``)."""
        status_filter = _filters(filters)
        if check_flag(force, "force"):
            await self._core.call(
                lambda c: get_live_orders.asyncio_detailed(
                    client=c, filters=unset_if_none(status_filter), force=True
                )
            )
        polls = max(1, self._core.preflight.max_polls)
        orders: list[LiveOrder] = []
        for attempt in range(polls):
            # After the first look (or the cache clear), a look is this call's own follow-up.
            with Pacer.follow_up() if attempt or force else contextlib.nullcontext():
                response = await self._core.call(
                    lambda c: get_live_orders.asyncio_detailed(
                        client=c, filters=unset_if_none(status_filter)
                    )
                )
            answer = expect_one(response, LiveOrders, "live orders")
            raw_items: object = answer.orders
            if raw_items is not None and not isinstance(raw_items, list | Unset):
                raise unexpected("live orders", "'orders' is not a list")
            items = raw_items if isinstance(raw_items, list) else []
            orders = [LiveOrder.from_model(item) for item in items]
            complete = bool_or_none(answer.snapshot, "snapshot") is True
            if orders or complete:
                return orders, complete
            if attempt + 1 < polls:
                await asyncio.sleep(self._core.preflight.interval)
        return orders, False

    async def suppress_questions(self, message_ids: Iterable[str]) -> bool:
        """Stop the gateway asking the questions with these message ids for this session."""
        items = [message_ids] if isinstance(message_ids, str) else message_ids
        try:
            ids = list(dict.fromkeys(items))
        except TypeError:
            ids = []
        if (
            not ids
            or len(ids) > 51
            or not all(isinstance(i, str) and _MESSAGE_ID.fullmatch(i) for i in ids)
        ):
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


class _Reads:
    """The reads an order look-up makes, through this resource (see ``orders.lookup``)."""

    __slots__ = ("_orders",)

    def __init__(self, orders: OrdersResource) -> None:
        self._orders = orders

    async def live_snapshot(self) -> tuple[list[LiveOrder], bool]:
        return await self._orders._live(force=True)

    async def recent_trades(self) -> list[Trade]:
        return await self._orders.trades(days=1)

    async def order_status(self, order_id: int) -> OrderStatus:
        return await self._orders.status(order_id)

    async def brokerage_session(self) -> str | None:
        core = self._orders._core
        response = await core.call(lambda c: get_accounts.asyncio_detailed(client=c))
        answer = expect_one(response, AccountsList, "accounts")
        return str_or_none(answer.session_id, "sessionId") or None


def _filters(filters: Iterable[str] | None) -> str | None:
    if filters is None:
        return None
    items: object = [filters] if isinstance(filters, str) else filters
    given = list(items) if isinstance(items, Iterable) else [None]
    names = [f for f in given if isinstance(f, str) and _FILTER.fullmatch(f)]
    if not given or len(names) != len(given):
        raise errors.InvalidRequestError(
            "filters are order statuses such as 'Submitted', 'Filled', 'Cancelled' "
            f"(letters only), got {filters!r}"[:200]
        )
    return ",".join(names)
