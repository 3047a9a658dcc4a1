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
    ours = [sys.executable, str(ROOT / "app.py")]
    peer = [sys.executable, str(ROOT / "bench" / "peers" / "minimal_cdk_app.py")]
    counter = [0]
    cpu: dict[str, list[float]] = {
        "ours": [],
        "peer": [],
        "ours-unvalidated": [],
        "peer-unvalidated": [],
        "warm-up": [],
    }
    if not args.no_warmup:
        synth(ours, "warmup-strata", counter, cpu["warm-up"])
        synth(peer, "warmup-minimal", counter, cpu["warm-up"])
    samples = interleaved(
        {
            "ours": lambda: synth(ours, "strata", counter, cpu["ours"]),
            "peer": lambda: synth(peer, "minimal", counter, cpu["peer"]),
            "ours-unvalidated": lambda: synth(
                ours, "strata-nv", counter, cpu["ours-unvalidated"], NO_VALIDATION
            ),
            "peer-unvalidated": lambda: synth(
                peer, "minimal-nv", counter, cpu["peer-unvalidated"], NO_VALIDATION
            ),
        },
        args.rounds,
    )
    area.add(
        Figure(
            key="synth.warm",
            measure="warm synth of the 3 environments (python app.py)",
            ours=median(samples["ours"]),
            unit="s",
            peer_name="minimal CDK app (1 stack, 1 function)",
            peer=median(samples["peer"]),
            target="<= 1.5x",
        )
    )
    area.add(
        Figure(
            key="synth.warm.cpu",
            measure="the same, CPU time (user + system, node included)",
            ours=median(cpu["ours"]),
            unit="s",
            peer_name="minimal CDK app (1 stack, 1 function)",
            peer=median(cpu["peer"]),
            target="<= 1.5x",
            note="CPU time barely moves with the machine's load; wall time does",
        )
    )
    area.add(
        Figure(
            key="synth.warm.cpu.unvalidated",
            measure="breakdown: CPU time, CloudFormation validation off (CDK_VALIDATION=false)",
            ours=median(cpu["ours-unvalidated"]),
            unit="s",
            peer_name="minimal CDK app (1 stack, 1 function)",
            peer=median(cpu["peer-unvalidated"]),
            note=(
                "not a target: shows the validator's start-up, paid once by each app, "
                "in the figures above"
            ),
        )
    )
    area.finish()


if __name__ == "__main__":
    main()
