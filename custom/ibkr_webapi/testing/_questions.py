"""Confirmation questions (which ones an order raises, their wording, the pending reply) and
refusals with a prompt (IBKR's "order reject" answer, answered via ``POST /iserver/notification``)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from ._config import SimulatorConfig
from ._errors import GatewayError
from ._market import Quote
from ._orders import STOP_TYPES, OrderTicket, execution_price, initial_stop

ARE_YOU_SURE = "\nAre you sure you want to submit this order?"
STOP_ORDER_TEXT = (
    "You are about to submit a stop order. Please be aware of the various stop order types "
    "available and the risks associated with each one." + ARE_YOU_SURE
)
MARKET_ORDER_TEXT = (
    "A Market Order is an instruction to trade your order at any available price. The fill "
    "price can differ from the price shown, most of all in fast or thin markets." + ARE_YOU_SURE
)
NO_MARKET_DATA_TEXT = (
    "You are submitting an order without market data. We strongly recommend against this as it "
    "may result in erroneous and unexpected trades. Are you sure you want to submit this order?"
)
MARKETABLE_TEXT = "This order will most likely trigger and fill immediately." + ARE_YOU_SURE
CASH_QUANTITY_TEXT = (
    "Traders are responsible for understanding cash quantity details, which are provided on a "
    "best efforts basis only." + ARE_YOU_SURE
)


@dataclass(frozen=True)
class Question:
    """One confirmation question: IBKR's message id and text."""

    message_id: str
    text: str


def limit_rejection(ticket: OrderTicket, quote: Quote, config: SimulatorConfig) -> str | None:
    """The refusal of a limit price unreasonably far from the market, if it is."""
    limit = ticket.limit_price
    if limit is None or not quote.last:
        return None
    if abs(limit - quote.last) / quote.last <= config.reject_price_deviation:
        return None
    return (
        "We cannot accept an order at the limit price you selected. Please submit your order "
        f"using a limit price that is closer to the current market price of {quote.last:.2f}."
    )


def questions_for(
    ticket: OrderTicket, quote: Quote, config: SimulatorConfig, *, has_market_data: bool
) -> list[Question]:
    """Every question `ticket` raises, in the order the gateway asks them."""
    asked: list[Question] = []
    if ticket.order_type == "MKT" and config.market_order_question:
        asked.append(Question("o10151", MARKET_ORDER_TEXT))
    if ticket.order_type in STOP_TYPES and config.stop_order_question:
        asked.append(Question("o0", STOP_ORDER_TEXT))
    if not has_market_data:
        asked.append(Question("o354", NO_MARKET_DATA_TEXT))
    limit = ticket.limit_price
    if limit is not None and quote.last:
        through = (limit - quote.last) / quote.last * ticket.sign
        if through > config.price_percentage_limit:
            asked.append(
                Question(
                    "o163",
                    (
                        f'The following order "{ticket.describe()} @ {limit:.2f}" price exceeds \n'
                        f"the Percentage constraint of {config.price_percentage_limit * 100:g}%."
                        + ARE_YOU_SURE
                    ),
                )
            )
    marketable = execution_price(ticket, quote, initial_stop(ticket, quote)) is not None
    if marketable and ticket.order_type not in ("MKT", "MIDPRICE"):
        asked.append(Question("o403", MARKETABLE_TEXT))
    if ticket.quantity > config.size_limit:
        asked.append(
            Question(
                "o383",
                (
                    f"The following order {ticket.describe()} size exceeds the Size Limit of "
                    f"{config.size_limit:g}." + ARE_YOU_SURE
                ),
            )
        )
    value = ticket.quantity * ticket.reference_price(quote)
    if value > config.value_limit:
        asked.append(
            Question(
                "o451",
                (
                    f"The following order {ticket.describe()} value estimate of {value:,.2f} USD exceeds \n"
                    f"the Total Value Limit of {config.value_limit:,.0f} USD." + ARE_YOU_SURE
                ),
            )
        )
    if ticket.cash_quantity is not None:
        asked.append(Question("o10164", CASH_QUANTITY_TEXT))
    return asked


@dataclass
class PendingSubmission:
    """An order (placement or modification) waiting for the answer to a question."""

    reply_id: str
    account: str
    tickets: list[OrderTicket]
    remaining: list[Question]
    asked_at: float
    modify_order_id: int | None = None


