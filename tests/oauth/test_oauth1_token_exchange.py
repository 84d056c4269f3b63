"""The simulator's third-party OAuth 1.0a token exchange: request token, the user's approval, access
token; and every way a consumer's request is refused."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from ibkr_webapi.testing import (
    GatewaySimulator,
    ManualClock,
    OAuth1Consumer,
    OAuth1Settings,
    SimulatorConfig,
    write_oauth1_credentials,
)

from .helpers import ConsumerSigner

BASE = "https://localhost:5000/v1/api"
REQUEST, ACCESS = f"{BASE}/oauth/request_token", f"{BASE}/oauth/access_token"


@dataclass
class Desk:
    sim: GatewaySimulator
    http: httpx.AsyncClient
    signer: ConsumerSigner
    consumer: OAuth1Consumer
    clock: ManualClock

    async def request_token(self, **extra: str) -> httpx.Response:
        header = self.signer.header(REQUEST, **({"oauth_callback": "oob"} | extra))
        return await self.http.post(REQUEST, headers={"Authorization": header})

    async def access_token(self, token: str, verifier: str, **extra: str) -> httpx.Response:
        header = self.signer.header(ACCESS, oauth_token=token, oauth_verifier=verifier, **extra)
        return await self.http.post(ACCESS, headers={"Authorization": header})

    def approve(self, token: str) -> str:
        assert self.sim.oauth is not None
        return self.sim.oauth.tokens.authorize(token)


@pytest.fixture(scope="module")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, OAuth1Consumer]:
    directory = tmp_path_factory.mktemp("oauth1-third-party")
    return directory, write_oauth1_credentials(directory, consumer_key="THIRDPRTY", key_size=1024)


async def _desk(credentials: tuple[Path, OAuth1Consumer], **changes: object) -> Desk:
    directory, consumer = credentials
    consumer = replace(consumer, **changes)  # type: ignore[arg-type]
    clock = ManualClock(time.time())  # the signer stamps requests with the real time
    sim = GatewaySimulator(
        SimulatorConfig(
            rate_limits=False,
            # wider than the request token's 300 s life, so its expiry is what a late exchange meets
            oauth1=OAuth1Settings(consumers=(consumer,), timestamp_window=600.0),
        ),
        clock=clock,
    )
    http = sim.client(base_url=BASE, headers={"User-Agent": "third-party-app"})
    return Desk(sim, http, ConsumerSigner(directory, consumer.consumer_key), consumer, clock)


@pytest.fixture
async def desk(credentials: tuple[Path, OAuth1Consumer]) -> AsyncIterator[Desk]:
    made = await _desk(credentials)
    async with made.http:
        yield made


async def test_request_approve_exchange_hands_out_the_consumers_access_token(desk: Desk) -> None:
    first = await desk.request_token()
    assert first.status_code == 200
    token = first.json()["oauth_token"]
    answer = await desk.access_token(token, desk.approve(token))
    assert answer.status_code == 200
    body = answer.json()
    assert body["is_true"] is True and body["oauth_token"] == desk.consumer.access_token
    assert desk.signer.secret(body["oauth_token_secret"]) == desk.consumer.secret
    assert desk.consumer.secret.hex() not in answer.text  # the secret travels encrypted only


async def test_an_unapproved_or_wrongly_verified_token_is_refused(desk: Desk) -> None:
    token = (await desk.request_token()).json()["oauth_token"]
    early = await desk.access_token(token, "0" * 16)
    assert early.status_code == 401 and "not approved" in early.json()["error"]
    desk.approve(token)
    wrong = await desk.access_token(token, "0" * 16)
    assert wrong.status_code == 401 and "verifier" in wrong.json()["error"]


async def test_a_request_token_is_exchanged_once(desk: Desk) -> None:
    token = (await desk.request_token()).json()["oauth_token"]
    verifier = desk.approve(token)
    assert (await desk.access_token(token, verifier)).status_code == 200
    again = await desk.access_token(token, verifier)
    assert again.status_code == 401 and "invalid request token" in again.json()["error"]
    unknown = await desk.access_token("feedface", verifier)
    assert unknown.status_code == 401


async def test_a_request_token_expires(desk: Desk) -> None:
    token = (await desk.request_token()).json()["oauth_token"]
    verifier = desk.approve(token)
    desk.clock.advance(301)
    late = await desk.access_token(token, verifier)
    assert late.status_code == 401 and "expired" in late.json()["error"]


async def test_unsigned_badly_signed_and_replayed_requests_are_refused(desk: Desk) -> None:
    bare = await desk.http.post(REQUEST)
    assert bare.status_code == 401 and "Authorization" in bare.json()["error"]
    header = desk.signer.header(REQUEST, oauth_callback="oob")
    tampered = header.replace('oauth_callback="oob"', 'oauth_callback="https%3A%2F%2Fevil"')
    forged = await desk.http.post(REQUEST, headers={"Authorization": tampered})
    assert forged.status_code == 401 and "signature" in forged.json()["error"]
    once = desk.signer.header(REQUEST, nonce="n-1", oauth_callback="oob")
    assert (await desk.http.post(REQUEST, headers={"Authorization": once})).status_code == 200
    replay = desk.signer.header(REQUEST, nonce="n-1", oauth_callback="oob")
    replayed = await desk.http.post(REQUEST, headers={"Authorization": replay})
    assert replayed.status_code == 401 and "nonce" in replayed.json()["error"]
    header = desk.signer.header(REQUEST)  # no oauth_callback
    missing = await desk.http.post(REQUEST, headers={"Authorization": header})
    assert missing.status_code == 401 and "oauth_callback" in missing.json()["error"]


async def test_a_clock_far_off_is_refused(desk: Desk) -> None:
    desk.clock.advance(3600)
    late = await desk.request_token()
    assert late.status_code == 401 and "timestamp" in late.json()["error"]


async def test_a_consumer_without_an_encryption_key_gets_no_access_token(
    credentials: tuple[Path, OAuth1Consumer],
) -> None:
    made = await _desk(credentials, encryption_public_key=None)
    async with made.http:
        token = (await made.request_token()).json()["oauth_token"]
        answer = await made.access_token(token, made.approve(token))
    assert answer.status_code == 400 and "encryption key" in answer.json()["error"]


async def test_the_exchange_is_off_outside_oauth_mode() -> None:
    sim = GatewaySimulator(SimulatorConfig(rate_limits=False))
    async with sim.client() as http:
        answer = await http.post("/oauth/request_token")
    assert answer.status_code in (401, 404)
