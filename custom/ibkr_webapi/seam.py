"""Typed helpers at the seam with the generated layer (``ibkr_webapi_client``)."""

from __future__ import annotations

from ibkr_webapi_client.types import Unset


def unset_to_none(value: object) -> object:
    """Generated models mark absent fields with UNSET; users see None."""
    return None if isinstance(value, Unset) else value
