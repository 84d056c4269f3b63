"""What ``option_chain`` is asked for (expiry or month, strikes, right), checked and normalised
before any request; the pick of the underlying, month and strikes from the answers; the chain's
contracts from the definitions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime

import attrs

from .. import errors
from ..ids import check_number
from ..results.contracts import ContractMatch, DerivativeDefinition
from ..results.derivatives import OptionContract, Strikes

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_CODE = re.compile(r"^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(\d{2})$")
_MAX_STRIKES = 500

StrikeFilter = tuple[float, float] | range | Iterable[float] | None


def month_code(year: int, month: int) -> str:
    """The gateway's month of a derivative: ``"MAR24"`` (not locale-dependent)."""
    return f"{_MONTHS[month - 1]}{year % 100:02d}"


def _expiry_parts(expiry: object) -> tuple[str, date | None]:
    """``expiry`` as (month code, exact date or None for a whole month)."""
    if isinstance(expiry, datetime):
        raise errors.InvalidRequestError(
            f"expiry must be a date, 'YYYYMMDD' or 'YYYYMM', not a datetime ({expiry!r})"
        )
    if isinstance(expiry, date):
        return month_code(expiry.year, expiry.month), expiry
    text = expiry.strip() if isinstance(expiry, str) else ""
    if text.isdecimal() and text.isascii() and len(text) in (6, 8):
        try:
            day = date(int(text[:4]), int(text[4:6]), int(text[6:]) if len(text) == 8 else 1)
        except ValueError:
            day = None
        if day is not None:
            return month_code(day.year, day.month), day if len(text) == 8 else None
    raise errors.InvalidRequestError(
        f"expiry {expiry!r} is not a date: give a datetime.date, 'YYYYMMDD' for one expiry, "
        "'YYYYMM' for every expiry of a month (e.g. '20240315' or '202403'), or 'next'"
    )


def _month(month: object) -> str:
    text = month.strip().upper() if isinstance(month, str) else ""
    if _MONTH_CODE.match(text):
        return text
    raise errors.InvalidRequestError(
        f"month {month!r} is not a month as the gateway writes it; use e.g. 'MAR24' "
        "(or expiry='202403')"
    )


@attrs.frozen
class ChainRequest:
    """What the caller asked for, checked."""

    month: str | None
    """``"MAR24"``; ``None``: the first month the underlying lists."""
    expiry: date | None
    """One expiry date within the month, or ``None`` for all of them."""
    low: float | None = None
    high: float | None = None
    exact: frozenset[float] | None = None
    nearest: bool = False
    """``expiry="next"``: the nearest expiry the underlying lists."""

    @classmethod
    def parse(cls, expiry: object, month: object, strikes: object) -> ChainRequest:
        if isinstance(expiry, str) and expiry.strip().lower() == "next":
            if month is not None:
                raise errors.InvalidRequestError(
                    "expiry='next' picks its own month; leave out month"
                )
            return attrs.evolve(cls.parse(None, None, strikes), nearest=True)
        code, day = (None, None) if expiry is None else _expiry_parts(expiry)
        if month is not None:
            asked = _month(month)
            if code is not None and code != asked:
                raise errors.InvalidRequestError(
                    f"expiry {expiry!r} is not in month {asked}; give one of the two"
                )
            code = asked
        low, high, exact = _strikes(strikes)
        return cls(code, day, low, high, exact)

    def wants(self, strike: float) -> bool:
        if self.exact is not None:
            return any(math.isclose(strike, s, abs_tol=1e-6) for s in self.exact)
        if self.low is not None and strike < self.low - 1e-9:
            return False
        return not (self.high is not None and strike > self.high + 1e-9)


