"""``ibkr-webapi simulate --oauth1/--oauth2`` writes credentials and serves them; the client commands
log in with ``--oauth1-dir`` / ``--oauth2-dir`` or the environment."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from ibkr_webapi.cli import ExitCode, run_cli
from ibkr_webapi.cli._simulate import OAuthFolders, oauth_settings
from ibkr_webapi.testing import OAuth1Settings, OAuth2Settings

ACCOUNT = "U1234567"


async def test_simulate_oauth_writes_folders_and_the_cli_logs_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith(("IBKR_OAUTH", "IBKR_BASE_URL"))]:
        monkeypatch.delenv(name)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "120"}
    folder1, folder2 = tmp_path / "o1", tmp_path / "o2"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ibkr_webapi.cli",
        "simulate",
        "--port",
        "0",
        "--no-rate-limits",
        "--oauth1",
        str(folder1),
        "--oauth2",
        str(folder2),
        "--log-level",
        "warning",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    try:
        announced = ""
        while "Ctrl+C" not in announced:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, "the simulator exited before announcing itself"
            announced += line.decode()
        url = re.search(r"listening on (\S+)", announced)
        cert = re.search(r"certificate to verify with: (\S+)", announced)
        assert url is not None and cert is not None
        assert f"OAuth 1.0a credentials folder: {folder1}" in announced
        assert f"export IBKR_OAUTH1_DIR={folder1}" in announced
        assert (folder1 / "private_signature.pem").is_file()
        assert (folder2 / "private_key.pem").is_file()
        assert (folder1 / "private_signature.pem").stat().st_mode & 0o077 == 0

        common = ["--json", "--base-url", url[1], "--ca", cert[1]]
        code = await run_cli(["positions", ACCOUNT, *common, "--oauth1-dir", str(folder1)])
        assert code == ExitCode.OK, capsys.readouterr().err
        assert len(json.loads(capsys.readouterr().out)) == 12

        code = await run_cli(["accounts", *common, "--oauth2-dir", str(folder2)])
        assert code == ExitCode.OK, capsys.readouterr().err
        assert ACCOUNT in json.loads(capsys.readouterr().out)["accounts"]

        monkeypatch.setenv("IBKR_OAUTH1_DIR", str(folder1))
        code = await run_cli(["status", *common])
        assert code == ExitCode.OK, capsys.readouterr().err
        assert json.loads(capsys.readouterr().out)["authenticated"] is True

        # a wrong consumer key: the login is refused, exit code "not logged in", IBKR's words shown
        monkeypatch.setenv("IBKR_OAUTH1_CONSUMER_KEY", "WRONGCONS")
        code = await run_cli(["status", *common])
        assert code == ExitCode.AUTH
        assert "invalid consumer" in capsys.readouterr().err
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
    assert process.returncode == 0


async def test_malformed_credentials_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("IBKR_OAUTH")]:
        monkeypatch.delenv(name)
    (tmp_path / "consumer_key.txt").write_text("ABCDEFGHI\n")
    code = await run_cli(
        ["status", "--base-url", "https://127.0.0.1:1/v1/api", "--oauth1-dir", str(tmp_path)]
    )
    assert code == ExitCode.USAGE
    assert "IBKR_OAUTH1_ACCESS_TOKEN (or access_token.txt)" in capsys.readouterr().err


def test_simulate_reuses_an_existing_folder_and_cleans_temporary_ones(tmp_path: Path) -> None:
    args = argparse.Namespace(oauth1=str(tmp_path / "o1"), oauth2="")
    folders = OAuthFolders()
    first = oauth_settings(args, folders)
    assert folders.oauth2 is not None and folders.temporary == [folders.oauth2]
    again = oauth_settings(
        argparse.Namespace(oauth1=str(tmp_path / "o1"), oauth2=None), OAuthFolders()
    )
    one, two = first["oauth1"], again["oauth1"]
    assert isinstance(one, OAuth1Settings) and isinstance(two, OAuth1Settings)
    assert one.consumers == two.consumers  # read back, not generated again
    assert isinstance(first["oauth2"], OAuth2Settings)
    folders.cleanup()
    assert not folders.oauth2.exists()
