"""Write the results of a reliability run into docs/RELIABILITY.md (``make reliability``).

    python -m tests.reliability.report RESULTS.jsonl docs/RELIABILITY.md

The results are the JSON lines frame.py appended during the run: one ``figure`` per suite part
and one ``outcome`` per test. The text between the two result markers is replaced by a table with
the date, the commit, the form and the seed; everything else in the document is left as it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BEGIN = "<!-- reliability-results:begin (written by `make reliability` from its results) -->"
END = "<!-- reliability-results:end -->"
ROOT = Path(__file__).resolve().parents[2]

SUITES = {
    "1": "HTTP contract (schemathesis)",
    "2": "fault injection",
    "3": "concurrent writers",
    "4": "killed ingest worker",
    "5": "bad input",
    "6": "tenancy",
    "7": "security scan (checkov)",
    "8": "restore drill",
}


@dataclass(frozen=True)
class Run:
    date: str
    commit: str


def read_results(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    figures: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                (figures if entry.get("kind") == "figure" else outcomes).append(entry)
    return figures, outcomes


def current_run(now: datetime | None = None) -> Run:
    def git(*args: str) -> str:
        completed = subprocess.run(  # noqa: S603 (git, fixed arguments)
            ["git", *args],  # noqa: S607 (git from PATH, as make finds it)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return completed.stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    return Run((now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"), commit)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _other(figures: dict[str, Any]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in figures.items())


def render(figures: Iterable[dict[str, Any]], outcomes: Iterable[dict[str, Any]], run: Run) -> str:
    figures = list(figures)
    outcomes = list(outcomes)
    runs = figures + outcomes
    modes = sorted({str(entry.get("mode")) for entry in runs if entry.get("mode")}) or ["?"]
    seeds = sorted({str(entry.get("seed")) for entry in runs if "seed" in entry}) or ["?"]
    passed = sum(1 for entry in outcomes if entry["outcome"] == "passed")
    failed = [entry["test"] for entry in outcomes if entry["outcome"] != "passed"]
    lost = sum(int(entry["lost"]) for entry in figures)
    lines = [
        BEGIN,
        "",
        f"Last run: {run.date}, commit {run.commit}, {'/'.join(modes)} form, seed "
        f"{'/'.join(seeds)}: {passed} tests passed, {len(failed)} failed; "
        f"**{lost} lost in total**.",
        "",
        "| suite | part | what was injected or sent | how much | lost | other figures |",
        "|---|---|---|---|---|---|",
    ]
    for number, title in SUITES.items():
        mine = [entry for entry in figures if entry["suite"] == number]
        if not mine:
            lines.append(f"| {number}. {title} | | not run | | | |")
        for entry in mine:
            cells = [
                f"{number}. {title}",
                entry["part"],
                entry["injected"],
                entry["volume"],
                str(entry["lost"]),
                _other(entry.get("figures", {})),
            ]
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    if failed:
        lines += ["", "Failed tests:", ""] + [f"- `{test}`" for test in failed]
    lines += ["", END]
    return "\n".join(lines)


def replace_results(document: str, results: str) -> str:
    start = document.find(BEGIN)
    stop = document.find(END)
    if start < 0 or stop < start:
        raise ValueError("the document has no reliability results markers")
    return document[:start] + results + document[stop + len(END) :]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results, document = Path(argv[0]), Path(argv[1])
    figures, outcomes = read_results(results)
    text = replace_results(
        document.read_text(encoding="utf-8"), render(figures, outcomes, current_run())
    )
    document.write_text(text, encoding="utf-8")
    print(f"{document}: {len(figures)} figures, {len(outcomes)} test outcomes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
