"""The simulated ``/v1/api/ws``: session check, greeting, heartbeats, feeds and websocket faults.

A socket proves its session with the ``api`` cookie (plain or JSON-wrapped), a ``{"session": ...}``
frame, or nothing when ``allow_no_session`` is set; until then it is told "waiting for session".
Once in, it gets ``system``/``act``/``sts``, a heartbeat every ``heartbeat_interval``, ``sts`` on
every change of the brokerage session, and what it subscribed to. ``WebsocketHub`` (``sim.websocket``)
steers every open socket: drop, stall, malformed frames, market data that ends early, bulletins.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ._accounts import iserver_accounts
from ._session import SERVER_INFO, USER_NAME, Session
from ._ws_feeds import Feeds
from ._ws_settings import WebsocketSettings

if TYPE_CHECKING:
    from ._simulator import SimulatorState

log = logging.getLogger("ibkr_webapi.testing")
# Set by the simulator's uvicorn protocols: a callable that drops the connection without a close.
ABORT_EXTENSION = "ibkr_webapi.abort"
_MALFORMED = (
    '{"topic":"smd+265598","31":',  # cut short
    "[1, 2, 3]",  # JSON, but not an object
    '{"topic":"smd+notanumber","31":"1.00"}',  # no conid anywhere
    '{"topic":"sor","args":"not a list"}',
    "\x00\xff garbage",
)
_hubs: weakref.WeakKeyDictionary[SimulatorState, WebsocketHub] = weakref.WeakKeyDictionary()


def hub_of(sim: SimulatorState) -> WebsocketHub:
    """The websocket controls of ``sim`` (one per simulator)."""
    hub = _hubs.get(sim)
    if hub is None:
        hub = _hubs[sim] = WebsocketHub(sim)
    return hub


def _settings(sim: SimulatorState) -> WebsocketSettings:
    settings = getattr(sim.config, "websocket", None)
    return settings if isinstance(settings, WebsocketSettings) else WebsocketSettings()


class WebsocketHub:
    """Every open simulated socket, and the faults and messages to inject into them."""

    def __init__(self, sim: SimulatorState) -> None:
        self._sim = sim
        self.connections: set[SimSocket] = set()
        self.received: deque[str] = deque(maxlen=10_000)
        """Client frames as received, oldest first (every socket)."""
        self.accepted = 0
        """Sockets that got in (proved their session)."""
        self.stalled_until = 0.0
        self.malformed_pending = 0
        self.sent_malformed = 0
        self.drops = 0

    @property
    def settings(self) -> WebsocketSettings:
        return _settings(self._sim)

    def drop(self) -> int:
        """Drop every open socket at once, without a close frame; returns how many."""
        count = 0
        for socket in list(self.connections):
            socket.drop()
            count += 1
        self.drops += count
        return count

    def stall(self, seconds: float | None = None) -> None:
        """Send nothing at all (no heartbeats either) for ``seconds`` (None: until ``resume``)."""
        self.stalled_until = float("inf") if seconds is None else time.monotonic() + seconds

    def resume(self) -> None:
        self.stalled_until = 0.0

    @property
    def stalled(self) -> bool:
        return time.monotonic() < self.stalled_until

    def send_malformed(self, count: int = 1) -> None:
        """The next ``count`` frames each socket sends are garbage of various kinds."""
        if count < 1:
            raise ValueError("count must be at least 1")
        self.malformed_pending += count

    def end_market_data(self) -> None:
        """Every running ``smd`` stream ends now, silently (what the gateway does after minutes)."""
        for socket in self.connections:
            socket.feeds.end_market_data()

    def notify(self, text: str, *, title: str = "Notice", id: str = "SIM_NOTICE") -> None:
        self._broadcast({"topic": "ntf", "args": {"id": id, "title": title, "text": text}})

    def bulletin(self, message: str, *, id: str = "bulletin-1") -> None:
        self._broadcast({"topic": "blt", "args": {"id": id, "message": message}})

    def inject(self, frames: list[dict[str, Any] | str]) -> None:
        """Send these frames (objects or raw text) to every open socket, as they are."""
        for socket in self.connections:
            socket._outbox.extend(frames)

    def _broadcast(self, frame: dict[str, Any]) -> None:
        for socket in self.connections:
            socket.queue(frame)

    def state(self) -> dict[str, Any]:
        return {
            "connections": len(self.connections),
            "accepted": self.accepted,
            "drops": self.drops,
            "stalled": self.stalled,
            "malformed_pending": self.malformed_pending,
            "subscriptions": sorted(
                {key for socket in self.connections for key in socket.subscription_keys()}
            ),
        }


_ids = itertools.count(1)


class SimSocket:
    """One client's socket: its session state, its feeds and its send loop."""

    def __init__(self, websocket: WebSocket, sim: SimulatorState, hub: WebsocketHub) -> None:
        self.id = next(_ids)
        self.ws = websocket
        self.sim = sim
        self.hub = hub
        self.settings = hub.settings
        self.feeds = Feeds(sim, self.settings)
        self.authorised = False
        self.reported: bool | None = None  # the brokerage state last told with sts
        self.generation = sim.session.generation
        self._outbox: list[dict[str, Any] | str] = []
        self._dropped = False
        self._question: str | None = None

    def subscription_keys(self) -> list[str]:
        keys = [f"md+{c}" for c, s in self.feeds.market_data.items() if not s.ended]
        keys += ["or"] if self.feeds.orders else []
        keys += ["pl"] if self.feeds.pnl_due is not None else []
        keys += ["tr"] if self.feeds.trades else []
        keys += [f"sd+{a}" for a in self.feeds.summaries]
        keys += [f"ld+{a}" for a in self.feeds.ledgers]
        keys += [f"bd+{t.removeprefix('sbd+')}" for t in self.feeds.books]
        return keys

    def queue(self, frame: dict[str, Any] | str) -> None:
        self._outbox.append(frame)

    def drop(self) -> None:
        self._dropped = True
        abort = self.ws.scope.get("extensions", {}).get(ABORT_EXTENSION)
        if callable(abort):
            abort()

    # --- the session ---------------------------------------------------------------------------

    def _session_from_cookie(self) -> bool:
        value = self.ws.cookies.get("api")
        if value is None:
            return False
        modes = self.settings.session_modes
        token = self.sim.session.session_token
        if "cookie" in modes and value == token:
            return True
        if "cookie-json" in modes and value.startswith("{"):
            with contextlib.suppress(ValueError):
                parsed = json.loads(value)
                return isinstance(parsed, dict) and parsed.get("session") == token
        return False

    def _greet(self) -> None:
        self.authorised = True
        self.hub.accepted += 1
        sim, session = self.sim, self.sim.session
        accounts = iserver_accounts(
            sim.config.accounts,
            session_id=f"{session.session_token[:8]}.{session.generation:08x}",
            paper=sim.config.paper,
        )
        self.queue(
            {"topic": "system", "success": USER_NAME, "isFT": False, "isPaper": sim.config.paper}
        )
        self.queue({"topic": "act", "args": accounts})
        self._report_status(force=True)
        self.queue({"topic": "system", "hb": int(time.time() * 1000)})

    def _report_status(self, *, force: bool = False) -> None:
        session = self.sim.session
        authenticated = session.authenticated
        if not force and authenticated == self.reported and session.generation == self.generation:
            return
        if authenticated and self.reported and session.generation != self.generation:
            # The session was lost and re-opened between two looks: the old streams are gone.
            # Say both, in order, as the gateway does when each happens.
            self.feeds.stop_all()
            self._queue_status(session, authenticated=False)
        self.generation = session.generation
        if not authenticated:
            self.feeds.stop_all()
        self.reported = authenticated
        self._queue_status(session, authenticated=authenticated)

    def _queue_status(self, session: Session, *, authenticated: bool) -> None:
        self.queue(
            {
                "topic": "sts",
                "args": {
                    "connected": session.logged_in,
                    "authenticated": authenticated,
                    "established": authenticated,
                    "competing": session.competing,
                    "message": "",
                    "fail": "",
                    "serverName": SERVER_INFO["serverName"],
                    "serverVersion": SERVER_INFO["serverVersion"],
                    "username": USER_NAME,
                },
            }
        )

    # --- running -------------------------------------------------------------------------------

    async def run(self) -> None:
        if self._session_from_cookie() or self.settings.allow_no_session:
            self._greet()
        else:
            self.queue({"message": "waiting for session"})
        sender = asyncio.create_task(self._send_loop(), name=f"sim-ws-{self.id}-send")
        try:
            while not self._dropped:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                if text is not None:
                    self.hub.received.append(text)
                    self._on_frame(text.strip())
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def _send_loop(self) -> None:
        settings = self.settings
        next_heartbeat = time.monotonic() + settings.heartbeat_interval
        while True:
            await asyncio.sleep(settings.push_interval)
            if self.hub.stalled:
                continue
            now = time.monotonic()
            if self.authorised:
                self.sim.settle()
                self._report_status()
                self._question_notice()
                if now >= next_heartbeat:
                    next_heartbeat = now + settings.heartbeat_interval
                    self.queue({"topic": "system", "hb": int(time.time() * 1000)})
                if self.sim.session.authenticated:
                    self._outbox.extend(self.feeds.tick(now))
            outbox, self._outbox = self._outbox, []
            for frame in outbox:
                await self._send(frame)

    async def _send(self, frame: dict[str, Any] | str) -> None:
        if self.hub.malformed_pending > 0:
            self.hub.malformed_pending -= 1
            bad = _MALFORMED[self.hub.sent_malformed % len(_MALFORMED)]
            self.hub.sent_malformed += 1
            await self.ws.send_text(bad)
        text = frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":"))
        await self.ws.send_text(text)

    def _question_notice(self) -> None:
        pending = self.sim.replies.pending
        reply_id = pending.reply_id if pending is not None else None
        if reply_id == self._question:
            return
        self._question = reply_id
        if pending is None:
            return
        described = "; ".join(t.describe() for t in pending.tickets)
        self.queue(
            {
                "topic": "ntf",
                "args": {
                    "id": "ORDER_CONFIRMATION",
                    "reqId": reply_id,
                    "title": "Order confirmation required",
                    "text": f"Confirm {described} with POST /iserver/reply/{reply_id}",
                    "options": ["Yes", "No"],
                },
            }
        )

    # --- client frames ---------------------------------------------------------------------------

    def _error(self, text: str) -> None:
        self.queue({"error": text, "code": 1})

    def _on_frame(self, text: str) -> None:
        if text == "tic":
            if self.authorised:
                self.queue(
                    {
                        "topic": "tic",
                        "alive": True,
                        "id": self.sim.session.session_token,
                        "lastAccessed": int(self.sim.session.last_keepalive * 1000),
                    }
                )
            return
        if text.startswith("{"):
            self._on_control(text)
            return
        if not self.authorised:
            self.queue({"message": "waiting for session"})
            return
        head, brace, args_text = text.partition("{")
        parts = [p for p in head.split("+") if p]
        args: dict[str, Any] = {}
        if brace:
            try:
                parsed = json.loads(brace + args_text)
            except ValueError:
                self._error(f"Bad JSON in frame: {text[:60]}")
                return
            args = parsed if isinstance(parsed, dict) else {}
        if not parts:
            self._error(f"Topic unknown: {text[:60]}")
            return
        if not self.sim.session.authenticated and parts[0].startswith("s"):
            return  # no brokerage session: subscriptions are dropped (the client resends them)
        handler = _HANDLERS.get(parts[0])
        if handler is None:
            self._error(f"Topic unknown: {parts[0]}")
            return
        handler(self, parts[1:], args)

    def _on_control(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            self._error("Bad JSON frame")
            return
        session = data.get("session") if isinstance(data, dict) else None
        if session is None:
            self._error(f"Topic unknown: {text[:60]}")
        elif "frame" in self.settings.session_modes and session == self.sim.session.session_token:
            if not self.authorised:
                self._greet()
        else:
            self.queue({"message": "waiting for session"})

    # --- topics -----------------------------------------------------------------------------------

    def _conid(self, parts: list[str]) -> int | None:
        target = parts[0].partition("@")[0] if parts else ""
        if not target.isdigit() or self.sim.catalogue.get(int(target)) is None:
            self._error(f"Invalid conid: {target or '(none)'}")
            return None
        return int(target)

    def _account(self, parts: list[str]) -> str | None:
        account = parts[0] if parts else ""
        if account not in self.sim.portfolio.holdings:
            self._error(f"Invalid account: {account or '(none)'}")
            return None
        return account

    def smd(self, parts: list[str], args: dict[str, Any]) -> None:
        conid = self._conid(parts)
        if conid is None:
            return
        feeds = self.feeds
        live = [c for c, s in feeds.market_data.items() if not s.ended and c != conid]
        if len(live) >= self.settings.max_market_data_lines:
            self._error(f"Max number of market data lines reached ({len(live)})")
            return
        fields = args.get("fields")
        wanted = [str(f) for f in fields] if isinstance(fields, list) else []
        feeds.subscribe_market_data(conid, wanted)

    def umd(self, parts: list[str], args: dict[str, Any]) -> None:
        if parts and parts[0].partition("@")[0].isdigit():
            self.feeds.market_data.pop(int(parts[0].partition("@")[0]), None)

    def sor(self, parts: list[str], args: dict[str, Any]) -> None:
        self.feeds.subscribe_orders()

    def uor(self, parts: list[str], args: dict[str, Any]) -> None:
        self.feeds.orders = False

    def spl(self, parts: list[str], args: dict[str, Any]) -> None:
        self.feeds.pnl_due = 0.0

    def upl(self, parts: list[str], args: dict[str, Any]) -> None:
        self.feeds.pnl_due = None

    def str_(self, parts: list[str], args: dict[str, Any]) -> None:
        self.feeds.subscribe_trades(bool(args.get("realtimeUpdatesOnly")))
        if not args.get("realtimeUpdatesOnly"):
            self.queue(self.feeds.trades_snapshot())

    def utr(self, parts: list[str], args: dict[str, Any]) -> None:
        self.feeds.trades = False

    def ssd(self, parts: list[str], args: dict[str, Any]) -> None:
        account = self._account(parts)
        if account is not None:
            keys = args.get("keys")
            self.feeds.summaries[account] = (
                [str(k) for k in keys] if isinstance(keys, list) else None,
                0.0,
            )

    def usd(self, parts: list[str], args: dict[str, Any]) -> None:
        if parts and self.feeds.summaries.pop(parts[0], None) is not None:
            self.queue({"result": "unsubscribed from summary"})

    def sld(self, parts: list[str], args: dict[str, Any]) -> None:
        account = self._account(parts)
        if account is not None:
            self.feeds.ledgers[account] = ({}, 0.0)

    def uld(self, parts: list[str], args: dict[str, Any]) -> None:
        if parts and self.feeds.ledgers.pop(parts[0], None) is not None:
            self.queue({"result": "unsubscribed from ledger"})

    def sbd(self, parts: list[str], args: dict[str, Any]) -> None:
        account = self._account(parts)
        conid = self._conid(parts[1:]) if account is not None else None
        if account is not None and conid is not None:
            self.feeds.books[f"sbd+{account}+{conid}"] = (conid, 0.0)

    def ubd(self, parts: list[str], args: dict[str, Any]) -> None:
        account = parts[0] if parts else ""
        for topic in [t for t in self.feeds.books if t.split("+")[1] == account]:
            del self.feeds.books[topic]


Handler = Callable[[SimSocket, list[str], dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {
    "smd": SimSocket.smd,
    "umd": SimSocket.umd,
    "sor": SimSocket.sor,
    "uor": SimSocket.uor,
    "spl": SimSocket.spl,
    "upl": SimSocket.upl,
    "str": SimSocket.str_,
    "utr": SimSocket.utr,
    "ssd": SimSocket.ssd,
    "usd": SimSocket.usd,
    "sld": SimSocket.sld,
    "uld": SimSocket.uld,
    "sbd": SimSocket.sbd,
    "ubd": SimSocket.ubd,
}


def websocket_routes(sim: SimulatorState) -> list[BaseRoute]:
    """The ``/ws`` route, to mount under /v1/api."""
    hub = hub_of(sim)

    async def endpoint(websocket: WebSocket) -> None:
        oauth = sim.oauth
        if oauth is not None and not oauth.accepts_websocket(websocket.query_params, sim.now()):
            # api.ibkr.com: the upgrade must carry the OAuth token of a live session
            await websocket.close(code=1008, reason="a live OAuth token is required")
            return
        await websocket.accept()
        socket = SimSocket(websocket, sim, hub)
        hub.connections.add(socket)
        try:
            await socket.run()
        except WebSocketDisconnect:
            pass
        except (OSError, RuntimeError) as exc:  # the transport went away under a send
            log.debug("simulated websocket %s ended: %s", socket.id, exc)
        finally:
            hub.connections.discard(socket)
            if not socket._dropped:
                with contextlib.suppress(Exception):
                    await websocket.close()

    return [WebSocketRoute("/ws", endpoint)]


def websocket_admin_routes(sim: SimulatorState) -> list[BaseRoute]:
    """Control routes under /_sim/ws: drop, stall, resume, malformed, end-market-data, notify."""
    hub = hub_of(sim)

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        data = json.loads(raw) if raw.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data

    def action(run: Callable[[dict[str, Any]], object]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                run(await body(request))
            except (ValueError, TypeError, KeyError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse(hub.state())

        return endpoint

    def stall(data: dict[str, Any]) -> None:
        seconds = data.get("seconds")
        hub.stall(None if seconds is None else float(seconds))

    return [
        Route("/ws", action(lambda data: None), methods=["GET"]),
        Route("/ws/drop", action(lambda data: hub.drop()), methods=["POST"]),
        Route("/ws/stall", action(stall), methods=["POST"]),
        Route("/ws/resume", action(lambda data: hub.resume()), methods=["POST"]),
        Route(
            "/ws/malformed",
            action(lambda data: hub.send_malformed(int(data.get("count", 1)))),
            methods=["POST"],
        ),
        Route("/ws/end-market-data", action(lambda data: hub.end_market_data()), methods=["POST"]),
        Route("/ws/notify", action(lambda data: hub.notify(str(data["text"]))), methods=["POST"]),
        Route(
            "/ws/bulletin",
            action(lambda data: hub.bulletin(str(data["message"]))),
            methods=["POST"],
        ),
    ]
