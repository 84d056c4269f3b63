"""``ibkr-webapi simulate``: the gateway simulator in the foreground."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import errors
from ._context import CommandError
from ._exitcodes import ExitCode

if TYPE_CHECKING:
    from ..testing import GatewayServer, SimulatorConfig

_HINT = "pip install 'ibkr-webapi-client[cli]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``simulate`` flags."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=5000, help="port (default 5000; 0 picks a free one)"
    )
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument(
        "--positions", type=int, metavar="N", help="positions of the first account (default 12)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the simulated market (default 0)"
    )
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce IBKR's rate limits"
    )
    parser.add_argument(
        "--no-preflight",
        action="store_true",
        help="answer the first snapshot / live orders call with data",
    )
    parser.add_argument(
        "--oauth1",
        nargs="?",
        const="",
        metavar="DIR",
        help="act as api.ibkr.com with OAuth 1.0a: use the credentials in DIR, or write a new set "
        "there (default: a new temporary folder), and print the folder",
    )
    parser.add_argument(
        "--oauth2",
        nargs="?",
        const="",
        metavar="DIR",
        help="act as api.ibkr.com with OAuth 2.0 (private_key_jwt); DIR as for --oauth1",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default info)",
    )


@dataclasses.dataclass
class OAuthFolders:
    """The credentials folders a ``simulate --oauth1/--oauth2`` run serves (and which to delete)."""

    oauth1: Path | None = None
    oauth2: Path | None = None
    temporary: list[Path] = dataclasses.field(default_factory=list)

    def cleanup(self) -> None:
        for folder in self.temporary:
            shutil.rmtree(folder, ignore_errors=True)


def _folder(value: str, mode: str, folders: OAuthFolders) -> Path:
    if value:
        return Path(value).expanduser().resolve()
    folder = Path(tempfile.mkdtemp(prefix=f"ibkr-webapi-{mode}-"))
    folders.temporary.append(folder)
    return folder


def oauth_settings(args: argparse.Namespace, folders: OAuthFolders) -> dict[str, object]:
    """``SimulatorConfig`` changes for ``--oauth1`` / ``--oauth2``; credentials are written or read."""
    from ..testing import (
        OAuth1Settings,
        OAuth2Settings,
        load_oauth1_consumer,
        load_oauth2_client,
        write_oauth1_credentials,
        write_oauth2_credentials,
    )
    from ..testing._oauth_files import has_oauth1_credentials, has_oauth2_credentials

    changes: dict[str, object] = {}
    try:
        if getattr(args, "oauth1", None) is not None:
            folder = folders.oauth1 = _folder(args.oauth1, "oauth1", folders)
            consumer = (
                load_oauth1_consumer(folder)
                if has_oauth1_credentials(folder)
                else write_oauth1_credentials(folder)
            )
            changes["oauth1"] = OAuth1Settings(consumers=(consumer,))
        if getattr(args, "oauth2", None) is not None:
            folder = folders.oauth2 = _folder(args.oauth2, "oauth2", folders)
            client = (
                load_oauth2_client(folder)
                if has_oauth2_credentials(folder)
                else write_oauth2_credentials(folder)
            )
            changes["oauth2"] = OAuth2Settings(clients=(client,))
    except (OSError, errors.CredentialsError) as exc:
        folders.cleanup()
        raise CommandError(f"OAuth credentials folder: {exc}", ExitCode.USAGE) from exc
    return changes


def simulator_config(
    args: argparse.Namespace, folders: OAuthFolders | None = None
) -> SimulatorConfig:
    """The simulator configuration the flags describe."""
    from ..testing import SimulatorConfig

    config = SimulatorConfig(seed=args.seed)
    changes: dict[str, object] = oauth_settings(args, folders or OAuthFolders())
    if args.positions is not None:
        if args.positions < 0:
            raise CommandError("--positions must be 0 or more", ExitCode.USAGE)
        changes["positions"] = {**config.positions, config.accounts[0]: args.positions}
    if args.no_rate_limits:
        changes["rate_limits"] = False
    if args.no_preflight:
        changes["snapshot_preflight"] = False
        changes["live_orders_preflight"] = False
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def announce(gateway: GatewayServer, folders: OAuthFolders | None = None) -> None:
    """Print where the simulator listens and how to point the command line at it."""
    print(f"IBKR gateway simulator listening on {gateway.url}", flush=True)
    exports = [f"export IBKR_BASE_URL={shlex.quote(gateway.url)}"]
    if gateway.ca_path is not None:
        print(f"  certificate to verify with: {gateway.ca_path}", flush=True)
        exports.append(f"export IBKR_VERIFY={shlex.quote(str(gateway.ca_path))}")
    if folders is not None and folders.oauth1 is not None:
        print(f"  OAuth 1.0a credentials folder: {folders.oauth1}", flush=True)
        exports.append(f"export IBKR_OAUTH1_DIR={shlex.quote(str(folders.oauth1))}")
    if folders is not None and folders.oauth2 is not None:
        print(f"  OAuth 2.0 credentials folder: {folders.oauth2}", flush=True)
        if folders.oauth1 is None:
            exports.append(f"export IBKR_OAUTH2_DIR={shlex.quote(str(folders.oauth2))}")
    if folders is not None and folders.temporary:
        print("  (temporary folders: deleted when the simulator stops)", flush=True)
    accounts = ", ".join(gateway.simulator.config.accounts)
    print(f"  accounts: {accounts}", flush=True)
    print("  in another terminal:", flush=True)
    for line in exports:
        print(f"    {line}", flush=True)
    print(f"    ibkr-webapi positions {gateway.simulator.config.accounts[0]}", flush=True)
    print("  press Ctrl+C to stop", flush=True)


def _missing(exc: ModuleNotFoundError) -> CommandError:
    return CommandError(f"the simulator needs the {exc.name!r} package: {_HINT}", ExitCode.FAILURE)


def _cannot_listen(args: argparse.Namespace, exc: OSError) -> CommandError:
    return CommandError(
        f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
        "stop what uses it or choose another --port (0 picks a free one)",
        ExitCode.FAILURE,
    )


def run_foreground(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C with the simulator's own runner (it owns the event loop)."""
    try:
        from ..testing import run
    except ModuleNotFoundError as exc:
        raise _missing(exc) from exc
    folders = OAuthFolders()
    config = simulator_config(args, folders)
    try:
        run(
            args.host,
            args.port,
            config,
            tls=not args.no_tls,
            log_level=args.log_level,
            on_ready=functools.partial(announce, folders=folders),
        )
    except OSError as exc:
        raise _cannot_listen(args, exc) from exc
    finally:
        folders.cleanup()
    return ExitCode.OK


async def serve(args: argparse.Namespace) -> int:
    """Serve in the running event loop until cancelled (for ``run_cli``)."""
    try:
        from ..testing import serve_gateway
    except ModuleNotFoundError as exc:
        raise _missing(exc) from exc
    folders = OAuthFolders()
    config = simulator_config(args, folders)
    try:
        async with serve_gateway(
            config, host=args.host, port=args.port, tls=not args.no_tls, log_level=args.log_level
        ) as gateway:
            announce(gateway, folders)
            await gateway.wait_closed()
    except OSError as exc:
        raise _cannot_listen(args, exc) from exc
    finally:
        folders.cleanup()
    return ExitCode.OK
