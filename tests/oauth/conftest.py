"""Fixtures for the OAuth tests: generated credential sets and simulators that act as api.ibkr.com."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ibkr_webapi.testing import (
    GatewayServer,
    OAuth1Settings,
    OAuth2Settings,
    serve_gateway,
    write_oauth1_credentials,
    write_oauth2_credentials,
)

from .helpers import OAuth1Set, OAuth2Set, sim_config


@pytest.fixture(scope="session")
def oauth1_set(tmp_path_factory: pytest.TempPathFactory) -> OAuth1Set:
    directory = tmp_path_factory.mktemp("oauth1")
    return OAuth1Set(directory, write_oauth1_credentials(directory, consumer_key="SIMCONSMR"))


@pytest.fixture(scope="session")
def oauth2_set(tmp_path_factory: pytest.TempPathFactory) -> OAuth2Set:
    directory = tmp_path_factory.mktemp("oauth2")
    return OAuth2Set(directory, write_oauth2_credentials(directory, client_id="sim-client"))


@pytest.fixture
async def gateway1(oauth1_set: OAuth1Set) -> AsyncIterator[GatewayServer]:
    config = sim_config(oauth1=OAuth1Settings(consumers=(oauth1_set.consumer,)))
    async with serve_gateway(config) as server:
        yield server


@pytest.fixture
async def gateway2(oauth2_set: OAuth2Set) -> AsyncIterator[GatewayServer]:
    config = sim_config(oauth2=OAuth2Settings(clients=(oauth2_set.client,)))
    async with serve_gateway(config) as server:
        yield server
