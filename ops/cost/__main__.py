"""``make cost``: price every environment from its synthesized templates.

    python -m ops.cost                       # print the report (synthesizes if cdk.out is stale)
    python -m ops.cost --write docs/COST.md  # and write the Markdown report
    python -m ops.cost --cdk-out DIR         # read that cloud assembly as it is

cdk.out is reused when it is newer than everything the templates come from (app.py, cdk.json,
infra/, the strata schema); otherwise the app is synthesized, bundling skipped, into
.strata-cost/cdk.out (never over cdk.out, which ``make synth`` owns).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from ops.cost.assembly import read_assembly
from ops.cost.inventory import Inventory
from ops.cost.model import anchors_shape, estimate
from ops.cost.prices import load_prices
from ops.cost.report import Report, render_markdown, render_text
from ops.cost.workload import Workload

ROOT = Path(__file__).resolve().parents[2]
CDK_OUT = ROOT / "cdk.out"
COST_OUT = ROOT / ".strata-cost" / "cdk.out"
SOURCES = ("app.py", "cdk.json", "infra", "layers/strata/python/strata/schema.py")


def newest_source(root: Path = ROOT) -> float:
    newest = 0.0
    for name in SOURCES:
        path = root / name
        paths: Iterable[Path] = path.rglob("*.py") if path.is_dir() else [path]
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.exists())])
    return newest


def is_fresh(outdir: Path, newest: float) -> bool:
    manifest = outdir / "manifest.json"
    return manifest.exists() and manifest.stat().st_mtime >= newest


def synthesize(outdir: Path) -> None:
    """Synthesize every environment into ``outdir`` with bundling skipped (templates only)."""
    sys.path.insert(0, str(ROOT / "layers" / "strata" / "python"))
    from infra.app import build_app  # noqa: PLC0415 - heavy (jsii), only when a synth is needed

    build_app({"aws:cdk:bundling-stacks": []}, outdir=str(outdir)).synth()


def assembly(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    newest = newest_source()
    for candidate in (CDK_OUT, COST_OUT):
        if is_fresh(candidate, newest):
            return candidate
    print(f"synthesizing into {COST_OUT.relative_to(ROOT)} (cdk.out is stale)", file=sys.stderr)
    synthesize(COST_OUT)
    return COST_OUT


def build_report(inventories: dict[str, Inventory], source: str) -> Report:
    prices, workload = load_prices(), Workload()
    environments = [estimate(inv, prices, workload) for inv in inventories.values()]
    anchors = [
        estimate(anchors_shape(inv), prices, workload, "anchors' shape")
        for inv in inventories.values()
    ]
    dev = inventories.get("dev")
    before = after = None
    if dev is not None:
        if dev.collections:
            before = estimate(dev, prices, workload, "before")
            after = estimate(dev.with_vector_bucket(), prices, workload, "after")
        else:
            # Before issue 17 dev ran one collection with standby off (aoss_standby_replicas).
            before = estimate(dev.with_collection(standby=False), prices, workload, "before")
            after = estimate(dev, prices, workload, "after")
    dimensions = ", ".join(f"{env} {inv.vector_dimension}" for env, inv in inventories.items())
    return Report(prices, workload, environments, anchors, before, after, source, dimensions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make cost", description=__doc__.splitlines()[0])
    parser.add_argument("--cdk-out", type=Path, help="read this cloud assembly as it is")
    parser.add_argument("--write", type=Path, help="write the Markdown report here")
    args = parser.parse_args(argv)
    outdir = assembly(args.cdk_out)
    shown = outdir.relative_to(ROOT) if outdir.is_relative_to(ROOT) else outdir
    report = build_report(read_assembly(outdir), str(shown))
    sys.stdout.write(render_text(report))
    if args.write is not None:
        args.write.write_text(render_markdown(report), encoding="utf-8")
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
