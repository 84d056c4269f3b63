"""Contract calls: search, details, rules and algos, derivative definitions and option chains,
security definitions, futures and stocks by symbol, trading schedules, currencies, bonds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Literal, TypeVar

from ibkr_webapi_client.api.contracts import (
    get_bond_filters,
    get_contract_algos,
    get_contract_info,
    get_contract_info_and_rules,
    get_contract_rules,
    get_contract_trading_schedule,
    get_currency_pairs,
    get_exchange_conids,
    get_exchange_rate,
    get_futures,
    get_sec_def_info,
    get_security_definitions,
    get_stocks,
    get_strikes,
    get_trading_schedule,
    search_contracts,
    search_contracts_by_query,
)
from ibkr_webapi_client.models import (
    BondFilterList,
    ContractAlgos,
    ContractInfo,
    ContractRulesRequest,
    ContractSearchRequest,
    ContractTradingSchedule,
    CurrencyPairs,
    ExchangeRate,
    FuturesBySymbol,
    SecurityDefinitions,
    StocksBySymbol,
)
from ibkr_webapi_client.models import ContractInfoAndRules as ContractInfoAndRulesModel
from ibkr_webapi_client.models import ContractRules as ContractRulesModel
from ibkr_webapi_client.models import Strikes as StrikesModel
from ibkr_webapi_client.types import UNSET, Unset

from .. import errors
from ..ids import (
    check_choice,
    check_conid,
    check_conids,
    check_count,
    check_flag,
    check_number,
    check_order_id,
    check_text,
)
from ..results._fields import items
from ..results.contracts import (
    BondFilter,
    ContractDetails,
    ContractMatch,
    CurrencyPair,
    DerivativeDefinition,
    ExchangeContract,
    SecurityDefinition,
    StockListing,
)
from ..results.derivatives import Future, OptionChain, Strikes
from ..results.rules import Algo, ContractInfoAndRules, ContractRules
from ..results.schedules import ContractSchedule, ExchangeSchedule
from ..seam import expect_list, expect_one, float_or_none, required, unset_if_none
from ._base import Resource
from ._chain import (
    ChainRequest,
    assemble,
    check_expiry_listed,
    pick_month,
    pick_underlying,
    strikes_to_fetch,
)

Right = Literal["C", "P"]
T = TypeVar("T")

_DERIVATIVE_TYPES = ("OPT", "FOP", "WAR")
_CHAIN_CONCURRENCY = 4
"""secdef/info requests of one chain in flight at once; the pacer spaces them within the limits."""


def _symbols(symbols: str | Iterable[str], what: str = "symbols") -> str:
    """One symbol or several, as the gateway's comma-separated list (upper case, duplicates dropped)."""
    given: object = [symbols] if isinstance(symbols, str) else symbols
    if not isinstance(given, Iterable) or isinstance(given, bytes | dict):
        raise errors.InvalidRequestError(f"{what} must be a symbol or a list of them, e.g. ['ES']")
    result: list[str] = []
    for symbol in given:
        text = check_text(symbol, what, max_length=32).strip().upper()
        if "," in text:
            raise errors.InvalidRequestError(f"{what}: give one symbol per item, not {text!r}")
        result.append(text)
    if not result:
        raise errors.InvalidRequestError(f"give at least one symbol in {what}")
    return ",".join(dict.fromkeys(result))


def _optional_text(value: str | None, what: str, max_length: int = 32) -> str | Unset:
    return UNSET if value is None else check_text(value, what, max_length=max_length).strip()


def _first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    failure: BaseException = group
    while isinstance(failure, BaseExceptionGroup):
        failure = failure.exceptions[0]
    return failure


