"""Log groups that hold what names callers (access logs): encrypted with a stack's own key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.function import retention
from infra.constructs.keys import allow_log_group


def encrypted_log_group(
    scope: Construct, construct_id: str, *, name: str, key: kms.IKey, config: EnvironmentConfig
) -> logs.LogGroup:
    """The log group ``name`` encrypted with ``key`` (which may serve that group only), kept for
    the environment's retention and retained where the environment retains its data."""
    allow_log_group(key, name)
    group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        encryption_key=key,
        retention=retention(config.log_retention_days),
        removal_policy=RemovalPolicy.RETAIN if config.is_retained else RemovalPolicy.DESTROY,
    )
    group.node.add_dependency(key)
    return group
