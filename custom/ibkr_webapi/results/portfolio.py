"""Portfolio results: account summary items."""

from __future__ import annotations

from datetime import datetime

import attrs

from ibkr_webapi_client.models import SummaryValue

from ..dates import parse_ibkr_time
from ..seam import unset_to_none


@attrs.frozen
class SummaryItem:
    """One account summary value: a number in ``amount`` or a text in ``value``."""

    name: str
    amount: float | None
    currency: str | None
    value: str | None
    timestamp: datetime | None
    is_null: bool
    severity: int | None

    @classmethod
    def from_model(cls, name: str, model: SummaryValue) -> SummaryItem:
        stamp = unset_to_none(model.timestamp)
        amount = unset_to_none(model.amount)
        severity = unset_to_none(model.severity)
        currency = unset_to_none(model.currency)
        value = unset_to_none(model.value)
        return cls(
            name=name,
            amount=float(amount) if isinstance(amount, int | float) else None,
            currency=currency if isinstance(currency, str) else None,
            value=value if isinstance(value, str) else None,
            timestamp=parse_ibkr_time(stamp) if isinstance(stamp, int) and stamp > 0 else None,
            is_null=unset_to_none(model.is_null) is True,
            severity=severity if isinstance(severity, int) else None,
        )