async def _all(jobs: list[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    """Run ``jobs`` at most ``limit`` at once; the first failure cancels the rest and is raised."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(job)) for job in jobs]
    except BaseExceptionGroup as failed:
        raise _first_failure(failed) from None
    return [task.result() for task in tasks]


class ContractsResource(Resource):
    """``ib.contracts``: find contracts and read their definitions, rules, derivatives and hours."""

    __slots__ = ()

    # --- search and details

    async def search(
        self,
        symbol: str,
        *,
        sec_type: str | None = None,
        name: bool = False,
        method: Literal["POST", "GET"] = "POST",
        fund: bool | None = None,
        fund_family_conid_ex: str | None = None,
        pattern: bool | None = None,
        more: bool | None = None,
        referrer: str | None = None,
    ) -> list[ContractMatch]:
        """Contracts matching a symbol (or a company name with ``name=True``).

        The gateway serves the search as a POST (the default) and as a GET with the same answer.
        Searching an underlying is also what lets the gateway list and quote its derivatives.
        ``fund`` (mutual funds, narrowed by ``fund_family_conid_ex``), ``pattern`` (a pattern
        search), ``more`` and ``referrer`` are sent as given when set: IBKR names them without
        describing their effect further.
        """
        if not isinstance(symbol, str) or not symbol.strip():
            raise errors.InvalidRequestError("give a symbol to search for, e.g. 'AAPL'")
        check_text(symbol, "symbol", max_length=128)
        for label, text in (
            ("sec_type", sec_type),
            ("fund_family_conid_ex", fund_family_conid_ex),
            ("referrer", referrer),
        ):
            if text is not None:
                check_text(text, label, max_length=64)
        check_flag(name, "name")
        for label, flag in (("fund", fund), ("pattern", pattern), ("more", more)):
            if flag is not None:
                check_flag(flag, label)
        check_choice(method, "method", ("POST", "GET"))
        fund_, family = unset_if_none(fund), unset_if_none(fund_family_conid_ex)
        pattern_, more_, referrer_ = (
            unset_if_none(pattern),
            unset_if_none(more),
            unset_if_none(referrer),
        )
        if method == "GET":
            response = await self._core.call(
                lambda c: search_contracts_by_query.asyncio_detailed(
                    client=c,
                    symbol=symbol.strip(),
                    sec_type=unset_if_none(sec_type),
                    name=name,
                    fund=fund_,
                    fund_family_conid_ex=family,
                    pattern=pattern_,
                    more=more_,
                    referrer=referrer_,
                )
            )
        else:
            body = ContractSearchRequest(
                symbol=symbol.strip(),
                name=name,
                sec_type=unset_if_none(sec_type),
                fund=fund_,
                fund_family_conid_ex=family,
                pattern=pattern_,
                more=more_,
                referrer=referrer_,
            )
            response = await self._core.call(
                lambda c: search_contracts.asyncio_detailed(client=c, body=body)
            )
        return [ContractMatch.from_model(m) for m in expect_list(response, "contract search")]

    async def info(self, conid: int) -> ContractDetails:
        """Full details of one contract."""
        contract = str(check_conid(conid))
        response = await self._core.call(
            lambda c: get_contract_info.asyncio_detailed(contract, client=c)
        )
        return ContractDetails.from_model(expect_one(response, ContractInfo, "contract info"))

    async def info_and_rules(self, conid: int) -> ContractInfoAndRules:
        """A contract's details and its order rules in one call."""
        contract = str(check_conid(conid))
        response = await self._core.call(
            lambda c: get_contract_info_and_rules.asyncio_detailed(contract, client=c)
        )
        model = expect_one(response, ContractInfoAndRulesModel, "contract info and rules")
        return ContractInfoAndRules.from_model(model)

    async def rules(
        self, conid: int, *, is_buy: bool = True, modify_order_id: int | None = None
    ) -> ContractRules:
        """What orders ``conid`` accepts (order types, time in force, sizes, price increments).

        ``modify_order_id``: the rules for changing that live order instead of placing a new one.
        """
        contract = check_conid(conid)
        check_flag(is_buy, "is_buy")
        order_id = None if modify_order_id is None else check_order_id(modify_order_id)
        body = ContractRulesRequest(
            conid=contract,
            is_buy=is_buy,
            modify_order=order_id is not None,
            order_id=unset_if_none(order_id),
        )
        response = await self._core.call(
            lambda c: get_contract_rules.asyncio_detailed(client=c, body=body)
        )
        return ContractRules.from_model(expect_one(response, ContractRulesModel, "contract rules"))

    async def algos(
        self,
        conid: int,
        *,
        algos: Iterable[str] | None = None,
        descriptions: bool = False,
        parameters: bool = False,
    ) -> list[Algo]:
        """The IB algos ``conid`` supports (``algos``: only these ids, e.g. ``["Adaptive"]``);
        ``parameters=True`` adds each algo's settings, ``descriptions=True`` their descriptions."""
        contract = str(check_conid(conid))
        check_flag(descriptions, "descriptions")
        check_flag(parameters, "parameters")
        wanted: str | Unset = UNSET
        if algos is not None:
            given: object = [algos] if isinstance(algos, str) else algos
            if not isinstance(given, Iterable) or isinstance(given, bytes | dict):
                raise errors.InvalidRequestError("algos must be a list of algo ids, e.g. ['Vwap']")
            ids = list(dict.fromkeys(check_text(a, "algos", max_length=32).strip() for a in given))
            if not ids or len(ids) > 8 or any(";" in a or "," in a for a in ids):
                raise errors.InvalidRequestError(
                    "algos: give 1 to 8 algo ids, one per item (e.g. ['Adaptive', 'Vwap']), "
                    "or leave it out for every algo"
                )
            wanted = ";".join(ids)
        response = await self._core.call(
            lambda c: get_contract_algos.asyncio_detailed(
                contract,
                client=c,
                algos=wanted,
                add_description=1 if descriptions else UNSET,
                add_params=1 if parameters else UNSET,
            )
        )
        answer = expect_one(response, ContractAlgos, "contract algos")
        return [Algo.from_model(a) for a in items(answer.algos, "algos")]

    async def security_definitions(
        self, conids: int | str | Iterable[int | str]
    ) -> list[SecurityDefinition]:
        """Security definitions of one or more contracts (``/trsrv/secdef``), in the order given."""
        numbers = check_conids(conids)
        if len(numbers) > 500:
            raise errors.InvalidRequestError("give at most 500 conids per call")
        text = ",".join(map(str, numbers))
        response = await self._core.call(
            lambda c: get_security_definitions.asyncio_detailed(client=c, conids=text)
        )
        if int(response.status_code) == 204:
            return []
        answer = expect_one(response, SecurityDefinitions, "security definitions")
        found = [SecurityDefinition.from_model(d) for d in items(answer.secdef, "secdef")]
        order = {conid: i for i, conid in enumerate(numbers)}
        return sorted(found, key=lambda d: order.get(d.conid, len(order)))

    async def stocks(self, symbols: str | Iterable[str]) -> dict[str, list[StockListing]]:
        """The companies each symbol names, with their stock's conid on every exchange."""
        text = _symbols(symbols)
        response = await self._core.call(
            lambda c: get_stocks.asyncio_detailed(client=c, symbols=text)
        )
        answer = expect_one(response, StocksBySymbol, "stocks")
        return {
            symbol: [StockListing.from_model(s) for s in items(listed, f"{symbol}")]
            for symbol, listed in answer.additional_properties.items()
        }

    # --- derivatives

    async def secdef_info(
        self,
        conid: int,
        sec_type: str,
        *,
        month: str | None = None,
        exchange: str | None = None,
        strike: float | None = None,
        right: Right | None = None,
        issuer_id: str | None = None,
        filters: str | None = None,
    ) -> list[DerivativeDefinition]:
        """Definitions of derivatives on ``conid`` (options, futures, warrants) for one month.

        Options need ``month`` and ``strike`` (see :meth:`strikes`); bonds need ``issuer_id`` (from
        a search's ``issuers``) and may be narrowed by ``filters`` (see :meth:`bond_filters`).
        """
        contract = str(check_conid(conid))
        check_text(sec_type, "sec_type", max_length=16)
        for label, text in (("month", month), ("exchange", exchange), ("issuer_id", issuer_id)):
            if text is not None:
                check_text(text, label, max_length=32)
        if filters is not None:
            check_text(filters, "filters", max_length=512)
        if right is not None:
            check_choice(right, "right", ("C", "P"))
        strike_text = None if strike is None else f"{check_number(strike, 'strike'):g}"
        response = await self._core.call(
            lambda c: get_sec_def_info.asyncio_detailed(
                client=c,
                conid=contract,
                sectype=sec_type,
                month=unset_if_none(month),
                exchange=unset_if_none(exchange),
                strike=unset_if_none(strike_text),
                right=unset_if_none(right),
                issuer_id=unset_if_none(issuer_id),
                filters=unset_if_none(filters),
            )
        )
        return [DerivativeDefinition.from_model(m) for m in expect_list(response, "secdef info")]

    async def strikes(
        self, conid: int, month: str, *, sec_type: str = "OPT", exchange: str | None = None
    ) -> Strikes:
        """The strikes of calls and puts on ``conid`` in ``month`` (``"MAR24"``).

        The gateway lists them only after a search of the underlying in this session
        (:meth:`search`); :meth:`option_chain` does both.
        """
        contract = str(check_conid(conid))
        month_text = check_text(month, "month", max_length=8).strip().upper()
        check_choice(sec_type, "sec_type", _DERIVATIVE_TYPES)
        place = _optional_text(exchange, "exchange")
        response = await self._core.call(
            lambda c: get_strikes.asyncio_detailed(
                client=c, conid=contract, sectype=sec_type, month=month_text, exchange=place
            )
        )
        return Strikes.from_model(expect_one(response, StrikesModel, "strikes"))

    async def futures(
        self, symbols: str | Iterable[str], *, exchange: str | None = None
    ) -> dict[str, list[Future]]:
        """The non-expired futures of each symbol (``"ES"``), nearest expiry first."""
        text = _symbols(symbols)
        place = _optional_text(exchange, "exchange")
        response = await self._core.call(
            lambda c: get_futures.asyncio_detailed(client=c, symbols=text, exchange=place)
        )
        answer = expect_one(response, FuturesBySymbol, "futures")
        result: dict[str, list[Future]] = {}
        for symbol, listed in answer.additional_properties.items():
            found = [Future.from_model(f) for f in items(listed, symbol)]
            result[symbol] = sorted(found, key=lambda f: (f.expiry is None, f.expiry))
        return result

    async def option_chain(
        self,
        symbol: str | None = None,
        *,
        conid: int | None = None,
        expiry: date | str | None = None,
        month: str | None = None,
        strikes: tuple[float, float] | Iterable[float] | None = None,
        right: Right | None = None,
        sec_type: Literal["OPT", "FOP", "WAR"] = "OPT",
        exchange: str | None = None,
        max_strikes: int = 60,
    ) -> OptionChain:
        """The options on an underlying for one month, as typed contracts ready to quote or trade.

        ``expiry``: a ``date`` or ``"YYYYMMDD"`` for one expiry, ``"YYYYMM"`` for a whole month
        (or ``month="MAR24"``), ``"next"`` for the nearest expiry; none: the nearest month.
        ``strikes``: ``(low, high)``, a range or a list of strikes. ``right``: ``"C"`` or ``"P"``
        (default both).

        Walks search -> strikes -> one secdef request per strike (each gives the calls and puts of
        every expiry of the month at that strike): ``2 + strikes`` requests, a few at once, paced
        within the gateway's limits by the client's pacer. More than ``max_strikes`` strikes is
        refused (narrow ``strikes``) rather than sending hundreds of requests.
        """
        request = ChainRequest.parse(expiry, month, strikes)
        if right is not None:
            check_choice(right, "right", ("C", "P"))
        check_choice(sec_type, "sec_type", _DERIVATIVE_TYPES)
        place = None if exchange is None else check_text(exchange, "exchange", max_length=32)
        check_count(max_strikes, "max_strikes", maximum=1_000)
        underlying = None if conid is None else check_conid(conid)
        if symbol is None:
            if underlying is None:
                raise errors.InvalidRequestError("give the underlying's symbol (or conid=...)")
            symbol = (await self.info(underlying)).symbol
            if symbol is None:
                raise errors.InvalidRequestError(f"contract {underlying} has no symbol to search")
        name = check_text(symbol, "symbol", max_length=32).strip().upper()

        match = pick_underlying(
            await self.search(name), symbol=name, conid=underlying, sec_type=sec_type
        )
        chosen = pick_month(match, request, sec_type)
        check_expiry_listed(match, request, sec_type, chosen)
        grid = await self.strikes(match.conid, chosen, sec_type=sec_type, exchange=place)
        picked = strikes_to_fetch(grid, request, right, f"{name} {chosen}", max_strikes)

        def fetch(strike: float) -> Callable[[], Awaitable[list[DerivativeDefinition]]]:
            return lambda: self.secdef_info(
                match.conid, sec_type, month=chosen, exchange=place, strike=strike, right=right
            )

        found = await _all([fetch(s) for s in picked], _CHAIN_CONCURRENCY)
        contracts = assemble(found, request, right, match.conid)
        return OptionChain(
            underlying_conid=match.conid,
            symbol=match.symbol,
            sec_type=sec_type,
            month=chosen,
            exchange=place,
            listed_strikes=grid.all,
            contracts=tuple(contracts),
        )

    # --- hours

    async def trading_schedule(
        self, conid: int, *, exchange: str | None = None
    ) -> ContractSchedule:
        """A contract's trading sessions for the previous and the coming days (UTC times)."""
        contract = str(check_conid(conid))
        place = _optional_text(exchange, "exchange")
        response = await self._core.call(
            lambda c: get_contract_trading_schedule.asyncio_detailed(
                client=c, conid=contract, exchange=place
            )
        )
        model = expect_one(response, ContractTradingSchedule, "trading schedule")
        return ContractSchedule.from_model(model)

    async def exchange_schedules(
        self,
        symbol: str,
        asset_class: str = "STK",
        *,
        exchange: str | None = None,
        exchange_filter: Iterable[str] | None = None,
    ) -> list[ExchangeSchedule]:
        """A symbol's weekly trading hours on each exchange it trades on (``/trsrv/secdef/schedule``)."""
        name = check_text(symbol, "symbol", max_length=32).strip().upper()
        kind = check_text(asset_class, "asset_class", max_length=8).strip().upper()
        place = _optional_text(exchange, "exchange")
        only: str | Unset = UNSET
        if exchange_filter is not None:
            only = _symbols(exchange_filter, "exchange_filter")
        response = await self._core.call(
            lambda c: get_trading_schedule.asyncio_detailed(
                client=c, asset_class=kind, symbol=name, exchange=place, exchange_filter=only
            )
        )
        return [ExchangeSchedule.from_model(s) for s in expect_list(response, "schedule")]

    # --- currencies, bonds, exchanges

    async def currency_pairs(self, currency: str) -> list[CurrencyPair]:
        """The currency pairs (``"USD.JPY"``) ``currency`` trades in, with their conids."""
        code = check_text(currency, "currency", max_length=3).strip().upper()
        response = await self._core.call(
            lambda c: get_currency_pairs.asyncio_detailed(client=c, currency=code)
        )
        answer = expect_one(response, CurrencyPairs, "currency pairs")
        return [
            CurrencyPair.from_model(p)
            for listed in answer.additional_properties.values()
            for p in items(listed, code)
        ]

    async def exchange_rate(self, source: str, target: str) -> float:
        """How many ``target`` one ``source`` buys (``exchange_rate("USD", "EUR")``)."""
        codes = [
            check_text(v, w, max_length=3).strip().upper()
            for v, w in ((source, "source"), (target, "target"))
        ]
        response = await self._core.call(
            lambda c: get_exchange_rate.asyncio_detailed(client=c, source=codes[0], target=codes[1])
        )
        answer = expect_one(response, ExchangeRate, "exchange rate")
        return required(float_or_none(answer.rate, "rate"), "rate")

    async def bond_filters(self, issuer_id: str, *, symbol: str = "BOND") -> list[BondFilter]:
        """The ways to narrow an issuer's bonds (``issuer_id`` from a search's ``issuers``)."""
        issuer = check_text(issuer_id, "issuer_id", max_length=32).strip()
        name = check_text(symbol, "symbol", max_length=32).strip()
        response = await self._core.call(
            lambda c: get_bond_filters.asyncio_detailed(client=c, symbol=name, issuer_id=issuer)
        )
        answer = expect_one(response, BondFilterList, "bond filters")
        return [BondFilter.from_model(f) for f in items(answer.bond_filters, "bondFilters")]

    async def exchange_contracts(
        self, exchange: str, *, asset_class: str | None = None
    ) -> list[ExchangeContract]:
        """Every contract of an exchange (``"NASDAQ"``); ``asset_class`` defaults to stocks."""
        place = check_text(exchange, "exchange", max_length=32).strip().upper()
        kind = _optional_text(asset_class, "asset_class", max_length=8)
        response = await self._core.call(
            lambda c: get_exchange_conids.asyncio_detailed(
                client=c, exchange=place, asset_class=kind
            )
        )
        return [ExchangeContract.from_model(e) for e in expect_list(response, "exchange conids")]
