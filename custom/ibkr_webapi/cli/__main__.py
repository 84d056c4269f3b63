"""``python -m ibkr_webapi.cli``: the same as the ``ibkr-webapi`` command."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
