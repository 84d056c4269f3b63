"""Every exception this package raises, and the mapping from gateway answers to them.

All of them derive from :class:`IBKRError`. HTTP failures are :class:`APIStatusError` subclasses keyed
by status code (the same shape as the Stainless-generated SDKs: ``status_code``, ``body``, ``request``,
``response``); network failures are :class:`APIConnectionError` / :class:`APITimeoutError`; order
outcomes that are not HTTP failures have their own classes.

Messages say what happened *and* what to do next. They never contain cookies, ``Authorization``
headers, tokens or secret query parameters: URLs and gateway texts are passed through
:mod:`ibkr_webapi.redact` first.

``ConnectionError`` and ``TimeoutError`` are module-level aliases of :class:`APIConnectionError` and
:class:`APITimeoutError`, so ``except ibkr_webapi.errors.ConnectionError`` reads naturally. They
shadow the builtins *inside this module only*; import the module (``from ibkr_webapi import errors``)
rather than star-importing it.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

import httpx

from .orders.prompt import OrderPrompt
from .redact import redact_text, redact_url

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionError",
    "CredentialsError",
    "IBKRError",
    "InvalidRequestError",
    "NotFoundError",
    "OAuthError",
    "OrderConfirmationRequired",
    "OrderRejected",
    "OrderRejectedWithPrompt",
    "OrderStatusUnknown",
    "PacingUnavailableError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceUnavailableError",
    "StreamAuthenticationError",
    "StreamClosedError",
    "StreamConnectionError",
    "StreamError",
    "StreamOverflowError",
    "StreamProtocolError",
    "TLSError",
    "TimeoutError",
    "UnexpectedResponseError",
    "error_from_response",
    "retry_after_seconds",
]

# Set by the session layer on a 401 / "no bridge" response it could not recover from, and on a
# response to a request it sent again after re-opening the session.
RECOVERY_ERROR_EXTENSION = "ibkr_recovery_error"
RECOVERED_EXTENSION = "ibkr_session_recovered"
# Set by the retry layer on a 429 it gives back: seconds left in the penalty hold it started.
HOLD_EXTENSION = "ibkr_hold_seconds"
# Set by an OAuth login (ibkr_webapi.auth) on a 401 it could not cure: what to do instead of
# logging in to a gateway in a browser.
AUTH_ADVICE_EXTENSION = "ibkr_auth_advice"


class IBKRError(Exception):
    """Base class of every error raised by ``ibkr_webapi``."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(IBKRError, ValueError):
    """The client was set up wrongly (bad base URL, missing certificate file, closed client, ...)."""


class CredentialsError(ConfigurationError):
    """OAuth credentials are missing or malformed: a file, an environment variable, a PEM key,
    the Diffie-Hellman prime, the access token secret. The message names the item and where it came
    from, never its content."""


class InvalidRequestError(IBKRError, ValueError):
    """An argument was refused before anything was sent to the gateway."""


class UnexpectedResponseError(IBKRError):
    """The gateway answered with a shape this client does not understand."""


class ResponseTooLargeError(UnexpectedResponseError):
    """An answer was larger than the client's ``max_response_bytes``; reading stopped there."""

    limit: int

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class PacingUnavailableError(IBKRError):
    """The shared pacing store (Redis) could not be used; the request was not sent."""


# -- HTTP status errors ------------------------------------------------------------------------


