"""``python -m local``: the whole platform on 127.0.0.1 (see :mod:`local.cli`)."""

from __future__ import annotations

import sys

from local.cli import main

if __name__ == "__main__":
    sys.exit(main())
