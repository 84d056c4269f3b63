"""Reading what a request carries: id lists, integer path parameters, known contracts."""

from __future__ import annotations

from .._catalogue import Contract
from .._errors import bad_request
from .._routing import Call


def id_list(text: str) -> list[str]:
    """``"265598, 8314"`` as ``["265598", "8314"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def int_param(call: Call, name: str) -> int:
    """An integer path parameter; 400 otherwise."""
    text = call.path_param(name)
    try:
        return int(text)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got '{text}'") from None


def known_contract(call: Call, text: str) -> Contract:
    """The catalogue's contract for a conid text; 400 for one it does not know."""
    try:
        contract = call.sim.catalogue.get(int(text))
    except ValueError:
        contract = None
    if contract is None:
        raise bad_request(f"unknown conid '{text}'")
    return contract
