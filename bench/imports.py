"""Cold import of every function, each in a fresh interpreter, beside two peers measured in the
same interleaved rounds:

- its floor: the third-party modules that function's import loads, imported alone (what no
  change to our own code can remove);
- a minimal Powertools REST handler (bench/peers/powertools_api.py: Logger, Tracer, Metrics, the
  resolver and boto3).

Beside the api function's import, its import followed by its first request (bench/cold_request.py),
against the minimal handler's: the api leaves to its first request what no import needs.

Medians of interleaved rounds; interpreter start excluded; bytecode present for every module
(site-packages has it, ``compileall`` writes ours first).

Run: ``make bench AREA=imports`` (or ``.venv/bin/python bench/imports.py [--rounds N]``).
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cold_request import add_cold_start_figures
from bench.harness import (
    ROOT,
    Area,
    Figure,
    compile_sources,
    fresh_import,
    interleaved,
    median,
)

FIRST_PARTY = frozenset({"strata", "lambdas", "bench", "tests", "local", "ops"})
MINIMAL = "bench.peers.powertools_api"


def functions() -> dict[str, str]:
    """Each function's name and the module its handler lives in (whatever exists on this commit)."""
    found: dict[str, str] = {}
    for name in ("api", "ingest", "streams", "cognito", "maintenance", "realtime"):
        if (ROOT / "lambdas" / name / "handler.py").exists():
            found[name] = f"lambdas.{name}.handler"
        elif name == "api" and (ROOT / "lambdas" / "api" / "app.py").exists():
            found[name] = "lambdas.api.app"
    return found


def third_party(modules: list[str]) -> list[str]:
    """The modules of ``modules`` that are neither the standard library's nor ours, in order."""
    stdlib = sys.stdlib_module_names
    chosen = []
    for module in modules:
        top = module.split(".", 1)[0]
        if top in stdlib or top in FIRST_PARTY or top.startswith("_") or module == "__main__":
            continue
        chosen.append(module)
    return chosen


def seconds_of(names: list[str]) -> float:
    return float(fresh_import(names)["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    compile_sources()
    area = Area(
        "imports",
        "Cold import of each function (fresh interpreter)",
        method=(
            f"Median of {args.rounds} interleaved rounds, each import in a new interpreter "
            "(start-up excluded), bytecode present. Floor: the third-party modules the function's "
            "import loads, imported alone. Minimal Powertools handler: "
            "bench/peers/powertools_api.py. Import + first request: a fresh interpreter imports "
            "the handler and answers one request (bench/cold_request.py)."
        ),
    )
    handlers = functions()
    floors = {
        name: third_party(list(fresh_import([module])["modules"]))
        for name, module in handlers.items()
    }
    variants = {"minimal": partial(seconds_of, [MINIMAL])}
    for name, module in handlers.items():
        variants[name] = partial(seconds_of, [module])
        variants[f"{name}-floor"] = partial(seconds_of, floors[name])
    samples = interleaved(variants, args.rounds)
    minimal = median(samples["minimal"]) * 1000
    for name, module in handlers.items():
        ours = median(samples[name]) * 1000
        floor = median(samples[f"{name}-floor"]) * 1000
        area.add(
            Figure(
                key=f"import.{name}.floor",
                measure=f"import {module}",
                ours=ours,
                unit="ms",
                peer_name=f"its third-party imports alone ({len(floors[name])} modules)",
                peer=floor,
                target="<= 1.5x" if name == "ingest" else "",
            )
        )
        area.add(
            Figure(
                key=f"import.{name}.minimal",
                measure=f"import {module}",
                ours=ours,
                unit="ms",
                peer_name="minimal Powertools handler",
                peer=minimal,
                target="<= 1.2x" if name == "api" else "",
            )
        )
    if "api" in handlers:
        add_cold_start_figures(area, args.rounds)
    area.finish()


if __name__ == "__main__":
    main()
