"""The security gate: every stack of every environment passes cdk-nag, and a new finding fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs

import app as cdk_entry_point
from infra.app import build_app
from infra.config import ENVIRONMENT_NAMES
from infra.names import STACK_CONCERNS, Names
from tests.infra.conftest import SKIP_BUNDLING, Synthesized


def test_no_unacknowledged_findings_in_any_stack(synthesized: Synthesized) -> None:
    # Given the validation report of the session's synth of dev, staging and prod
    report = synthesized.validation_report()
    (nag,) = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    # Then cdk-nag ran, passed, and every acknowledged finding carries a reason
    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    for suppressed in nag["suppressedViolations"]:
        assert len(suppressed["reason"]) > 40, suppressed["ruleName"]
    # And no other validation plugin (CloudFormation's own checks) reported anything
    for plugin in report["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]


def test_every_environment_has_the_six_platform_stacks(synthesized: Synthesized) -> None:
    for env in ENVIRONMENT_NAMES:
        names = Names(env)
        stage = synthesized.stage(env)
        stack_names = {c.stack_name for c in stage.node.children if isinstance(c, Stack)}
        # The platform stacks are all there; later issues add theirs under the same prefix
        assert {names.stack(concern) for concern in STACK_CONCERNS} <= stack_names
        assert all(name.startswith(f"{names.prefix}-") for name in stack_names)


def _with_unacknowledged_finding(context: dict[str, Any] | None = None, **kwargs: Any) -> App:
    app = build_app({**SKIP_BUNDLING, "env": "dev", **(context or {})}, **kwargs)
    stage = app.node.find_child(Names("dev").stage)
    # A queue without TLS enforcement or DLQ: AwsSolutions-SQS3/SQS4.
    storage = stage.node.find_child("storage")
    assert isinstance(storage, Stack)
    sqs.Queue(storage, "Unreviewed")
    return app


def test_a_new_unacknowledged_finding_fails_synth(tmp_path: Path) -> None:
    # Given the dev stage with one resource nobody reviewed
    app = _with_unacknowledged_finding(outdir=str(tmp_path))
    # When it is synthesized, then the gate fails and names the rule
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()
    assert "AwsSolutions-SQS" in str(failure.value)


def test_app_entry_point_exits_1_on_an_unacknowledged_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the entry point building an app with an unreviewed resource
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    monkeypatch.setattr(
        cdk_entry_point,
        "build_app",
        lambda context, outdir, validation_cache: _with_unacknowledged_finding(
            outdir=outdir, validation_cache=validation_cache
        ),
    )
    # When app.py runs, then it exits 1 with a message
    assert cdk_entry_point.main([]) == 1
    assert "cdk-nag" in capsys.readouterr().err
