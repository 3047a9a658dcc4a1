"""CloudFormation validation through the cache (infra/cached_validation.py): the real engine on a
tiny app, so each synth here takes a fraction of a second once the engine is up."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, CloudFormationValidatePlugin, Stack, Stage, Validations
from aws_cdk import aws_sqs as sqs

from infra.app import VALIDATION_CACHE
from infra.cached_validation import (
    VALIDATION_SWITCH,
    CachedCloudFormationValidation,
    add_cached_validation,
    shared_engine,
)
from infra.validation_cache import ValidationCache, ValidatorVersions, validator_versions
from tests.infra.conftest import Synthesized

STRICT = {"@aws-cdk/core:validateAgainstDefaultRules": True}
TOO_LONG = 999_999  # VisibilityTimeout's maximum is 43,200 s: rule F3034, an error


@dataclass
class CountingEngine:
    """The process's real engine, counting how often a plugin asked for it."""

    asked: int = 0

    def __call__(self) -> CloudFormationValidatePlugin:
        self.asked += 1
        return shared_engine()


@dataclass
class TinyApp:
    """Two stages of one queue stack each, and a stack on the app itself."""

    outdir: Path
    timeouts: dict[str, int] = field(
        default_factory=lambda: {"one": 30, "two": 60, "root": TOO_LONG}
    )

    def build(self, *, builtin: bool = False) -> App:
        app = App(
            outdir=str(self.outdir), context=STRICT, builtin_cloud_formation_validation=builtin
        )
        for name in ("one", "two"):
            stack = Stack(Stage(app, name), "queues")
            sqs.CfnQueue(stack, "Queue", visibility_timeout=self.timeouts[name])
            CfnOutput(stack, "Timeout", value=str(self.timeouts[name]))
        sqs.CfnQueue(Stack(app, "root"), "Queue", visibility_timeout=self.timeouts["root"])
        return app

    def cached(
        self, cache: Path, engine: CountingEngine
    ) -> tuple[App, CachedCloudFormationValidation]:
        app = self.build()
        plugin = CachedCloudFormationValidation(cache, engine_factory=engine)
        Validations.of(app).add_plugins(plugin)
        return app, plugin

    def synth_cached(self, cache: Path) -> tuple[CachedCloudFormationValidation, CountingEngine]:
        engine = CountingEngine()
        app, plugin = self.cached(cache, engine)
        app.synth()
        return plugin, engine

    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report


def test_a_validator_error_fails_the_synth_cold_and_cached(tmp_path: Path) -> None:
    # Given an app whose root stack holds a queue with an out-of-range visibility timeout
    cache = tmp_path / "cache"
    builtin = TinyApp(tmp_path / "builtin")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        builtin.build(builtin=True).synth()
    # When it is synthesized with an empty cache, then the synth fails on the rule
    cold = TinyApp(tmp_path / "cold")
    with pytest.raises(RuntimeError, match="F3034"):
        cold.synth_cached(cache)
    # And again with the cache filled: it still fails, without the engine
    warm = TinyApp(tmp_path / "warm")
    engine = CountingEngine()
    app, _ = warm.cached(cache, engine)
    with pytest.raises(RuntimeError, match="F3034"):
        app.synth()
    assert engine.asked == 0
    # And both reports are the built-in plugin's, violation for violation
    assert cold.report() == builtin.report()
    assert warm.report() == builtin.report()


def test_unchanged_templates_are_not_validated_again(tmp_path: Path) -> None:
    # Given a valid app synthesized once through the cache
    cache = tmp_path / "cache"
    valid = {"one": 30, "two": 60, "root": 90}
    first, engine = TinyApp(tmp_path / "first", valid).synth_cached(cache)
    assert engine.asked == 1
    assert sorted(first.validated) == ["one/queues", "root", "two/queues"]
    # When nothing changed and it is synthesized again
    again, engine = TinyApp(tmp_path / "again", valid).synth_cached(cache)
    # Then no template is validated and the engine is never asked for
    assert again.validated == []
    assert engine.asked == 0


def test_a_changed_template_is_validated_again(tmp_path: Path) -> None:
    # Given a valid app synthesized once through the cache
    cache = tmp_path / "cache"
    TinyApp(tmp_path / "first", {"one": 30, "two": 60, "root": 90}).synth_cached(cache)
    # When one stack's queue changes
    changed_app = TinyApp(tmp_path / "changed", {"one": 31, "two": 60, "root": 90})
    changed, engine = changed_app.synth_cached(cache)
    # Then that template alone is validated
    assert changed.validated == ["one/queues"]
    assert engine.asked == 1


