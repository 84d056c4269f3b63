"""An advisor's allocation groups, presets and model portfolios, kept for the simulator's lifetime.

Model portfolios hold real positions: submitting an investment buys each target's share of the cash
in the sub-account (at the market, through the portfolio), so positions, the model's figures and the
portfolio analyst's transactions agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._accounts import Balances
from ._catalogue import Catalogue
from ._config import SimulatorConfig
from ._errors import bad_request
from ._market import Market
from ._portfolio import Portfolio

# Allocation methods by their code, as groups name them.
METHODS = {
    "A": "AvailableEquity",
    "E": "EqualQuantity",
    "N": "NetLiquidity",
    "C": "CashQuantity",
    "P": "Percentage",
    "R": "Ratios",
    "S": "Shares",
}
USER_AMOUNTS = frozenset({"P", "R", "S"})  # methods whose members carry an amount
DEFAULT_PRESETS: dict[str, Any] = {
    "group_auto_close_positions": False,
    "default_method_for_all": "AvailableEquity",
    "profiles_auto_close_positions": False,
    "strict_credit_check": False,
    "group_proportional_allocation": False,
}
DEFAULT_MODEL_PRESETS: dict[str, Any] = {
    "avoidNegativeCashInCore": False,
    "cashQtyEstimateFactor": 25,
    "closeDivestCorePosition": True,
    "fullyInvestExistingLongPositions": False,
    "keepModelOpen": False,
    "preferCrossWithIndependent": False,
    "preferTransferFromIndependent": True,
    "roundAllocExchBoardLot": False,
    "useNonBaseCcy": False,
    "useToleranceRange": False,
}
_TOLERANCE = 1e-6


@dataclass
class Group:
    """An allocation group: its default method and its members with their amounts."""

    name: str
    method: str
    members: list[tuple[str, float | None]]

    def body(self) -> dict[str, Any]:
        accounts = [
            {"name": name} if amount is None else {"name": name, "amount": amount}
            for name, amount in self.members
        ]
        return {"name": self.name, "accounts": accounts, "default_method": self.method}


@dataclass
class Book:
    """What one sub-account holds for a model: shares per contract and cash."""

    shares: dict[int, float] = field(default_factory=dict)
    cash: float = 0.0
    cost: float = 0.0


@dataclass
class Model:
    """A model portfolio: target fractions per contract and currency, and the accounts in it."""

    name: str
    desc: str
    is_static: bool
    positions: dict[int, float]
    cash: dict[str, float]
    books: dict[str, Book] = field(default_factory=dict)


@dataclass
class Draft:
    """Transfers drafted by invest-divest, waiting for submit-transfers."""

    instruction_id: int
    model: str
    amounts: dict[str, float]


def _text(value: float) -> str:
    return f"{value:.2f}"


def _fraction(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


class AdvisorDesk:
    """The advisor's side of the gateway: groups, presets, models and drafted transfers."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self.groups: dict[str, Group] = {}
        self.presets: dict[str, Any] = dict(DEFAULT_PRESETS)
        self.model_presets: dict[str, Any] = dict(DEFAULT_MODEL_PRESETS)
        self.models: dict[str, Model] = {}
        self.drafts: dict[int, Draft] = {}
        self._next_instruction = 1001
        self._polls: dict[tuple[str, int], int] = {}

    # --- who may use it
    def require_advisor(self) -> str:
        """The master account; a 400 for a login that is not an advisor's."""
        if self._config.advisor is None:
            raise bad_request("this login is not a financial advisor: allocation is not available")
        return self._config.advisor

    @property
    def subaccounts(self) -> tuple[str, ...]:
        return self._config.accounts

    # --- allocation accounts, groups, presets
    def allocation_accounts(self, portfolio: Portfolio, now: float) -> dict[str, Any]:
        """Body of GET /iserver/account/allocation/accounts."""
        self.require_advisor()
        accounts = []
        for account in self.subaccounts:
            balances = Balances(portfolio.cash[account], portfolio.totals(account, now))
            accounts.append(
                {
                    "data": [
                        {"value": _text(balances.net_liquidation), "key": "NetLiquidation"},
                        {"value": _text(balances.available_funds), "key": "AvailableEquity"},
                    ],
                    "name": account,
                }
            )
        return {"accounts": accounts}

    def group_list(self) -> dict[str, Any]:
        self.require_advisor()
        return {
            "data": [
                {"allocation_method": g.method, "size": len(g.members), "name": g.name}
                for g in self.groups.values()
            ]
        }

    def group(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        return self._existing(_name(body, "name")).body()

    def add_group(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        group = self._parse_group(body)
        if group.name in self.groups:
            raise bad_request(f"allocation group '{group.name}' already exists")
        self.groups[group.name] = group
        return {"success": True}

    def modify_group(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        group = self._parse_group(body)
        previous = body.get("prev_name")
        old = _name(body, "prev_name") if previous is not None else group.name
        self._existing(old)
        if group.name != old and group.name in self.groups:
            raise bad_request(f"allocation group '{group.name}' already exists")
        groups = {group.name if key == old else key: value for key, value in self.groups.items()}
        groups[group.name] = group
        self.groups = groups
        return {"success": True}

    def delete_group(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        name = _name(body, "name")
        self._existing(name)
        del self.groups[name]
        return {"success": True}

    def _existing(self, name: str) -> Group:
        group = self.groups.get(name)
        if group is None:
            raise bad_request(f"no allocation group named '{name}'")
        return group

    def _parse_group(self, body: Mapping[str, Any]) -> Group:
        name = _name(body, "name")
        method = body.get("default_method")
        if method not in METHODS:
            raise bad_request(f"default_method must be one of {', '.join(METHODS)}")
        raw = body.get("accounts")
        if not isinstance(raw, list) or not raw:
            raise bad_request("accounts must be a non-empty list of {name, amount}")
        members: list[tuple[str, float | None]] = []
        for item in raw:
            account = item.get("name") if isinstance(item, dict) else None
            if account not in self.subaccounts:
                raise bad_request(f"'{account}' is not a sub-account of this advisor")
            if any(account == seen for seen, _ in members):
                raise bad_request(f"'{account}' is in the group twice")
            amount = item.get("amount")
            if method in USER_AMOUNTS:
                if not _positive(amount):
                    raise bad_request(f"method {method} needs a positive amount for {account}")
                members.append((str(account), float(amount)))
            else:
                members.append((str(account), None))
        if method == "P" and abs(sum(a or 0.0 for _, a in members) - 100.0) > 0.01:
            raise bad_request("percentages of a group must add up to 100")
        return Group(name, method, members)

    def set_presets(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        for key, default in DEFAULT_PRESETS.items():
            if key in body:
                if type(body[key]) is not type(default):
                    raise bad_request(f"{key} must be a {type(default).__name__}")
                self.presets[key] = body[key]
        return {"success": True}

    # --- model portfolios
    def not_ready(self, route: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """The "still working" answer while a model route's reqID has polls to go, else None."""
        self.require_advisor()
        req_id = _req_id(body)
        key = (route, req_id)
        remaining = self._polls.setdefault(key, self._config.model_pending_polls)
        if remaining <= 0:
            self._polls.pop(key, None)
            return None
        self._polls[key] = remaining - 1
        return {"reqID": req_id, "subscriptionStatus": 0}

    def save_preset(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        for key, default in DEFAULT_MODEL_PRESETS.items():
            if key in body:
                if type(body[key]) is not type(default):
                    raise bad_request(f"{key} must be a {type(default).__name__}")
                self.model_presets[key] = body[key]
        return {"error": "None", "reqID": _req_id(body), "subscriptionStatus": 1, "success": True}

    def presets_answer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.model_presets, "reqID": _req_id(body), "subscriptionStatus": 1}

    def save_model(self, body: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
        self.require_advisor()
        name = _name(body, "model")
        desc = body.get("desc")
        if not isinstance(desc, str) or not desc.strip():
            raise bad_request("desc must be a non-empty text")
        is_static = body.get("isStatic")
        if not isinstance(is_static, bool):
            raise bad_request("isStatic must be true or false")
        positions = _targets(body.get("positionTargets"), "conid", "positionTargets")
        cash = _targets(body.get("cashTargets"), "ccy", "cashTargets")
        for conid in positions:
            if not isinstance(conid, int) or catalogue.get(conid) is None:
                raise bad_request(f"unknown conid {conid!r} in positionTargets")
        for currency in cash:
            if not isinstance(currency, str) or len(currency) != 3:
                raise bad_request(f"cashTargets currency {currency!r} is not a currency code")
        total = sum(positions.values()) + sum(cash.values())
        if abs(total - 1.0) > _TOLERANCE:
            raise bad_request(f"targets must add up to 1 (fractions), they add up to {total:g}")
        existing = self.models.get(name)
        if existing is not None and existing.books and existing.is_static != is_static:
            raise bad_request("isStatic cannot change while accounts are invested in the model")
        self.models[name] = Model(
            name,
            desc.strip(),
            is_static,
            {int(c): t for c, t in positions.items()},
            {str(c): t for c, t in cash.items()},
            existing.books if existing is not None else {},
        )
        return {"reqID": _req_id(body), "success": True}

    def model_value(self, model: Model, account: str, price: Callable[[int], float]) -> float:
        book = model.books.get(account)
        if book is None:
            return 0.0
        return book.cash + sum(shares * price(conid) for conid, shares in book.shares.items())

    def model_list(self, body: Mapping[str, Any], price: Callable[[int], float]) -> dict[str, Any]:
        master = self.require_advisor()
        return {
            "baseCcy": "USD",
            "masterAccount": master,
            "models": [self._summary_item(m, price) for m in self.models.values()],
            "reqID": _req_id(body),
            "subscriptionStatus": 1,
        }

    def _summary_item(self, model: Model, price: Callable[[int], float]) -> dict[str, Any]:
        nlv = sum(self.model_value(model, a, price) for a in model.books)
        return {
            "bootstrapped": True,
            "ci": False,
            "desc": model.desc,
            "isStatic": model.is_static,
            "mismatch": False,
            "model": model.name,
            "nlv": _text(nlv),
            "numAccounts": len(model.books),
        }

    def model_summary(
        self, body: Mapping[str, Any], price: Callable[[int], float]
    ) -> dict[str, Any]:
        self.require_advisor()
        model = self._model_or_ghost(body)
        item = self._summary_item(model, price)
        return {**item, "nlv": float(item["nlv"]), "reqID": _req_id(body), "subscriptionStatus": 1}

    def _model_or_ghost(self, body: Mapping[str, Any]) -> Model:
        """The model named in `body`; an unknown name answers empty figures (as live gateways do)."""
        name = _name(body, "model")
        return self.models.get(name) or Model(name, "", False, {}, {})

    def model_positions(
        self,
        body: Mapping[str, Any],
        catalogue: Catalogue,
        price: Callable[[int], float],
        now: float,
    ) -> dict[str, Any]:
        self.require_advisor()
        model = self._model_or_ghost(body)
        shares: dict[int, float] = {}
        cash = 0.0
        for book in model.books.values():
            cash += book.cash
            for conid, held in book.shares.items():
                shares[conid] = shares.get(conid, 0.0) + held
        values = {conid: held * price(conid) for conid, held in shares.items()}
        nlv = cash + sum(values.values())
        rows = []
        for conid in dict.fromkeys([*model.positions, *shares]):
            contract = catalogue.get(conid)
            value = values.get(conid, 0.0)
            actual = value / nlv if nlv else 0.0
            target = model.positions.get(conid, 0.0)
            rows.append(
                {
                    "actl": _fraction(actual),
                    "actlRangeMax": "None",
                    "actlRangeMin": "None",
                    "ccy": contract.currency if contract else "USD",
                    "cid": conid,
                    "dlv": _text(value),
                    "exrt": "1",
                    "flg": 0,
                    "instrImbalance": _fraction(actual - target),
                    "instrument": contract.symbol if contract else str(conid),
                    "mismatchType": 0,
                    "mv": _text(value),
                    "position": f"{shares.get(conid, 0.0):g}",
                    "trgt": _fraction(target),
                }
            )
        rows = _sorted_rows(rows, body)
        cash_rows = [
            {
                "actl": _fraction(cash / nlv if nlv else 0.0),
                "ccy": currency,
                "exrt": "1",
                "instrImbalance": _fraction((cash / nlv if nlv else 0.0) - target),
                "mv": _text(cash),
                "trgt": _fraction(target),
            }
            for currency, target in model.cash.items()
        ]
        return {
            "cash": cash_rows,
            "mismatched": False,
            "model": model.name,
            "nlv": round(nlv, 2),
            "positionList": rows,
            "positionTs": int(now * 1000),
            "reqID": _req_id(body),
            "stkOnly": True,
            "subscriptionStatus": 1,
            "totalDlv": round(sum(values.values()), 2),
            "totalMv": round(sum(values.values()), 2),
        }

    def model_accounts(
        self, body: Mapping[str, Any], portfolio: Portfolio, price: Callable[[int], float]
    ) -> dict[str, Any]:
        self.require_advisor()
        model = self._model_or_ghost(body)
        rows = []
        total_value = total_cash = total_cost = 0.0
        for account, book in model.books.items():
            value = self.model_value(model, account, price)
            independent = portfolio.cash[account]
            total_value, total_cash, total_cost = (
                total_value + value,
                total_cash + independent,
                total_cost + book.cost,
            )
            rows.append(_account_row(account, value, independent, book.cost))
        if rows:
            rows.append(_account_row("TOTAL", total_value, total_cash, total_cost))
        return {
            "accountInfoList": rows,
            "baseCcyMaster": "USD",
            "model": model.name,
            "reqID": _req_id(body),
        }

    def invested_accounts(
        self,
        body: Mapping[str, Any],
        portfolio: Portfolio,
        now: float,
        price: Callable[[int], float],
    ) -> dict[str, Any]:
        self.require_advisor()
        model = self._model_or_ghost(body)
        rows = []
        for account in model.books:
            in_model = self.model_value(model, account, price)
            others = sum(
                self.model_value(m, account, price)
                for m in self.models.values()
                if m.name != model.name
            )
            balances = Balances(portfolio.cash[account], portfolio.totals(account, now))
            rows.append(
                {
                    "account": account,
                    "accountModelNlv": _text(in_model),
                    "accountOtherModelsNlv": _text(others),
                    "alias": "",
                    "baseCcyAccount": "USD",
                    "baseCcyAccountPrc": "0.01",
                    "exrt": 1.0,
                    "indCashNlv": _text(portfolio.cash[account]),
                    "indPosNlv": _text(
                        balances.net_liquidation - portfolio.cash[account] - in_model
                    ),
                    "nlv": _text(balances.net_liquidation),
                }
            )
        return {
            "accountList": rows,
            "baseCcyMaster": "USD",
            "baseCcyMasterPrc": "0.01",
            "model": model.name,
            "reqID": _req_id(body),
            "subscriptionStatus": 1,
        }

    def invest_divest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.require_advisor()
        name = _name(body, "model")
        if name not in self.models:
            raise bad_request(f"no model named '{name}'")
        raw = body.get("accountList")
        if not isinstance(raw, list) or not raw:
            raise bad_request("accountList must list {account, amtToInvest}")
        amounts: dict[str, float] = {}
        for item in raw:
            account = item.get("account") if isinstance(item, dict) else None
            amount = item.get("amtToInvest") if isinstance(item, dict) else None
            if account not in self.subaccounts:
                raise bad_request(f"'{account}' is not a sub-account of this advisor")
            if not isinstance(amount, int | float) or not _finite(amount) or amount == 0:
                raise bad_request("amtToInvest must be a non-zero amount (negative divests)")
            amounts[str(account)] = amounts.get(str(account), 0.0) + float(amount)
        instruction = self._next_instruction
        self._next_instruction += 1
        self.drafts[instruction] = Draft(instruction, name, amounts)
        return {
            "reqID": str(_req_id(body)),
            "subscriptionKey": str(instruction),
            "subscriptionStatus": 1,
            "transfersInstructionId": instruction,
        }

    def submit_transfers(
        self,
        body: Mapping[str, Any],
        portfolio: Portfolio,
        market: Market,
        catalogue: Catalogue,
        now: float,
    ) -> dict[str, Any]:
        """Carry a draft out: buy each target's share of the cash invested, sell what is divested."""
        self.require_advisor()
        instruction = body.get("fpOrderId")
        draft = self.drafts.pop(instruction, None) if isinstance(instruction, int) else None
        if draft is None:
            raise bad_request(f"no drafted transfers with id {instruction!r}")
        model = self.models[draft.model]

        def price(conid: int) -> float:
            contract = catalogue.get(conid)
            return market.last(contract, now) if contract is not None else 0.0

        for account, amount in draft.amounts.items():
            book = model.books.setdefault(account, Book())
            if amount > 0:
                self._invest(model, book, account, amount, portfolio, price)
            else:
                self._divest(model, book, account, -amount, portfolio, price)
            if not book.shares and book.cash <= 0.005:
                del model.books[account]
        return {"reqID": _req_id(body), "success": True}

    @staticmethod
    def _invest(
        model: Model,
        book: Book,
        account: str,
        amount: float,
        portfolio: Portfolio,
        price: Callable[[int], float],
    ) -> None:
        spent = 0.0
        for conid, target in model.positions.items():
            each = price(conid)
            shares = math.floor(amount * target / each) if each > 0 else 0
            if shares:
                portfolio.apply_fill(account, conid, float(shares), each)
                book.shares[conid] = book.shares.get(conid, 0.0) + shares
                spent += shares * each
        book.cash += amount - spent
        book.cost += amount

    def _divest(
        self,
        model: Model,
        book: Book,
        account: str,
        amount: float,
        portfolio: Portfolio,
        price: Callable[[int], float],
    ) -> None:
        value = self.model_value(model, account, price)
        share = 1.0 if value <= 0 else min(1.0, amount / value)
        for conid, held in list(book.shares.items()):
            sold = held if share >= 1.0 else math.floor(held * share)
            if sold:
                portfolio.apply_fill(account, conid, -float(sold), price(conid))
                book.shares[conid] = held - sold
                if not book.shares[conid]:
                    del book.shares[conid]
        book.cash *= 1.0 - share
        book.cost *= 1.0 - share


def _account_row(account: str, value: float, independent: float, cost: float) -> dict[str, Any]:
    return {
        "account": account,
        "acctImbalance": "0",
        "alias": "" if account != "TOTAL" else "None",
        "baseCcyAccount": "USD",
        "costBasis": _text(cost),
        "exrt": 1.0,
        "indCash": _text(independent),
        "nlv": _text(value),
        "numInstrOutsideRange": 0,
        "unrealPnL": _text(value - cost),
    }


_SORT_KEYS = {
    "actl": "actl",
    "actlRangeMax": "actlRangeMax",
    "actlRangeMin": "actlRangeMin",
    "ccy": "ccy",
    "cid": "cid",
    "dlv": "dlv",
    "instrImbalance": "instrImbalance",
    "instrument": "instrument",
    "mismatchType": "mismatchType",
    "mv": "mv",
    "position": "position",
    "target": "trgt",
}


def _sorted_rows(rows: list[dict[str, Any]], body: Mapping[str, Any]) -> list[dict[str, Any]]:
    field_name = body.get("sortField")
    if field_name is not None:
        key = _SORT_KEYS.get(str(field_name))
        if key is None:
            raise bad_request(f"sortField must be one of {', '.join(_SORT_KEYS)}")

        def value(row: dict[str, Any]) -> tuple[int, float, str]:
            item = row[key]
            try:
                return (0, float(item), "")
            except (TypeError, ValueError):
                return (1, 0.0, str(item))

        direction = str(body.get("sortDirection") or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise bad_request("sortDirection must be ASC or DESC")
        rows = sorted(rows, key=value, reverse=direction == "DESC")
    limit = body.get("limit")
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise bad_request("limit must be a positive integer")
        rows = rows[:limit]
    return rows


def _name(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise bad_request(f"{key} must be a non-empty name")
    return value


def _req_id(body: Mapping[str, Any]) -> int:
    value = body.get("reqID")
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request("reqID must be an integer")
    return value


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object) -> bool:
    return _finite(value) and float(value) > 0  # type: ignore[arg-type]


def _targets(raw: object, key: str, what: str) -> dict[Any, float]:
    if not isinstance(raw, list):
        raise bad_request(f"{what} must be a list")
    targets: dict[Any, float] = {}
    for item in raw:
        target = item.get("target") if isinstance(item, dict) else None
        name = item.get(key) if isinstance(item, dict) else None
        if not _finite(target) or not 0.0 <= float(target) <= 1.0:  # type: ignore[arg-type]
            raise bad_request(f"{what}: target must be a fraction from 0 to 1")
        if name is None or name in targets:
            raise bad_request(f"{what}: each item needs a distinct {key}")
        targets[name] = float(target)  # type: ignore[arg-type]
    return targets
