"""Error answers in the gateway's own shapes."""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Raised by handlers; the app answers `status` with `body`."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def bad_request(reason: str) -> GatewayError:
    """400 with the gateway's "Bad Request: ..." wording."""
    return GatewayError(400, {"error": f"Bad Request: {reason}", "statusCode": 400})


def not_authenticated() -> GatewayError:
    return GatewayError(401, {"error": "not authenticated", "statusCode": 401})


def no_bridge() -> GatewayError:
    return GatewayError(400, {"error": "no bridge", "statusCode": 400})


def invalid_account(account_id: str) -> GatewayError:
    return bad_request(f"accountId is not valid: {account_id}")


def rejected(reason: str) -> GatewayError:
    """An order-style refusal: HTTP 200 with {"error": ...}."""
    return GatewayError(200, {"error": reason})


def too_many_requests(retry_after: float | None) -> GatewayError:
    headers = {} if retry_after is None else {"Retry-After": str(max(1, round(retry_after)))}
    return GatewayError(429, {"error": "Too many requests", "statusCode": 429}, headers)
