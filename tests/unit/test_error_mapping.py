"""errors.error_from_response: status -> class, IBKR's text, advice, and no secrets anywhere."""

from __future__ import annotations

import httpx
import pytest

from ibkr_webapi import errors

BASE = "https://localhost:5000/v1/api"
SECRET_HEADERS = {
    "Authorization": "Bearer SECRET-BEARER",
    "Cookie": "api=SECRET-COOKIE",
}


def _response(
    status: int,
    body: object = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    url: str = BASE + "/iserver/accounts?access_token=SECRET-QUERY",
    method: str = "GET",
) -> httpx.Response:
    request = httpx.Request(method, url, headers=SECRET_HEADERS)
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def _assert_no_secrets(exc: BaseException) -> None:
    for shown in (str(exc), repr(exc), getattr(exc, "message", "")):
        for secret in ("SECRET-BEARER", "SECRET-COOKIE", "SECRET-QUERY", "SECRET-TOKEN"):
            assert secret not in shown


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (503, errors.ServiceUnavailableError),
        (418, errors.APIStatusError),
    ],
)
def test_status_maps_to_class_without_secrets(
    status: int, cls: type[errors.APIStatusError]
) -> None:
    response = _response(status, {"error": "something", "statusCode": status})
    exc = errors.error_from_response(response)
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.response is response
    assert exc.request is response.request
    assert exc.body == {"error": "something", "statusCode": status}
    assert f"HTTP {status}" in exc.message
    _assert_no_secrets(exc)


def test_401_says_log_in_at_origin() -> None:
    exc = errors.error_from_response(
        _response(401, {"error": "not authenticated", "statusCode": 401})
    )
    assert isinstance(exc, errors.AuthenticationError)
    assert "not authenticated" in exc.message
    assert "log in to the gateway at https://localhost:5000 in a browser" in exc.message
    assert "ssodh/init" in exc.message
    assert "re-opened" not in exc.message  # no session layer said it re-opened anything


def test_401_after_a_successful_reopening_says_the_gateway_still_refused() -> None:
    response = _response(401, {"error": "not authenticated"})
    response.extensions[errors.RECOVERED_EXTENSION] = True
    assert (
        "the client had just re-opened the session (ssodh/init) and the gateway still refused"
        in errors.error_from_response(response).message
    )


def test_401_after_a_failed_recovery_says_why_it_failed() -> None:
    response = _response(401, {"error": "not authenticated"})
    response.extensions[errors.RECOVERY_ERROR_EXTENSION] = "ssodh/init answered 401: logged out"
    message = errors.error_from_response(response).message
    assert "Session recovery failed: ssodh/init answered 401: logged out" in message
    assert "re-opened the session" not in message


def test_429_carries_the_hold_the_client_started_as_retry_after() -> None:
    response = _response(429, {"error": "Too many requests"})
    response.extensions[errors.HOLD_EXTENSION] = 900.0
    exc = errors.error_from_response(response)
    assert isinstance(exc, errors.RateLimitError)
    assert exc.retry_after == 900.0
    assert "retry after 900 s" in exc.message


def test_400_query_accounts_first_is_explained() -> None:
    body = {"error": "Bad Request: Please query /accounts first", "statusCode": 400}
    exc = errors.error_from_response(_response(400, body))
    assert "Please query /accounts first" in exc.message
    assert "GET /iserver/accounts" in exc.message


def test_400_no_bridge_says_open_brokerage_session() -> None:
    exc = errors.error_from_response(_response(400, {"error": "no bridge", "statusCode": 400}))
    assert isinstance(exc, errors.BadRequestError)
    assert "no brokerage session" in exc.message and "ssodh/init" in exc.message


def test_429_mentions_penalty_box_and_reads_retry_after() -> None:
    exc = errors.error_from_response(
        _response(429, {"error": "Too many requests"}, headers={"Retry-After": "12"})
    )
    assert isinstance(exc, errors.RateLimitError)
    assert exc.retry_after == 12.0
    assert "penalty box" in exc.message and "10-15" in exc.message
    assert "reduce the request rate" in exc.message


def test_429_retry_after_http_date_is_seconds() -> None:
    response = _response(429, {}, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    now = 1445412480.0 - 30  # 30 s before that date
    assert errors.retry_after_seconds(response, now=now) == pytest.approx(30.0)


def test_secret_in_gateway_text_is_redacted() -> None:
    body = {"error": "bad token access_token=SECRET-TOKEN", "statusCode": 400}
    exc = errors.error_from_response(_response(400, body))
    assert "SECRET-TOKEN" not in exc.message
    _assert_no_secrets(exc)


def test_plain_text_and_html_bodies() -> None:
    exc = errors.error_from_response(_response(500, text="upstream exploded"))
    assert exc.body == "upstream exploded" and "upstream exploded" in exc.message
    html = errors.error_from_response(_response(502, text="<html><body>Bad gateway</body></html>"))
    assert "<html>" not in html.message


def test_recovery_error_extension_is_appended() -> None:
    response = _response(401, {"error": "not authenticated"})
    response.extensions[errors.RECOVERY_ERROR_EXTENSION] = "ssodh/init answered 401"
    exc = errors.error_from_response(response)
    assert "Session recovery failed: ssodh/init answered 401" in exc.message


def test_authentication_error_without_response() -> None:
    exc = errors.AuthenticationError(
        "could not re-open the session; log in at https://localhost:5000"
    )
    assert exc.status_code == 401
    assert exc.response is None and exc.request is None
    assert isinstance(exc, errors.APIStatusError)


def test_rate_limit_error_without_response_keeps_retry_after() -> None:
    exc = errors.RateLimitError("pacing wait too long", retry_after=900.0)
    assert exc.status_code == 429 and exc.retry_after == 900.0 and exc.response is None


def test_connection_aliases_and_hierarchy() -> None:
    assert errors.ConnectionError is errors.APIConnectionError
    assert errors.TimeoutError is errors.APITimeoutError
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    assert issubclass(errors.ServiceUnavailableError, errors.ServerError)
    for cls in (errors.APIStatusError, errors.APIConnectionError, errors.OrderRejected):
        assert issubclass(cls, errors.IBKRError)


def test_order_errors_carry_their_details() -> None:
    rejected = errors.OrderRejected(
        "We cannot accept an order at the limit price you selected.", order="o"
    )
    assert rejected.message.startswith("We cannot accept") and rejected.order == "o"

    question = errors.OrderConfirmationRequired(
        ("You are about to submit a stop order.",), ("o0",), "07a13a5a", order=None
    )
    assert question.messages == ["You are about to submit a stop order."]
    assert question.message_ids == ["o0"] and question.reply_id == "07a13a5a"
    assert "confirm=True" in question.message and "o0" in question.message

    unknown = errors.OrderStatusUnknown("look for cOID my-1 among live orders", c_oid="my-1")
    assert unknown.c_oid == "my-1"