class ReplyDesk:
    """The one question that may be pending, and the reply ids that are no longer answerable."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._random = random.Random(config.seed)
        self.pending: PendingSubmission | None = None
        self._stale: set[str] = set()

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def ask(self, question: Question, submission: PendingSubmission) -> list[dict[str, Any]]:
        """Make `submission` pending on `question`; returns the question's wire shape."""
        submission.reply_id = self._new_id()
        self.pending = submission
        return [
            {
                "id": submission.reply_id,
                "message": [question.text],
                "isSuppressed": False,
                "messageIds": [question.message_id],
            }
        ]

    def interrupt(self) -> PendingSubmission | None:
        """Another request arrived: the pending order is dropped and its reply id goes stale."""
        pending, self.pending = self.pending, None
        if pending is not None:
            self._stale.add(pending.reply_id)
        return pending

    def take(self, reply_id: str, now: float) -> PendingSubmission:
        """The submission `reply_id` answers; raises the gateway's error if there is none."""
        pending = self.pending
        if pending is not None and pending.reply_id == reply_id:
            timeout = self._config.reply_timeout
            self.pending = None
            if timeout is None or now - pending.asked_at <= timeout:
                return pending
            self._stale.add(reply_id)
        body = {"error": f"reply id not found: '{reply_id}'"}
        if reply_id in self._stale:
            raise GatewayError(self._config.late_reply_status, body)
        raise GatewayError(self._config.unknown_reply_status, body)


PRICE_PROMPT_ID = "p12"
PRICE_PROMPT_TEXT = (
    "The limit price is far from the current reference price. An order that cannot trade at once "
    "may then be refused by the exchange without a fill. The price management algo can work it "
    "at a price the market accepts instead.\nUse the price management algo?"
)
# Options that resubmit the refused order, and the one that leaves it refused.
PROMPT_RESUBMIT = ("Use on this order", "Always use")
PROMPT_DECLINE = "Do not use"


def prompt_reason(ticket: OrderTicket, quote: Quote, config: SimulatorConfig) -> bool:
    """Whether `ticket`'s limit is far enough from the market to be refused with a prompt."""
    threshold = config.price_prompt_deviation
    limit = ticket.limit_price
    if threshold is None or limit is None or not quote.last:
        return False
    return abs(limit - quote.last) / quote.last > threshold


@dataclass
class PendingPrompt:
    """A refused submission that an answer to its prompt may resubmit."""

    req_id: str
    account: str
    tickets: list[OrderTicket]
    order_ids: list[int]


class PromptDesk:
    """Refusals with a prompt waiting for an answer, by their request id."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._random = random.Random(config.seed + 1)
        self.pending: dict[str, PendingPrompt] = {}
        self.always_use = False  # "Always use" was answered: no more prompts this session

    def ask(self, account: str, tickets: list[OrderTicket], order_ids: list[int]) -> dict[str, Any]:
        """Refuse the submission with a prompt; returns the refusal's wire shape."""
        req_id = str(self._random.randrange(10_000, 99_999))
        while req_id in self.pending:
            req_id = str(self._random.randrange(10_000, 99_999))
        self.pending[req_id] = PendingPrompt(req_id, account, tickets, order_ids)
        return {
            "orderId": order_ids[0],
            "reqId": req_id,
            "dismissable": [],
            "text": PRICE_PROMPT_TEXT,
            "options": [*PROMPT_RESUBMIT, PROMPT_DECLINE],
            "type": "M",
            "messageId": PRICE_PROMPT_ID,
            "prompt": True,
        }

    def take(self, order_id: object, req_id: object, text: object) -> tuple[PendingPrompt, bool]:
        """The prompt answered, and whether the answer resubmits its order."""
        pending = self.pending.get(req_id) if isinstance(req_id, str) else None
        if pending is None or order_id != pending.order_ids[0]:
            raise GatewayError(400, {"error": f"no prompt {req_id!r} for order {order_id!r}"})
        if text not in (*PROMPT_RESUBMIT, PROMPT_DECLINE):
            raise GatewayError(
                400, {"error": f"{text!r} is not an option of prompt {req_id}", "statusCode": 400}
            )
        del self.pending[pending.req_id]
        if text == "Always use":
            self.always_use = True
        return pending, text in PROMPT_RESUBMIT
