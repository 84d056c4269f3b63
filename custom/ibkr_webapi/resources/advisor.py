"""``ib.advisor``: financial-advisor allocation: groups, presets, model portfolios.

Every call needs an advisor (FA) login; others get :class:`~ibkr_webapi.errors.BadRequestError`.
Model calls (``/fa/...``) carry a request id; while the gateway is still gathering figures it
answers "not ready" for that id, and the call asks again with the same id (a few times, briefly
apart) before giving up with :class:`~ibkr_webapi.errors.APITimeoutError`.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Protocol, TypeVar

from ibkr_webapi_client.api.advisor import (
    add_allocation_group,
    delete_allocation_group,
    get_allocation_accounts,
    get_allocation_group,
    get_allocation_groups,
    get_allocation_presets,
    get_invested_accounts,
    get_model_accounts,
    get_model_positions,
    get_model_presets,
    get_model_summary,
    get_models,
    invest_divest_model,
    modify_allocation_group,
    save_model,
    save_model_presets,
    set_allocation_presets,
    submit_model_transfers,
)
from ibkr_webapi_client.client import Client
from ibkr_webapi_client.models import (
    AllocationAccounts,
    AllocationGroupName,
    AllocationGroupRequest,
    AllocationGroups,
    AllocationGroupUpdate,
    AllocationMember,
    AllocationSuccess,
    ErrorResponse,
    InvestDivestRequest,
    InvestDivestStarted,
    InvestedAccounts,
    InvestedAccountsRequest,
    ModelAccounts,
    ModelAccountsRequest,
    ModelCashTarget,
    ModelInvestment,
    ModelList,
    ModelPositionsRequest,
    ModelPositionTarget,
    ModelPresetsSaved,
    ModelRequest,
    ModelSaved,
    ModelSaveRequest,
    ModelSummaryRequest,
    ModelTransfersRequest,
    ModelTransfersSubmitted,
)
from ibkr_webapi_client.models import AllocationGroup as AllocationGroupModel
from ibkr_webapi_client.models import AllocationPresets as AllocationPresetsModel
from ibkr_webapi_client.models import ModelPositions as ModelPositionsModel
from ibkr_webapi_client.models import ModelPresets as ModelPresetsModel
from ibkr_webapi_client.models import ModelSummary as ModelSummaryModel
from ibkr_webapi_client.types import Response

from .. import errors
from ..ids import check_account, check_choice, check_conid, check_flag, check_number, check_text
from ..results.advisor import (
    AllocationAccount,
    AllocationGroup,
    AllocationGroupInfo,
    AllocationPresets,
    InvestedAccount,
    ModelAccount,
    ModelHoldings,
    ModelInfo,
    ModelPresets,
    ModelTransfers,
)
from ..seam import body_excerpt, bool_or_none, expect_one, model_or_none
from ._base import Resource

T = TypeVar("T")

METHODS = ("A", "E", "N", "C", "P", "R", "S")
"""Allocation methods: A available equity, E equal quantity, N net liquidation, C cash quantity,
P percentages, R ratios, S shares (P, R and S need an amount for each member)."""
_WITH_AMOUNT = frozenset({"P", "R", "S"})
_PRESET_METHODS = (
    "AvailableEquity",
    "EqualQuantity",
    "NetLiquidity",
    "CashQuantity",
    "Percentage",
    "Ratios",
    "Shares",
)
MODEL_POLLS = 10
MODEL_POLL_INTERVAL = 0.5
_MAX_MEMBERS = 1_000
_MAX_TARGETS = 1_000
_MODEL_PRESET_FLAGS = (
    "avoidNegativeCashInCore",
    "closeDivestCorePosition",
    "fullyInvestExistingLongPositions",
    "keepModelOpen",
    "preferCrossWithIndependent",
    "preferTransferFromIndependent",
    "roundAllocExchBoardLot",
    "useNonBaseCcy",
    "useToleranceRange",
)
_req_ids = itertools.count(secrets.randbelow(1_000_000) + 1)


class _Polled(Protocol):
    def to_dict(self) -> dict[str, object]: ...


P = TypeVar("P", bound=_Polled)


def _name(value: object, what: str = "name") -> str:
    text = check_text(value, what, max_length=64).strip()
    if not text:
        raise errors.InvalidRequestError(f"{what} must be a non-empty name, e.g. 'Core'")
    return text


def _members(accounts: Mapping[str, float] | Iterable[str], method: str) -> list[AllocationMember]:
    """Group members as the gateway wants them, amounts checked against the method."""
    if isinstance(accounts, str):
        raise errors.InvalidRequestError(
            "accounts: give a list of account ids, or {account: amount} for methods P, R and S"
        )
    amounts: dict[str, float | None] = {}
    if isinstance(accounts, Mapping):
        for account, amount in accounts.items():
            value = None if amount is None else check_number(amount, f"amount for {account}")
            if value is not None and value <= 0:
                raise errors.InvalidRequestError(f"amount for {account} must be a positive number")
            amounts[check_account(account)] = value
    elif isinstance(accounts, list | tuple | set | frozenset):
        amounts = {check_account(account): None for account in accounts}
    else:
        raise errors.InvalidRequestError(
            "accounts: give a list of account ids, or {account: amount} for methods P, R and S"
        )
    if not amounts or len(amounts) > _MAX_MEMBERS:
        raise errors.InvalidRequestError(f"a group needs 1 to {_MAX_MEMBERS} accounts")
    if method in _WITH_AMOUNT and any(a is None for a in amounts.values()):
        raise errors.InvalidRequestError(
            f"method {method} needs an amount per account: pass {{'U1234567': 60, ...}}"
        )
    if method == "P" and abs(sum(a or 0.0 for a in amounts.values()) - 100.0) > 0.01:
        raise errors.InvalidRequestError("percentages (method P) must add up to 100")
    return [
        AllocationMember(name=account)
        if amount is None or method not in _WITH_AMOUNT
        else AllocationMember(name=account, amount=amount)
        for account, amount in amounts.items()
    ]


def _mapping(value: object, what: str, example: str) -> Mapping[object, object]:
    if not isinstance(value, Mapping):
        raise errors.InvalidRequestError(f"{what}: give a mapping, e.g. {example}")
    return value


def _fractions(targets: Mapping[T, object], what: str) -> dict[T, float]:
    found: dict[T, float] = {}
    for key, target in targets.items():
        number = check_number(target, f"{what}: target for {key!r}")
        if number < 0:
            raise errors.InvalidRequestError(f"{what}: target for {key!r} must be 0 or more")
        found[key] = number
    return found


class AdvisorResource(Resource):
    """``ib.advisor``: financial-advisor allocation: groups, presets, model portfolios."""

    __slots__ = ()

    # --- allocation (orders placed for a group are split among its accounts)
    async def allocation_accounts(self) -> list[AllocationAccount]:
        """The sub-accounts orders can be allocated to, with their net liquidation and equity."""
        response = await self._core.call(
            lambda c: get_allocation_accounts.asyncio_detailed(client=c)
        )
        answer = expect_one(response, AllocationAccounts, "allocation accounts")
        return [AllocationAccount.from_model(m) for m in model_or_none(answer.accounts) or []]

    async def groups(self) -> list[AllocationGroupInfo]:
        """The advisor's allocation groups (name, default method, size)."""
        response = await self._core.call(lambda c: get_allocation_groups.asyncio_detailed(client=c))
        answer = expect_one(response, AllocationGroups, "allocation groups")
        return [AllocationGroupInfo.from_model(m) for m in model_or_none(answer.data) or []]

    async def group(self, name: str) -> AllocationGroup:
        """One allocation group with its members and their amounts."""
        body = AllocationGroupName(name=_name(name))
        response = await self._core.call(
            lambda c: get_allocation_group.asyncio_detailed(client=c, body=body)
        )
        return AllocationGroup.from_model(
            expect_one(response, AllocationGroupModel, "allocation group")
        )

    async def add_group(
        self, name: str, accounts: Mapping[str, float] | Iterable[str], *, method: str
    ) -> None:
        """Create a group: ``accounts`` lists its accounts, or maps each to its amount for methods
        ``P`` (percent, adding up to 100), ``R`` (ratio) and ``S`` (shares). See :data:`METHODS`."""
        chosen = check_choice(method, "method", METHODS)
        body = AllocationGroupRequest(
            name=_name(name), accounts=_members(accounts, chosen), default_method=chosen
        )
        response = await self._core.call(
            lambda c: add_allocation_group.asyncio_detailed(client=c, body=body)
        )
        self._succeeded(response, f"add allocation group {body.name!r}")

    async def modify_group(
        self,
        name: str,
        accounts: Mapping[str, float] | Iterable[str],
        *,
        method: str,
        new_name: str | None = None,
    ) -> None:
        """Replace a group's accounts and method (and rename it with ``new_name``)."""
        chosen = check_choice(method, "method", METHODS)
        old = _name(name)
        body = AllocationGroupUpdate(
            name=old if new_name is None else _name(new_name, "new_name"),
            accounts=_members(accounts, chosen),
            default_method=chosen,
            prev_name=old,
        )
        response = await self._core.call(
            lambda c: modify_allocation_group.asyncio_detailed(client=c, body=body)
        )
        self._succeeded(response, f"modify allocation group {old!r}")

    async def delete_group(self, name: str) -> None:
        """Delete an allocation group."""
        body = AllocationGroupName(name=_name(name))
        response = await self._core.call(
            lambda c: delete_allocation_group.asyncio_detailed(client=c, body=body)
        )
        self._succeeded(response, f"delete allocation group {body.name!r}")

    async def presets(self) -> AllocationPresets:
        """How orders are allocated by default."""
        response = await self._core.call(
            lambda c: get_allocation_presets.asyncio_detailed(client=c)
        )
        return AllocationPresets.from_model(
            expect_one(response, AllocationPresetsModel, "allocation presets")
        )

    async def set_presets(
        self,
        *,
        default_method: str | None = None,
        group_auto_close_positions: bool | None = None,
        profiles_auto_close_positions: bool | None = None,
        strict_credit_check: bool | None = None,
        group_proportional_allocation: bool | None = None,
    ) -> AllocationPresets:
        """Change the presets given (``None`` keeps one as it is); returns them as they now are.
        ``default_method`` is a method's full name: ``"AvailableEquity"``, ``"NetLiquidity"`` ..."""
        current = await self.presets()

        def flag(value: bool | None, now: bool | None, what: str) -> bool:
            return check_flag(value, what) if value is not None else bool(now)

        body = AllocationPresetsModel(
            default_method_for_all=current.default_method or "AvailableEquity"
            if default_method is None
            else check_choice(default_method, "default_method", _PRESET_METHODS),
            group_auto_close_positions=flag(
                group_auto_close_positions,
                current.group_auto_close_positions,
                "group_auto_close_positions",
            ),
            profiles_auto_close_positions=flag(
                profiles_auto_close_positions,
                current.profiles_auto_close_positions,
                "profiles_auto_close_positions",
            ),
            strict_credit_check=flag(
                strict_credit_check, current.strict_credit_check, "strict_credit_check"
            ),
            group_proportional_allocation=flag(
                group_proportional_allocation,
                current.group_proportional_allocation,
                "group_proportional_allocation",
            ),
        )
        response = await self._core.call(
            lambda c: set_allocation_presets.asyncio_detailed(client=c, body=body)
        )
        self._succeeded(response, "set allocation presets")
        return await self.presets()

    # --- model portfolios
    async def models(self) -> list[ModelInfo]:
        """The advisor's model portfolios."""

        def send(c: Client, req: int) -> Awaitable[Response[ErrorResponse | ModelList]]:
            return get_models.asyncio_detailed(client=c, body=ModelRequest(req_id=req))

        answer = await self._polled(send, ModelList, "models")
        return [ModelInfo.from_model(m) for m in model_or_none(answer.models) or []]

    async def model_summary(self, name: str) -> ModelInfo:
        """One model's description, value and number of accounts."""
        model = _name(name, "model")

        def send(c: Client, req: int) -> Awaitable[Response[ErrorResponse | ModelSummaryModel]]:
            body = ModelSummaryRequest(req_id=req, model=model)
            return get_model_summary.asyncio_detailed(client=c, body=body)

        answer = await self._polled(send, ModelSummaryModel, "model summary")
        return ModelInfo.from_model(answer)

    async def model_holdings(self, name: str) -> ModelHoldings:
        """What a model holds across its accounts, against its targets."""
        model = _name(name, "model")

        def send(c: Client, req: int) -> Awaitable[Response[ErrorResponse | ModelPositionsModel]]:
            body = ModelPositionsRequest(req_id=req, model=model)
            return get_model_positions.asyncio_detailed(client=c, body=body)

        answer = await self._polled(send, ModelPositionsModel, "model positions")
        return ModelHoldings.from_model(model, answer)

    async def model_accounts(self, name: str, *, with_pnl: bool = True) -> list[ModelAccount]:
        """Each account's part in a model (value, cash, cost, P&L), plus a ``"TOTAL"`` row."""
        model = _name(name, "model")
        pnl = check_flag(with_pnl, "with_pnl")

        def send(c: Client, req: int) -> Awaitable[Response[ErrorResponse | ModelAccounts]]:
            body = ModelAccountsRequest(req_id=req, model=model, calc_pnls=pnl)
            return get_model_accounts.asyncio_detailed(client=c, body=body)

        answer = await self._polled(send, ModelAccounts, "model accounts")
        return [ModelAccount.from_model(m) for m in model_or_none(answer.account_info_list) or []]

    async def invested_accounts(self, name: str) -> list[InvestedAccount]:
        """The sub-accounts with what each holds in the model, in other models and outside."""
        model = _name(name, "model")

        def send(c: Client, req: int) -> Awaitable[Response[ErrorResponse | InvestedAccounts]]:
            body = InvestedAccountsRequest(req_id=req, model=model)
            return get_invested_accounts.asyncio_detailed(client=c, body=body)

        answer = await self._polled(send, InvestedAccounts, "invested accounts")
        return [InvestedAccount.from_model(m) for m in model_or_none(answer.account_list) or []]

    async def model_presets(self) -> ModelPresets:
        """How model investments are carried out."""

        def send(c: Client, req: int) -> Awaitable[Response[ErrorResponse | ModelPresetsModel]]:
            return get_model_presets.asyncio_detailed(client=c, body=ModelRequest(req_id=req))

        return ModelPresets.from_model(await self._polled(send, ModelPresetsModel, "model presets"))

    async def save_model_presets(self, **presets: bool | int) -> None:
        """Change model presets by the gateway's names (``keepModelOpen=True`` ...)."""
        if not presets:
            raise errors.InvalidRequestError("give at least one preset, e.g. keepModelOpen=True")
        body = ModelPresetsModel(req_id=next(_req_ids))
        wire = body.to_dict()
        for key, value in presets.items():
            if key == "cashQtyEstimateFactor":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise errors.InvalidRequestError(
                        "cashQtyEstimateFactor must be an integer >= 0"
                    )
            elif key in _MODEL_PRESET_FLAGS:
                check_flag(value, key)
            else:
                raise errors.InvalidRequestError(
                    f"unknown model preset {key!r}; known: cashQtyEstimateFactor, "
                    + ", ".join(_MODEL_PRESET_FLAGS)
                )
            wire[key] = value
        request = ModelPresetsModel.from_dict(wire)
        response = await self._core.call(
            lambda c: save_model_presets.asyncio_detailed(client=c, body=request)
        )
        answer = expect_one(response, ModelPresetsSaved, "save model presets")
        self._check_success(bool_or_none(answer.success, "success"), response, "save model presets")

    async def save_model(
        self,
        name: str,
        *,
        description: str,
        positions: Mapping[int, float],
        cash: Mapping[str, float] | None = None,
        static: bool = False,
    ) -> None:
        """Create or replace a model: target fractions by conid and by cash currency, adding up
        to 1 (``positions={265598: 0.6, 8314: 0.3}, cash={"USD": 0.1}``)."""
        model = _name(name, "model")
        text = check_text(description, "description", max_length=256).strip()
        if not text:
            raise errors.InvalidRequestError("description must be a non-empty text")
        targets = _mapping(positions, "positions", "{265598: 0.6, 8314: 0.4}")
        stocks = _fractions({check_conid(k): v for k, v in targets.items()}, "positions")
        currencies = _mapping({} if cash is None else cash, "cash", "{'USD': 0.1}")
        money = _fractions(
            {check_text(k, "currency", max_length=3).upper(): v for k, v in currencies.items()},
            "cash",
        )
        if len(stocks) + len(money) > _MAX_TARGETS:
            raise errors.InvalidRequestError(f"a model holds at most {_MAX_TARGETS} targets")
        total = sum(stocks.values()) + sum(money.values())
        if abs(total - 1.0) > 1e-6:
            raise errors.InvalidRequestError(
                f"targets are fractions adding up to 1; these add up to {total:g}"
            )
        body = ModelSaveRequest(
            req_id=next(_req_ids),
            model=model,
            desc=text,
            is_static=check_flag(static, "static"),
            position_targets=[ModelPositionTarget(conid=k, target=v) for k, v in stocks.items()],
            cash_targets=[ModelCashTarget(ccy=k, target=v) for k, v in money.items()],
        )
        response = await self._core.call(lambda c: save_model.asyncio_detailed(client=c, body=body))
        answer = expect_one(response, ModelSaved, "save model")
        self._check_success(bool_or_none(answer.success, "success"), response, "save model")

    async def invest(self, name: str, amounts: Mapping[str, float]) -> ModelTransfers:
        """Draft investing cash into a model (a negative amount divests) per sub-account. Nothing
        trades until :meth:`submit_transfers` is called with the draft's instruction id."""
        model = _name(name, "model")
        given = _mapping(amounts, "amounts", "{'U1234567': 10000}")
        if not given:
            raise errors.InvalidRequestError("amounts: give {account: amount}, e.g. {'U1': 10000}")
        investments = []
        for account, raw in given.items():
            amount = check_number(raw, f"amount for {account}")
            if amount == 0:
                raise errors.InvalidRequestError(
                    f"amount for {account} must be non-zero (negative divests)"
                )
            investments.append(
                ModelInvestment(account=check_account(account), amt_to_invest=float(amount))
            )
        body = InvestDivestRequest(req_id=next(_req_ids), model=model, account_list=investments)
        response = await self._core.call(
            lambda c: invest_divest_model.asyncio_detailed(client=c, body=body)
        )
        return ModelTransfers.from_model(expect_one(response, InvestDivestStarted, "invest"))

    async def submit_transfers(self, instruction_id: int) -> None:
        """Carry out drafted transfers: the sub-accounts buy and sell toward the model. This
        trades; it is sent once (a lost answer is not retried: check the model's holdings)."""
        if (
            isinstance(instruction_id, bool)
            or not isinstance(instruction_id, int)
            or not 0 < instruction_id < 2**63
        ):
            raise errors.InvalidRequestError("instruction_id: the id ib.advisor.invest() returned")
        body = ModelTransfersRequest(req_id=next(_req_ids), fp_order_id=instruction_id)
        response = await self._core.call(
            lambda c: submit_model_transfers.asyncio_detailed(client=c, body=body)
        )
        answer = expect_one(response, ModelTransfersSubmitted, "submit transfers")
        self._check_success(bool_or_none(answer.success, "success"), response, "submit transfers")

    # --- helpers
    async def _polled(
        self,
        send: Callable[[Client, int], Awaitable[Response[ErrorResponse | P]]],
        kind: type[P],
        what: str,
    ) -> P:
        """Ask with one request id until the gateway's answer is ready (subscriptionStatus != 0)."""
        req = next(_req_ids)
        for attempt in range(MODEL_POLLS):
            if attempt:
                await asyncio.sleep(MODEL_POLL_INTERVAL)
            response = await self._core.call(lambda c: send(c, req))
            answer = expect_one(response, kind, what)
            if answer.to_dict().get("subscriptionStatus") != 0:
                return answer
        raise errors.APITimeoutError(
            f"{what}: the gateway was still gathering the figures after {MODEL_POLLS} looks; "
            "try again shortly"
        )

    def _succeeded(self, response: Response[AllocationSuccess | ErrorResponse], what: str) -> None:
        answer = expect_one(response, AllocationSuccess, what)
        self._check_success(bool_or_none(answer.success, "success"), response, what)

    @staticmethod
    def _check_success(done: bool | None, response: Response[T], what: str) -> None:
        if done is not True:
            excerpt = body_excerpt(response)
            raise errors.BadRequestError(
                f"{what}: the gateway did not confirm it: {excerpt!r}",
                body=excerpt,
                status_code=int(response.status_code),
            )
