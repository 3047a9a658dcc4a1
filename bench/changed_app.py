"""Strata's app (app.py) with one value changed: the dev API's throttling rate, set to
``--rate``. That changes one template, strata-dev-api (its stage's method settings), the
largest of the app, so a synth through a filled validation cache validates that one template
again. The bench's "one stack changed" row (bench/synth.py).

Run: ``python bench/changed_app.py --rate 51 --validation-cache DIR`` (the cloud assembly goes
to ``$CDK_OUTDIR``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "strata" / "python"), str(ROOT)]

from infra.app import build_app, cdk_json_context  # noqa: E402
from infra.config import CONTEXT_KEY  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, required=True)
    parser.add_argument("--validation-cache", type=Path, required=True)
    args = parser.parse_args()
    context = cdk_json_context()
    context[CONTEXT_KEY]["dev"]["api"]["throttle_rate_limit"] = args.rate
    app = build_app(
        outdir=os.environ["CDK_OUTDIR"],
        base_context=context,
        validation_cache=args.validation_cache,
    )
    app.synth()


if __name__ == "__main__":
    main()
