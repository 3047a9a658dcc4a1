#!/usr/bin/env python3
"""CDK entry point: one Stage per environment, cdk-nag on every stack.

    python app.py                  # every environment in cdk.json, into cdk.out
    python app.py -c env=dev       # one environment (the cdk CLI accepts the same -c)
    python app.py --validation-cache DIR   # CloudFormation validation results kept in DIR
                                           # (default build/validation-cache; see infra/app.py)

Synth exits 1 when cdk.json's environments are invalid or when cdk-nag reports a finding that is
not acknowledged (see infra/nag.py); the report is in cdk.out/policy-validation-report.json.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "layers" / "strata" / "python"))

from infra.app import VALIDATION_CACHE, build_app  # noqa: E402  (needs the strata layer on the path)
from infra.config import ConfigError  # noqa: E402


def _context_pairs(values: list[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise SystemExit(f"-c expects key=value, got {value!r}")
        pairs[key] = item
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--validation-cache", type=Path, default=VALIDATION_CACHE, metavar="DIR")
    args = parser.parse_args(argv)
    # Under the cdk CLI, CDK_OUTDIR names the cloud assembly directory; alone, use cdk.out.
    outdir = os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out")
    try:
        app = build_app(
            _context_pairs(args.context), outdir=outdir, validation_cache=args.validation_cache
        )
    except ConfigError as exc:
        print(f"cdk.json: {exc}", file=sys.stderr)
        return 1
    try:
        app.synth()
    except RuntimeError as exc:
        if "ValidationFailed" not in str(exc):
            raise
        print(f"synth failed the cdk-nag gate: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
