"""Session state: login, the brokerage session, idle expiry and per-session first-call flags."""

from __future__ import annotations

from typing import Any, Literal

from ._config import SimulatorConfig
from ._noise import hash_keys

BrokerageState = Literal["none", "open", "lost"]

MAC = "00:16:3E:5A:1C:42"
SERVER_INFO = {"serverName": "SimGw01", "serverVersion": "Build 10.25.0p, ibkr-webapi simulator"}
USER_ID = 123456
USER_NAME = "simuser"


class Session:
    """The one user session the simulator serves.

    Two tiers, as on the real gateway: `logged_in` is the read-only session (enough for
    /portfolio); `brokerage` is the /iserver session ("none" never opened -> "no bridge",
    "lost" expired or taken over -> 401).
    """

    def __init__(self, config: SimulatorConfig, now: float) -> None:
        self._config = config
        self.generation = 0
        self.logged_in = False
        self.brokerage: BrokerageState = "none"
        self.competing = False
        self.login(now, open_brokerage=config.brokerage_session_at_start)

    # --- transitions
    def login(self, now: float, *, open_brokerage: bool = True) -> None:
        """A fresh login, as if the user signed in through the gateway's web page."""
        self.logged_in = True
        self.login_time = now
        self.last_keepalive = now
        self.portfolio_accounts_seen = False
        # The account /iserver calls act on (POST /iserver/account); a login starts on the first.
        self.selected_account = self._config.all_accounts[0]
        self.brokerage = "none"
        self.competing = False
        self._new_brokerage_session()
        if open_brokerage:
            self.open_brokerage()

    def open_brokerage(self) -> None:
        """ssodh/init: (re)open the brokerage session; first-call rules start over."""
        self.brokerage = "open"
        self.competing = False
        self._new_brokerage_session()

    def _new_brokerage_session(self) -> None:
        self.generation += 1
        self.iserver_accounts_seen = False
        self.live_orders_primed = False
        self.pnl_primed = False
        self.suppressed: set[str] = set()

    def select(self, account: str) -> None:
        """POST /iserver/account (or /iserver/dynaccount): later /iserver calls act on `account`."""
        self.selected_account = account

    def expire(self) -> None:
        """What the idle timeout does (by default the brokerage session is lost)."""
        if self._config.idle_timeout_action == "logout":
            self.logout()
        elif self.brokerage == "open":
            self.brokerage = "lost"

    def logout(self) -> None:
        self.logged_in = False
        if self.brokerage == "open":
            self.brokerage = "lost"

    def take_over(self) -> None:
        """Another login (TWS, mobile) took the brokerage session: ours is `competing`."""
        self.competing = True
        if self.brokerage == "open":
            self.brokerage = "lost"

    def drop_bridge(self) -> None:
        """Back to "no bridge": the brokerage session is not open at all."""
        self.brokerage = "none"

    def keepalive(self, now: float) -> None:
        self.last_keepalive = now

    def check_idle(self, now: float) -> None:
        """Expire the session if nothing kept it alive for the idle timeout."""
        if self.logged_in and now - self.last_keepalive > self._config.idle_timeout:
            self.expire()
            self.last_keepalive = now

    # --- answers
    @property
    def authenticated(self) -> bool:
        return self.logged_in and self.brokerage == "open"

    def auth_status(self) -> dict[str, Any]:
        """Body of /iserver/auth/status (also of ssodh/init and inside /tickle)."""
        if not self.logged_in:
            return {"authenticated": False, "competing": False, "connected": False, "MAC": MAC}
        return {
            "authenticated": self.authenticated,
            "competing": self.competing,
            "connected": True,
            "established": self.authenticated,
            "message": "",
            "MAC": MAC,
            "serverInfo": dict(SERVER_INFO),
            "hardware_info": f"{hash_keys(self._config.seed) & 0xFFFFFFFF:08x}|{MAC}",
            "fail": "",
        }

    @property
    def session_token(self) -> str:
        return f"{hash_keys(self._config.seed, self.generation, 1):016x}" + (
            f"{hash_keys(self._config.seed, self.generation, 2):016x}"
        )

    def tickle(self, now: float) -> dict[str, Any]:
        remaining = self.last_keepalive + self._config.idle_timeout - now
        return {
            "session": self.session_token,
            "ssoExpires": int(remaining * 1000),
            "collission": False,
            "userId": USER_ID,
            "hmds": {"error": "no bridge"},
            "iserver": {"authStatus": self.auth_status()},
        }

    def sso_validate(self, now: float, client_ip: str) -> dict[str, Any]:
        expires = self.login_time + 86_400.0 - now
        return {
            "USER_ID": USER_ID,
            "USER_NAME": USER_NAME,
            "RESULT": True,
            "AUTH_TIME": int(self.login_time * 1000),
            "SF_ENABLED": False,
            "IS_FREE_TRIAL": False,
            "CREDENTIAL": USER_NAME,
            "IP": client_ip,
            "EXPIRES": int(expires * 1000),
            "QUALIFIED_FOR_MOBILE_AUTH": None,
            "LANDING_APP": "PORTAL",
            "IS_MASTER": False,
            "lastAccessed": int(now * 1000),
            "loginType": 1 if not self._config.paper else 2,
            "PAPER_USER_NAME": USER_NAME,
            "features": {
                "envs": "Q,p",
                "wlms": True,
                "realtime": True,
                "bond": True,
                "optionChains": True,
                "calendar": True,
                "newMf": True,
            },
            "region": "NJ",
        }
