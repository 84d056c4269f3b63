"""``ib.scanner``: market scanners: their parameters, and running one."""

from __future__ import annotations

from ._base import Resource


class ScannerResource(Resource):
    """``ib.scanner``: market scanners: their parameters, and running one."""

    __slots__ = ()
