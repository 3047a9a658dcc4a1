"""``python -m local``: the whole platform on 127.0.0.1 (see :mod:`local.cli`)."""

from __future__ import annotations

import logging
import os
import sys

from local.cli import main

if __name__ == "__main__":
    code = main()
    # Everything is saved and stopped by now. Tearing down the interpreter (moto's and the
    # functions' object graphs) took several seconds more and does nothing useful: flush, leave.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