class APIStatusError(IBKRError):
    """The gateway answered with an HTTP error status.

    ``response`` (and ``request``) are ``None`` only for errors the client raises itself without an
    answer from the gateway: a session that could not be recovered, or a pacing wait longer than
    allowed.
    """

    status_code: int
    body: object
    """The answer's body: parsed JSON when it is JSON, else its text (``None`` when unread)."""
    request: httpx.Request | None
    response: httpx.Response | None
    default_status_code: ClassVar[int] = 0
    """The status an error built without a response reports."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        body: object = None,
        status_code: int | None = None,
        request: httpx.Request | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.body = body
        if status_code is None:
            status_code = response.status_code if response is not None else self.default_status_code
        self.status_code = status_code
        if request is None and response is not None:
            request = _request_of(response)
        self.request = request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


class BadRequestError(APIStatusError):
    """HTTP 400: the gateway refused the request (bad parameters, missing prerequisite call, no bridge)."""


class AuthenticationError(APIStatusError):
    """HTTP 401, or the brokerage session could not be (re-)opened.

    The cure is almost always a browser login at the gateway's address, then ``ssodh/init``.
    """

    default_status_code = 401


class OAuthError(AuthenticationError):
    """The OAuth login was refused, or its answer did not check out.

    Raised for the live session token exchange (OAuth 1.0a) and the token / SSO-session requests
    (OAuth 2.0). ``status_code`` and ``body`` are the server's (secrets redacted); the message says
    which credential to check.
    """


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class RateLimitError(APIStatusError):
    """HTTP 429 from IBKR, or the client's own pacing would have had to wait too long.

    ``retry_after`` is how many seconds to wait before trying again, when known.
    """

    retry_after: float | None
    default_status_code = 429

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        body: object = None,
        status_code: int | None = None,
        request: httpx.Request | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            response=response,
            body=body,
            status_code=status_code,
            request=request,
        )
        if retry_after is None and response is not None:
            retry_after = _hold_of(response)
        if retry_after is None and response is not None:
            retry_after = retry_after_seconds(response)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """HTTP 5xx."""


class ServiceUnavailableError(ServerError):
    """HTTP 503: IBKR took longer than 10 s, the gateway is restarting, or an order reply came late."""


# -- Network errors ----------------------------------------------------------------------------


class APIConnectionError(IBKRError):
    """The gateway could not be reached, or the connection broke before an answer arrived.

    ``may_have_reached_gateway`` is ``False`` only when the request certainly never left (the
    connection was refused, or could not be set up): such a request had no effect.
    """

    may_have_reached_gateway: bool

    def __init__(self, message: str, *, may_have_reached_gateway: bool = True) -> None:
        super().__init__(message)
        self.may_have_reached_gateway = may_have_reached_gateway


class APITimeoutError(APIConnectionError):
    """The gateway did not answer within the timeout."""


class TLSError(APIConnectionError):
    """The TLS handshake failed: an untrusted certificate, or TLS spoken to a plain-HTTP port.

    Nothing was sent. The message names the cause and the fix (usually ``verify=<cert path>``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, may_have_reached_gateway=False)


ConnectionError = APIConnectionError  # documented alias; shadows the builtin in this module only
TimeoutError = APITimeoutError  # documented alias; shadows the builtin in this module only


# -- Order outcomes ----------------------------------------------------------------------------


class OrderLike(Protocol):
    """What an order error tells of the order it was about (an :class:`~ibkr_webapi.Order`)."""

    @property
    def c_oid(self) -> str | None: ...
    @property
    def conid(self) -> int | None: ...
    @property
    def side(self) -> str: ...
    @property
    def quantity(self) -> float | None: ...
    @property
    def order_type(self) -> str: ...
    @property
    def price(self) -> float | None: ...


class OrderRejected(IBKRError):  # noqa: N818 - reads as an event, like the gateway's own wording
    """The gateway refused an order (or a modification / cancellation); ``message`` is IBKR's text."""

    order: OrderLike | None

    def __init__(self, message: str, *, order: OrderLike | None = None) -> None:
        super().__init__(redact_text(message))
        self.order = order


class OrderRejectedWithPrompt(OrderRejected):
    """The gateway refused an order and offers choices (IBKR's "order reject" prompt).

    ``prompt`` (an :class:`~ibkr_webapi.OrderPrompt`) holds the text and ``options``; nothing was
    placed. ``ib.orders.answer_prompt(exc.prompt, option)`` sends a choice; some choices resubmit
    the order.
    """

    prompt: OrderPrompt

    def __init__(
        self, message: str, *, prompt: OrderPrompt, order: OrderLike | None = None
    ) -> None:
        super().__init__(message, order=order)
        self.prompt = prompt


