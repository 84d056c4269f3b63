"""Order calls: place with confirmation policies (one order, a bracket, an OCA group, several at
once), modify, cancel, preview, status, live orders, trades, prompts.

No order is ever sent twice by mistake: every placement carries a client order id (cOID) on every
leg, and a lost or unreadable answer is resolved by looking the cOIDs up (see
:mod:`ibkr_webapi.orders.placement`). A cancel is sent once (never retried by the transport) and a
lost answer is settled by the order's status.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable, Sequence

from ibkr_webapi_client.api.accounts import get_accounts
from ibkr_webapi_client.api.orders import (
    answer_order_prompt,
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
    OrderPromptAnswer,
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
from ibkr_webapi_client.types import UNSET, Response, Unset

from .. import errors
from .._core import ClientCore
from ..ids import check_choice, check_flag, check_order_id
from ..orders.answers import may_have_acted
from ..orders.groups import Bracket, check_orders, legs_to_change, oca_group
from ..orders.order import ConfirmPolicy, Order, check_order, check_policy, new_client_order_id
from ..orders.placement import OrderFlow
from ..orders.sent import SentRecord
from ..pacing import Pacer
from ..results.orders import (
    BracketStatus,
    CancelResult,
    LiveOrder,
    OrderPreview,
    OrderPrompt,
    OrderStatus,
    PlacedBracket,
    PlacedOrder,
    Trade,
)
from ..seam import (
    body_excerpt,
    bool_or_none,
    expect_list,
    expect_one,
    str_or_none,
    unexpected,
    unset_if_none,
)
from ._base import Resource

MAX_TRADE_DAYS = 7
_LIVE = frozenset({"presubmitted", "submitted", "pendingsubmit", "apipending"})

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

    async def bracket(
        self,
        bracket: Bracket,
        *,
        account_id: str | None = None,
        confirm: ConfirmPolicy = False,
        resend_if_missing: bool = False,
    ) -> PlacedBracket:
        """Place an entry with its take-profit and stop-loss attached, in one request.

        The three legs carry their own cOIDs and every question of the submission is answered by
        the one ``confirm`` policy. A lost answer is settled by looking up *every* leg: all found,
        the bracket is returned (``recovered``); any leg in doubt raises
        :class:`errors.OrderStatusUnknown` naming those legs (``c_oids``) and the ones found
        (``found``). ``resend_if_missing=True`` resends the bracket only when every leg is known
        absent (see :meth:`place`).
        """
        if not isinstance(bracket, Bracket):
            raise errors.InvalidRequestError(
                "bracket must be a Bracket, e.g. Bracket(entry=Order(conid=265598, side='BUY', "
                f"quantity=10, price=150.0), take_profit=160.0, stop_loss=145.0), got "
                f"{type(bracket).__name__}"
            )
        check_policy(confirm)
        check_flag(resend_if_missing, "resend_if_missing")
        account = await self._core.resolve_account(account_id)
        parent, take_profit, stop_loss = await self._flow.place(
            account, list(bracket.orders), confirm, resend_if_missing
        )
        return PlacedBracket(parent=parent, take_profit=take_profit, stop_loss=stop_loss)

    async def oca(
        self,
        orders: Iterable[Order],
        *,
        account_id: str | None = None,
        confirm: ConfirmPolicy = False,
        resend_if_missing: bool = False,
    ) -> list[PlacedOrder]:
        """Place a one-cancels-all group in one request: when one order fills, the others cancel.

        Each order is marked ``is_single_group`` and keeps (or gets) its own cOID; the same
        exactly-once rules as :meth:`bracket` hold for the group.
        """
        group = oca_group(check_orders(orders, minimum=2))
        check_policy(confirm)
        check_flag(resend_if_missing, "resend_if_missing")
        account = await self._core.resolve_account(account_id)
        return await self._flow.place(account, group, confirm, resend_if_missing)

    async def place_many(
        self,
        orders: Iterable[Order],
        *,
        account_id: str | None = None,
        confirm: ConfirmPolicy = False,
        resend_if_missing: bool = False,
    ) -> list[PlacedOrder]:
        """Place several orders in one request (results in the same order).

        IBKR documents one order per request except brackets and OCA groups: a gateway that
        refuses a mixed submission answers with a refusal (:class:`errors.OrderRejected`, nothing
        placed). Orders may attach to each other (``parent_id`` = another order's cOID). The same
        exactly-once rules as :meth:`bracket` hold for the group.
        """
        group = check_orders(orders)
        check_policy(confirm)
        check_flag(resend_if_missing, "resend_if_missing")
        account = await self._core.resolve_account(account_id)
        return await self._flow.place(account, group, confirm, resend_if_missing)

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

    async def preview(
        self, order: Order | Bracket | Sequence[Order], *, account_id: str | None = None
    ) -> OrderPreview:
        """What an order, a bracket or a group would cost and do to margin, without placing it.

        A bracket is previewed with cOIDs of its own (``whatif-...``), so the cOIDs it will be
        placed with are never shown to the gateway before the real placement.
        """
        orders = _previewed(order)
        account = await self._core.resolve_account(account_id)
        body = OrdersSubmission(orders=[o.to_request(account) for o in orders])
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

    async def bracket_status(self, bracket: PlacedBracket) -> BracketStatus:
        """The status of every leg of a placed bracket (three status reads, side by side)."""
        if not isinstance(bracket, PlacedBracket):
            raise errors.InvalidRequestError(
                f"give the PlacedBracket that bracket() returned, got {type(bracket).__name__}"
            )
        parent, take_profit, stop_loss = await asyncio.gather(
            *(self.status(leg.order_id) for leg in bracket.legs)
        )
        return BracketStatus(parent=parent, take_profit=take_profit, stop_loss=stop_loss)

    async def modify_bracket(
        self,
        placed: PlacedBracket,
        bracket: Bracket,
        *,
        account_id: str | None = None,
        confirm: ConfirmPolicy = False,
    ) -> PlacedBracket:
        """Change a placed bracket's legs to match ``bracket`` (e.g. ``planned.evolve(stop_loss=..)``).

        Every leg's status is read first; only legs whose working order differs are modified, the
        entry first, each question answered by ``confirm``. Calling it again after a lost answer
        sends only what has not landed yet. A leg that would have to change but is filled or
        cancelled raises :class:`errors.InvalidRequestError` before anything is sent. Returns the
        bracket with the changed legs' new acknowledgements (unchanged legs as they were).
        """
        if not isinstance(placed, PlacedBracket) or not isinstance(bracket, Bracket):
            raise errors.InvalidRequestError(
                "give the PlacedBracket that bracket() returned and the Bracket it should become, "
                f"e.g. modify_bracket(placed, planned.evolve(stop_loss=140.0)); got "
                f"{type(placed).__name__}, {type(bracket).__name__}"
            )
        if placed.parent.c_oid is not None and placed.parent.c_oid != bracket.c_oid:
            raise errors.InvalidRequestError(
                f"the bracket's entry cOID {bracket.c_oid!r} is not the placed one's "
                f"{placed.parent.c_oid!r}: derive the new bracket from the one you placed "
                "(planned.evolve(...)) so every leg keeps its cOID"
            )
        check_policy(confirm)
        account = await self._core.resolve_account(account_id)
        changes = dict(legs_to_change(bracket, await self.bracket_status(placed)))
        legs = []
        for leg in placed.legs:
            order = changes.get(leg.order_id)
            if order is None:
                legs.append(leg)
            else:
                legs.append(await self._flow.modify(account, leg.order_id, order, confirm))
        parent, take_profit, stop_loss = legs
        return PlacedBracket(parent=parent, take_profit=take_profit, stop_loss=stop_loss)

    async def cancel_bracket(
        self, bracket: PlacedBracket, *, account_id: str | None = None
    ) -> list[CancelResult]:
        """Cancel whatever is still working of a bracket: the entry first (its exits go with it),
        then each exit still working. Legs already filled or cancelled are left alone."""
        status = await self.bracket_status(bracket)
        account = await self._core.resolve_account(account_id)
        results = []
        for leg in status.legs:
            if (leg.status or "").lower().replace(" ", "") in _LIVE:
                results.append(await self.cancel(leg.order_id, account_id=account))
        return results

    async def answer_prompt(self, prompt: OrderPrompt, option: str) -> str:
        """Answer a refusal's prompt (:class:`errors.OrderRejectedWithPrompt`) with one of its options.

        Some options resubmit the order, so the answer is sent once (never retried), and this
        client treats the prompt's cOIDs as possibly placed from now on: placing them again looks
        them up first. Returns the gateway's text; read the order's fate with
        ``status(prompt.order_id)``. A lost answer raises :class:`errors.OrderStatusUnknown`.
        """
        if not isinstance(prompt, OrderPrompt):
            raise errors.InvalidRequestError(
                f"give the OrderPrompt of an OrderRejectedWithPrompt (exc.prompt), got "
                f"{type(prompt).__name__}"
            )
        choice = check_choice(option, "option", prompt.options)
        record = SentRecord("unknown", self._core.stack.session.generation, None)
        for c_oid in prompt.c_oids:
            if self._flow.sent.get(c_oid) is None:
                self._flow.sent.note(c_oid, record)
        body = OrderPromptAnswer(order_id=prompt.order_id, req_id=prompt.req_id, text=choice)
        try:
            with self._core.sending_once():
                response = await self._core.call(
                    lambda c: answer_order_prompt.asyncio_detailed(client=c, body=body)
                )
        except errors.IBKRError as exc:
            if not may_have_acted(exc):
                raise
            raise self._prompt_unknown(prompt, f"{type(exc).__name__}: {exc}") from exc
        parsed = response.parsed
        if isinstance(parsed, str):
            return parsed
        raise self._prompt_unknown(prompt, f"an unreadable answer: {body_excerpt(response)!r}")

    @staticmethod
    def _prompt_unknown(prompt: OrderPrompt, cause: str) -> errors.OrderStatusUnknown:
        return errors.OrderStatusUnknown(
            f"the answer to prompt {prompt.message_id or prompt.req_id} of order {prompt.order_id} "
            f"was lost ({cause}): the order may have been resubmitted. Check "
            f"order_status({prompt.order_id}) (cOIDs {', '.join(prompt.c_oids) or 'none'}) "
            "before acting on it",
            c_oid=prompt.c_oids[0] if prompt.c_oids else None,
            c_oids=prompt.c_oids,
            checked=(),
            order_id=prompt.order_id,
        )

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
        wanted = days if days else UNSET  # 0: today only (the gateway's default)
        response = await self._core.call(
            lambda c: get_trades.asyncio_detailed(client=c, days=wanted)
        )
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


def _previewed(value: object) -> list[Order]:
    """The orders a preview sends: one order, a bracket (with preview-only cOIDs) or a group."""
    if isinstance(value, Bracket):
        entry = value.entry.evolve(c_oid=f"whatif-{new_client_order_id()[5:]}")
        return list(value.evolve(entry=entry).orders)
    if isinstance(value, Order):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes) and value:
        return [check_order(item) for item in value]
    check_order(value)  # raises, saying what an order looks like
    return []


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
