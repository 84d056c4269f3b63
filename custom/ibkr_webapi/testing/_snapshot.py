"""Market data snapshots: subscriptions with their pre-flight, and field values as the gateway formats them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._catalogue import Catalogue, Contract
from ._config import SimulatorConfig
from ._market import Market, Quote
from ._portfolio import Holding
from ._pricing import Greeks

FieldValue = str | int | float | None


@dataclass(frozen=True)
class _Context:
    contract: Contract
    quote: Quote
    holding: Holding | None
    server_id: str
    availability: str
    greeks: Greeks | None = None


def describe(contract: Contract) -> str:
    """What the gateway calls a contract in field 7219: ``"AAPL MAR 15 '24 190 Call"``."""
    if contract.sec_type == "OPT" and contract.expiry is not None and contract.strike is not None:
        right = "Call" if contract.right == "C" else "Put"
        return (
            f"{contract.symbol} {contract.expiry:%b %d '%y}".upper()
            + f" {contract.strike:g} {right}"
        )
    if contract.sec_type == "FUT" and contract.expiry is not None:
        return f"{contract.symbol} {contract.expiry:%b%y}".upper()
    return contract.symbol


def _option(getter: Callable[[Greeks], FieldValue]) -> Callable[[_Context], FieldValue]:
    """A field only options have."""
    return lambda c: None if c.greeks is None else getter(c.greeks)


def price(value: float) -> str:
    """A price as the gateway writes it: plain digits, cents (1/100 cent below a dollar)."""
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.4f}"


def size(value: int) -> str:
    """A size with thousands separators: "1,300"."""
    return f"{value:,}"


def abbreviated(value: float) -> str:
    """Volumes and market caps the gateway's way: "830", "24.5K", "24.5M", "2.61T"."""
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= limit:
            return f"{value / limit:.{2 if suffix == 'T' else 1}f}{suffix}"
    return f"{value:.0f}"


def money(value: float) -> str:
    return f"{value:,.2f}"


def _last(c: _Context) -> str:
    state = c.quote.state
    if state == "no_trade_today":
        return "C" + price(c.quote.prior_close)
    return ("H" if state == "halted" else "") + price(c.quote.last)


def _traded(getter: Callable[[_Context], FieldValue]) -> Callable[[_Context], FieldValue]:
    """A field that only exists once the contract traded today."""
    return lambda c: None if c.quote.state == "no_trade_today" else getter(c)


def _held(getter: Callable[[Holding, _Context], FieldValue]) -> Callable[[_Context], FieldValue]:
    """A field about the selected account's position; absent without one."""
    return lambda c: None if c.holding is None else getter(c.holding, c)


def _unrealized(h: Holding, c: _Context) -> float:
    return h.quantity * (c.quote.last - h.avg_cost)


FIELDS: dict[str, Callable[[_Context], FieldValue]] = {
    "31": _last,
    "55": lambda c: c.contract.symbol,
    "70": _traded(lambda c: price(c.quote.high)),
    "71": _traded(lambda c: price(c.quote.low)),
    "73": _held(lambda h, c: money(h.quantity * c.quote.last)),
    "74": _held(lambda h, c: price(h.avg_cost)),
    "75": _held(lambda h, c: money(_unrealized(h, c))),
    "76": _held(lambda h, c: f"{h.quantity:g}"),
    "77": _held(lambda h, c: f"{_unrealized(h, c):,.0f}"),
    "78": _held(lambda h, c: money(h.quantity * c.quote.change)),
    "79": _held(lambda h, c: "0"),
    "80": _held(
        lambda h, c: f"{100 * (c.quote.last / h.avg_cost - 1) * (1 if h.quantity > 0 else -1):.2f}"
    ),
    "82": _traded(lambda c: f"{c.quote.change:.2f}"),
    "83": _traded(lambda c: f"{c.quote.change_percent:.2f}"),
    "84": lambda c: price(c.quote.bid),
    "85": lambda c: size(c.quote.ask_size),
    "86": lambda c: price(c.quote.ask),
    "87": lambda c: abbreviated(c.quote.volume),
    "88": lambda c: size(c.quote.bid_size),
    "6004": lambda c: c.contract.listing_exchange,
    "6008": lambda c: c.contract.conid,
    "6070": lambda c: c.contract.sec_type,
    "6119": lambda c: c.server_id,
    "6509": lambda c: c.availability,
    "7051": lambda c: c.contract.company_name,
    "7059": _traded(lambda c: size(c.quote.last_size)),
    "7087": lambda c: f"{100 * c.contract.annual_volatility:.1f}%",
    "7219": lambda c: describe(c.contract),
    "7220": lambda c: describe(c.contract),
    "7221": lambda c: c.contract.listing_exchange,
    "7280": lambda c: c.contract.industry,
    "7281": lambda c: c.contract.category,
    "7282": lambda c: abbreviated(c.contract.average_volume),
    "7283": lambda c: f"{100 * c.contract.annual_volatility * 1.05:.1f}%",
    "7286": lambda c: (
        f"{c.contract.dividend_yield * c.quote.last / 100:.2f}"
        if c.contract.dividend_yield
        else None
    ),
    "7287": lambda c: f"{c.contract.dividend_yield:.2f}%" if c.contract.dividend_yield else None,
    "7289": lambda c: (
        abbreviated(c.contract.shares_outstanding * c.quote.last)
        if c.contract.shares_outstanding
        else None
    ),
    "7290": lambda c: f"{c.quote.last / c.contract.eps:.2f}" if c.contract.eps > 0 else None,
    "7291": lambda c: f"{c.contract.eps:.2f}" if c.contract.eps else None,
    "7293": lambda c: price(c.quote.week52_high),
    "7294": lambda c: price(c.quote.week52_low),
    "7295": _traded(lambda c: price(c.quote.open)),
    "7296": lambda c: price(c.quote.prior_close),
    "7635": lambda c: price(c.quote.mid),
    "7718": lambda c: f"{c.contract.beta:.2f}",
    "7741": lambda c: price(c.quote.prior_close),
    "7762": lambda c: c.quote.volume,
    "7768": lambda c: "1",
    "201": lambda c: c.contract.right,
    "7308": _option(lambda g: f"{g.delta:.3f}"),
    "7309": _option(lambda g: f"{g.gamma:.4f}"),
    "7310": _option(lambda g: f"{g.theta:.3f}"),
    "7311": _option(lambda g: f"{g.vega:.3f}"),
    "7633": _option(lambda g: f"{100 * g.implied_vol:.1f}%"),
    "7638": lambda c: (
        f"{int(40 * c.contract.average_volume):,}" if c.contract.sec_type == "OPT" else None
    ),
    "7697": lambda c: (
        f"{int(2 * c.contract.average_volume):,}" if c.contract.sec_type == "FUT" else None
    ),
}
# Prices and sizes are absent for a contract without market data ("N..." availability).
PRICE_FIELDS = frozenset(
    {"31", "70", "71", "73", "75", "77", "78", "80", "82", "83", "84", "85", "86", "87", "88"}
    | {"7059", "7286", "7289", "7290", "7293", "7294", "7295", "7296", "7635", "7741", "7762"}
)


