"""OAuth 2.0 (private_key_jwt) end to end over loopback HTTPS against the simulator."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path

import jwt
import pytest

from ibkr_webapi import IBKRClient, Order, RateLimitPolicy, errors
from ibkr_webapi.auth import OAuth2Auth, OAuth2Credentials
from ibkr_webapi.auth.oauth2 import JWT_BEARER, client_assertion, signed_jwt
from ibkr_webapi.testing import (
    GatewayServer,
    OAuth2Settings,
    serve_gateway,
    write_oauth2_credentials,
)

from .helpers import AAPL, ACCOUNT, OAuth2Set, fast, sim_config

TOKEN = "POST /oauth2/api/v1/token"
SSO = "POST /gw/api/v1/sso-sessions"


def client(gateway: GatewayServer, credentials: object, **overrides: object) -> IBKRClient:
    return IBKRClient.oauth2(
        credentials,  # type: ignore[arg-type]
        base_url=gateway.url,
        verify=gateway.ca_path,
        **fast(**overrides),
    )


async def test_login_positions_order_and_cancel(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    sim = gateway2.simulator
    assert not sim.session.logged_in
    async with client(gateway2, oauth2_set.directory) as ib:
        assert sim.requests[TOKEN] == 1 and sim.requests[SSO] == 1
        assert sim.session.authenticated
        assert ACCOUNT in (await ib.accounts()).accounts
        assert len(await ib.all_positions(ACCOUNT)) == 12
        quote = sim.quote(AAPL)
        order = Order(
            conid=AAPL, side="SELL", quantity=3, price=round(quote.last * 1.1, 2), c_oid="o2-1"
        )
        placed = await ib.place_order(ACCOUNT, order, confirm=True)
        assert sim.order(int(placed.order_id)).live
        await ib.cancel_order(ACCOUNT, placed.order_id)
        sim.settle()
        assert sim.order(int(placed.order_id)).status == "Cancelled"
    assert sim.oauth is not None and sim.oauth.oauth2 is not None
    assert sim.oauth.oauth2.refused == {}


async def test_twenty_concurrent_calls_share_one_sso_renewal(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    sim = gateway2.simulator
    assert sim.oauth is not None and sim.oauth.oauth2 is not None
    async with client(gateway2, oauth2_set.directory) as ib:
        await ib.portfolio_accounts()
        sim.oauth.oauth2.expire_bearers()  # the SSO bearer runs out mid-run
        pages = await asyncio.gather(*(ib.positions_page(ACCOUNT, 0) for _ in range(20)))
        assert all(len(page) == 12 for page in pages)
        assert sim.requests[SSO] == 2  # one renewal
        assert sim.requests[TOKEN] == 1  # the access token was still good
        assert ACCOUNT in (await ib.accounts()).accounts  # brokerage session re-opened


async def test_expired_access_token_is_replaced_when_the_sso_request_needs_it(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    sim = gateway2.simulator
    assert sim.oauth is not None and sim.oauth.oauth2 is not None
    async with client(gateway2, oauth2_set.directory) as ib:
        await ib.portfolio_accounts()
        sim.oauth.oauth2.expire_access_tokens()
        sim.oauth.oauth2.expire_bearers()
        await ib.positions_page(ACCOUNT, 0)
        assert sim.requests[TOKEN] == 2 and sim.requests[SSO] == 3  # refused once, then a new one
        assert sim.oauth.oauth2.refused.get("sso") == 1


async def test_renews_before_the_requested_lifetime_ends(oauth2_set: OAuth2Set) -> None:
    async with serve_gateway(sim_config(oauth2=OAuth2Settings(clients=(oauth2_set.client,)))) as gw:
        sim = gw.simulator
        offset = [0.0]
        credentials = OAuth2Credentials.from_directory(oauth2_set.directory)
        auth = OAuth2Auth(
            credentials,
            sso_session_lifetime=600,
            renew_margin=60,
            clock=lambda: time.time() + offset[0],
        )
        async with IBKRClient(gw.url, auth=auth, verify=gw.ca_path, **fast()) as ib:
            await ib.portfolio_accounts()
            sim.advance(560)
            offset[0] = 560
            await ib.positions_page(ACCOUNT, 0)
        assert sim.requests[SSO] == 2 and sim.requests[TOKEN] == 1
        assert sim.oauth is not None and sim.oauth.oauth2 is not None
        assert sim.oauth.oauth2.refused == {}  # renewed before anything was refused


async def test_ip_callable_and_websocket_params(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    asked: list[str] = []

    async def public_ip() -> str:
        asked.append("ip")
        return "198.51.100.23"

    credentials = OAuth2Credentials.from_directory(oauth2_set.directory)
    auth = OAuth2Auth(credentials, ip=public_ip, websocket_param="bearer_token")
    async with IBKRClient(gateway2.url, auth=auth, verify=gateway2.ca_path, **fast()) as ib:
        await ib.tickle()
        params = await auth.websocket_params()
    assert asked == ["ip"]
    assert set(params) == {"bearer_token"}
    sim = gateway2.simulator
    assert sim.oauth is not None and sim.oauth.accepts_websocket(params, sim.now())


# -- refusals ------------------------------------------------------------------------------------


async def test_wrong_private_key(
    gateway2: GatewayServer, oauth2_set: OAuth2Set, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    write_oauth2_credentials(other, client_id="sim-client")
    folder = tmp_path / "creds"
    shutil.copytree(oauth2_set.directory, folder)
    shutil.copy(other / "private_key.pem", folder / "private_key.pem")
    with pytest.raises(errors.OAuthError) as caught:
        async with client(gateway2, folder):
            pass
    assert caught.value.status_code == 401
    assert "client assertion was refused" in str(caught.value)
    assert "private key" in str(caught.value)


async def test_unknown_client_id_and_wrong_key_id(
    gateway2: GatewayServer, oauth2_set: OAuth2Set, tmp_path: Path
) -> None:
    folder = tmp_path / "creds"
    shutil.copytree(oauth2_set.directory, folder)
    (folder / "client_id.txt").write_text("somebody-else\n")
    with pytest.raises(errors.OAuthError, match="no key 'main' registered"):
        async with client(gateway2, folder):
            pass
    shutil.copy(oauth2_set.directory / "client_id.txt", folder / "client_id.txt")
    (folder / "key_id.txt").write_text("other\n")
    with pytest.raises(errors.OAuthError, match="no key 'other' registered"):
        async with client(gateway2, folder):
            pass


async def test_expired_client_assertion_from_a_slow_clock(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    with pytest.raises(errors.OAuthError, match=r"expired \(exp\)"):
        async with client(gateway2, oauth2_set.directory, clock=lambda: time.time() - 3600):
            pass


async def test_wrong_credential_is_an_invalid_argument(
    gateway2: GatewayServer, oauth2_set: OAuth2Set, tmp_path: Path
) -> None:
    folder = tmp_path / "creds"
    shutil.copytree(oauth2_set.directory, folder)
    (folder / "credential.txt").write_text("nobody\n")
    with pytest.raises(errors.OAuthError) as caught:
        async with client(gateway2, folder):
            pass
    assert caught.value.status_code == 400
    assert "credential: Unknown credential" in str(caught.value)


async def test_bearer_refused_after_renewal_is_a_typed_error(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    settings = OAuth2Settings(clients=(oauth2_set.client,), sso_bearer_lifetime=0.0)
    async with serve_gateway(sim_config(oauth2=settings)) as gw:
        with pytest.raises(errors.AuthenticationError) as caught:
            async with client(gw, oauth2_set.directory) as ib:
                await ib.positions_page(ACCOUNT, 0)
    message = str(caught.value)
    assert "SSO session was renewed" in message and "browser" not in message


async def test_simulator_checks_token_form_scope_and_sso_body(
    gateway2: GatewayServer, oauth2_set: OAuth2Set
) -> None:
    credentials = OAuth2Credentials.from_directory(oauth2_set.directory)
    origin = gateway2.origin
    async with gateway2.client() as http:
        missing = await http.post(f"{origin}/oauth2/api/v1/token", data={"grant_type": "password"})
        assert missing.status_code == 400
        assert missing.json() == {"type": "/simple", "title": "Bad Request", "status": 400}

        now = time.time()
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": client_assertion(credentials, now),
            "scope": "something.else",
        }
        narrow = await http.post(f"{origin}/oauth2/api/v1/token", data=form)
        assert narrow.status_code == 200 and narrow.json()["scope"] == ""
        access = narrow.json()["access_token"]
        assert jwt.get_unverified_header(access)["alg"] == "RS256"
        body = signed_jwt(
            credentials,
            {
                "ip": "127.0.0.1",
                "credential": "simuser",
                "iss": credentials.client_id,
                "iat": int(now),
                "exp": int(now + 60),
            },
        )
        headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/jwt"}
        forbidden = await http.post(
            f"{origin}/gw/api/v1/sso-sessions", content=body, headers=headers
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["detail"] == "The access token fails to have sufficient scope"

        form["scope"] = "sso-sessions.write"
        form["client_assertion"] = client_assertion(credentials, now)
        access = (await http.post(f"{origin}/oauth2/api/v1/token", data=form)).json()[
            "access_token"
        ]
        headers["Authorization"] = f"Bearer {access}"
        no_ip = signed_jwt(
            credentials,
            {
                "credential": "simuser",
                "iss": credentials.client_id,
                "iat": int(now),
                "exp": int(now + 60),
            },
        )
        bad = await http.post(f"{origin}/gw/api/v1/sso-sessions", content=no_ip, headers=headers)
        assert bad.status_code == 400
        assert bad.json()["invalidArguments"] == [
            {"field": "ip", "description": "Missing required parameter"}
        ]
        bogus = await http.post(
            f"{origin}/gw/api/v1/sso-sessions",
            content=body,
            headers={**headers, "Authorization": "Bearer not-a-token"},
        )
        assert bogus.status_code == 401
        assert bogus.json()["detail"] == "The access token request is invalid"
        ok = await http.post(f"{origin}/gw/api/v1/sso-sessions", content=body, headers=headers)
        assert ok.status_code == 200 and ok.json()["active"] is True
        api = await http.post("/tickle", json={}, headers={"Authorization": "Bearer wrong"})
        assert api.status_code == 401 and api.json() == {
            "error": "not authenticated",
            "statusCode": 401,
        }


async def test_secrets_stay_out_of_logs_and_reprs(
    gateway2: GatewayServer, oauth2_set: OAuth2Set, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    credentials = OAuth2Credentials.from_directory(oauth2_set.directory)
    async with client(gateway2, credentials, rate_limits=RateLimitPolicy.off()) as ib:
        await ib.portfolio_accounts()
        auth = ib._oauth
        assert isinstance(auth, OAuth2Auth) and auth._state is not None
        secrets_ = [auth._state.bearer, auth._state.access_token]
        texts = [caplog.text, repr(ib), repr(auth), repr(credentials), repr(auth._state)]
    for text in texts:
        for secret in secrets_:
            assert secret not in text
    assert "PRIVATE KEY" not in repr(credentials)


async def test_missing_ip_is_a_credentials_error(
    oauth2_set: OAuth2Set, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IBKR_OAUTH2_IP", raising=False)
    folder = tmp_path / "creds"
    shutil.copytree(oauth2_set.directory, folder)
    (folder / "ip.txt").unlink()
    with pytest.raises(errors.CredentialsError, match="never looks it up"):
        IBKRClient.oauth2(folder, base_url="https://127.0.0.1:1/v1/api")
