"""Walk numbered pages until an empty or short one, optionally fetching ahead."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from .errors import ConfigurationError, UnexpectedResponseError

T = TypeVar("T")
logger = logging.getLogger("ibkr_webapi")
DEFAULT_MAX_PAGES = 2_000


def _is_last(page: Sequence[object], largest: int, page_size: int | None) -> bool:
    if not page:
        return True
    if page_size is not None and len(page) < page_size:
        return True
    # The page size is not documented reliably (100 today, 30 before): a page shorter than an
    # earlier one is the last.
    return len(page) < largest


async def _fetch_all(
    fetch: Callable[[int], Awaitable[Sequence[T]]], numbers: range
) -> list[Sequence[T]]:
    """Fetch pages concurrently; on the first failure cancel the rest and raise that failure."""
    if len(numbers) == 1:
        return [await fetch(numbers[0])]

    async def run(number: int) -> Sequence[T]:
        return await fetch(number)

    tasks = [asyncio.ensure_future(run(number)) for number in numbers]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and (error := task.exception()) is not None:
                raise error
        return [task.result() for task in tasks]  # all done: pages in order
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def iterate_pages(
    fetch: Callable[[int], Awaitable[Sequence[T]]],
    *,
    key: Callable[[T], Hashable] | None = None,
    page_size: Callable[[Sequence[T]], int | None] = lambda _page: None,
    concurrency: int = 1,
    on_page: Callable[[int, int], object] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    remember_pages: int | None = None,
) -> AsyncIterator[T]:
    """Yield every item of pages 0, 1, 2, ... in order, each item once.

    ``concurrency`` > 1 fetches that many pages at a time; pages fetched beyond the last one are
    discarded. ``key`` drops items already seen on one of the last ``remember_pages`` pages
    (default: ``concurrency + 2``): when an entry is added or removed while paging, the list shifts
    and an item crosses a page boundary, so it shows up again on the next page. Remembering recent
    pages only keeps memory flat however long the list (an ``async for`` over 30,000 positions holds
    a few pages), and still catches every repeat unless more than a page of entries changed between
    two page reads. ``on_page(number, size)`` is told about each page read, in order, before its
    items are yielded.

    Bounded: a page whose items were all seen before means the server ignores the page number (the
    walk ends there), and more than ``max_pages`` pages raise
    :class:`~ibkr_webapi.errors.UnexpectedResponseError` rather than loop forever.
    """
    if concurrency < 1:
        raise ConfigurationError("concurrency must be at least 1")
    window = concurrency + 2 if remember_pages is None else remember_pages
    if window < 1:
        raise ConfigurationError("remember_pages must be at least 1")
    seen: set[Hashable] = set()
    recent: deque[list[Hashable]] = deque()  # identities first seen on each of the last pages
    largest = 0
    page_number = 0
    while True:
        if page_number >= max_pages:
            raise UnexpectedResponseError(
                f"still reading after {max_pages} pages: the server keeps sending full pages; "
                "stopped rather than loop forever"
            )
        numbers = range(page_number, page_number + concurrency)
        pages = await _fetch_all(fetch, numbers)
        for number, page in zip(numbers, pages, strict=True):
            if on_page is not None:
                on_page(number, len(page))
            fresh = 0
            identities: list[Hashable] = []
            for item in page:
                if key is not None:
                    identity = key(item)
                    if identity in seen:
                        continue
                    seen.add(identity)
                    identities.append(identity)
                fresh += 1
                yield item
            recent.append(identities)
            while len(recent) > window:
                seen.difference_update(recent.popleft())
            if _is_last(page, largest, page_size(page)):
                return
            if key is not None and fresh == 0:
                logger.warning(
                    "page %d repeated earlier items only: the server ignores page numbers; stopping",
                    number,
                )
                return
            largest = max(largest, len(page))
        page_number += concurrency
