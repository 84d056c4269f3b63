"""Choosing the network layer, and how aiohttp's failures are told apart: sent or not."""

from __future__ import annotations

import ssl
import subprocess
import sys

import aiohttp
import httpx
import pytest
from aiohttp.client_reqrep import ConnectionKey

from ibkr_webapi import IBKRClient, Settings, errors
from ibkr_webapi.transports import aiohttp as backend
from ibkr_webapi.transports.aiohttp import AiohttpTransport

REQUEST = httpx.Request("POST", "https://localhost:5000/v1/api/iserver/account/U1/orders")
KEY = ConnectionKey("localhost", 5000, True, True, None, None, None)


def _raised(exc: BaseException, *, in_body: bool) -> httpx.TransportError:
    """What the transport raises for ``exc``, with the chain it builds."""
    try:
        try:
            raise exc
        except Exception as inner:
            raise backend._mapped(inner, REQUEST, in_body=in_body) from backend._cause(inner)
    except httpx.TransportError as mapped:
        return mapped


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (
            aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")),
            httpx.ConnectError,
        ),
        (aiohttp.ClientConnectorDNSError(KEY, OSError(-2, "Name unknown")), httpx.ConnectError),
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), httpx.ConnectTimeout),
    ],
)
def test_failures_before_the_request_is_written_say_nothing_was_sent(
    failure: BaseException, expected: type[httpx.TransportError]
) -> None:
    assert type(_raised(failure, in_body=False)) is expected


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (
            aiohttp.ClientPayloadError("Response payload is not completed"),
            httpx.RemoteProtocolError,
        ),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), httpx.ReadTimeout),
        (aiohttp.ServerTimeoutError("some other timer"), httpx.ReadTimeout),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), httpx.ReadError),
        (aiohttp.ClientError("something new"), httpx.ReadError),
    ],
)
def test_failures_after_it_may_have_been_written_say_it_may_have_arrived(
    failure: BaseException, expected: type[httpx.TransportError]
) -> None:
    mapped = _raised(failure, in_body=True)
    assert type(mapped) is expected
    assert not isinstance(mapped, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def test_a_certificate_failure_chains_to_the_ssl_error_itself() -> None:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = "self-signed certificate"
    failure = aiohttp.ClientConnectorCertificateError(KEY, cause)
    mapped = _raised(failure, in_body=False)
    assert isinstance(mapped, httpx.ConnectError)
    assert mapped.__cause__ is cause  # what the client's TLS message reads, as with httpx


def test_the_backend_comes_from_the_argument_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings.from_env({}).http_backend == "httpx"
    assert Settings.from_env({"IBKR_HTTP_BACKEND": " AIOHTTP "}).http_backend == "aiohttp"
    with pytest.raises(errors.ConfigurationError, match="IBKR_HTTP_BACKEND='curl'"):
        Settings.from_env({"IBKR_HTTP_BACKEND": "curl"})
    client = IBKRClient("https://localhost:5000/v1/api", keepalive=None, http_backend="aiohttp")
    assert isinstance(client.stack.inner, AiohttpTransport)
    monkeypatch.setenv("IBKR_HTTP_BACKEND", "aiohttp")
    assert IBKRClient(keepalive=None).http_backend == "aiohttp"
    assert IBKRClient(keepalive=None, http_backend="httpx").http_backend == "httpx"
    with pytest.raises(errors.ConfigurationError, match="http_backend='curl'"):
        IBKRClient(keepalive=None, http_backend="curl")  # type: ignore[arg-type]


def test_without_aiohttp_installed_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # makes `import aiohttp` fail
    with pytest.raises(errors.ConfigurationError, match=r"ibkr-webapi-client\[fast\]"):
        IBKRClient("https://localhost:5000/v1/api", keepalive=None, http_backend="aiohttp")


def test_importing_the_package_or_using_httpx_never_imports_aiohttp() -> None:
    code = (
        "import sys, ibkr_webapi\n"
        "ibkr_webapi.IBKRClient('https://localhost:5000/v1/api', keepalive=None)\n"
        "print('aiohttp' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
