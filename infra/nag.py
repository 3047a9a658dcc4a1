"""cdk-nag acknowledgments. Each names the exact finding, on the construct that draws it, with
the reason it is safe; any other finding fails synth."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


def finding_id(rule: str, applies_to: str | None = None) -> str:
    """``AwsSolutions::AwsSolutions-IAM4[Policy::...]`` as cdk-nag 3 reports it."""
    suffix = f"[{applies_to}]" if applies_to else ""
    return f"{PACK}::{PACK}-{rule}{suffix}"


def managed_policy(name: str) -> str:
    """The ``appliesTo`` of an IAM4 finding for the AWS managed policy ``name``."""
    return f"Policy::arn:<AWS::Partition>:iam::aws:policy/{name}"


def acknowledge(
    scope: IConstruct, rule: str, reason: str, *, applies_to: str | None = None
) -> None:
    Validations.of(scope).acknowledge(
        Acknowledgment(id=finding_id(rule, applies_to), reason=reason)
    )
