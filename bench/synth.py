"""Warm synthesis of the three environments (``python app.py``: 3 stages, cdk-nag on every
stack) beside a minimal CDK app with one stack and one Lambda function
(bench/peers/minimal_cdk_app.py).

Warm: the jsii cache is filled and the dependency layer's pip build is cached
(layers/deps/build), both by an untimed first run of each.

Both apps also run with CDK's built-in CloudFormation validation switched off
(``CDK_VALIDATION=false``, aws-cdk-lib's own switch), as a breakdown: that validator's start-up
(a WebAssembly engine loading every resource schema, seconds of CPU) is paid once by any app,
the peer included, and its per-template check once per stack. The headline figures are the
normal synth, validation on. Every timed run synthesizes into a
new, empty cloud assembly directory (as ``make synth`` does after ``rm -rf cdk.out``), on the
repository's file system. Medians of interleaved rounds; each run is a fresh process.

Our app validates through a cache of each template's result (infra/cached_validation.py), so it
is measured three ways: with an empty validation cache (every template validated, the engine
started: the work of a first synth, or of one after ``make clean``), with the cache filled and
nothing changed, and with the cache filled and one stack changed (bench/changed_app.py: the dev
API's throttling rate, a new value each run, so its template, the largest, is validated again).
The bench keeps its own cache under build/bench-synth; the peer has none, as a minimal app would.

Run: ``make bench AREA=synth`` (or ``.venv/bin/python bench/synth.py [--rounds N]``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import ROOT, Area, Figure, bench_env, interleaved, median

WORK = ROOT / "build" / "bench-synth"
CACHE = WORK / "validation-cache"


NO_VALIDATION = {"CDK_VALIDATION": "false"}


def synth(
    command: list[str],
    name: str,
    round_number: list[int],
    cpu: list[float],
    extra_env: dict[str, str] | None = None,
) -> float:
    """Seconds ``command`` takes to synthesize into a new directory (removed afterwards); the
    CPU seconds it used (user + system, node's included) are appended to ``cpu``."""
    round_number[0] += 1
    outdir = WORK / f"{name}-{round_number[0]}"
    shutil.rmtree(outdir, ignore_errors=True)
    env = bench_env(
        {
            "CDK_OUTDIR": str(outdir),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            **(extra_env or {}),
        }
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    shutil.rmtree(outdir, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-warmup", action="store_true", help="the caches are known warm")
    args = parser.parse_args()
    area = Area(
        "synth",
        "Warm synthesis",
        method=(
            f"Median of {args.rounds} interleaved rounds after one untimed warm-up of each; "
            "each run a fresh process synthesizing into a new directory."
        ),
    )
    app = [sys.executable, str(ROOT / "app.py")]
    peer = [sys.executable, str(ROOT / "bench" / "peers" / "minimal_cdk_app.py")]
    counter = [0]
    cpu: dict[str, list[float]] = {name: [] for name in (*VARIANTS, "warm-up")}

    def ours_cold() -> float:
        empty = WORK / f"validation-cache-empty-{counter[0] + 1}"
        shutil.rmtree(empty, ignore_errors=True)
        try:
            return synth([*app, "--validation-cache", str(empty)], "strata", counter, cpu["ours"])
        finally:
            shutil.rmtree(empty, ignore_errors=True)

    def ours_changed() -> float:
        # A throttling rate no earlier run used: the dev API's template is new to the cache.
        changed = [
            sys.executable,
            str(ROOT / "bench" / "changed_app.py"),
            "--rate",
            str(CHANGED_RATE_BASE + counter[0]),
            "--validation-cache",
            str(CACHE),
        ]
        return synth(changed, "strata-changed", counter, cpu["ours-changed"])

    cached = [*app, "--validation-cache", str(CACHE)]
    shutil.rmtree(CACHE, ignore_errors=True)
    # Fills the bench's validation cache: the "filled" runs start from it.
    synth(cached, "warmup-strata", counter, cpu["warm-up"])
    if not args.no_warmup:
        synth(peer, "warmup-minimal", counter, cpu["warm-up"])
    samples = interleaved(
        {
            "ours": ours_cold,
            "peer": lambda: synth(peer, "minimal", counter, cpu["peer"]),
            "ours-cached": lambda: synth(cached, "strata-cached", counter, cpu["ours-cached"]),
            "ours-changed": ours_changed,
            "ours-unvalidated": lambda: synth(
                app, "strata-nv", counter, cpu["ours-unvalidated"], NO_VALIDATION
            ),
            "peer-unvalidated": lambda: synth(
                peer, "minimal-nv", counter, cpu["peer-unvalidated"], NO_VALIDATION
            ),
        },
        args.rounds,
    )
    for figure in figures(samples, cpu):
        area.add(figure)
    area.finish()


VARIANTS = ("ours", "peer", "ours-cached", "ours-changed", "ours-unvalidated", "peer-unvalidated")
# The dev API's throttling rate in the "one stack changed" runs: cdk.json's is 50 (burst 100).
CHANGED_RATE_BASE = 51
PEER = "minimal CDK app (1 stack, 1 function)"
CPU_NOTE = "CPU time barely moves with the machine's load; wall time does"
# (key, measure, our variant): each as wall time, then as CPU time.
OURS = (
    (
        "synth.warm",
        "warm synth of the 3 environments (python app.py), validation cache empty",
        "ours",
    ),
    (
        "synth.warm.cached",
        "warm synth, validation cache filled (nothing changed)",
        "ours-cached",
    ),
    (
        "synth.warm.changed",
        "warm synth, validation cache filled, one stack changed (the dev API's)",
        "ours-changed",
    ),
)


def figures(samples: dict[str, list[float]], cpu: dict[str, list[float]]) -> list[Figure]:
    rows = []
    for key, measure, variant in OURS:
        rows.append(
            Figure(
                key=key,
                measure=measure,
                ours=median(samples[variant]),
                unit="s",
                peer_name=PEER,
                peer=median(samples["peer"]),
                target="<= 1.5x",
            )
        )
        rows.append(
            Figure(
                key=f"{key}.cpu",
                measure="the same, CPU time (user + system, node included)",
                ours=median(cpu[variant]),
                unit="s",
                peer_name=PEER,
                peer=median(cpu["peer"]),
                target="<= 1.5x",
                note=CPU_NOTE,
            )
        )
    rows.append(
        Figure(
            key="synth.warm.cpu.unvalidated",
            measure="breakdown: CPU time, CloudFormation validation off (CDK_VALIDATION=false)",
            ours=median(cpu["ours-unvalidated"]),
            unit="s",
            peer_name=PEER,
            peer=median(cpu["peer-unvalidated"]),
            note=(
                "not a target: shows the validator's share (its start-up is paid once by each "
                "app that validates anything) in the figures above"
            ),
        )
    )
    return rows


if __name__ == "__main__":
    main()
