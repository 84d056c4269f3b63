"""The secrets sweep: a whole session with known secrets; none shows in a log, a message or a repr.

The secrets: the gateway's session token (from ``/tickle``, in every generation of the session),
the websocket cookie ``api=<...>``, a bearer token in ``Authorization``, and the password of a
``user:password@`` base URL. The gateway is made to echo them back in every way a broken or hostile
gateway could: ``Set-Cookie`` headers, error texts, a failed session recovery's answer, an
unreadable body with the token past the point where messages are cut, an order refusal. Every log
record (at DEBUG), every exception's text and repr, and the repr of every object the session made
are searched for any 10-character piece of any secret.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from ibkr_webapi import IBKRClient, Order, RateLimitPolicy, RetryPolicy, StaticBearerAuth, errors
from ibkr_webapi.testing import GatewaySimulator

from .harness import AAPL, ACCOUNT, FIGURES, simulator

pytestmark = pytest.mark.faults

PASSWORD = "hunter2-Sw33p-Pa55w0rd"
BEARER = "sweep-bearer-7f3a9c2e1d5b"
COOKIE = "sweep-cookie-91b2c3d4e5f6a7"
WINDOW = 10


class Leaky(httpx.AsyncBaseTransport):
    """The simulator, plus a gateway that echoes secrets back wherever it is told to."""

    def __init__(self, sim: GatewaySimulator) -> None:
        self.sim = sim
        self.inner = httpx.ASGITransport(app=sim.app)
        self.tokens: set[str] = set()
        self.leak: dict[str, tuple[int, bytes]] = {}  # path suffix -> the answer to give once

    def _token(self) -> str:
        token = self.sim.session.session_token
        self.tokens.add(token)
        return token

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        for suffix, (status, body) in list(self.leak.items()):
            if path.endswith(suffix):
                del self.leak[suffix]
                text = body.replace(b"TOKEN", self._token().encode())
                return httpx.Response(
                    status,
                    content=text.replace(b"COOKIE", COOKIE.encode()),
                    headers={"content-type": "application/json"},
                )
        response = await self.inner.handle_async_request(request)
        response.headers["set-cookie"] = f"api={self._token()}; Path=/; Secure"
        return response


def _pieces(secret: str) -> Iterator[str]:
    for start in range(len(secret) - WINDOW + 1):
        yield secret[start : start + WINDOW]


def _found(texts: list[str], secrets: set[str]) -> list[str]:
    hits = []
    for secret in secrets:
        pieces = set(_pieces(secret))
        for text in texts:
            if any(piece in text for piece in pieces):
                hits.append(f"{secret[:4]}... in {text[:300]!r}")
    return hits


async def test_no_secret_reaches_a_log_a_message_or_a_repr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ibkr_webapi")
    sim = simulator("session-guard")
    leaky = Leaky(sim)
    shown: list[str] = []  # every text the session produced: messages, reprs

    def keep(*objects: object) -> None:
        for item in objects:
            shown.append(repr(item))
            shown.append(str(item))

    async def expect_error(call: object) -> None:
        try:
            await call  # type: ignore[misc]
        except errors.IBKRError as exc:
            keep(exc, exc.args, getattr(exc, "message", ""))
        else:
            raise AssertionError("expected an IBKRError")

    url = f"https://trader:{PASSWORD}@localhost:5000/v1/api"
    async with IBKRClient(
        url,
        transport=leaky,
        auth=StaticBearerAuth(BEARER),
        headers={"Cookie": f"api={COOKIE}"},
        keepalive=None,
        account_id=ACCOUNT,
        rate_limits=RateLimitPolicy.off(),
        retry=RetryPolicy(initial_delay=0.001, max_delay=0.005),
        reauth_poll_interval=0.005,
        reauth_timeout=0.5,
        verify=False,
    ) as ib:
        ib.orders.flow.settle_delay = 0.01
        keep(ib, ib.orders, ib.session, ib.orders.flow)
        tickle = await ib.tickle()
        assert tickle.session and tickle.session in leaky.tokens  # the secret is real
        keep(tickle, tickle.model, tickle.auth_status)
        keep(await ib.auth_status(), await ib.accounts(), await ib.all_positions())
        keep(await ib.snapshot([AAPL], ["last_price", "bid_price"]))
        order = Order(conid=AAPL, side="BUY", quantity=1, order_type="MKT", c_oid="sweep-1")
        keep(await ib.place_order(ACCOUNT, order, confirm=True))
        keep(await ib.live_orders(force=True), await ib.trades())

        # A lost answer, then a refusal that quotes the session in its text.
        sim.lose_next_answer("garbage", path="/iserver/account/*/orders")
        await expect_error(ib.place_order(ACCOUNT, order.evolve(c_oid="sweep-2")))
        leaky.leak["/orders"] = (200, b'{"error": "refused for session=TOKEN (cookie api=COOKIE)"}')
        await expect_error(ib.place_order(ACCOUNT, order.evolve(c_oid="sweep-3")))

        # Error answers that echo the secrets: a 400 text, an unreadable body whose token lies past
        # the 200 characters a message shows.
        leaky.leak["/iserver/accounts"] = (400, b'{"error": "bad request, session: TOKEN"}')
        await expect_error(ib.accounts())
        filler = b"x" * 185
        leaky.leak["/iserver/secdef/search"] = (
            200,
            b'{"note": "' + filler + b'", "session": "TOKEN"',
        )
        await expect_error(ib.search_contracts("AAPL"))
        leaky.leak["/portfolio/accounts"] = (200, json.dumps({"session": "TOKEN"}).encode())
        await expect_error(ib.portfolio_accounts())

        # The session expires and is re-opened; then it expires and re-opening fails with an answer
        # full of secrets (logged at WARNING by the session layer).
        sim.expire_session()
        keep(await ib.accounts())
        sim.expire_session()
        leaky.leak["/ssodh/init"] = (
            500,
            b'{"error": "cannot open session=TOKEN, Cookie: api=COOKIE", "session": "TOKEN"}',
        )
        await expect_error(ib.accounts())
        keep(ib.stack.session.last_recovery_error)

    # A gateway that is not there: the password must not show in the connection error.
    with contextlib.suppress(Exception):
        async with IBKRClient(
            f"https://trader:{PASSWORD}@127.0.0.1:9/v1/api",
            keepalive=None,
            verify=False,
            retry=RetryPolicy.none(),
        ) as gone:
            keep(gone)
            await expect_error(gone.tickle())

    records = [r.getMessage() for r in caplog.records] + [caplog.text]
    secrets = {PASSWORD, BEARER, COOKIE, *leaky.tokens}
    assert len(leaky.tokens) >= 2  # the session changed generations: every token is searched
    hits = _found(records + shown, secrets)
    FIGURES.other["secrets sweep: texts searched"] = len(records) + len(shown)
    FIGURES.other["secrets sweep: secrets found"] = len(hits)
    assert hits == []
    assert any(r.levelno >= logging.WARNING for r in caplog.records)  # the failure was logged
