"""Secrets never reach logs, messages or reprs: headers, URLs and JSON-ish text are redacted."""

from __future__ import annotations

import json

import httpx

from ibkr_webapi.redact import (
    REDACTED,
    is_secret_name,
    redact_headers,
    redact_json,
    redact_text,
    redact_url,
)

TICKLE = json.dumps(
    {
        "session": "0f3c9a7b2d1e4f5a6b7c8d9e0f1a2b3c",
        "ssoExpires": 460311,
        "collission": False,
        "userId": 123456,
        "iserver": {"authStatus": {"authenticated": True, "competing": False}},
    }
)


def test_secret_headers_are_redacted_and_others_kept() -> None:
    headers = httpx.Headers(
        {
            "Authorization": "Bearer abc.def.ghi",
            "Cookie": "api=0f3c9a7b; x-sess-uuid=42",
            "Set-Cookie": "api=0f3c9a7b; Path=/",
            "X-Session-Id": "s3cr3t",
            "X-Access-Token": "tok",
            "Accept": "application/json",
            "User-Agent": "ibkr-webapi",
        }
    )
    shown = redact_headers(headers)
    for name in ("authorization", "cookie", "set-cookie", "x-session-id", "x-access-token"):
        assert shown[name] == REDACTED
    assert shown["accept"] == "application/json"
    assert shown["user-agent"] == "ibkr-webapi"
    assert "abc.def.ghi" not in repr(shown) and "0f3c9a7b" not in repr(shown)


def test_url_secret_query_parameters_are_redacted() -> None:
    url = (
        "https://api.ibkr.com/v1/api/iserver/accounts"
        "?access_token=AAA&oauth_token=BBB&token=CCC&session=DDD&conids=265598"
    )
    shown = redact_url(url)
    for secret in ("AAA", "BBB", "CCC", "DDD"):
        assert secret not in shown
    assert "conids=265598" in shown
    assert shown.startswith("https://api.ibkr.com/v1/api/iserver/accounts?")


def test_url_password_is_redacted() -> None:
    shown = redact_url(httpx.URL("https://user:hunter2@localhost:5000/v1/api/tickle"))
    assert "hunter2" not in shown
    assert "user" in shown


def test_url_without_secrets_is_unchanged() -> None:
    url = (
        "https://localhost:5000/v1/api/iserver/marketdata/snapshot?conids=265598,8314&fields=31,84"
    )
    assert redact_url(url) == str(httpx.URL(url))


def test_tickle_session_field_is_redacted_in_text() -> None:
    shown = redact_text(TICKLE)
    assert "0f3c9a7b2d1e4f5a6b7c8d9e0f1a2b3c" not in shown
    assert f'"session": "{REDACTED}"' in shown
    assert '"userId": 123456' in shown
    assert '"authenticated": true' in shown  # "auth..." is not a secret name


def test_json_text_token_keys_are_redacted() -> None:
    body = (
        '{"access_token":"eyJhbGciOi","token_type":"Bearer","expires_in":86399,'
        '"live_session_token":"LST==","secret":"x","password":"p@ss","sessionId":"65ee8a41.0000001e"}'
    )
    shown = redact_text(body)
    for secret in ("eyJhbGciOi", "LST==", '"x"', "p@ss", "65ee8a41"):
        assert secret not in shown
    assert '"expires_in":86399' in shown


def test_form_and_oauth_header_parameters_are_redacted() -> None:
    form = "grant_type=client_credentials&client_assertion=abc&access_token=XYZ"
    assert "XYZ" not in redact_text(form)
    oauth = 'OAuth realm="limited_poa", oauth_token="TOK123", oauth_signature="SIG%3D"'
    shown = redact_text(oauth)
    assert "TOK123" not in shown and "SIG%3D" not in shown
    assert 'realm="limited_poa"' in shown


def test_bearer_credentials_and_header_lines_in_prose_are_redacted() -> None:
    text = "sent Authorization: Bearer abc.def\nCookie: api=123\nthen Bearer zzz.yyy failed"
    shown = redact_text(text)
    assert "abc.def" not in shown and "api=123" not in shown and "zzz.yyy" not in shown


def test_redact_json_walks_nested_structures() -> None:
    value = {"outer": [{"token": "t", "conid": 1}], "session": "s", "nested": {"password": 3}}
    assert redact_json(value) == {
        "outer": [{"token": REDACTED, "conid": 1}],
        "session": REDACTED,
        "nested": {"password": REDACTED},
    }


def test_secret_name_detection() -> None:
    assert is_secret_name("Authorization")
    assert is_secret_name("live_session_token")
    assert not is_secret_name("conids")
    assert not is_secret_name("authenticated")
