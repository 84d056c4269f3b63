"""What every resource namespace holds: the client core it calls through."""

from __future__ import annotations

from .._core import ClientCore


class Resource:
    """A group of related calls (``ib.orders``, ``ib.contracts`` ...), sharing the client's core."""

    __slots__ = ("_core",)

    def __init__(self, core: ClientCore) -> None:
        self._core = core

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._core!r}>"
