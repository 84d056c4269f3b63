"""Per-subscription buffers: conflation for state (latest per key wins), bounded FIFO for events.

A buffer is filled by the stream's reader and drained by one consumer. ``fail(error)`` ends it: the
consumer gets what was buffered before the failure, then the error, never a silent end.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from .. import errors

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

__all__ = ["BoundedBuffer", "Buffer", "ConflatingBuffer"]


class Buffer(Generic[T]):
    """What a subscription reads from."""

    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None

    @property
    def failed(self) -> bool:
        return self._error is not None

    def fail(self, error: BaseException) -> None:
        """End the buffer with ``error`` (the first failure wins)."""
        if self._error is None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _has_items(self) -> bool:
        raise NotImplementedError

    def _take(self) -> T:
        raise NotImplementedError

    async def get(self) -> T:
        """The next item; raises the failure once the buffer is drained."""
        while not self._has_items():
            if self._error is not None:
                raise self._error
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._take()

    def __len__(self) -> int:
        raise NotImplementedError


class ConflatingBuffer(Buffer[T], Generic[K, T]):
    """Latest value per key: a slow consumer sees each key's newest state, memory stays bounded.

    Values are thunks (built when taken), so a frame that is overwritten before the consumer asks
    costs nothing more. Keys come out in the order they first became pending.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[K, Callable[[], T]] = {}
        self.conflated = 0
        """How many updates were replaced by a newer one before the consumer took them."""

    def put(self, key: K, value: Callable[[], T]) -> None:
        if self._error is not None:
            return
        pending = self._pending
        if key in pending:
            self.conflated += 1
        pending[key] = value
        if self._waiter is not None:
            self._wake()

    def _has_items(self) -> bool:
        return bool(self._pending)

    def _take(self) -> T:
        key = next(iter(self._pending))
        return self._pending.pop(key)()

    def __len__(self) -> int:
        return len(self._pending)


class BoundedBuffer(Buffer[T]):
    """FIFO that never drops: past ``capacity`` it fails with :class:`errors.StreamOverflowError`."""

    def __init__(self, capacity: int, what: str) -> None:
        super().__init__()
        if capacity < 1:
            raise errors.ConfigurationError("buffer_size must be at least 1")
        self._items: deque[T] = deque()
        self._capacity = capacity
        self._what = what

    def put(self, item: T) -> None:
        if self._error is not None:
            return
        if len(self._items) >= self._capacity:
            self.fail(
                errors.StreamOverflowError(
                    f"the {self._what} consumer fell {self._capacity} updates behind; the stream "
                    "stopped here rather than drop one. Consume faster or raise "
                    "StreamOptions.buffer_size, then open the subscription again"
                )
            )
            return
        self._items.append(item)
        if self._waiter is not None:
            self._wake()

    def _has_items(self) -> bool:
        return bool(self._items)

    def _take(self) -> T:
        return self._items.popleft()

    def __len__(self) -> int:
        return len(self._items)
