"""The Bedrock foundation models the functions call, granted by model id."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam


def model_arn(stack: Stack, model_id: str) -> str:
    return f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{model_id}"


def grant_invoke(grantee: iam.IRole, model_ids: Iterable[str]) -> None:
    """Let ``grantee`` invoke the models (``bedrock:Converse`` is authorized by InvokeModel)."""
    stack = Stack.of(grantee)
    grantee.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["bedrock:InvokeModel"],
            resources=[model_arn(stack, model) for model in sorted(set(model_ids))],
        )
    )
