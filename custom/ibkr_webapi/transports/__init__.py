"""The httpx transport stack that gives every request pacing, retries and session care.

Outermost first::

    LoggingTransport -> SessionTransport -> RetryTransport -> PacingTransport -> SizeLimitTransport
    -> inner (the network)

so the session layer's own calls (``ssodh/init``, ``auth/status``, prerequisites) and every retry
are paced and logged like user calls. The pacer's grant, just above the network, is also where the
order gate and the 429 hold are enforced: every attempt passes them. The stack is an ``httpx.AsyncBaseTransport``: give it to the
``httpx.AsyncClient`` that the generated low-level client shares, and raw calls get it too.
"""

from __future__ import annotations

import asyncio
import os
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence

import attrs
import httpx

from ._util import base_path_of
from .logging import LoggingTransport
from .pacing import EndpointRule, Pacer, PacingTransport, RateLimitPolicy
from .retry import RetryPolicy, RetryTransport
from .session import DEFAULT_PREREQUISITES, Prerequisite, SessionTransport
from .size import DEFAULT_MAX_RESPONSE_BYTES, SizeLimitTransport

__all__ = [
    "EndpointRule",
    "LoggingTransport",
    "Pacer",
    "PacingTransport",
    "Prerequisite",
    "RateLimitPolicy",
    "RetryPolicy",
    "RetryTransport",
    "SessionTransport",
    "SizeLimitTransport",
    "TransportStack",
    "build_transport_stack",
]


@attrs.frozen
class TransportStack:
    """The layers of one client's stack. ``transport`` is the outermost one: give it to httpx.

    Closing ``transport`` closes every layer down to the network transport (the pacer is not
    closed: it may be shared).
    """

    transport: LoggingTransport
    session: SessionTransport
    retry: RetryTransport
    pacing: PacingTransport
    size: SizeLimitTransport
    inner: httpx.AsyncBaseTransport

    @property
    def pacer(self) -> Pacer:
        return self.pacing.pacer

    async def aclose(self) -> None:
        await self.transport.aclose()


def build_transport_stack(
    *,
    base_url: str,
    verify: bool | str | os.PathLike[str] | ssl.SSLContext = True,
    pacer: Pacer | None = None,
    retry_policy: RetryPolicy | None = None,
    compete: bool = True,
    recover_session: bool = True,
    reauth_timeout: float = 20.0,
    poll_interval: float = 1.0,
    prerequisites: Sequence[Prerequisite] = DEFAULT_PREREQUISITES,
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    inner: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TransportStack:
    """Build Logging -> Session -> Retry -> Pacing -> SizeLimit -> ``inner``.

    ``inner`` defaults to ``httpx.AsyncHTTPTransport(verify=verify)``. ``pacer`` may be shared with
    other clients (default: a new one with IBKR's gateway limits, shared with every process on this
    machine that uses the same gateway); it is bound to ``base_url``'s gateway here.
    ``recover_session=False`` turns off automatic ``ssodh/init`` on 401 / ``no bridge``.
    ``max_response_bytes`` caps every answer (``None``: no cap). ``sleep``, ``rng`` and ``clock``
    (monotonic, for the session layer's timeout) are for tests.
    """
    if inner is None:
        if isinstance(verify, str | os.PathLike):
            verify = ssl.create_default_context(cafile=os.fspath(verify))
        inner = httpx.AsyncHTTPTransport(verify=verify)
    base_path = base_path_of(base_url)
    pacer = pacer if pacer is not None else Pacer(RateLimitPolicy())
    pacer.bind(base_url)
    size = SizeLimitTransport(inner, max_response_bytes)
    pacing = PacingTransport(size, pacer, base_path=base_path)

    async def hold(seconds: float) -> float | None:
        # With pacing off there is no hold: the retry layer then waits on its own.
        return await pacer.hold(seconds) if pacer.policy.enabled else None

    retry = RetryTransport(
        pacing,
        retry_policy or RetryPolicy(),
        base_path=base_path,
        on_rate_limited=hold,
        default_hold=lambda: pacer.policy.penalty_hold,
        sleep=sleep,
        rng=rng,
    )
    session = SessionTransport(
        retry,
        base_url=base_url,
        compete=compete,
        reauth_timeout=reauth_timeout,
        poll_interval=poll_interval,
        enabled=recover_session,
        prerequisites=prerequisites,
        pacer=pacer,
        sleep=sleep,
        clock=clock,
    )
    return TransportStack(
        transport=LoggingTransport(session),
        session=session,
        retry=retry,
        pacing=pacing,
        size=size,
        inner=inner,
    )
