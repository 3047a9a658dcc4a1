"""A minimal CDK app: one stack holding one Python Lambda function from a small asset. The peer
of Strata's synth (bench/synth.py). Run: ``python bench/peers/minimal_cdk_app.py`` (the cloud
assembly goes to ``$CDK_OUTDIR``)."""

from __future__ import annotations

import os
from pathlib import Path

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent


def main() -> None:
    app = App(outdir=os.environ.get("CDK_OUTDIR"))
    stack = Stack(app, "minimal")
    lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        handler="handler.handler",
        code=lambda_.Code.from_asset(str(HERE / "minimal_function")),
    )
    app.synth()


if __name__ == "__main__":
    main()
