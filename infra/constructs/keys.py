"""Customer-managed KMS keys: one per stack that needs one, so no key crosses a stack boundary."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct


def rotating_key(
    scope: Construct, construct_id: str, *, alias: str, description: str, retain: bool
) -> kms.Key:
    """A symmetric key with yearly automatic rotation; retained unless the environment is dev."""
    return kms.Key(
        scope,
        construct_id,
        alias=alias,
        description=description,
        enable_key_rotation=True,
        rotation_period=Duration.days(365),
        pending_window=Duration.days(30 if retain else 7),
        removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
    )
