"""Walking numbered pages: stop on an empty or short page, never duplicate or skip."""

from __future__ import annotations

import asyncio

import pytest

from ibkr_webapi.pagination import iterate_pages


def _pages(*sizes: int) -> list[list[int]]:
    pages, start = [], 0
    for size in sizes:
        pages.append(list(range(start, start + size)))
        start += size
    return pages


class Source:
    def __init__(self, pages: list[list[int]], delay: float = 0.0) -> None:
        self.pages = pages
        self.calls: list[int] = []
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0

    async def fetch(self, number: int) -> list[int]:
        self.calls.append(number)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(self.delay)
        self.in_flight -= 1
        return self.pages[number] if number < len(self.pages) else []


async def _collect(source: Source, **kwargs: object) -> list[int]:
    return [item async for item in iterate_pages(source.fetch, **kwargs)]  # type: ignore[arg-type]


async def test_pages_of_100_100_37_give_237_items_in_order_and_stop() -> None:
    source = Source(_pages(100, 100, 37))
    assert await _collect(source) == list(range(237))
    assert source.calls == [0, 1, 2]


async def test_full_last_page_is_followed_by_one_empty_page() -> None:
    source = Source(_pages(30, 30))
    assert await _collect(source) == list(range(60))
    assert source.calls == [0, 1, 2]


async def test_single_short_first_page_needs_one_more_call_to_know_the_size() -> None:
    source = Source(_pages(37))
    assert await _collect(source) == list(range(37))
    assert source.calls == [0, 1]


async def test_known_page_size_stops_on_a_short_first_page() -> None:
    source = Source(_pages(37))
    assert await _collect(source, page_size=lambda page: 100) == list(range(37))
    assert source.calls == [0]


async def test_empty_portfolio_is_one_call() -> None:
    source = Source([])
    assert await _collect(source) == []
    assert source.calls == [0]


async def test_items_repeated_on_a_later_page_are_yielded_once() -> None:
    source = Source([[1, 2, 3], [3, 4, 5], [6]])
    assert await _collect(source, key=lambda item: item) == [1, 2, 3, 4, 5, 6]


async def test_concurrency_fetches_pages_ahead_without_duplicates() -> None:
    source = Source(_pages(100, 100, 100, 100, 37), delay=0.01)
    assert await _collect(source, concurrency=3) == list(range(437))
    assert source.max_in_flight == 3
    assert {0, 1, 2, 3, 4} <= set(source.calls)


async def test_failure_of_one_page_cancels_the_others_and_raises() -> None:
    async def fetch(number: int) -> list[int]:
        if number == 1:
            raise RuntimeError("page 1 broke")
        await asyncio.sleep(10)
        return [1]

    with pytest.raises(RuntimeError, match="page 1 broke"):
        async for _ in iterate_pages(fetch, concurrency=3):
            pass


async def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await _collect(Source([]), concurrency=0)


async def test_on_page_hears_each_page_read_in_order() -> None:
    heard: list[tuple[int, int]] = []
    source = Source(_pages(100, 100, 37))
    items = [
        i
        async for i in iterate_pages(source.fetch, on_page=lambda n, size: heard.append((n, size)))
    ]
    assert len(items) == 237
    assert heard == [(0, 100), (1, 100), (2, 37)]


async def test_an_item_pushed_onto_the_next_page_by_a_shifting_list_is_yielded_once() -> None:
    # An entry was added in front while paging: 99 moved from the end of page 0 to page 1.
    source = Source([list(range(100)), list(range(99, 199)), list(range(199, 237))])
    assert await _collect(source, key=lambda item: item) == list(range(237))


async def test_repeats_are_remembered_for_the_last_pages_only() -> None:
    # Memory stays flat on long walks: keys of the last `remember_pages` pages are kept.
    pages = [[0, 1], [2, 3], [4, 5], [0, 6], [7]]
    near = await _collect(Source(pages), key=lambda item: item, remember_pages=3)
    assert near == [0, 1, 2, 3, 4, 5, 6, 7]
    far = await _collect(Source(pages), key=lambda item: item, remember_pages=2)
    assert far == [0, 1, 2, 3, 4, 5, 0, 6, 7]


async def test_remember_pages_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="remember_pages"):
        await _collect(Source([]), key=lambda item: item, remember_pages=0)
