"""Constants and helpers shared by the simulator tests."""

from __future__ import annotations

import httpx

ACCOUNT = "U1234567"
AAPL, IBM, MSFT = 265598, 8314, 272093


async def prime(http: httpx.AsyncClient) -> None:
    """Make the calls the gateway wants first in a session."""
    assert (await http.get("/iserver/accounts")).status_code == 200
    assert (await http.get("/portfolio/accounts")).status_code == 200
