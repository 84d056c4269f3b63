"""Scanner results: what the scanner accepts (its parameters), and the contracts a scan found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import attrs

from ibkr_webapi_client.models import ScannerContract as ScannerContractModel
from ibkr_webapi_client.models import ScannerFilterInfo as ScannerFilterInfoModel
from ibkr_webapi_client.models import ScannerInstrument as ScannerInstrumentModel
from ibkr_webapi_client.models import ScannerLocation as ScannerLocationModel
from ibkr_webapi_client.models import ScannerParameters as ScannerParametersModel
from ibkr_webapi_client.models import ScannerResult as ScannerResultModel
from ibkr_webapi_client.models import ScanType as ScanTypeModel

from ..errors import UnexpectedResponseError
from ..seam import bool_or_none, int_or_none, str_or_none, str_tuple
from ._common import listed

__all__ = [
    "ScanResult",
    "ScanType",
    "ScannedContract",
    "ScannerFilterOption",
    "ScannerInstrument",
    "ScannerLocation",
    "ScannerParameters",
]

# Locations nest (region > country > exchange); deeper than this is a damaged answer.
_MAX_LOCATION_DEPTH = 32


@attrs.frozen(kw_only=True)
class ScanType:
    """One scan (``TOP_PERC_GAIN``, ``MOST_ACTIVE`` ...) and the instruments it works for."""

    code: str
    display_name: str | None
    instruments: tuple[str, ...]
    """Instrument types it scans (``STK``, ``ETF.EQ.US`` ...); empty when the answer does not say."""

    @classmethod
    def from_model(cls, model: ScanTypeModel) -> ScanType:
        return cls(
            code=str_or_none(model.code, "scan_type_list[].code") or "",
            display_name=str_or_none(model.display_name, "scan_type_list[].display_name"),
            instruments=str_tuple(model.instruments, "scan_type_list[].instruments"),
        )


@attrs.frozen(kw_only=True)
class ScannerInstrument:
    """An instrument type a scan can run on (``STK`` US stocks, ``ETF.EQ.US`` ...)."""

    type: str
    display_name: str | None
    filters: tuple[str, ...]
    """Filter groups that apply to it."""

    @classmethod
    def from_model(cls, model: ScannerInstrumentModel) -> ScannerInstrument:
        return cls(
            type=str_or_none(model.type_, "instrument_list[].type") or "",
            display_name=str_or_none(model.display_name, "instrument_list[].display_name"),
            filters=str_tuple(model.filters, "instrument_list[].filters"),
        )


@attrs.frozen(kw_only=True)
class ScannerFilterOption:
    """A filter a scan request may carry (``priceAbove``, ``marketCapAbove1e6`` ...)."""

    code: str
    display_name: str | None
    group: str | None
    type: str | None
    """``"range"`` / ``"non-range"`` (a number), or ``None`` for a choice among ``choices``."""
    choices: tuple[tuple[str, str | None, bool], ...]
    """For choice filters: (code, display name, default) of each choice."""

    @classmethod
    def from_model(cls, model: ScannerFilterInfoModel) -> ScannerFilterOption:
        choices = tuple(
            (
                code,
                str_or_none(choice.display_name, "combo_values[].display_name"),
                bool_or_none(choice.default, "combo_values[].default") is True,
            )
            for choice in listed(model.combo_values)
            if (code := str_or_none(choice.code, "combo_values[].code")) is not None
        )
        return cls(
            code=str_or_none(model.code, "filter_list[].code") or "",
            display_name=str_or_none(model.display_name, "filter_list[].display_name"),
            group=str_or_none(model.group, "filter_list[].group"),
            type=str_or_none(model.type_, "filter_list[].type"),
            choices=choices,
        )


@attrs.frozen(kw_only=True)
class ScannerLocation:
    """A place to scan (``STK.US.MAJOR`` listed US stocks, ``STK.NASDAQ`` ...); they nest."""

    code: str
    display_name: str | None
    locations: tuple[ScannerLocation, ...] = ()

    def walk(self) -> Iterator[ScannerLocation]:
        """This location and every location inside it, depth first."""
        yield self
        for child in self.locations:
            yield from child.walk()

    @classmethod
    def from_model(cls, model: ScannerLocationModel, depth: int = 0) -> ScannerLocation:
        if depth > _MAX_LOCATION_DEPTH:
            raise UnexpectedResponseError(
                f"the gateway sent locations nested more than {_MAX_LOCATION_DEPTH} deep; the "
                "answer's shape changed or is damaged"
            )
        return cls(
            code=str_or_none(model.type_, "location_tree[].type") or "",
            display_name=str_or_none(model.display_name, "location_tree[].display_name"),
            locations=tuple(cls.from_model(child, depth + 1) for child in listed(model.locations)),
        )


@attrs.frozen(kw_only=True)
class ScannerParameters:
    """Everything a scan request may name: scan types, instruments, locations and filters.

    IBKR allows one request for these every 15 minutes; ``ib.scanner.parameters()`` keeps them for
    the client's life.
    """

    scan_types: tuple[ScanType, ...]
    instruments: tuple[ScannerInstrument, ...]
    filters: tuple[ScannerFilterOption, ...]
    locations: tuple[ScannerLocation, ...]
    """The location tree: one root per instrument type (its ``code`` is the instrument's type)."""
    fetched_at: datetime
    model: ScannerParametersModel = attrs.field(repr=False, eq=False)

    def scan_type(self, code: str) -> ScanType | None:
        """The scan type with this code, if the scanner has it."""
        return next((s for s in self.scan_types if s.code == code), None)

    def instrument(self, type_: str) -> ScannerInstrument | None:
        """The instrument with this type code, if the scanner has it."""
        return next((i for i in self.instruments if i.type == type_), None)

    def filter(self, code: str) -> ScannerFilterOption | None:
        """The filter with this code, if the scanner has it."""
        return next((f for f in self.filters if f.code == code), None)

    def location_codes(self, instrument: str | None = None) -> tuple[str, ...]:
        """Every location code (of one instrument's tree when ``instrument`` is given)."""
        roots = [r for r in self.locations if instrument is None or r.code == instrument]
        return tuple(
            loc.code for root in roots for loc in root.walk() if loc is not root and loc.code
        )

    @classmethod
    def from_model(cls, model: ScannerParametersModel, fetched_at: datetime) -> ScannerParameters:
        return cls(
            scan_types=tuple(ScanType.from_model(s) for s in listed(model.scan_type_list)),
            instruments=tuple(
                ScannerInstrument.from_model(i) for i in listed(model.instrument_list)
            ),
            filters=tuple(ScannerFilterOption.from_model(f) for f in listed(model.filter_list)),
            locations=tuple(ScannerLocation.from_model(loc) for loc in listed(model.location_tree)),
            fetched_at=fetched_at,
            model=model,
        )


def _conid_of(model: ScannerContractModel) -> int:
    conid = int_or_none(model.con_id, "contracts[].con_id")
    if conid is None:  # older answers carry only "conidex": "265598" or "265598@SMART"
        conidex = str_or_none(model.conidex, "contracts[].conidex") or ""
        head = conidex.partition("@")[0].strip()
        conid = int(head) if head.isdecimal() and head.isascii() and len(head) <= 19 else None
    if conid is None or conid <= 0:
        raise UnexpectedResponseError(
            "the gateway's scan answer has a contract without a conid, which it always sends; "
            "the answer's shape changed or is damaged"
        )
    return conid


@attrs.frozen(kw_only=True)
class ScannedContract:
    """One contract a scan found, ranked from 0 (the best match first)."""

    rank: int
    conid: int
    symbol: str | None
    company_name: str | None
    sec_type: str | None
    listing_exchange: str | None
    description: str | None
    scan_data: str | None
    """The value the scan ranked by, as IBKR formats it (``"+4.52%"``, ``"221.521K"``)."""
    conidex: str | None
    server_id: str | None
    model: ScannerContractModel = attrs.field(repr=False, eq=False)

    @classmethod
    def from_model(cls, rank: int, model: ScannerContractModel) -> ScannedContract:
        w = "contracts[]."
        return cls(
            rank=rank,
            conid=_conid_of(model),
            symbol=str_or_none(model.symbol, w + "symbol"),
            company_name=str_or_none(model.company_name, w + "company_name"),
            sec_type=str_or_none(model.sec_type, w + "sec_type"),
            listing_exchange=str_or_none(model.listing_exchange, w + "listing_exchange"),
            description=str_or_none(model.contract_description_1, w + "contract_description_1"),
            scan_data=str_or_none(model.scan_data, w + "scan_data"),
            conidex=str_or_none(model.conidex, w + "conidex"),
            server_id=str_or_none(model.server_id, w + "server_id"),
            model=model,
        )


@attrs.frozen(kw_only=True)
class ScanResult:
    """What one scan found (at most 50 contracts), best match first."""

    scan_type: str
    instrument: str
    location: str
    column_name: str | None
    """What ``scan_data`` of each contract is (``"Trades"``, ``"Change %"`` ...)."""
    contracts: tuple[ScannedContract, ...]
    model: ScannerResultModel = attrs.field(repr=False, eq=False)

    @property
    def conids(self) -> list[int]:
        """The contracts' conids, best match first."""
        return [c.conid for c in self.contracts]

    def __len__(self) -> int:
        return len(self.contracts)

    def __iter__(self) -> Iterator[ScannedContract]:
        return iter(self.contracts)

    @classmethod
    def from_model(
        cls, model: ScannerResultModel, *, scan_type: str, instrument: str, location: str
    ) -> ScanResult:
        return cls(
            scan_type=scan_type,
            instrument=instrument,
            location=location,
            column_name=str_or_none(model.scan_data_column_name, "scan_data_column_name"),
            contracts=tuple(
                ScannedContract.from_model(rank, item)
                for rank, item in enumerate(listed(model.contracts))
            ),
            model=model,
        )
