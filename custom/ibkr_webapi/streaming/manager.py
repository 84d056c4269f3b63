"""The client's one websocket: connecting, staying alive, routing frames to subscriptions.

``ib.stream`` is a :class:`StreamManager`. The socket opens with the first subscription and closes
with the last one (or with the client). A supervisor task owns it: it takes the session from
``/tickle``, connects, waits for ``sts authenticated:true``, (re)sends every wanted subscription,
watches the heartbeat, sends ``tic``, refreshes market data before the gateway lets it lapse, and
reconnects with backoff and jitter when anything breaks. Orders are reconciled from the REST
live-order list after every (re)subscription, because the server replays nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, WebSocketException

from .. import _values as values
from .. import errors
from ..fields import DEFAULT_FIELDS, resolve_fields
from ..redact import redact_text, redact_url
from ..results.orders import LiveOrder
from ..snapshot import Quote
from . import decoders, frames
from .buffers import ConflatingBuffer
from .connection import (
    HandshakeRefusedError,
    cookie_header,
    open_socket,
    resolved_handover,
    session_cookie,
    websocket_url,
    with_query,
)
from .events import (
    AccountSummaryUpdate,
    BookUpdate,
    Connected,
    Disconnected,
    LedgerUpdate,
    MalformedFrame,
    OrderUpdate,
    PnlUpdate,
    ServerMessage,
    StreamEvent,
    Trade,
)
from .options import QueryTokenSource, StreamOptions
from .quotes import QuoteBook
from .subscriptions import (
    AccountSummarySubscription,
    BookSubscription,
    EventSubscription,
    LedgerSubscription,
    OrderSubscription,
    PnlSubscription,
    QuoteSubscription,
    Registry,
    Subscription,
    TradeSubscription,
)

_loads: Callable[[str | bytes], object]
try:  # orjson reads frames about four times faster; the standard parser is the fallback
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency
    from json import loads as _loads

logger = logging.getLogger("ibkr_webapi.stream")
T = TypeVar("T")
TASK_PREFIX = "ibkr-webapi-stream"
__all__ = ["StreamHost", "StreamManager"]


class _TickleLike(Protocol):
    @property
    def session(self) -> str | None: ...


class _AuthLike(Protocol):
    @property
    def authenticated(self) -> object: ...


class StreamHost(Protocol):
    """What the stream needs from the client: its session and its REST view of orders."""

    async def tickle(self) -> _TickleLike: ...

    async def auth_status(self, *, recover: bool = True) -> _AuthLike: ...

    async def live_orders(self, *, force: bool = False) -> Sequence[LiveOrder]: ...


class _SocketDeadError(errors.IBKRError):
    """The socket stopped answering (heartbeat silence) or closed."""


class _FatalError(errors.IBKRError):
    """A failure that reconnecting cannot cure; subscriptions get ``error``."""

    def __init__(self, error: errors.StreamError) -> None:
        super().__init__(str(error))
        self.error = error


def _conids(conids: int | str | Iterable[int | str]) -> list[int]:
    items = [conids] if isinstance(conids, int | str) else list(conids)
    result: list[int] = []
    for item in items:
        try:
            conid = int(item)
        except (TypeError, ValueError):
            raise errors.InvalidRequestError(
                f"conid {item!r} is not a number; find contract ids with search_contracts()"
            ) from None
        if conid <= 0:
            raise errors.InvalidRequestError(f"conid must be positive, got {conid}")
        if conid not in result:
            result.append(conid)
    if not result:
        raise errors.InvalidRequestError("give at least one conid to stream")
    return result


def _account(account: str) -> str:
    if not isinstance(account, str) or not account.strip() or "+" in account:
        raise errors.InvalidRequestError(
            "account must be an account code such as 'U1234567'; list them with accounts()"
        )
    return account.strip()


class StreamManager:
    """``ib.stream``: subscriptions over the client's single websocket."""

    def __init__(
        self,
        host: StreamHost,
        *,
        base_url: str,
        ssl_context: ssl.SSLContext | None,
        cookies: Callable[[], Mapping[str, str]] | None = None,
        auth: object = None,
        headers: Mapping[str, str] | None = None,
        options: StreamOptions | None = None,
    ) -> None:
        self.options = options or StreamOptions()
        self._host = host
        self.url = self.options.url or websocket_url(base_url)
        self._ssl = ssl_context
        self._cookies = cookies
        self._auth = auth
        self._headers = dict(headers or {})
        self._registry = Registry()
        self._quote_buffers: dict[int, list[ConflatingBuffer[int, Quote]]] = {}
        self._quotes = QuoteBook()
        self._quote_states = self._quotes.states
        self._orders: dict[int, dict[str, object]] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._ws: ClientConnection | None = None
        self._session: str | None = None
        self._sent: dict[str, str] = {}
        self._sync_lock = asyncio.Lock()
        self._authenticated = False
        self._ready = asyncio.Event()
        self._auth_on = asyncio.Event()
        self._auth_off = asyncio.Event()
        self._reconnect = False
        self._fatal: errors.StreamError | None = None
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_reauth = -1e9
        self._connections = 0
        self._frames = 0
        self._stats: dict[str, int] = {
            "malformed": 0,
            "connects": 0,
            "reconnects": 0,
            "server_errors": 0,
        }

    def __repr__(self) -> str:
        state = (
            "connected"
            if self._authenticated
            else "idle"
            if self._supervisor is None
            else "connecting"
        )
        return f"<StreamManager {redact_url(self.url)} {state}, {len(self._registry.all)} subscriptions>"

    @property
    def stats(self) -> dict[str, int]:
        """Counters: frames read, malformed frames skipped, connections and reconnections made."""
        return {"frames": self._frames, **self._stats}

    @property
    def connected(self) -> bool:
        """True while an authenticated socket carries the subscriptions."""
        return self._authenticated

    # --- the public surface ------------------------------------------------------------------

    def quotes(
        self,
        conids: int | str | Iterable[int | str],
        fields: Iterable[str | int] | None = None,
    ) -> Subscription[Quote]:
        """Level-1 quotes, each update merged into the last full quote of its conid.

        Fields are names (``"last_price"``) or ids (``31``), as for ``snapshot()``; a slow consumer
        gets the latest quote of each conid, never a growing queue.
        """
        field_ids = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
        return QuoteSubscription(self, _conids(conids), field_ids)

    def orders(self, *, snapshot: bool = True) -> Subscription[OrderUpdate]:
        """Order status changes; none dropped, none twice (reconciled over REST after reconnects).

        With ``snapshot`` (the default) the current state of every order of the session comes first.
        """
        return OrderSubscription(self, self.options.buffer_size, snapshot)

    def pnl(self) -> Subscription[PnlUpdate]:
        """Daily and unrealized P&L per account partition (latest per partition)."""
        return PnlSubscription(self)

    def trades(self, *, days: int | None = None) -> Subscription[Trade]:
        """Executions (today's first, or ``days`` 1-7 of them), each once, none dropped."""
        if days is not None and not 1 <= days <= 7:
            raise errors.InvalidRequestError("days must be between 1 and 7")
        return TradeSubscription(self, self.options.buffer_size, days or self.options.trade_days)

    def account_summary(
        self, account: str, *, keys: Iterable[str] | None = None
    ) -> Subscription[AccountSummaryUpdate]:
        """Account summary items (``NetLiquidation``, ``ExcessLiquidity-S`` ...), latest per key."""
        return AccountSummarySubscription(
            self, _account(account), tuple(keys) if keys is not None else None
        )

    def ledger(self, account: str) -> Subscription[LedgerUpdate]:
        """Cash balances per currency (the gateway sends them every 10 s), latest per currency."""
        return LedgerSubscription(self, _account(account))

    def book(
        self, account: str, conid: int, *, exchange: str | None = None
    ) -> Subscription[BookUpdate]:
        """The BookTrader price ladder of one contract (needs a depth subscription at IBKR)."""
        return BookSubscription(self, _account(account), _conids(conid)[0], exchange)

    def events(self) -> Subscription[StreamEvent]:
        """The server's own messages (status, notifications, bulletins, errors) and reconnects."""
        return EventSubscription(self, self.options.buffer_size)

    async def aclose(self) -> None:
        """End every subscription (:class:`errors.StreamClosedError`) and close the socket."""
        if self._closed:
            return
        self._closed = True
        for sub in list(self._registry.all):
            sub.fail(errors.StreamClosedError("the client was closed"))
        await self._stop()

    # --- attaching subscriptions ----------------------------------------------------------------

    async def attach(self, sub: Subscription[Any]) -> None:
        """Register ``sub``, connect if needed, and wait until its frames are on a working socket."""
        if self._closed:
            raise errors.StreamClosedError("this client is closed; create a new IBKRClient")
        self._registry.add(sub)
        if isinstance(sub, QuoteSubscription):
            for conid in sub.conids:
                self._quote_buffers.setdefault(conid, []).append(sub.quotes)
        if self._supervisor is None or self._supervisor.done():
            self._fatal = None
            self._supervisor = asyncio.create_task(self._supervise(), name=f"{TASK_PREFIX}-socket")
        await self._wait_ready()
        await self._sync()
        if isinstance(sub, OrderSubscription) and sub.snapshot:
            await self._reconcile([sub])

    async def _wait_ready(self) -> None:
        timeout = self.options.connect_timeout
        supervisor = self._supervisor
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            done, _ = await asyncio.wait(
                [ready, supervisor] if supervisor else [ready],
                timeout=timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
        if self._ready.is_set():
            return
        if self._fatal is not None:
            raise self._fatal
        if not done:
            raise errors.StreamConnectionError(
                f"no working websocket at {redact_url(self.url)} within {timeout:g} s; is the "
                "gateway running and logged in? (StreamOptions.connect_timeout)"
            )
        raise errors.StreamConnectionError("the websocket stopped before it was ready")

    async def detach(self, sub: Subscription[Any]) -> None:
        """Forget ``sub``: unsubscribe what nobody else wants; the last one closes the socket."""
        if sub not in self._registry.all:
            return
        self._registry.remove(sub)
        if isinstance(sub, QuoteSubscription):
            for conid in sub.conids:
                buffers = self._quote_buffers.get(conid, [])
                if sub.quotes in buffers:
                    buffers.remove(sub.quotes)
                if not buffers:
                    self._quote_buffers.pop(conid, None)
        if not self._registry.all:
            await self._sync()
            await self._stop()
            return
        await self._sync()

    async def _stop(self) -> None:
        supervisor, self._supervisor = self._supervisor, None
        tasks = list(self._tasks)
        for task in [*tasks, *([supervisor] if supervisor else [])]:
            task.cancel()
        for task in [*tasks, *([supervisor] if supervisor else [])]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._ready.clear()
        self._set_authenticated(False)
        self._sent.clear()

    # --- the supervisor: connect, serve, reconnect -----------------------------------------------

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        failing_since = loop.time()
        reconnect = False
        while True:
            reason = "closed"
            try:
                await self._serve_one(reconnect)
            except asyncio.CancelledError:
                raise
            except _FatalError as exc:
                self._fail_all(exc.error)
                return
            except Exception as exc:
                reason = redact_text(str(exc) or type(exc).__name__)
            was_ready = self._ready.is_set()
            self._ready.clear()
            self._set_authenticated(False)
            self._sent.clear()
            now = loop.time()
            if was_ready:
                attempt = 0
                failing_since = now
            limit = self.options.give_up_after
            if limit is not None and now - failing_since > limit:
                self._fail_all(
                    errors.StreamConnectionError(
                        f"the websocket at {redact_url(self.url)} has not worked for {limit:g} s "
                        f"(last failure: {reason}); check the gateway and its login"
                    )
                )
                return
            delay = self._backoff(attempt)
            attempt += 1
            logger.info("websocket lost (%s); reconnecting in %.1f s", reason, delay)
            self._emit(Disconnected(reason=reason, retry_in=delay))
            await asyncio.sleep(delay)
            reconnect = True

    def _backoff(self, attempt: int) -> float:
        options = self.options
        base = min(options.reconnect_max, options.reconnect_initial * 2.0 ** min(attempt, 30))
        jitter = options.reconnect_jitter
        return base * random.uniform(1 - jitter, 1 + jitter)

    def _fail_all(self, error: errors.StreamError) -> None:
        logger.warning("websocket subscriptions end: %s", error)
        self._fatal = error
        for sub in list(self._registry.all):
            sub.fail(error)

    async def _query(self) -> Mapping[str, str]:
        source = self.options.query_token
        if source is not None:
            return await source()
        if isinstance(self._auth, QueryTokenSource):
            return await self._auth.websocket_params()
        return {}

    async def _serve_one(self, reconnect: bool) -> None:
        """One socket's life: connect, authenticate, serve until it breaks (always raises)."""
        try:
            self._session = (await self._host.tickle()).session
        except errors.IBKRError as exc:
            raise _SocketDeadError(f"tickle failed: {exc}") from exc
        query = await self._query()
        mode = resolved_handover(self.options.session_handover, oauth=bool(query))
        cookies: dict[str, str] = dict(self._cookies() if self._cookies else {})
        api = session_cookie(mode, self._session)
        if api is not None:
            cookies["api"] = api
        headers = {
            **self._headers,
            "User-Agent": self.options.user_agent or _user_agent(),
        }
        cookie = cookie_header(cookies)
        if cookie:
            headers["Cookie"] = cookie
        url = with_query(self.url, query)
        try:
            ws = await open_socket(
                url, ssl_context=self._ssl, headers=headers, options=self.options
            )
        except errors.StreamConnectionError as exc:
            raise _FatalError(exc) from exc
        except HandshakeRefusedError as exc:
            if exc.status in (401, 403):
                await self._reauthenticate(force=True)
            raise _SocketDeadError(str(exc)) from exc
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise _SocketDeadError(f"cannot connect: {type(exc).__name__}: {exc}") from exc
        self._ws = ws
        self._connections += 1
        self._stats["connects"] += 1
        if reconnect:
            self._stats["reconnects"] += 1
        self._reconnect = reconnect
        self._last_frame = asyncio.get_running_loop().time()
        tasks = [
            asyncio.create_task(self._read(ws), name=f"{TASK_PREFIX}-reader"),
            asyncio.create_task(self._watch(ws), name=f"{TASK_PREFIX}-heartbeat"),
            asyncio.create_task(self._tic(ws), name=f"{TASK_PREFIX}-tic"),
            asyncio.create_task(self._authenticate(ws, mode), name=f"{TASK_PREFIX}-auth"),
            asyncio.create_task(self._refresh(), name=f"{TASK_PREFIX}-refresh"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                error = task.exception()
                if error is not None:
                    raise error
            raise _SocketDeadError("the websocket closed")
        finally:
            self._ws = None
            self._set_authenticated(False)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self._close_socket(ws)

    async def _close_socket(self, ws: ClientConnection) -> None:
        try:
            await asyncio.wait_for(ws.close(), timeout=2.0)
        except (TimeoutError, OSError, WebSocketException, asyncio.CancelledError):
            ws.transport.abort()

    async def _read(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        count = 0
        try:
            async for message in ws:
                self._last_frame = loop.time()
                self._on_text(message)
                count += 1
                if count % 32 == 0:  # queued frames: let consumers run now and then
                    await asyncio.sleep(0)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            raise _SocketDeadError(f"the websocket closed (code {code})") from exc
        raise _SocketDeadError("the websocket closed")

    async def _watch(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        limit = self.options.heartbeat_timeout
        while True:
            silent = loop.time() - self._last_frame
            if silent > limit:
                raise _SocketDeadError(f"no frame (not even a heartbeat) for {silent:.0f} s")
            await asyncio.sleep(min(limit - silent, limit / 4) + 0.01)

    async def _tic(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self.options.tic_interval)
            await ws.send(frames.TIC)

    async def _refresh(self) -> None:
        """Re-send market data subscriptions before the gateway ends them by itself."""
        while True:
            await asyncio.sleep(self.options.market_data_refresh)
            if self._authenticated:
                for key in [k for k in self._sent if k.startswith("md+")]:
                    del self._sent[key]
                await self._sync()

    async def _authenticate(self, ws: ClientConnection, mode: str) -> None:
        """Hand the session over, then make sure the socket becomes authenticated."""
        if mode == "frame" and self._session:
            await ws.send(frames.session(self._session))
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._auth_on.wait(), self.options.auth_wait)
            if self._authenticated:
                await self._auth_off.wait()
                continue
            # No ``sts authenticated:true`` yet: ask REST, re-opening the session if needed.
            if await self._reauthenticate() and not self._authenticated:
                await self._on_authenticated(True)

    async def _reauthenticate(self, *, force: bool = False) -> bool:
        """Ask REST whether the brokerage session is open, re-opening it; True when it is."""
        loop = asyncio.get_running_loop()
        if not force and loop.time() - self._last_reauth < self.options.reauth_interval:
            return False
        self._last_reauth = loop.time()
        try:
            status = await self._host.auth_status(recover=True)
        except errors.AuthenticationError as exc:
            logger.warning("stream: the session cannot be re-opened: %s", exc)
            return False
        except errors.IBKRError as exc:
            logger.info("stream: auth status failed: %s", exc)
            return False
        return status.authenticated is True

    def _set_authenticated(self, authenticated: bool) -> None:
        self._authenticated = authenticated
        (self._auth_on if authenticated else self._auth_off).set()
        (self._auth_off if authenticated else self._auth_on).clear()

    async def _on_authenticated(self, authenticated: bool) -> None:
        if authenticated and self._authenticated:
            # Told again that the session is open: possibly a new brokerage session whose loss
            # we never heard of. Market data requests are idempotent: send them again.
            for key in [k for k in self._sent if k.startswith("md+")]:
                del self._sent[key]
            await self._sync()
            return
        if authenticated == self._authenticated:
            return
        self._set_authenticated(authenticated)
        if not authenticated:
            logger.info("stream: the session is not authenticated; streams stopped")
            self._ready.clear()
            self._sent.clear()
            self._spawn(self._reauthenticate(), "reauth")
            return
        self._sent.clear()
        await self._sync()
        self._ready.set()
        reconnect = self._reconnect
        self._reconnect = True  # a later sts true on this socket is a re-authentication
        self._emit(Connected(url=redact_url(self.url), reconnect=reconnect))
        if reconnect:
            self._spawn(self._reconcile(self._registry.of_kind(OrderSubscription)), "reconcile")

    def _spawn(self, coro: Awaitable[object], name: str) -> None:
        async def run() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("stream %s failed: %s", name, exc)

        task = asyncio.create_task(run(), name=f"{TASK_PREFIX}-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sync(self) -> None:
        """Bring the socket's subscriptions in line with the registry."""
        async with self._sync_lock:
            ws = self._ws
            if ws is None or not self._authenticated:
                return
            desired = self._registry.frames()
            outgoing: list[str] = []
            dropped_books: set[str] = set()
            for key in [k for k in self._sent if k not in desired]:
                outgoing.append(frames.unsubscribe(key))
                if key.startswith("bd+"):
                    dropped_books.add(key.split("+")[1])
                del self._sent[key]
            for key, frame in desired.items():
                stale = key.startswith("bd+") and key.split("+")[1] in dropped_books
                if self._sent.get(key) != frame or stale:
                    outgoing.append(frame)
                    self._sent[key] = frame
            try:
                for frame in outgoing:
                    await ws.send(frame)
            except (ConnectionClosed, OSError) as exc:
                self._sent.clear()
                logger.debug("stream: send failed (%s); resent after reconnecting", exc)

    # --- routing frames ----------------------------------------------------------------------------

    def _on_text(self, message: str | bytes) -> None:
        self._frames += 1
        try:
            try:
                frame = _loads(message)
            except ValueError:  # also what the standard parser reads (NaN, huge integers)
                frame = frames.parse(message)  # or the protocol error with the reason
            if type(frame) is not dict:
                frame = frames.parse(message)
            topic = frame.get("topic")
            conid = frame.get("conid")
            buffers = self._quote_buffers.get(conid)  # type: ignore[arg-type]
            if (
                buffers is not None
                and type(conid) is int
                and type(topic) is str
                and topic.startswith("smd+")
            ):
                state = self._quote_states.get(conid) or self._quotes.state(conid)
                # Text without "" or null has no empty value to guard against (a cheap C search).
                state.merge(
                    frame,
                    blanks=type(message) is not str or '""' in message or "null" in message,
                )
                for buffer in buffers:
                    buffer.put(conid, state)
            elif type(topic) is str and topic.startswith("smd+"):
                self._on_market_data(frame, topic)
            else:
                self._route(frame, topic)
        except errors.StreamProtocolError as exc:
            self._stats["malformed"] += 1
            logger.warning("stream: skipped a malformed frame: %s", exc.message)
            self._emit(MalformedFrame(reason=exc.message, excerpt=frames.excerpt(message)))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            self._stats["malformed"] += 1
            reason = f"{type(exc).__name__}: {exc}"
            logger.warning("stream: skipped a frame it could not read: %s", reason)
            self._emit(MalformedFrame(reason=reason, excerpt=frames.excerpt(message)))

    def _on_market_data(self, frame: dict[str, Any], topic: str) -> None:
        conid = frame.get("conid")
        if type(conid) is not int:
            conid = values.integer(conid) or values.integer(topic[4:].partition("@")[0])
            if conid is None:
                raise errors.StreamProtocolError("smd frame names no conid")
        buffers = self._quote_buffers.get(conid)
        if not buffers:
            return  # a late frame for a stream nobody wants any more
        state = self._quotes.state(conid)
        state.merge(frame)
        build = state.quote
        for buffer in buffers:
            buffer.put(conid, build)

    def _route(self, frame: dict[str, Any], topic: object) -> None:
        if "error" in frame or topic == "error":
            self._stats["server_errors"] += 1
            error = decoders.server_error(frame)
            logger.warning("stream: the server says: %s", redact_text(error.message))
            self._emit(error)
            return
        if not isinstance(topic, str):
            self._untopical(frame)
            return
        head = topic[:3]
        if topic == "system":
            if "success" in frame:
                self._emit(decoders.system_info(frame))
        elif topic == "sts":
            status = decoders.auth_status(frame)
            self._emit(status)
            if status.authenticated is not None:
                self._spawn(self._on_authenticated(status.authenticated), "auth-status")
        elif topic == "tic":
            pass
        elif topic == "sor":
            self._on_orders(decoders.order_rows(frame), "stream")
        elif topic == "spl":
            for pnl in decoders.pnl_updates(frame):
                for pnl_sub in self._registry.of_kind(PnlSubscription):
                    pnl_sub.updates.put(pnl.partition, _const(pnl))
        elif topic == "str":
            for trade in decoders.trades(frame):
                for trade_sub in self._registry.of_kind(TradeSubscription):
                    trade_sub.offer(trade)
        elif head == "ssd":
            for item in decoders.summary_updates(frame):
                for sub in self._registry.by_key.get(f"sd+{item.account_id}", []):
                    if isinstance(sub, AccountSummarySubscription) and sub.wants(item.key):
                        sub.updates.put(item.key, _const(item))
        elif head == "sld":
            for entry in decoders.ledger_updates(frame):
                for sub in self._registry.by_key.get(f"ld+{entry.account_id}", []):
                    if isinstance(sub, LedgerSubscription):
                        sub.updates.put(entry.currency, _const(entry))
        elif head == "sbd":
            book = decoders.book_update(frame)
            for sub in self._registry.by_key.get(f"bd+{book.account_id}+{book.conid}", []):
                if isinstance(sub, BookSubscription):
                    sub.updates.put(book.conid, _const(book))
        elif topic == "act":
            self._emit(decoders.accounts_info(frame))
        elif topic == "ntf":
            for note in decoders.notifications(frame):
                self._emit(note)
        elif topic == "blt":
            for bulletin in decoders.bulletins(frame):
                self._emit(bulletin)
        else:
            self._emit(ServerMessage(topic=topic, raw=decoders.frozen(frame)))

    def _untopical(self, frame: dict[str, Any]) -> None:
        message = frame.get("message")
        if message == "waiting for session" and self._session and self._ws is not None:
            logger.info("stream: the server waits for the session; sending it in-band")
            self._spawn(self._ws.send(frames.session(self._session)), "session")
        self._emit(ServerMessage(topic=None, raw=decoders.frozen(frame)))

    def _emit(self, event: StreamEvent) -> None:
        for sub in self._registry.of_kind(EventSubscription):
            sub.updates.put(event)

    # --- orders ---------------------------------------------------------------------------------

    def _on_orders(
        self,
        rows: Iterable[Mapping[str, object]],
        source: Literal["stream", "rest"],
        only: Sequence[OrderSubscription] | None = None,
    ) -> None:
        subs = list(only) if only is not None else self._registry.of_kind(OrderSubscription)
        for row in rows:
            order_id = values.integer(row.get("orderId"))
            if order_id is None:
                continue
            known = self._orders.get(order_id)
            if source == "rest" and known is not None and _newer_than_rest(known, row):
                continue
            merged = dict(known or {})
            changed = frozenset(k for k, v in row.items() if merged.get(k) != v)
            merged.update(row)
            self._orders[order_id] = merged
            update = decoders.order_update(merged, changed, source)
            for sub in subs:
                sub.offer(update)

    async def _reconcile(self, subs: Sequence[OrderSubscription]) -> None:
        """Read the live orders over REST so nothing that happened while away is missed."""
        if not subs:
            return
        try:
            live = await self._host.live_orders(force=True)
        except errors.IBKRError as exc:
            logger.warning("stream: could not reconcile orders over REST: %s", exc)
            return
        rows = [order.model.to_dict() for order in live]  # the wire rows, as the socket sends them
        self._on_orders(rows, "rest", only=[s for s in subs if s.active])


def _const(value: T) -> Callable[[], T]:
    return lambda: value


def _user_agent() -> str:
    from .. import __version__

    return f"ibkr-webapi/{__version__}"


def _newer_than_rest(known: Mapping[str, object], row: Mapping[str, object]) -> bool:
    """Whether the streamed state is ahead of a REST row fetched a moment earlier."""
    if known.get("status") in ("Filled", "Cancelled", "Inactive") and known.get(
        "status"
    ) != row.get("status"):
        return True
    filled_known = values.number(known.get("filledQuantity"))
    filled_row = values.number(row.get("filledQuantity"))
    return filled_known is not None and filled_row is not None and filled_known > filled_row
