"""CloudFormation validation through a cache, in place of aws-cdk-lib's built-in plugin.

:class:`CachedCloudFormationValidation` looks each template up in a
:class:`~infra.validation_cache.ValidationCache`; only templates without a stored result go to the
real ``CloudFormationValidatePlugin``, built (and its engine started) on the first such template,
once per process. It reports what the real plugin reports over the same templates: the same
violations, grouped and ordered the same way, addressed to this synth's paths. It carries the
built-in plugin's name, so CDK treats its report as the built-in one's: errors fail the synth
under ``@aws-cdk/core:validateAgainstDefaultRules``, are downgraded to warnings without it, and
acknowledgements use the same rule namespace (``CloudFormation-Validate::<rule>``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import jsii
from aws_cdk import (
    App,
    CloudFormationValidatePlugin,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyValidationStack,
    PolicyViolatingResource,
    PolicyViolation,
    Validations,
)
from constructs import IConstruct

from infra.validation_cache import (
    FAILING_SEVERITIES,
    PLUGIN_NAME,
    Identity,
    StoredViolation,
    ValidationCache,
    validator_versions,
)

# aws-cdk-lib's own switch for its built-in validation (``cdk synth --no-validation`` sets it).
VALIDATION_SWITCH = "CDK_VALIDATION"


@jsii.implements(IPolicyValidationContext)
class _OneTemplate:
    """What the real plugin is shown: one template of this synth."""

    def __init__(self, app_construct: IConstruct, stack: PolicyValidationStack) -> None:
        self._app_construct = app_construct
        self._stack = stack

    @property
    def app_construct(self) -> IConstruct:
        return self._app_construct

    @property
    def stack_templates(self) -> list[PolicyValidationStack]:
        return [self._stack]

    @property
    def template_paths(self) -> list[str]:
        return [self._stack.template_path]

    @property
    def account_id(self) -> str | None:
        return self._stack.account_id

    @property
    def region(self) -> str | None:
        return self._stack.region


@functools.cache
def shared_engine() -> CloudFormationValidatePlugin:
    """The real plugin, built once per process like aws-cdk-lib's own singleton: its
    constructor starts the WebAssembly engine (2.7-4.4 s of CPU)."""
    return CloudFormationValidatePlugin()


@jsii.implements(IPolicyValidationPlugin)
class CachedCloudFormationValidation:
    """aws-cdk-lib's CloudFormation validation, each template's result kept in ``directory``.

    The real plugin is asked for (``engine_factory``) only on the first template without a
    stored result; ``validated`` lists the stacks whose templates it checked for this plugin.
    """

    def __init__(
        self,
        directory: Path,
        engine_factory: Callable[[], CloudFormationValidatePlugin] = shared_engine,
    ) -> None:
        self._directory = directory
        self._engine_factory = engine_factory
        self._engine: CloudFormationValidatePlugin | None = None
        self._store: ValidationCache | None = None
        self.validated: list[str] = []

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return validator_versions(self._directory).validator

    @property
    def rule_ids(self) -> list[str] | None:
        return None  # the real plugin lists them from its engine; only used for analytics

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        stacks = builtin_order(context.stack_templates)
        per_stack = [(stack, self._violations(stack, context)) for stack in stacks]
        violations = merge(per_stack)
        return PolicyValidationPluginReport(
            success=all(v.severity not in FAILING_SEVERITIES for v in violations),
            violations=violations,
        )

    def _cache(self) -> ValidationCache:
        if self._store is None:
            self._store = ValidationCache(self._directory, validator_versions(self._directory))
        return self._store

    def _violations(
        self, stack: PolicyValidationStack, context: IPolicyValidationContext
    ) -> list[StoredViolation]:
        template = Path(stack.template_path).read_bytes()
        key = self._cache().key(template, stack.account_id, stack.region)
        stored = self._cache().load(key)
        if stored is None:
            stored = self._check(stack, context.app_construct)
            self._cache().store(key, stored)
        return stored

    def _check(self, stack: PolicyValidationStack, app: IConstruct) -> list[StoredViolation]:
        if self._engine is None:
            self._engine = self._engine_factory()
        report = self._engine.validate(_OneTemplate(app, stack))
        self.validated.append(stack.stack_construct_path)
        return [StoredViolation.from_report(v) for v in report.violations]


def merge(
    per_stack: Sequence[tuple[PolicyValidationStack, Sequence[StoredViolation]]],
) -> list[PolicyViolation]:
    """One report over every template, grouped as the real plugin groups them when it checks
    them all at once: by rule, severity and description, in order of first appearance, the
    first diagnostic's fix and metadata kept."""
    groups: dict[Identity, tuple[StoredViolation, list[PolicyViolatingResource]]] = {}
    for stack, violations in per_stack:
        for violation in violations:
            _, resources = groups.setdefault(violation.identity, (violation, []))
            resources.extend(r.for_stack(stack) for r in violation.resources)
    return [
        PolicyViolation(
            rule_name=first.rule_name,
            description=first.description,
            severity=first.severity,
            fix=first.fix,
            rule_metadata=first.rule_metadata,
            violating_resources=resources,
        )
        for first, resources in groups.values()
    ]


class _Assembly:
    """A directory of the cloud assembly: its own templates and its nested assemblies."""

    def __init__(self) -> None:
        self.stacks: list[PolicyValidationStack] = []
        self.nested: dict[str, _Assembly] = {}

    def post_order(self) -> list[PolicyValidationStack]:
        return [*(s for a in self.nested.values() for s in a.post_order()), *self.stacks]


def builtin_order(stacks: Sequence[PolicyValidationStack]) -> list[PolicyValidationStack]:
    """The stacks in the order the built-in plugin sees them, which decides the order of its
    violations and of their resources: CDK hands it each nested stage's stacks before its
    parent's (a post-order walk), while a plugin on the app gets the app's stacks first. Each
    stage's assembly is a directory nested in its parent's."""
    root = _Assembly()
    for stack in stacks:
        assembly = root
        for part in Path(stack.template_path).parent.parts:
            assembly = assembly.nested.setdefault(part, _Assembly())
        assembly.stacks.append(stack)
    return root.post_order()


def validation_enabled() -> bool:
    """False under ``CDK_VALIDATION=false``, as for aws-cdk-lib's built-in plugin."""
    return os.environ.get(VALIDATION_SWITCH) != "false"


def add_cached_validation(app: App, directory: Path) -> CachedCloudFormationValidation | None:
    """Register the cached plugin on the app: it sees every stack of every stage, as the
    built-in plugin does. The app must be built with ``builtin_cloud_formation_validation=False``.
    None when validation is switched off."""
    if not validation_enabled():
        return None
    plugin = CachedCloudFormationValidation(directory)
    Validations.of(app).add_plugins(plugin)
    return plugin
