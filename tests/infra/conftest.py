"""Synthesize every environment once per session (bundling skipped) and hand out templates."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from infra.app import build_app, cdk_json_context
from infra.config import CONTEXT_KEY, ENVIRONMENT_NAMES, EnvironmentConfig, load_environment
from infra.names import Names
from infra.stage import StrataStage

REPLICA_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


@dataclass
class Synthesized:
    app: App
    outdir: Path
    _templates: dict[tuple[str, str], Template] = field(default_factory=dict)

    def stage(self, env: str) -> StrataStage:
        stage = self.app.node.find_child(Names(env).stage)
        assert isinstance(stage, StrataStage)
        return stage

    def config(self, env: str) -> EnvironmentConfig:
        return self.stage(env).config

    def stack(self, env: str, concern: str) -> Stack:
        stack = getattr(self.stage(env), concern)
        assert isinstance(stack, Stack)
        return stack

    def template(self, env: str, concern: str) -> Template:
        key = (env, concern)
        if key not in self._templates:
            self._templates[key] = Template.from_stack(self.stack(env, concern))
        return self._templates[key]

    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads(
            (self.outdir / "validation-report.json").read_text(encoding="utf-8")
        )
        return report


def synthesize(
    outdir: Path, context: Mapping[str, Any] | None = None, **kwargs: Any
) -> Synthesized:
    app = build_app({**SKIP_BUNDLING, **(context or {})}, outdir=str(outdir), **kwargs)
    app.synth()
    return Synthesized(app=app, outdir=outdir)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """dev, staging and prod from cdk.json, synthesized once with the cdk-nag gate."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(params=ENVIRONMENT_NAMES)
def env(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def environments_context() -> Callable[[], dict[str, Any]]:
    """A deep copy of cdk.json's context, to modify in a test."""
    return lambda: copy.deepcopy(cdk_json_context())


def config_for(env: str, **overrides: Any) -> EnvironmentConfig:
    values = {**cdk_json_context()[CONTEXT_KEY][env], **overrides}
    return load_environment(env, {env: values})


@pytest.fixture(scope="session")
def federated_dev(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """dev with every optional feature on: IdPs, replication, API cache; and the one switch that
    takes something away, OCR, off. (An AOSS VPC endpoint is refused by the config, see
    test_config.py.)"""
    context = copy.deepcopy(cdk_json_context())
    context[CONTEXT_KEY]["dev"].update(
        identity_providers={
            "google": {"client_id": "google-client", "client_secret_name": "strata/dev/google"},
            "amazon": {"client_id": "amzn-client", "client_secret_name": "strata/dev/amazon"},
        },
        replication={
            "bucket_arn": "arn:aws:s3:::strata-dev-replica",
            "kms_key_arn": f"arn:aws:kms:eu-west-1:123456789012:key/{REPLICA_KEY_ID}",
        },
    )
    context[CONTEXT_KEY]["dev"]["api"].update(cache_enabled=True, cache_ttl_seconds=300)
    context[CONTEXT_KEY]["dev"]["ingest"].update(ocr_enabled=False)
    outdir = tmp_path_factory.mktemp("cdk.out.federated")
    return synthesize(outdir, {"env": "dev"}, base_context=context)


def vector_actions(store: str, *, write: bool = False, sweep: bool = False) -> tuple[str, ...]:
    """The IAM actions a function's role holds for the vector store: OpenSearch authorizes
    through data-access policies (IAM only lets the role call the API), S3 Vectors through IAM
    actions on the index ARNs plus the key's."""
    if store == "opensearch":
        return ("aoss:APIAccessAll",)
    actions = ["s3vectors:QueryVectors", "s3vectors:GetVectors", "kms:Decrypt"]
    if write:
        actions += ["s3vectors:PutVectors", "s3vectors:DeleteVectors", "kms:GenerateDataKey"]
    if sweep:
        actions.append("s3vectors:ListVectors")
    return tuple(actions)
