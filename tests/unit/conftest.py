"""Fixtures for the client tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ibkr_webapi import IBKRClient
from tests.helpers import make_client


@pytest.fixture
async def ib() -> AsyncIterator[IBKRClient]:
    async with make_client() as client:
        yield client
