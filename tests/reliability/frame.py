"""The reliability suites' shared frame: short or long form, a seed, and the figures each suite
records for docs/RELIABILITY.md.

``RELIABILITY_FORM=long`` (what ``make reliability`` sets) runs every suite in its long form;
unset or ``short``, each runs the small form that ``make test`` includes.
``RELIABILITY_SEED`` fixes the random choices (faults, orders), so a failure can be
replayed. When ``RELIABILITY_RESULTS`` names a file, every recorded figure is appended to
it as one JSON line, and tests/reliability/report.py writes docs/RELIABILITY.md's results from it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

MODE_VARIABLE = "RELIABILITY_FORM"
SEED_VARIABLE = "RELIABILITY_SEED"
RESULTS_VARIABLE = "RELIABILITY_RESULTS"
MODES = ("short", "long")
DEFAULT_SEED = 15

T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """What one suite (or one part of it) did and what it lost.

    ``suite`` is the point of issue 15 it answers ("2" fault injection, ...); ``injected`` says
    what was injected or sent, ``volume`` how much; ``lost`` counts what did not survive (writes
    lost or doubled, half-written entities, responses >= 500, ...; the target is 0);
    ``figures`` holds the rest of the counts worth quoting.
    """

    suite: str
    part: str
    injected: str
    volume: str
    lost: int
    figures: dict[str, Any] = field(default_factory=dict)
    mode: str = "short"
    seed: int = DEFAULT_SEED
    test: str = ""


def read_mode(environ: dict[str, str] | None = None) -> str:
    value = (environ if environ is not None else dict(os.environ)).get(MODE_VARIABLE, "short")
    mode = value.strip().lower() or "short"
    if mode not in MODES:
        raise ValueError(f"{MODE_VARIABLE} must be one of {', '.join(MODES)}, not {value!r}")
    return mode


def read_seed(environ: dict[str, str] | None = None) -> int:
    value = (environ if environ is not None else dict(os.environ)).get(SEED_VARIABLE, "")
    return int(value) if value.strip() else DEFAULT_SEED


class Reliability:
    """Handed to every reliability test by the ``reliability`` fixture."""

    _lock = threading.Lock()

    def __init__(self, mode: str, seed: int, results: Path | None, test: str = "") -> None:
        self.mode = mode
        self.seed = seed
        self.results = results
        self.test = test
        self.recorded: list[Figure] = []

    @property
    def long(self) -> bool:
        return self.mode == "long"

    def pick(self, short: T, long: T) -> T:
        """``short`` in the short form, ``long`` in the long one."""
        return long if self.long else short

    def record(
        self,
        suite: str,
        part: str,
        *,
        injected: str,
        volume: str,
        lost: int,
        **figures: Any,
    ) -> Figure:
        figure = Figure(
            suite, part, injected, volume, lost, figures, self.mode, self.seed, self.test
        )
        self.recorded.append(figure)
        if self.results is not None:
            with self._lock:
                self.results.parent.mkdir(parents=True, exist_ok=True)
                with self.results.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"kind": "figure", **asdict(figure)}) + "\n")
        return figure

    def record_outcome(self, test: str, outcome: str, duration: float) -> None:
        if self.results is None:
            return
        line = {
            "kind": "outcome",
            "test": test,
            "outcome": outcome,
            "seconds": duration,
            "mode": self.mode,
            "seed": self.seed,
        }
        with self._lock:
            self.results.parent.mkdir(parents=True, exist_ok=True)
            with self.results.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")


def from_environment(test: str = "") -> Reliability:
    results = os.environ.get(RESULTS_VARIABLE, "").strip()
    return Reliability(read_mode(), read_seed(), Path(results) if results else None, test)
