"""``make bench``: run every area's script (or the ones named), each in its own process, then
regenerate docs/PERFORMANCE.md from the latest results.

Run: ``.venv/bin/python bench/run.py [AREA ...]``; ``make bench AREA=api`` runs one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# In the order they run: the quick ones first, the machine-hungry ones last.
AREAS = (
    "imports",
    "api",
    "chunking",
    "pdf",
    "ingest",
    "vectors",
    "import_sqlite",
    "synth",
    "local_stack",
    "realtime",
)


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in AREAS]
    if unknown:
        print(f"unknown area(s) {unknown}; areas: {', '.join(AREAS)}", file=sys.stderr)
        return 2
    failed = []
    for area in names or AREAS:
        print(f"== {area}", flush=True)
        completed = subprocess.run([sys.executable, str(BENCH / f"{area}.py")], check=False)  # noqa: S603
        if completed.returncode != 0:
            failed.append(area)
    subprocess.run([sys.executable, str(BENCH / "report.py")], check=True)  # noqa: S603
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
