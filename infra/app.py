"""Build the CDK app: every configured environment (or the one ``-c env=...`` names)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from infra.cached_validation import add_cached_validation
from infra.config import CONTEXT_KEY, ENV_CONTEXT_KEY, EnvironmentConfig, load_environments
from infra.names import ACCOUNT_STACK, PROJECT
from infra.stacks.account import AccountStack
from infra.stage import StrataStage

REPO_ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = REPO_ROOT / "cdk.json"
# Each template's CloudFormation validation result, by content (infra/validation_cache.py).
VALIDATION_CACHE = REPO_ROOT / "build" / "validation-cache"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """cdk.json's context. The cdk CLI passes it itself; ``python app.py`` and tests do not."""
    context = json.loads(path.read_text(encoding="utf-8")).get("context", {})
    if not isinstance(context, dict):
        raise ValueError(f"{path}: 'context' must be an object")
    return context


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    base_context: Mapping[str, Any] | None = None,
    validation_cache: Path = VALIDATION_CACHE,
) -> App:
    """The app with one :class:`StrataStage` per environment and cdk-nag on every stack.

    ``base_context`` defaults to cdk.json's; ``context`` overrides it (``env``, the bundling
    switch); the cdk CLI's own ``-c`` values override both. aws-cdk-lib's CloudFormation
    validation runs through a cache of its results in ``validation_cache``.
    """
    merged = {**(cdk_json_context() if base_context is None else base_context), **(context or {})}
    app = App(context=merged, outdir=outdir, builtin_cloud_formation_validation=False)
    selected = app.node.try_get_context(ENV_CONTEXT_KEY)
    environments = app.node.try_get_context(CONTEXT_KEY)
    configs = load_environments(environments, selected)
    for config in configs:
        StrataStage(app, config)
    add_account_stacks(app, configs)
    add_cached_validation(app, validation_cache)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


def add_account_stacks(app: App, configs: Sequence[EnvironmentConfig]) -> list[AccountStack]:
    """One :class:`AccountStack` per account and region the environments deploy to.

    ``strata-account`` when they share one target (or name none); otherwise
    ``strata-account-<account>-<region>`` for each.
    """
    targets = sorted({(c.account, c.region) for c in configs}, key=lambda t: (str(t[0]), str(t[1])))
    stacks = []
    for account, region in targets:
        suffix = "" if len(targets) == 1 else f"-{account or 'any'}-{region or 'any'}"
        stack = AccountStack(
            app,
            f"{ACCOUNT_STACK}{suffix}",
            stack_name=f"{ACCOUNT_STACK}{suffix}",
            env=Environment(account=account, region=region),
        )
        Tags.of(stack).add("project", PROJECT)
        stacks.append(stack)
    return stacks
