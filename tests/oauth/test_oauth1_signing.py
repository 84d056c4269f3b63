"""IBKR's OAuth 1.0a signing, pinned byte for byte to the worked example in IBKR's reference material.

Toy numbers (p = 251, a = 11, b = 13) so that every intermediate value is known; any change to the
base string, the percent-encoding, the parameter order or the key-derivation quirk fails here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ibkr_webapi.auth import OAuth1Auth, OAuth1Credentials
from ibkr_webapi.auth import oauth1 as oauth1_module
from ibkr_webapi.auth.oauth1_signing import (
    authorization_header,
    dh_challenge,
    hmac_sha256_signature,
    k_bytes,
    live_session_token,
    live_session_token_signature,
    percent_encode,
    signature_base_string,
    signed_url,
)
from ibkr_webapi.testing._oauth1 import base_string as server_base_string
from ibkr_webapi.testing._oauth1 import derive_live_session_token, parse_oauth_header

API = "https://api.ibkr.com/v1/api"
CONSUMER_KEY = "ABCDEFGHI"
ACCESS_TOKEN = "0123456789abcdef0123"
SECRET = bytes.fromhex("0a1b2c3d")
P, G, A, B = 251, 2, 11, 13

LST_BASE = (
    "0a1b2c3dPOST&https%3A%2F%2Fapi.ibkr.com%2Fv1%2Fapi%2Foauth%2Flive_session_token"
    "&diffie_hellman_challenge%3D28%26oauth_consumer_key%3DABCDEFGHI%26oauth_nonce%3Dn0nce123"
    "%26oauth_signature_method%3DRSA-SHA256%26oauth_timestamp%3D1700000000"
    "%26oauth_token%3D0123456789abcdef0123"
)
LST = "ZNVQLgU8X0MWNqQvgmgfbIySVAc="
LST_WITHOUT_SIGN_BYTE = "4/svYMGEDj7mWVcOey9jCikmaHc="
LST_SIGNATURE = "574db5642e164148672d5ccffa86c7a8f352f166"
GET_BASE = (
    "GET&https%3A%2F%2Fapi.ibkr.com%2Fv1%2Fapi%2Fportfolio%2Faccounts&oauth_consumer_key%3DABCDEFGHI"
    "%26oauth_nonce%3Dabc123XYZ%26oauth_signature_method%3DHMAC-SHA256"
    "%26oauth_timestamp%3D1700000100%26oauth_token%3D0123456789abcdef0123"
)
GET_SIGNATURE = "Fdsy4/1oaV5lGxOdG71XcaegCW1NOhv2e/D8FuyMniY="
GET_HEADER = (
    'OAuth realm="limited_poa", oauth_consumer_key="ABCDEFGHI", oauth_nonce="abc123XYZ", '
    'oauth_signature="Fdsy4%2F1oaV5lGxOdG71XcaegCW1NOhv2e%2FD8FuyMniY%3D", '
    'oauth_signature_method="HMAC-SHA256", oauth_timestamp="1700000100", '
    'oauth_token="0123456789abcdef0123"'
)
LST_PARAMS = {
    "diffie_hellman_challenge": "28",
    "oauth_consumer_key": CONSUMER_KEY,
    "oauth_nonce": "n0nce123",
    "oauth_signature_method": "RSA-SHA256",
    "oauth_timestamp": "1700000000",
    "oauth_token": ACCESS_TOKEN,
}
GET_PARAMS = {
    "oauth_consumer_key": CONSUMER_KEY,
    "oauth_nonce": "abc123XYZ",
    "oauth_signature_method": "HMAC-SHA256",
    "oauth_timestamp": "1700000100",
    "oauth_token": ACCESS_TOKEN,
}


@pytest.fixture(scope="module")
def signature_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_dh_challenge_is_lowercase_hex_without_padding() -> None:
    assert pow(G, A, P) == 40
    assert dh_challenge(A, P, G) == "28"
    assert dh_challenge(1, 2**61 - 1, 2**40) == "10000000000"


def test_live_session_token_base_string() -> None:
    url = f"{API}/oauth/live_session_token"
    assert signature_base_string("POST", url, LST_PARAMS, prepend="0a1b2c3d") == LST_BASE
    assert signature_base_string("post", url, LST_PARAMS, prepend=SECRET.hex()) == LST_BASE


def test_k_bytes_adds_javas_sign_byte_when_the_top_bit_is_set() -> None:
    assert pow(160, A, P) == 0x97
    assert k_bytes(0x97) == b"\x00\x97"
    assert k_bytes(0x7F) == b"\x7f"
    assert k_bytes(0x0100) == b"\x01\x00"
    assert k_bytes(0x8000) == b"\x00\x80\x00"
    assert k_bytes(0) == b"\x00"


def test_live_session_token_and_its_validation() -> None:
    token = live_session_token("a0", A, P, SECRET)
    assert base64.b64encode(token).decode() == LST
    assert live_session_token_signature(token, CONSUMER_KEY) == LST_SIGNATURE
    # The byte quirk matters: without the sign byte the token is another one, and fails validation.
    import hashlib
    import hmac

    plain = hmac.new(bytes([0x97]), SECRET, hashlib.sha1).digest()
    assert base64.b64encode(plain).decode() == LST_WITHOUT_SIGN_BYTE
    assert live_session_token_signature(plain, CONSUMER_KEY) != LST_SIGNATURE


def test_hmac_request_base_string_signature_and_header() -> None:
    token = base64.b64decode(LST)
    base = signature_base_string("GET", f"{API}/portfolio/accounts", GET_PARAMS)
    assert base == GET_BASE
    signature = hmac_sha256_signature(token, base)
    assert signature == GET_SIGNATURE
    assert authorization_header(GET_PARAMS, signature) == GET_HEADER


def test_query_string_is_not_signed_and_port_is_kept() -> None:
    assert signed_url(f"{API}/iserver/account/orders?force=true&filters=Filled") == (
        f"{API}/iserver/account/orders"
    )
    assert (
        signed_url("https://127.0.0.1:8443/v1/api/tickle") == "https://127.0.0.1:8443/v1/api/tickle"
    )
    with_query = signature_base_string("GET", f"{API}/portfolio/accounts?x=1", GET_PARAMS)
    assert with_query == GET_BASE


def test_percent_encoding_is_form_style() -> None:
    assert percent_encode("a+b/c=d e~f_g.h-i") == "a%2Bb%2Fc%3Dd+e~f_g.h-i"


def test_rsa_signature_over_the_prepended_base_string(signature_key: rsa.RSAPrivateKey) -> None:
    raw = signature_key.sign(LST_BASE.encode(), padding.PKCS1v15(), hashes.SHA256())
    signature_key.public_key().verify(raw, LST_BASE.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_the_simulator_derives_the_same_numbers_independently() -> None:
    assert server_base_string("POST", f"{API}/oauth/live_session_token", LST_PARAMS) == LST_BASE[8:]
    assert server_base_string("GET", f"{API}/portfolio/accounts", GET_PARAMS) == GET_BASE
    assert format(pow(G, B, P), "x") == "a0"
    token = derive_live_session_token(0x28, B, P, SECRET)
    assert base64.b64encode(token).decode() == LST
    parsed = parse_oauth_header(GET_HEADER)
    assert parsed is not None and parsed["oauth_signature"].startswith("Fdsy4%2F")
    lenient = parse_oauth_header('OAuth oauth_token=abc,realm=limited_poa,oauth_nonce="x y"')
    assert lenient == {"oauth_token": "abc", "realm": "limited_poa", "oauth_nonce": "x y"}


# -- the whole client flow, against a server that answers with the worked example's numbers ------


def _toy_credentials(signature_key: rsa.RSAPrivateKey) -> OAuth1Credentials:
    # The toy prime is far too small for OAuth1Credentials.load(); build the object directly.
    return OAuth1Credentials(
        consumer_key=CONSUMER_KEY,
        access_token=ACCESS_TOKEN,
        secret=SECRET,
        signature_key=signature_key,
        dh_prime=P,
        dh_generator=G,
    )


@pytest.fixture
def fixed_a(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(oauth1_module.secrets, "randbits", lambda bits: A)
    yield


@respx.mock(assert_all_called=True)
async def test_client_flow_reproduces_the_worked_example(
    signature_key: rsa.RSAPrivateKey, fixed_a: None, respx_mock: respx.MockRouter
) -> None:
    now = [1_700_000_000.0]
    nonces = iter(["n0nce123", "abc123XYZ"])
    seen: dict[str, str] = {}

    def live_session_token_route(request: httpx.Request) -> httpx.Response:
        header = request.headers["Authorization"]
        seen["lst"] = header
        params = parse_oauth_header(header)
        assert params is not None
        signed = {k: v for k, v in params.items() if k not in ("realm", "oauth_signature")}
        assert signed == LST_PARAMS
        assert request.content == b"" and request.headers["content-length"] == "0"
        signature = base64.b64decode(unquote(params["oauth_signature"]))
        signature_key.public_key().verify(
            signature, LST_BASE.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return httpx.Response(
            200,
            json={
                "diffie_hellman_response": "a0",
                "live_session_token_signature": LST_SIGNATURE,
                "live_session_token_expiration": 1_700_086_400_000,
            },
        )

    respx_mock.post(f"{API}/oauth/live_session_token").mock(side_effect=live_session_token_route)
    accounts = respx_mock.get(f"{API}/portfolio/accounts").mock(
        return_value=httpx.Response(200, json=[])
    )
    async with httpx.AsyncClient() as login_http:
        auth = OAuth1Auth(
            _toy_credentials(signature_key),
            base_url=API,
            open_brokerage_session=False,
            clock=lambda: now[0],
            nonce=lambda: next(nonces),
            http=login_http,
        )
        async with httpx.AsyncClient(auth=auth) as http:
            await auth.login()
            assert auth._state is not None and auth._state.value == LST
            assert auth._state.expires_at == 1_700_086_400.0
            now[0] = 1_700_000_100.0
            response = await http.get(f"{API}/portfolio/accounts")
    assert response.status_code == 200
    assert accounts.calls.last.request.headers["Authorization"] == GET_HEADER
    assert 'diffie_hellman_challenge="28"' in seen["lst"]


@respx.mock
async def test_a_live_session_token_that_does_not_validate_is_refused(
    signature_key: rsa.RSAPrivateKey, fixed_a: None, respx_mock: respx.MockRouter
) -> None:
    from ibkr_webapi import errors

    respx_mock.post(f"{API}/oauth/live_session_token").mock(
        return_value=httpx.Response(
            200,
            json={
                "diffie_hellman_response": "a0",
                "live_session_token_signature": "0" * 40,
                "live_session_token_expiration": 1_700_086_400_000,
            },
        )
    )
    auth = OAuth1Auth(_toy_credentials(signature_key), base_url=API, open_brokerage_session=False)
    with pytest.raises(errors.OAuthError, match="did not validate") as caught:
        await auth.login()
    await auth.aclose()
    assert LST not in str(caught.value)
    assert json.dumps(caught.value.body or "").find(LST) < 0
