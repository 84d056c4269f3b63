"""``ib.events``: event contracts (ForecastEx): categories, markets, contract details, rules, schedules."""

from __future__ import annotations

from ibkr_webapi_client.api.events import (
    get_event_categories,
    get_event_contract_details,
    get_event_contract_rules,
    get_event_market,
    get_event_schedules,
)
from ibkr_webapi_client.models import EventCategories, EventSchedules
from ibkr_webapi_client.models import EventContractDetails as EventContractDetailsModel
from ibkr_webapi_client.models import EventContractRules as EventContractRulesModel
from ibkr_webapi_client.models import EventMarket as EventMarketModel

from ..ids import check_conid, check_text
from ..results.events import (
    EventCategory,
    EventContractDetails,
    EventMarket,
    EventRules,
    EventSchedule,
)
from ..seam import expect_one, unset_if_none
from ._base import Resource


class EventsResource(Resource):
    """``ib.events``: event contracts (ForecastEx): categories, markets, contract details, rules, schedules.

    Walk it top down: :meth:`categories` lists markets by ``conid``; :meth:`market` lists a
    market's YES and NO contracts per strike; the contract's ``conid`` then goes to
    :meth:`details`, :meth:`rules`, :meth:`schedule`, to quotes and to orders.
    """

    __slots__ = ()

    async def categories(self) -> list[EventCategory]:
        """The category tree (each node names its parent), with the markets under each."""
        response = await self._core.call(lambda c: get_event_categories.asyncio_detailed(client=c))
        return EventCategory.read_tree(expect_one(response, EventCategories, "event categories"))

    async def market(self, underlying_conid: int, *, exchange: str | None = None) -> EventMarket:
        """A market's contracts (``underlying_conid`` is a market's ``conid`` in a category)."""
        market = str(check_conid(underlying_conid))
        place = None if exchange is None else check_text(exchange, "exchange", max_length=16)
        response = await self._core.call(
            lambda c: get_event_market.asyncio_detailed(
                client=c, underlying_conid=market, exchange=unset_if_none(place)
            )
        )
        return EventMarket.from_model(expect_one(response, EventMarketModel, "event market"))

    async def details(self, conid: int) -> EventContractDetails:
        """One event contract: its question, strike, side and the conids of both sides."""
        contract = str(check_conid(conid))
        response = await self._core.call(
            lambda c: get_event_contract_details.asyncio_detailed(client=c, conid=contract)
        )
        model = expect_one(response, EventContractDetailsModel, "event contract details")
        return EventContractDetails.from_model(model)

    async def rules(self, conid: int) -> EventRules:
        """How an event contract resolves (source, threshold, payout time) and trades."""
        contract = str(check_conid(conid))
        response = await self._core.call(
            lambda c: get_event_contract_rules.asyncio_detailed(client=c, conid=contract)
        )
        model = expect_one(response, EventContractRulesModel, "event contract rules")
        return EventRules.from_model(model)

    async def schedule(self, conid: int) -> EventSchedule:
        """When an event contract trades, by weekday."""
        contract = str(check_conid(conid))
        response = await self._core.call(
            lambda c: get_event_schedules.asyncio_detailed(client=c, conid=contract)
        )
        return EventSchedule.from_model(expect_one(response, EventSchedules, "event schedules"))
