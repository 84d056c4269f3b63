"""What a new user meets first: settings from the environment, and TLS/scheme mistakes named as such."""

from __future__ import annotations

import pytest

from ibkr_webapi import IBKRClient, Settings, errors
from ibkr_webapi.testing import GatewayServer, SimulatorConfig, serve_gateway


async def test_the_environment_configures_url_certificate_and_account(
    gateway: GatewayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IBKR_BASE_URL", gateway.url)
    monkeypatch.setenv("IBKR_VERIFY", str(gateway.ca_path))
    monkeypatch.setenv("IBKR_ACCOUNT_ID", "U7654321")
    async with IBKRClient(keepalive=None) as ib:
        assert ib.account_id == "U7654321"
        positions = await ib.all_positions()
    assert positions and {p.account_id for p in positions} == {"U7654321"}


async def test_an_untrusted_certificate_is_a_tls_error_that_says_to_pass_verify(
    gateway: GatewayServer,
) -> None:
    async with IBKRClient(gateway.url, verify=True, keepalive=None) as ib:
        with pytest.raises(errors.TLSError) as info:
            await ib.accounts()
    assert "does not trust" in str(info.value) and "verify=" in str(info.value)
    assert info.value.may_have_reached_gateway is False


async def test_plain_http_to_an_https_gateway_says_to_use_https(gateway: GatewayServer) -> None:
    url = gateway.url.replace("https://", "http://")
    async with IBKRClient(url, keepalive=None) as ib:
        with pytest.raises(errors.APIConnectionError) as info:
            await ib.accounts()
    assert "https://" in str(info.value) and "speaks HTTPS" in str(info.value)


async def test_https_to_a_plain_http_server_is_a_tls_error_naming_the_cause() -> None:
    async with serve_gateway(SimulatorConfig(rate_limits=False), port=0, tls=False) as plain:
        url = plain.url.replace("http://", "https://")
        async with IBKRClient(url, keepalive=None) as ib:
            with pytest.raises(errors.TLSError, match="plain HTTP"):
                await ib.accounts()


def test_settings_read_every_variable_and_refuse_a_bad_timeout() -> None:
    env = {
        "IBKR_BASE_URL": "https://gw.example:5000/v1/api",
        "IBKR_VERIFY": "false",
        "IBKR_ACCOUNT_ID": " DU1234567 ",
        "IBKR_TIMEOUT": "12.5",
    }
    settings = Settings.from_env(env)
    assert settings == Settings(
        base_url="https://gw.example:5000/v1/api",
        verify=False,
        account_id="DU1234567",
        timeout=12.5,
    )
    assert Settings.from_env({"IBKR_VERIFY": "/etc/gw.pem"}).verify == "/etc/gw.pem"
    with pytest.raises(errors.ConfigurationError, match="IBKR_TIMEOUT"):
        Settings.from_env({"IBKR_TIMEOUT": "soon"})


def test_a_url_password_never_shows_in_the_repr() -> None:
    client = IBKRClient("https://user:hunter2@gw.example/v1/api", keepalive=None)
    assert "hunter2" not in repr(client)
