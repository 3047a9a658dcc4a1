"""cdk.json's environments: typed, complete, and refused with the key named when wrong."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from infra.app import REPO_ROOT, build_app, cdk_json_context
from infra.config import (
    CONTEXT_KEY,
    ENVIRONMENT_NAMES,
    LOG_RETENTION_DAYS,
    ConfigError,
    load_environment,
    load_environments,
)
from infra.constructs.function import RETENTION_BY_DAYS

ContextFactory = Callable[[], dict[str, Any]]


def test_cdk_json_defines_every_environment() -> None:
    configs = load_environments(cdk_json_context()[CONTEXT_KEY])
    assert tuple(c.name for c in configs) == ENVIRONMENT_NAMES


def test_selected_environment_only() -> None:
    (config,) = load_environments(cdk_json_context()[CONTEXT_KEY], "staging")
    assert config.name == "staging"


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown environment 'qa'"):
        load_environments(cdk_json_context()[CONTEXT_KEY], "qa")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("point_in_time_recovery",), "environments.prod.point_in_time_recovery: Field required"),
        (("backup", "daily_retention_days"), "environments.prod.backup.daily_retention_days"),
        (("ingest", "timeout_seconds"), "environments.prod.ingest.timeout_seconds"),
        (("vector_store",), "environments.prod.vector_store: Field required"),
    ],
)
def test_missing_key_is_named(
    environments_context: ContextFactory, path: tuple[str, ...], message: str
) -> None:
    # Given prod's settings without one key
    environments = environments_context()[CONTEXT_KEY]
    holder = environments["prod"]
    for part in path[:-1]:
        holder = holder[part]
    del holder[path[-1]]
    # Then loading names the key
    with pytest.raises(ConfigError, match=message):
        load_environment("prod", environments)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("vector_dimension", "1024", "environments.dev.vector_dimension"),
        ("vector_dimension", 768, "environments.dev.vector_dimension"),
        ("deletion_protection", "false", "environments.dev.deletion_protection"),
        ("mfa", "sometimes", "environments.dev.mfa"),
        ("vector_store", "pinecone", "environments.dev.vector_store"),
        ("log_retention_days", 10, "log_retention_days must be one of"),
        ("alarm_email", "not-an-email", "environments.dev.alarm_email"),
        ("cors_origins", ["ftp://x"], "environments.dev.cors_origins.0"),
        ("aoss_vpc_endpoint_id", "endpoint-1", "environments.dev.aoss_vpc_endpoint_id"),
        ("unexpected_key", True, "environments.dev.unexpected_key: Extra inputs"),
    ],
)
def test_ill_typed_key_is_named(
    environments_context: ContextFactory, key: str, value: object, message: str
) -> None:
    environments = environments_context()[CONTEXT_KEY]
    environments["dev"][key] = value
    with pytest.raises(ConfigError, match=message):
        load_environment("dev", environments)


def test_a_vpc_only_collection_is_refused_with_the_reason(
    environments_context: ContextFactory,
) -> None:
    # Given an environment naming a well-formed OpenSearch Serverless VPC endpoint
    environments = environments_context()[CONTEXT_KEY]
    environments["prod"]["aoss_vpc_endpoint_id"] = "vpce-0123456789abcdef0"
    # When it is loaded
    with pytest.raises(ConfigError) as refused:
        load_environment("prod", environments)
    # Then synth stops, naming the key and saying why it cannot work yet
    message = str(refused.value)
    assert "environments.prod.aoss_vpc_endpoint_id" in message
    assert "no Strata function runs in a VPC" in message
    assert "CloudFormation creates the vector indexes from outside it" in message


def test_cold_storage_needs_ninety_more_days(environments_context: ContextFactory) -> None:
    environments = environments_context()[CONTEXT_KEY]
    environments["prod"]["backup"]["monthly_retention_days"] = 120
    with pytest.raises(ConfigError, match="monthly_cold_storage_after_days \\+ 90"):
        load_environment("prod", environments)


def test_build_app_stops_on_a_bad_config(environments_context: ContextFactory) -> None:
    context = environments_context()
    del context[CONTEXT_KEY]["staging"]["alarm_email"]
    with pytest.raises(ConfigError, match=r"environments\.staging\.alarm_email"):
        build_app(base_context=context)


def test_synth_exits_1_naming_an_unknown_environment() -> None:
    # When app.py runs for an environment cdk.json does not define
    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter and app.py)
        [sys.executable, str(REPO_ROOT / "app.py"), "-c", "env=qa"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    # Then it stops before synthesizing, naming the environment
    assert result.returncode == 1
    assert "unknown environment 'qa'" in result.stderr


def test_every_allowed_log_retention_maps_to_cloudwatch() -> None:
    assert set(RETENTION_BY_DAYS) == LOG_RETENTION_DAYS


def test_dev_and_prod_differ_where_config_says_so() -> None:
    dev, prod = (load_environment(env, cdk_json_context()[CONTEXT_KEY]) for env in ("dev", "prod"))
    assert (dev.removal_policy, prod.removal_policy) == ("destroy", "retain")
    assert (dev.mfa, prod.mfa) == ("optional", "required")
    assert (dev.aoss_standby_replicas, prod.aoss_standby_replicas) == (False, True)
    assert (dev.deletion_protection, prod.deletion_protection) == (False, True)
