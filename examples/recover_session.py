"""The client re-opens an expired brokerage session by itself.

    .venv/bin/python examples/recover_session.py

The real gateway drops the brokerage session after ~6 idle minutes (or when you log in elsewhere);
/iserver calls then fail until ``ssodh/init``. The client notices, re-opens the session and retries,
so your call succeeds. A full logout cannot be repaired without a browser: that is an
``AuthenticationError`` that says so.
"""

from __future__ import annotations

import asyncio

from ibkr_webapi import IBKRClient, errors
from ibkr_webapi.testing import serve_gateway


async def main() -> None:
    async with serve_gateway(port=0, tls=True) as gw, IBKRClient(gw.url, verify=gw.verify) as ib:
        status = await ib.auth_status()
        print(f"at start: authenticated={status.authenticated}")

        gw.simulator.expire_session()  # what 6 idle minutes do
        status = await ib.auth_status(recover=False)
        print(f"after the idle timeout: authenticated={status.authenticated}")

        accounts = await ib.accounts()  # an /iserver call: the client re-opens the session first
        print(f"accounts() still works: {accounts.accounts}")
        status = await ib.auth_status(recover=False)
        print(f"recovered: authenticated={status.authenticated}")

        gw.simulator.logout()  # the whole login is gone: only a browser can fix that
        try:
            await ib.accounts()
        except errors.AuthenticationError as exc:
            print(f"after a logout: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    asyncio.run(main())
