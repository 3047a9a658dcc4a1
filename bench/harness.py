"""What every bench script shares: interleaved rounds, medians, fresh processes, the table it
prints and the JSON it writes under ``bench/results/<area>.json``.

A figure is ours beside a peer measured in the same run (same machine, same load), and the ratio
ours / peer. Absolute times move with the machine and with whoever else is using it; the ratio is
what holds, and the load average is written beside every figure so a reader can tell.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "layers" / "strata" / "python"
RESULTS = ROOT / "bench" / "results"


def use_repository_paths() -> None:
    """Make ``strata``, ``lambdas``, ``local``, ``tests`` and ``bench`` importable."""
    for path in (str(LIBRARY), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


def load() -> tuple[float, float, float]:
    """The machine's load average over 1, 5 and 15 minutes, now."""
    one, five, fifteen = os.getloadavg()
    return (round(one, 2), round(five, 2), round(fifteen, 2))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return float(ordered[rank])


def interleaved(variants: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every variant once per round, the starting one rotating, and collect what each returns.

    Interleaving puts every variant under the same passing load; rotation removes the advantage
    of always going first (or last) in a round.
    """
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(variants[name]())
    return samples


def timed(action: Callable[[], Any]) -> float:
    """Seconds one call of ``action`` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def latencies(action: Callable[[], Any], calls: int) -> list[float]:
    """Seconds of each of ``calls`` consecutive calls."""
    return [timed(action) for _ in range(calls)]


_FRESH_IMPORT = """
import importlib, json, sys, time
sys.path[:0] = {paths!r}
names = {names!r}
started = time.perf_counter()
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        pass
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "modules": list(sys.modules)}}))
"""


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a bench subprocess: none of the caller's STRATA_* or AWS_* settings,
    a dummy region and credentials, tracing as it is in Lambda."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRATA_", "AWS_"))}
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_SERVICE_NAME": "bench",
            "POWERTOOLS_METRICS_NAMESPACE": "bench",
        }
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra or {})
    return env


def fresh_import(names: Sequence[str], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Import ``names`` in order in a new interpreter; the seconds that took (interpreter start
    excluded) and every module loaded by the end. A name that fails to import is skipped."""
    code = _FRESH_IMPORT.format(paths=[str(LIBRARY), str(ROOT)], names=list(names))
    completed = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(env) if env is not None else bench_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def compile_sources() -> None:
    """Write the bytecode of our own sources once, as site-packages already has its own: a cold
    import then compares like with like (the deployed assets' bytecode is another question)."""
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "compileall", "-q", str(LIBRARY), str(ROOT / "lambdas")],
        check=True,
        env=bench_env(),
    )


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    # Results and the document generated from them do not make the measured code dirty.
    dirty = git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        ":!bench/results",
        ":!docs/PERFORMANCE.md",
    )
    return f"{commit}+dirty" if dirty else commit


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gib = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        memory_gib = round(int(first[1]) / 1024 / 1024, 1)
    return {
        "system": f"{platform.system()} {platform.machine()}",
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
    }


@dataclass
class Figure:
    """One measure: ours beside a peer measured in the same run."""

    key: str  # stable id; docs/PERFORMANCE.md's "before" column is keyed by it
    measure: str
    ours: float
    unit: str
    peer_name: str = ""
    peer: float | None = None
    higher_is_better: bool = False
    target: str = ""
    note: str = ""
    load: tuple[float, float, float] = field(default_factory=load)

    @property
    def ratio(self) -> float | None:
        if self.peer is None or self.peer == 0:
            return None
        return self.ours / self.peer


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if value == 0 or abs(value) >= 100:
        number = f"{value:,.0f}"
    elif abs(value) >= 10:
        number = f"{value:.1f}"
    elif abs(value) >= 1:
        number = f"{value:.2f}"
    else:
        number = f"{value:.3f}"
    return f"{number} {unit}".strip()


def format_ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.2f}x"


@dataclass
class Area:
    """The figures of one bench script; :meth:`finish` prints them and writes the JSON."""

    name: str
    title: str
    method: str = ""
    figures: list[Figure] = field(default_factory=list)
    started_load: tuple[float, float, float] = field(default_factory=load)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(f"  {figure.measure}: {format_value(figure.ours, figure.unit)}", flush=True)
        return figure

    def table(self) -> str:
        header = ("measure", "Strata", "peer", "peer value", "ratio", "load 1m")
        rows = [
            (
                figure.measure,
                format_value(figure.ours, figure.unit),
                figure.peer_name,
                format_value(figure.peer, figure.unit),
                format_ratio(figure.ratio),
                f"{figure.load[0]:.2f}",
            )
            for figure in self.figures
        ]
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        lines = [" | ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True))]
        lines.append("-+-".join("-" * w for w in widths))
        lines.extend(
            " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
        )
        return "\n".join(lines)

    def document(self) -> dict[str, Any]:
        return {
            "area": self.name,
            "title": self.title,
            "method": self.method,
            "machine": machine(),
            "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "commit": git_commit(),
            "python": platform.python_version(),
            "load": {"start": list(self.started_load), "end": list(load())},
            "figures": [
                {**asdict(figure), "load": list(figure.load), "ratio": figure.ratio}
                for figure in self.figures
            ],
        }

    def finish(self, results: Path = RESULTS) -> Path:
        document = self.document()
        print()
        print(f"{self.title} (commit {document['commit']}, load {document['load']['end']})")
        print(self.table())
        results.mkdir(parents=True, exist_ok=True)
        path = results / f"{self.name}.json"
        path.write_text(json.dumps(document, indent=2) + "\n")
        print(f"-> {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return path
