"""The client's own result types: what public methods return (no generated-layer artefacts)."""

from .market import Bar, History
from .orders import PlacedOrder
from .portfolio import SummaryItem
from .session import TickleResult

__all__ = ["Bar", "History", "PlacedOrder", "SummaryItem", "TickleResult"]
