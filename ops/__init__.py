"""``strata``: the operations CLI (import, export, migrate, backup, verify, reindex, redrive,
stats). It uses the shared library through its repositories and never ships in a Lambda layer:
Typer, Rich and matplotlib stay out of the functions."""

import sys
from pathlib import Path

# The CLI is part of the repository checkout: it reads migrations/ and infra's names there, so
# the checkout's root is importable however `strata` was started.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)
