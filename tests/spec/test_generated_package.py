"""Our templates: models load on first use, the client's settings reach httpx."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from ibkr_webapi_client import AuthenticatedClient, Client
from tools.specbuild.pipeline import ROOT


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return proc.stdout.strip()


def test_importing_an_operation_loads_only_the_models_it_uses() -> None:
    loaded = _run(
        "import sys\n"
        "import ibkr_webapi_client.api.sessions.tickle\n"
        "print(sorted(m for m in sys.modules if m.startswith('ibkr_webapi_client.models.')))"
    )
    assert "ibkr_webapi_client.models.tickle_response" in loaded
    assert "ibkr_webapi_client.models.position" not in loaded


def test_a_model_is_loaded_when_first_looked_up() -> None:
    out = _run(
        "import sys\n"
        "import ibkr_webapi_client.models as models\n"
        "before = 'ibkr_webapi_client.models.position' in sys.modules\n"
        "cls = models.Position\n"
        "print(before, cls.__name__, 'ibkr_webapi_client.models.position' in sys.modules)"
    )
    assert out == "False Position True"


def test_an_unknown_model_name_is_an_attribute_error() -> None:
    import ibkr_webapi_client.models as models

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchModel'"):
        models.NoSuchModel  # noqa: B018
    assert "Position" in dir(models) and "Position" in models.__all__


def test_client_settings_reach_the_httpx_client() -> None:
    client = Client(base_url="https://gw/v1/api", headers={"X-A": "1"}).with_headers({"X-B": "2"})
    http = client.get_async_httpx_client()
    assert str(http.base_url) == "https://gw/v1/api/"
    assert http.headers["X-A"] == "1" and http.headers["X-B"] == "2"


def test_an_httpx_client_set_from_outside_is_used_as_it_is() -> None:
    shared = httpx.AsyncClient(base_url="https://elsewhere")
    client = Client(base_url="https://ignored").set_async_httpx_client(shared)
    assert client.get_async_httpx_client() is shared


def test_authenticated_client_sends_the_token() -> None:
    client = AuthenticatedClient(base_url="https://gw", token="t0k")
    assert client.get_httpx_client().headers["Authorization"] == "Bearer t0k"
    bare = AuthenticatedClient(
        base_url="https://gw", token="t0k", prefix="", auth_header_name="X-T"
    )
    assert bare.get_httpx_client().headers["X-T"] == "t0k"


def test_the_sync_context_manager_closes_the_client() -> None:
    with Client(base_url="https://gw") as client:
        http = client.get_httpx_client()
    assert http.is_closed
