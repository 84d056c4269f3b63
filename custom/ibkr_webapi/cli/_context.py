"""What every command gets: its flags, where to write, and a client configured from both."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

import attrs
from rich.console import Console

from .._client import IBKRClient
from ..auth.constructors import OAUTH_BASE_URL
from ..fields import resolve_fields
from ..settings import DEFAULT_BASE_URL
from ..transports.pacing import Pacer, RateLimitPolicy
from . import _render as render
from ._exitcodes import ExitCode

DEFAULT_QUOTE_FIELDS = (
    "symbol",
    "last_price",
    "bid_price",
    "ask_price",
    "bid_size",
    "ask_size",
    "volume",
    "change_percent",
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class CommandError(Exception):
    """An expected failure the command explains itself: one line and an exit code."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


@attrs.define
class Context:
    """What every command gets: its arguments and where to write."""

    args: argparse.Namespace
    stdout: TextIO
    stdin: TextIO
    out: Console
    err: Console

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def client(
        self, *, keepalive: float | None = None, max_wait: float | None = None
    ) -> IBKRClient:
        """A client configured from the flags and the environment (no keepalive: commands are short).

        ``--oauth1-dir`` / ``--oauth2-dir`` (or ``IBKR_OAUTH1_*`` / ``IBKR_OAUTH2_*`` variables)
        log in with OAuth straight to ``https://api.ibkr.com/v1/api`` (or ``--base-url``).
        ``max_wait``: a request the pacing would hold longer raises ``RateLimitError`` instead.
        """
        verify = resolve_verify(self.args)
        if verify is False:
            print(
                "ibkr-webapi: warning: TLS verification is off; pass --ca PATH with the gateway's "
                "certificate instead",
                file=sys.stderr,
            )
        mode = oauth_mode(self.args)
        default = OAUTH_BASE_URL if mode else DEFAULT_BASE_URL
        base_url = (self.args.base_url or os.environ.get("IBKR_BASE_URL") or default).rstrip("/")
        if mode == "oauth1":
            return IBKRClient.oauth1(
                getattr(self.args, "oauth1_dir", None),
                base_url=base_url,
                verify=verify,
                keepalive=keepalive,
                pacer=Pacer(RateLimitPolicy.oauth(max_wait=max_wait)),
            )
        if mode == "oauth2":
            return IBKRClient.oauth2(
                getattr(self.args, "oauth2_dir", None),
                base_url=base_url,
                verify=verify,
                keepalive=keepalive,
                pacer=Pacer(RateLimitPolicy.oauth(max_wait=max_wait)),
            )
        # The default pacer shares the budget (and any 429 hold) with every other process on this
        # machine using the same gateway: commands run back to back never exceed IBKR's limits.
        return IBKRClient(
            base_url,
            verify=verify,
            keepalive=keepalive,
            rate_limits=RateLimitPolicy(max_wait=max_wait) if max_wait is not None else None,
        )

    def show(self, *renderables: object) -> None:
        self.out.print(*renderables)

    def emit(self, value: object) -> None:
        render.write_json(value, self.stdout)


def oauth_mode(args: argparse.Namespace) -> str | None:
    """``"oauth1"``, ``"oauth2"`` or ``None`` (gateway), from the flags, else the environment."""
    if getattr(args, "oauth1_dir", None):
        return "oauth1"
    if getattr(args, "oauth2_dir", None):
        return "oauth2"
    env = os.environ
    if env.get("IBKR_OAUTH1_DIR") or env.get("IBKR_OAUTH1_CONSUMER_KEY"):
        return "oauth1"
    if env.get("IBKR_OAUTH2_DIR") or env.get("IBKR_OAUTH2_CLIENT_ID"):
        return "oauth2"
    return None


def resolve_verify(args: argparse.Namespace) -> bool | str:
    """``--ca`` / ``--verify`` / ``--no-verify``, else ``IBKR_VERIFY`` (true, false or a path)."""
    if getattr(args, "ca", None):
        return str(args.ca)
    flag = getattr(args, "verify", None)
    if isinstance(flag, bool):
        return flag
    env = os.environ.get("IBKR_VERIFY", "").strip()
    if not env:
        return True
    if env.lower() in _TRUE:
        return True
    if env.lower() in _FALSE:
        return False
    return env


def parse_fields(text: str | None) -> list[str]:
    """``"last_price,bid_price,7762"`` as a list; unknown names fail here, before any request."""
    if text is None:
        return list(DEFAULT_QUOTE_FIELDS)
    fields = [item.strip() for item in text.split(",") if item.strip()]
    if not fields:
        raise CommandError(
            "--fields is empty; give names like last_price,bid_price", ExitCode.USAGE
        )
    resolve_fields(fields)  # raises UnknownFieldError with suggestions
    return fields
