"""Customer-managed KMS keys: one per stack that needs one, so no key crosses a stack boundary."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
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


# What CloudWatch Logs needs of a key (its documented key policy).
LOGS_KEY_ACTIONS = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)


def allow_log_group(key: kms.IKey, log_group_name: str) -> None:
    """Let CloudWatch Logs use ``key`` for the log group ``log_group_name`` only (the
    encryption context names it)."""
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            actions=list(LOGS_KEY_ACTIONS),
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            resources=["*"],
            conditions={
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:"
                        f"log-group:{log_group_name}"
                    )
                }
            },
        )
    )
