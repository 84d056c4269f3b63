"""The redaction layer knows the OAuth headers and fields."""

from __future__ import annotations

import httpx

from ibkr_webapi.redact import redact_headers, redact_json, redact_text, redact_url

HEADER = (
    'OAuth realm="limited_poa", oauth_consumer_key="ABCDEFGHI", oauth_nonce="abc123XYZ", '
    'oauth_signature="Fdsy4%2F1oaV5lGxOdG71XcaegCW1NOhv2e%2FD8FuyMniY%3D", '
    'oauth_signature_method="HMAC-SHA256", oauth_timestamp="1700000100", '
    'oauth_token="0123456789abcdef0123"'
)
JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1haW4iLCJ0eXAiOiJKV1QifQ"
    ".eyJpc3MiOiJjbGllbnQiLCJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJlLWJ5dGVz"
)


def test_oauth_header_parameters_in_text() -> None:
    text = redact_text(f"sent Authorization {HEADER}")
    for secret in ("Fdsy4", "0123456789abcdef0123", "ABCDEFGHI"):
        assert secret not in text
    assert 'oauth_nonce="abc123XYZ"' in text  # harmless parts stay readable
    assert redact_headers({"Authorization": HEADER}) == {"authorization": "[redacted]"}


def test_live_session_token_fields_and_prepend() -> None:
    body = (
        '{"diffie_hellman_response":"a0","live_session_token_signature":"574db5642e",'
        '"live_session_token_expiration":1714669716258,"prepend":"0a1b2c3d"}'
    )
    text = redact_text(body)
    assert "574db5642e" not in text and "0a1b2c3d" not in text and '"a0"' not in text
    assert redact_json({"live_session_token": "ZNVQ", "prepend": "0a1b"}) == {
        "live_session_token": "[redacted]",
        "prepend": "[redacted]",
    }


def test_oauth2_form_tokens_and_jwts() -> None:
    form = f"grant_type=client_credentials&client_assertion={JWT}&scope=sso-sessions.write"
    text = redact_text(form)
    assert JWT not in text and "scope=sso-sessions.write" in text
    assert JWT not in redact_text(f"the server said: bad token {JWT} (expired)")
    answer = redact_json({"access_token": JWT, "scope": "sso-sessions.write", "expires_in": 86399})
    assert answer == {
        "access_token": "[redacted]",
        "scope": "sso-sessions.write",
        "expires_in": 86399,
    }


def test_websocket_query_tokens() -> None:
    url = redact_url(httpx.URL("wss://api.ibkr.com/v1/api/ws?oauth_token=0123456789abcdef0123"))
    assert "0123456789abcdef0123" not in url
    assert "SSO" not in redact_url("wss://api.ibkr.com/v1/api/ws?bearer_token=SSO")


def test_pem_private_keys_in_text() -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----"
    assert "MIIEpAIBAAKCAQEAx" not in redact_text(f"IBKR_OAUTH1_SIGNATURE_KEY={pem}")
    assert "MIIE" not in redact_text("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg (cut")
