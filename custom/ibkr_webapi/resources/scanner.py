"""``ib.scanner``: market scanners: their parameters, and running one."""

from __future__ import annotations

import asyncio
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ibkr_webapi_client.api.scanner import get_scanner_parameters, run_scanner
from ibkr_webapi_client.models import ScannerFilter, ScannerRequest
from ibkr_webapi_client.models import ScannerParameters as ScannerParametersModel
from ibkr_webapi_client.models import ScannerResult as ScannerResultModel

from .. import errors
from .._core import ClientCore
from ..ids import check_flag
from ..results.scanner import ScannerParameters, ScanResult
from ..seam import expect_one
from ._base import Resource

__all__ = ["FilterValue", "ScannerResource"]

FilterValue = float | int | str | bool
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_MAX_FILTERS = 50


def _code(value: object, what: str, example: str) -> str:
    if isinstance(value, str) and _CODE.fullmatch(value.strip()):
        return value.strip()
    raise errors.InvalidRequestError(
        f"{what} must be a scanner code such as {example!r}, got {value!r}"
    )


def _filter_value(code: str, value: object) -> FilterValue:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise errors.InvalidRequestError(
                f"filter {code!r} must be a finite number, got {value!r}"
            )
        return value
    if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
        return value
    raise errors.InvalidRequestError(
        f"filter {code!r} must be a number, True/False or a short text, got {value!r}"
    )


def _filters(filters: object) -> list[ScannerFilter]:
    if filters is None:
        return []
    if not isinstance(filters, Mapping):
        raise errors.InvalidRequestError(
            "filters must be a mapping of filter code to value, e.g. {'priceAbove': 5}"
        )
    if len(filters) > _MAX_FILTERS:
        raise errors.InvalidRequestError(f"at most {_MAX_FILTERS} filters, got {len(filters)}")
    out = []
    for key, value in filters.items():
        code = _code(key, "a filter code", "priceAbove")
        out.append(ScannerFilter(code=code, value=_filter_value(code, value)))
    return out


def _unknown(what: str, value: str, known: Iterable[str], where: str) -> errors.InvalidRequestError:
    options = sorted(set(known))
    close = difflib.get_close_matches(value, options, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return errors.InvalidRequestError(
        f"{what} {value!r} is not in the scanner's parameters{where}{hint} "
        "(ib.scanner.parameters() lists them)"
    )


def check_request(
    parameters: ScannerParameters,
    scan_type: str,
    instrument: str,
    location: str,
    filter_codes: Iterable[str],
) -> None:
    """Refuse a scan that names what the scanner does not have (before it costs a request)."""
    if parameters.instrument(instrument) is None:
        raise _unknown("instrument", instrument, (i.type for i in parameters.instruments), "")
    scan = parameters.scan_type(scan_type)
    if scan is None:
        raise _unknown("scan type", scan_type, (s.code for s in parameters.scan_types), "")
    if scan.instruments and instrument not in scan.instruments:
        raise errors.InvalidRequestError(
            f"scan type {scan_type!r} does not scan instrument {instrument!r}; it scans "
            f"{', '.join(scan.instruments)}"
        )
    locations = parameters.location_codes(instrument)
    if locations and location not in locations:
        raise _unknown("location", location, locations, f" for instrument {instrument!r}")
    known = {f.code for f in parameters.filters}
    for code in filter_codes:
        if known and code not in known:
            raise _unknown("filter", code, known, "")


class ScannerResource(Resource):
    """``ib.scanner``: market scanners: their parameters, and running one.

    ``parameters()`` may be asked once every 15 minutes (IBKR's limit): the client asks once and
    keeps the answer for its life. A scan may run once a second.
    """

    __slots__ = ("_lock", "_parameters")

    def __init__(self, core: ClientCore) -> None:
        super().__init__(core)
        self._parameters: ScannerParameters | None = None
        self._lock = asyncio.Lock()

    @property
    def cached_parameters(self) -> ScannerParameters | None:
        """The parameters read earlier by this client, if any (no request)."""
        return self._parameters

    async def parameters(self, *, refresh: bool = False) -> ScannerParameters:
        """Scan types, instruments, locations and filters the scanner accepts.

        The first call asks the gateway; later calls return the kept answer (concurrent first calls
        share one request). ``refresh=True`` asks again: IBKR allows one request every 15
        minutes, so the client's pacing may hold that request until the 15 minutes are over.
        """
        check_flag(refresh, "refresh")
        async with self._lock:
            if self._parameters is None or refresh:
                response = await self._core.call(
                    lambda c: get_scanner_parameters.asyncio_detailed(client=c)
                )
                model = expect_one(response, ScannerParametersModel, "scanner parameters")
                self._parameters = ScannerParameters.from_model(model, datetime.now(UTC))
            return self._parameters

    async def run(
        self,
        scan_type: str,
        *,
        instrument: str = "STK",
        location: str = "STK.US.MAJOR",
        filters: Mapping[str, FilterValue] | None = None,
    ) -> ScanResult:
        """Run one scan (e.g. ``"TOP_PERC_GAIN"`` over ``"STK"`` in ``"STK.US.MAJOR"``).

        ``filters`` maps filter codes to values (``{"priceAbove": 5, "volumeAbove": 100_000}``).
        When the client already holds the scanner's parameters (``parameters()`` was called), the
        scan type, instrument, location and filters are checked against them first and a name the
        scanner does not know raises :class:`~ibkr_webapi.errors.InvalidRequestError` with the
        closest matches, without a request.
        """
        scan_type = _code(scan_type, "scan_type", "TOP_PERC_GAIN")
        instrument = _code(instrument, "instrument", "STK")
        location = _code(location, "location", "STK.US.MAJOR")
        wire_filters = _filters(filters)
        if self._parameters is not None:
            check_request(
                self._parameters,
                scan_type,
                instrument,
                location,
                (f.code for f in wire_filters if isinstance(f.code, str)),
            )
        body = ScannerRequest(
            instrument=instrument, type_=scan_type, location=location, filter_=wire_filters
        )
        response = await self._core.call(
            lambda c: run_scanner.asyncio_detailed(client=c, body=body)
        )
        return ScanResult.from_model(
            expect_one(response, ScannerResultModel, "scanner run"),
            scan_type=scan_type,
            instrument=instrument,
            location=location,
        )
