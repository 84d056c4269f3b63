"""Confirmation questions on the command line: ``--yes``, a y/N prompt on a terminal, or decline."""

from __future__ import annotations

import asyncio
from typing import TextIO

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from .. import errors
from ..orders.order import ConfirmPolicy, Question
from . import _render as render
from ._context import CommandError, Context
from ._exitcodes import ExitCode


def show_question(console: Console, question: Question) -> None:
    """Print a confirmation question the way the gateway worded it."""
    ids = ", ".join(question.message_ids) or "no id"
    console.print(Text(f"The gateway asks ({ids}):", style="bold yellow"))
    for message in question.messages:
        console.print(Padding(Text(render.one_line(message)), (0, 0, 0, 2)))


def _is_interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


async def read_line(stream: TextIO) -> str:
    """One line from ``stream`` without blocking the event loop and without threads.

    A terminal is watched with the loop's reader callback, so Ctrl+C at the prompt cancels at once;
    a stream without a file descriptor (tests) is read directly.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream.readline()
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def on_readable() -> None:
        if not ready.done():
            ready.set_result(None)

    try:
        loop.add_reader(fd, on_readable)
    except (NotImplementedError, OSError, ValueError):  # e.g. an event loop without readers
        return stream.readline()
    try:
        await ready
    finally:
        loop.remove_reader(fd)
    try:
        return stream.readline()  # the terminal has a line (or EOF) ready: this does not block
    except (OSError, ValueError):
        return ""


def confirm_policy(ctx: Context) -> ConfirmPolicy:
    """``--yes`` confirms (and shows) every question; a terminal asks y/N; anything else declines."""
    if ctx.args.yes:

        def confirm_all(question: Question) -> bool:
            show_question(ctx.err, question)
            ctx.err.print(Text("  confirmed (--yes)", style="green"))
            return True

        return confirm_all
    if not _is_interactive(ctx.stdin):
        return False

    async def ask(question: Question) -> bool:
        show_question(ctx.err, question)
        ctx.err.print(Text("Confirm? [y/N] "), end="")
        answer = await read_line(ctx.stdin)
        return answer.strip().lower() in {"y", "yes"}

    return ask


def declined(exc: errors.OrderConfirmationRequired, policy: ConfirmPolicy) -> CommandError:
    """The one-line error for an order whose question was not confirmed."""
    question = render.one_line(exc.messages[0]) if exc.messages else "(no text)"
    ids = ", ".join(exc.message_ids) or "no id"
    if policy is False:
        reason = "stdin is not a terminal, so nothing was confirmed; add --yes to confirm"
    else:
        reason = "you declined it"
    return CommandError(
        f"order not placed: the gateway asked ({ids}) {question!r} and {reason}", ExitCode.ORDER
    )
