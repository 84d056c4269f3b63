"""Exit codes of the ``ibkr-webapi`` command line (documented in docs/cli.md)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What the process exit status means."""

    OK = 0
    FAILURE = 1
    """Anything else: an unexpected answer, or the ``cli`` extra is not installed."""
    USAGE = 2
    """Bad flags or arguments: an unknown field name, a bad conid, a missing certificate file."""
    CONNECTION = 3
    """The gateway could not be reached, or did not answer in time."""
    AUTH = 4
    """The gateway session is not logged in."""
    API = 5
    """The gateway refused the request: a bad account id, a rate limit, a server error."""
    ORDER = 6
    """The order was rejected, or a confirmation question was declined."""
    ORDER_UNKNOWN = 7
    """The order's answer was lost: look for it with ``ibkr-webapi orders`` before retrying."""
    INTERRUPTED = 130
    """Interrupted with Ctrl-C."""