def _strikes(strikes: object) -> tuple[float | None, float | None, frozenset[float] | None]:
    """``(low, high)`` bounds, or an exact set of strikes (a range or any other iterable)."""
    if strikes is None:
        return None, None, None
    if isinstance(strikes, tuple) and len(strikes) == 2:
        low, high = (check_number(v, "strikes bound") for v in strikes)
        if low > high:
            raise errors.InvalidRequestError(
                f"strikes=({low:g}, {high:g}): the low bound is above the high one"
            )
        return low, high, None
    if isinstance(strikes, str | bytes | dict) or not isinstance(strikes, Iterable):
        raise errors.InvalidRequestError(
            f"strikes must be (low, high), a range or a list of strikes, got {type(strikes).__name__}"
        )
    exact: set[float] = set()
    for value in strikes:
        exact.add(check_number(value, "strike"))
        if len(exact) > _MAX_STRIKES:
            raise errors.InvalidRequestError(f"give at most {_MAX_STRIKES} strikes")
    if not exact:
        raise errors.InvalidRequestError("strikes is empty; give (low, high) or some strikes")
    return None, None, frozenset(exact)


def pick_underlying(
    matches: list[ContractMatch], *, symbol: str | None, conid: int | None, sec_type: str
) -> ContractMatch:
    """The search match that is the underlying: same conid, or same symbol with derivatives."""
    for match in matches:
        if conid is not None and match.conid != conid:
            continue
        if symbol is not None and (match.symbol or "").upper() != symbol.upper():
            continue
        if match.months(sec_type):
            return match
    named = symbol or str(conid)
    raise errors.InvalidRequestError(
        f"{named} has no {sec_type} contracts at the gateway (its search lists none); "
        "check the symbol, or look it up with ib.contracts.search()"
    )


def pick_month(match: ContractMatch, request: ChainRequest, sec_type: str) -> str:
    months = match.months(sec_type)
    if request.nearest:
        listed = match.expiries(sec_type)
        nearest = month_code(listed[0].year, listed[0].month) if listed else months[0]
        return nearest if nearest in months else months[0]
    if request.month is None:
        return months[0]
    if request.month not in months:
        raise errors.InvalidRequestError(
            f"{match.symbol or match.conid} has no {sec_type} contracts in {request.month}; "
            f"its months are {', '.join(months)}"
        )
    return request.month


def check_expiry_listed(
    match: ContractMatch, request: ChainRequest, sec_type: str, month: str
) -> None:
    """An exact expiry the search lists no contracts for is refused (when the search lists any)."""
    asked = request.expiry
    if asked is None:
        return
    listed = [d for d in match.expiries(sec_type) if (d.year, d.month) == (asked.year, asked.month)]
    if listed and asked not in listed:
        raise errors.InvalidRequestError(
            f"{match.symbol or match.conid} has no {sec_type} expiring {asked.isoformat()}; "
            f"the expiries of {month} are {', '.join(d.isoformat() for d in listed)}"
        )


def strikes_to_fetch(
    grid: Strikes, request: ChainRequest, right: str | None, what: str, max_strikes: int
) -> list[float]:
    """The listed strikes the request wants (of calls or puts only, with ``right``)."""
    offered = grid.calls if right == "C" else grid.puts if right == "P" else grid.all
    if not offered:
        raise errors.InvalidRequestError(f"the gateway lists no strikes for {what}")
    picked = [s for s in offered if request.wants(s)]
    if not picked:
        raise errors.InvalidRequestError(
            f"none of the strikes asked for is listed for {what}; "
            f"its strikes run from {offered[0]:g} to {offered[-1]:g}"
        )
    if len(picked) > max_strikes:
        raise errors.InvalidRequestError(
            f"{len(picked)} strikes of {what} match, more than max_strikes={max_strikes}; "
            "narrow strikes=(low, high) or raise max_strikes"
        )
    return picked


def assemble(
    found: Iterable[list[DerivativeDefinition]],
    request: ChainRequest,
    right: str | None,
    underlying_conid: int,
) -> list[OptionContract]:
    """The options of the definitions that match the request, each once."""
    contracts: dict[int, OptionContract] = {}
    for definitions in found:
        for definition in definitions:
            option = OptionContract.from_definition(definition, underlying_conid)
            if option is None or not request.wants(option.strike):
                continue
            if right is not None and option.right != right:
                continue
            if request.expiry is not None and option.expiry != request.expiry:
                continue
            contracts[option.conid] = option
    if request.nearest and contracts:
        first = min(option.expiry for option in contracts.values())
        return [c for c in contracts.values() if c.expiry == first]
    return list(contracts.values())