def test_a_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    # Given a filled cache whose entries are then damaged: cut short, and of the wrong shape
    cache = tmp_path / "cache"
    tiny = TinyApp(tmp_path / "first")
    with pytest.raises(RuntimeError, match="F3034"):
        tiny.synth_cached(cache)
    entries = sorted(p for p in cache.glob("*.json") if p.name != "validator-version.json")
    assert len(entries) == 3
    good = {p: p.read_bytes() for p in entries}
    entries[0].write_bytes(good[entries[0]][:20])
    entries[1].write_text(json.dumps({"key": entries[1].stem, "violations": [{"rule": 1}]}))
    # When the app is synthesized again
    again = TinyApp(tmp_path / "again")
    app, plugin = again.cached(cache, CountingEngine())
    with pytest.raises(RuntimeError, match="F3034"):
        app.synth()
    # Then the damaged entries were validated again and rewritten as they were, the error kept
    assert len(plugin.validated) == 2
    assert {p: p.read_bytes() for p in entries} == good
    assert again.report()["pluginReports"] == tiny.report()["pluginReports"]


def test_the_key_changes_with_the_versions_and_the_target() -> None:
    # Given one template under the validator versions of today
    template = b'{"Resources": {}}'
    today = ValidationCache(Path("unused"), ValidatorVersions("2.275.0", "1.12.1"))
    key = today.key(template, "123456789012", "eu-west-1")
    # Then another aws-cdk-lib, another validator, account, region or template is another key
    others = {
        ValidationCache(Path("unused"), ValidatorVersions("2.276.0", "1.12.1")).key(
            template, "123456789012", "eu-west-1"
        ),
        ValidationCache(Path("unused"), ValidatorVersions("2.275.0", "1.13.0")).key(
            template, "123456789012", "eu-west-1"
        ),
        today.key(template, "210987654321", "eu-west-1"),
        today.key(template, "123456789012", "us-east-1"),
        today.key(template, None, None),
        today.key(b'{"Resources": {} }', "123456789012", "eu-west-1"),
    }
    assert key not in others
    assert len(others) == 6
    # And the same inputs are the same key
    assert key == today.key(template, "123456789012", "eu-west-1")


def test_the_plugin_is_named_and_versioned_as_the_built_in_one(tmp_path: Path) -> None:
    # Given the validator's version read from aws-cdk-lib's package, then remembered
    versions = validator_versions(tmp_path)
    # Then it is the one the real plugin reports, and the second read agrees
    assert versions.validator == shared_engine().version
    assert validator_versions(tmp_path) == versions
    assert (tmp_path / "validator-version.json").exists()
    # And the cached plugin reports under the built-in's name (CDK's report, downgrading and
    # acknowledgements key on it) and version
    plugin = CachedCloudFormationValidation(tmp_path)
    assert plugin.name == CloudFormationValidatePlugin.PLUGIN_NAME
    assert plugin.version == shared_engine().version


def test_the_switch_that_turns_validation_off_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given aws-cdk-lib's own switch turned off, then no plugin is registered
    monkeypatch.setenv(VALIDATION_SWITCH, "false")
    assert add_cached_validation(App(outdir=str(tmp_path)), tmp_path / "cache") is None


def test_the_app_validates_every_template_through_the_cache(synthesized: Synthesized) -> None:
    # Given the session's synth of every environment (build_app's default cache)
    cache = ValidationCache(VALIDATION_CACHE, validator_versions(VALIDATION_CACHE))
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    templates = sorted(synthesized.outdir.rglob("*.template.json"))
    assert len(templates) > 30
    # Then each template's result is stored under its key
    targets = {
        Path(a["properties"]["templateFile"]).name: a["environment"]
        for a in _stack_artifacts(synthesized.outdir, manifest)
    }
    for template in templates:
        _, _, account, region = targets[template.name].split("/", 3)
        account_or_none = None if account == "unknown-account" else account
        region_or_none = None if region == "unknown-region" else region
        key = cache.key(template.read_bytes(), account_or_none, region_or_none)
        assert cache.load(key) == [], template.name


def _stack_artifacts(outdir: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    artifacts = []
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "aws:cloudformation:stack":
            artifacts.append(artifact)
        elif artifact["type"] == "cdk:cloud-assembly":
            nested = outdir / artifact["properties"]["directoryName"]
            nested_manifest = json.loads((nested / "manifest.json").read_text())
            artifacts += _stack_artifacts(nested, nested_manifest)
    return artifacts