@dataclass
class _Subscription:
    generation: int
    server_id: str
    answered: int = 0


class SnapshotService:
    """Open subscriptions per conid and the snapshot answers built from them."""

    def __init__(self, config: SimulatorConfig, catalogue: Catalogue, market: Market) -> None:
        self._config = config
        self._catalogue = catalogue
        self._market = market
        self._subscriptions: dict[int, _Subscription] = {}
        self._server_ids = 0
        # underlying conid -> brokerage session in which a contract search named it
        self._searched: dict[int, int] = {}

    def note_search(self, conids: list[int], generation: int) -> None:
        """A contract search answered these underlyings: their derivatives quote from now on."""
        for conid in conids:
            self._searched[conid] = generation

    def was_searched(self, conid: int, generation: int) -> bool:
        """Whether a contract search named ``conid`` in this brokerage session."""
        return self._searched.get(conid) == generation

    def derivatives_ready(self, contract: Contract, generation: int) -> bool:
        """Whether the gateway knows the contract well enough to quote it (derivatives need a
        search of their underlying first in each brokerage session)."""
        underlying = contract.underlying
        if underlying is None or not self._config.derivatives_need_search:
            return True
        return self._searched.get(underlying.conid) == generation

    def snapshot(
        self,
        conids: list[int],
        fields: list[str],
        now: float,
        generation: int,
        holding: Callable[[int], Holding | None],
    ) -> list[dict[str, Any]]:
        """Answer one snapshot call; `generation` identifies the brokerage session."""
        return [self._item(conid, fields, now, generation, holding) for conid in conids]

    def _item(
        self,
        conid: int,
        fields: list[str],
        now: float,
        generation: int,
        holding: Callable[[int], Holding | None],
    ) -> dict[str, Any]:
        bare: dict[str, Any] = {"conid": conid, "conidEx": str(conid)}
        contract = self._catalogue.get(conid)
        if contract is None or not self.derivatives_ready(contract, generation):
            return bare
        sub = self._subscriptions.get(conid)
        if sub is None or sub.generation != generation:
            sub = _Subscription(generation, f"q{self._server_ids}")
            self._server_ids += 1
            self._subscriptions[conid] = sub
            if self._config.snapshot_preflight:
                return bare
        sub.answered += 1
        quote = self._market.quote(contract, now)
        availability = self._market.availability(conid)
        greeks = self._market.greeks(contract, now) if contract.sec_type == "OPT" else None
        context = _Context(contract, quote, holding(conid), sub.server_id, availability, greeks)
        slow_ready = sub.answered > self._config.slow_field_delay
        item: dict[str, Any] = {}
        for field_id in [*fields, "6119", "6509"]:
            if field_id in item or field_id not in FIELDS:
                continue
            if field_id in self._config.slow_fields and not slow_ready:
                continue
            if field_id in PRICE_FIELDS and availability.startswith("N"):
                continue
            value = FIELDS[field_id](context)
            if value is not None:
                item[field_id] = value
        item["_updated"] = quote.updated_ms
        item.update(bare)
        item["server_id"] = sub.server_id
        return item

    def regulatory(self, contract: Contract, now: float) -> dict[str, Any]:
        """One regulatory snapshot (``/md/regsnapshot``): every price field at once, no pre-flight."""
        quote = self._market.quote(contract, now)
        greeks = self._market.greeks(contract, now) if contract.sec_type == "OPT" else None
        context = _Context(contract, quote, None, "reg0", "RpB", greeks)
        item: dict[str, Any] = {"conid": contract.conid, "conidEx": str(contract.conid)}
        for field_id in ("31", "55", "70", "71", "82", "83", "84", "85", "86", "87", "88", "7059"):
            value = FIELDS[field_id](context)
            if value is not None:
                item[field_id] = value
        item.update({"HasDelayed": False, "_updated": quote.updated_ms, "server_id": "reg0"})
        return item

    def unsubscribe(self, conid: int) -> bool:
        return self._subscriptions.pop(conid, None) is not None

    def unsubscribe_all(self) -> None:
        self._subscriptions.clear()