class OrderConfirmationRequired(IBKRError):  # noqa: N818
    """The gateway asked a question about an order and the confirmation policy did not confirm it.

    ``reply_id`` is the id to answer with ``POST /iserver/reply/{reply_id}``; ``message_ids`` can be
    passed to ``suppress_questions`` so the gateway stops asking.
    """

    messages: list[str]
    message_ids: list[str]
    reply_id: str
    order: OrderLike | None

    def __init__(
        self,
        messages: Sequence[str],
        message_ids: Sequence[str],
        reply_id: str,
        *,
        order: OrderLike | None = None,
        reason: str | None = None,
    ) -> None:
        self.messages = [str(m) for m in messages]
        self.message_ids = [str(m) for m in message_ids]
        self.reply_id = str(reply_id)
        self.order = order
        first = self.messages[0].strip() if self.messages else "(no text)"
        ids = ", ".join(self.message_ids) or "none given"
        if reason is not None:
            super().__init__(f"{reason}; last question ({ids}): {first!r}")
            return
        super().__init__(
            f"the gateway asks for confirmation ({ids}): {first!r}. The order was not placed: "
            "pass confirm=True (or a callable that decides) to answer, or suppress these message "
            "ids for the session with suppress_questions([...])"
        )


class OrderStatusUnknown(IBKRError):  # noqa: N818
    """The connection failed while placing or changing an order and its fate could not be confirmed.

    ``c_oid`` is the client order id it was sent with: look for it (as ``order_ref``) among live
    orders, or in the TWS / Client Portal order log, before sending it again.
    """

    c_oid: str | None
    order: OrderLike | None
    checked: tuple[str, ...]
    """What the client looked at before giving up (e.g. ``"live orders"``, ``"trades"``)."""
    order_id: int | None
    """The IBKR order id, when the call was about a known order (modify, cancel)."""
    c_oids: tuple[str, ...]
    """Every cOID whose order could not be found (a group: the legs in doubt; else ``(c_oid,)``)."""
    found: Mapping[str, int]
    """Legs of a group that were found (or acknowledged), by cOID: their order ids."""

    def __init__(
        self,
        message: str,
        *,
        c_oid: str | None = None,
        order: OrderLike | None = None,
        checked: Sequence[str] = (),
        order_id: int | None = None,
        c_oids: Sequence[str] = (),
        found: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.c_oid = c_oid
        self.order = order
        self.checked = tuple(checked)
        self.order_id = order_id
        self.c_oids = tuple(c_oids) if c_oids else ((c_oid,) if c_oid else ())
        self.found = dict(found) if found else {}


# -- Streaming (the websocket) ---------------------------------------------------------------


class StreamError(IBKRError):
    """A websocket subscription ended; the subclass says why. Leave the block and open a new one."""


class StreamClosedError(StreamError):
    """The client (or its stream manager) was closed while a subscription was still being read."""


class StreamOverflowError(StreamError):
    """A consumer fell so far behind that order, trade or event updates would have been dropped.

    Nothing was skipped silently: every update before the gap was delivered. Re-open the
    subscription (orders are reconciled from the REST live-order list) and consume faster, or raise
    ``StreamOptions.buffer_size``.
    """


class StreamConnectionError(StreamError, APIConnectionError):
    """The websocket could not be (re)connected: TLS refused, the gateway gone for too long, ..."""


class StreamAuthenticationError(StreamError):
    """The websocket's session could not be (re-)authenticated; log in to the gateway again."""


class StreamProtocolError(StreamError):
    """A websocket frame that this client cannot read (reported on the events stream)."""


# -- Mapping answers to errors -----------------------------------------------------------------


def retry_after_seconds(response: httpx.Response, *, now: float | None = None) -> float | None:
    """The ``Retry-After`` header in seconds (it may be a number or an HTTP date), or ``None``."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _hold_of(response: httpx.Response) -> float | None:
    hold = response.extensions.get(HOLD_EXTENSION)
    return float(hold) if isinstance(hold, int | float) else None


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:
        return None


def _body_of(response: httpx.Response) -> object:
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    if not content:
        return ""
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        try:
            return response.text
        except Exception:
            return content.decode("utf-8", errors="replace")


def _gateway_text(body: object) -> str:
    """IBKR's own words from an error body: ``error`` or ``message``, else a short text."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict):
        for key in ("error", "message", "msg", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""
    if isinstance(body, str):
        text = " ".join(body.split())
        if text.startswith("<"):  # an HTML error page says nothing useful in a message
            return ""
        text = redact_text(text)  # before cutting: a cut secret would escape redaction
        return text[:300] + ("..." if len(text) > 300 else "")
    return ""


def _origin(request: httpx.Request | None) -> str:
    if request is None:
        return "the gateway's address (e.g. https://localhost:5000)"
    url = request.url
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def _tried(reopened: bool) -> str:
    if not reopened:
        return ""
    return "; the client had just re-opened the session (ssodh/init) and the gateway still refused"


def _advice(
    status: int,
    text: str,
    request: httpx.Request | None,
    retry_after: float | None,
    retried: bool,
) -> str:
    lowered = text.lower()
    origin = _origin(request)
    if status == 400 and "no bridge" in lowered:
        tried = _tried(retried)
        return (
            "there is no brokerage session yet (or it dropped): open it with ssodh/init "
            f"(IBKRClient.open_brokerage_session()){tried}. If that keeps failing, log in again "
            f"at {origin} in a browser"
        )
    if status == 400 and "query /accounts first" in lowered:
        return (
            "the gateway wants GET /iserver/accounts (GET /portfolio/accounts for /portfolio calls) "
            "before this call in every session; the client makes that call itself, so this means it "
            "failed or prerequisites were turned off"
        )
    if status == 400 and "accountid is not valid" in lowered:
        return (
            "check the account id against /iserver/accounts; read-only accounts cannot trade, and a "
            "paper login only sees its DU... account"
        )
    if status == 400:
        return (
            "the gateway refused the request's parameters; check them against IBKR's documentation"
        )
    if status == 401:
        tried = _tried(retried)
        return (
            f"session not authenticated: log in to the gateway at {origin} in a browser or call "
            f"ssodh/init{tried}"
        )
    if status == 403:
        return (
            "access refused: the API may not be enabled for this user, or this machine is not allowed "
            "by the gateway's conf.yaml (ips.allow); by default only loopback clients may connect"
        )
    if status == 404:
        return (
            "no such endpoint or object: check the id, and that base_url ends in /v1/api "
            "(e.g. https://localhost:5000/v1/api)"
        )
    if status == 409:
        return (
            "the request conflicts with the current state on IBKR's side; refresh it and try again"
        )
    if status == 429:
        wait = f" (retry after {retry_after:g} s)" if retry_after is not None else ""
        return (
            "IBKR's rate limit was hit: the client IP may now be in IBKR's penalty box for 10-15 "
            f"minutes{wait}; reduce the request rate (keep the client's pacing on, see "
            "RateLimitPolicy, and share one Pacer between clients); repeat offenders can be blocked"
        )
    if status == 503:
        return (
            "IBKR did not answer within 10 s, or the gateway is restarting (daily around 01:00 local "
            "time, weekend maintenance); retry later. A late answer to an order question also gets "
            "503: check live orders before placing again"
        )
    if status >= 500:
        return "IBKR's side failed; retry later, and check live orders before repeating an order"
    return "the gateway refused the request"


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The exception matching an error answer from the gateway (the caller raises it).

    The message names the request (URL redacted), the status, IBKR's own text and what to do next.
    """
    status = response.status_code
    request = _request_of(response)
    body = _body_of(response)
    text = redact_text(_gateway_text(body))
    cls = _CLASSES.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIStatusError
    retry_after = None
    if status == 429:
        retry_after = _hold_of(response)
        if retry_after is None:
            retry_after = retry_after_seconds(response)

    where = f"{request.method} {redact_url(request.url)}" if request is not None else "request"
    said = f": {text}" if text else ""
    recovery = response.extensions.get(RECOVERY_ERROR_EXTENSION)
    # A failed recovery says why below; a successful one that the gateway still refused says so.
    retried = not recovery and bool(response.extensions.get(RECOVERED_EXTENSION))
    advice = _advice(status, text, request, retry_after, retried)
    auth_advice = response.extensions.get(AUTH_ADVICE_EXTENSION)
    if status == 401 and isinstance(auth_advice, str) and auth_advice:
        advice = auth_advice
        recovery = None
    message = f"{where} -> HTTP {status}{said}. {advice}"
    if isinstance(recovery, str) and recovery:
        message += f". Session recovery failed: {redact_text(recovery)}"
    if cls is RateLimitError:
        return RateLimitError(
            message, response=response, body=body, request=request, retry_after=retry_after
        )
    return cls(message, response=response, body=body, request=request)
