"""The Bedrock models the functions call, granted by model id.

A model id is a foundation model (``amazon.titan-embed-text-v2:0``: invoked in the stack's
region) or a system-defined cross-region inference profile (``us.``/``eu.``/``apac.``/... or
``global.`` + a foundation model id). A profile routes each request to the foundation model in
one of several regions, and Bedrock authorizes both: the caller needs ``bedrock:InvokeModel`` on
the profile ARN in its own region *and* on the foundation model in every destination region.
The second statement names the model in any region (``*``: the destination list is AWS's to
change) and, through ``bedrock:InferenceProfileArn``, only when the call comes through the
profile; a ``global.`` profile also needs the region-less foundation-model ARN.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from infra.nag import acknowledge

# The prefixes of system-defined inference profiles (strata.assistant.model_check has the same
# list; a test keeps them equal).
INFERENCE_PROFILE_PREFIXES: tuple[str, ...] = (
    "us-gov.",
    "us.",
    "eu.",
    "apac.",
    "jp.",
    "au.",
    "ca.",
    "global.",
)
INVOKE = "bedrock:InvokeModel"
# ConverseStream (and InvokeModelWithResponseStream) are authorized by this action alone.
STREAM = "bedrock:InvokeModelWithResponseStream"


def split_profile(model_id: str) -> tuple[str | None, str]:
    """``(prefix without the dot, foundation model id)``; the prefix is None for a model id."""
    for prefix in INFERENCE_PROFILE_PREFIXES:
        if model_id.startswith(prefix):
            return prefix.rstrip("."), model_id[len(prefix) :]
    return None, model_id


def model_arn(stack: Stack, model_id: str, region: str | None = None) -> str:
    where = stack.region if region is None else region
    return f"arn:{stack.partition}:bedrock:{where}::foundation-model/{model_id}"


def profile_arn(stack: Stack, profile_id: str) -> str:
    where = f"{stack.partition}:bedrock:{stack.region}:{stack.account}"
    return f"arn:{where}:inference-profile/{profile_id}"


def grant_invoke(grantee: iam.IRole, model_ids: Iterable[str], *, action: str = INVOKE) -> None:
    """Let ``grantee`` invoke the models (``bedrock:Converse`` is authorized by InvokeModel);
    ``action=STREAM`` grants the streaming call (``ConverseStream``) instead."""
    stack = Stack.of(grantee)
    ids = sorted(set(model_ids))
    foundation = [model_arn(stack, model) for model in ids if split_profile(model)[0] is None]
    if foundation:
        grantee.add_to_principal_policy(iam.PolicyStatement(actions=[action], resources=foundation))
    for model in ids:
        prefix, underlying = split_profile(model)
        if prefix is not None:
            _grant_profile(grantee, stack, model, prefix, underlying, action=action)


def _grant_profile(
    grantee: iam.IRole,
    stack: Stack,
    profile_id: str,
    prefix: str,
    underlying: str,
    *,
    action: str,
) -> None:
    profile = profile_arn(stack, profile_id)
    grantee.add_to_principal_policy(iam.PolicyStatement(actions=[action], resources=[profile]))
    destinations = [model_arn(stack, underlying, "*")]
    if prefix == "global":
        destinations.append(model_arn(stack, underlying, ""))
    grantee.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[action],
            resources=destinations,
            conditions={"StringEquals": {"bedrock:InferenceProfileArn": profile}},
        )
    )
    acknowledge(
        grantee,
        "IAM5",
        f"the {profile_id} inference profile routes to {underlying} in regions AWS chooses; the "
        "statement names that one model in any region and holds only for calls made through "
        "the profile (bedrock:InferenceProfileArn condition)",
        applies_to=f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{underlying}",
    )
