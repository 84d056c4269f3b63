"""Contract calls: search, details, derivative definitions."""

from __future__ import annotations

from typing import Literal

from ibkr_webapi_client.api.contracts import get_contract_info, get_sec_def_info, search_contracts
from ibkr_webapi_client.models import ContractInfo, ContractSearchRequest

from .. import errors
from ..ids import check_choice, check_conid, check_flag, check_number, check_text
from ..results.contracts import ContractDetails, ContractMatch, DerivativeDefinition
from ..seam import expect_list, expect_one, unset_if_none
from ._base import Resource

Right = Literal["C", "P"]


class ContractsResource(Resource):
    """``ib.contracts``: find contracts and read their definitions."""

    __slots__ = ()

    async def search(
        self, symbol: str, *, sec_type: str | None = None, name: bool = False
    ) -> list[ContractMatch]:
        """Contracts matching a symbol (or a company name with ``name=True``)."""
        if not isinstance(symbol, str) or not symbol.strip():
            raise errors.InvalidRequestError("give a symbol to search for, e.g. 'AAPL'")
        check_text(symbol, "symbol", max_length=128)
        if sec_type is not None:
            check_text(sec_type, "sec_type", max_length=16)
        check_flag(name, "name")
        body = ContractSearchRequest(
            symbol=symbol.strip(), name=name, sec_type=unset_if_none(sec_type)
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

    async def secdef_info(
        self,
        conid: int,
        sec_type: str,
        *,
        month: str | None = None,
        exchange: str | None = None,
        strike: float | None = None,
        right: Right | None = None,
    ) -> list[DerivativeDefinition]:
        """Definitions of derivatives on ``conid`` (options, futures, warrants) for one month."""
        contract = str(check_conid(conid))
        check_text(sec_type, "sec_type", max_length=16)
        for label, text in (("month", month), ("exchange", exchange)):
            if text is not None:
                check_text(text, label, max_length=32)
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
            )
        )
        return [DerivativeDefinition.from_model(m) for m in expect_list(response, "secdef info")]
