"""A build cache for aws-cdk-lib's CloudFormation template validation.

aws-cdk-lib 2.275 validates every synthesized template with ``CloudFormationValidatePlugin``, a
WebAssembly engine whose start-up alone costs seconds of CPU per process. A template's report
depends only on the template's bytes, its account and region, and the validator (aws-cdk-lib's
version, the bundled ``@aws/cloudformation-validate`` version, the plugin's configuration). Here:
the key over those, one stored result per key (:class:`ValidationCache`), and the violations in a
form free of any one synth's paths. The plugin that uses them, in place of the built-in one, is
infra/cached_validation.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import aws_cdk
from aws_cdk import (
    PolicyValidationStack,
    PolicyViolatingResource,
    PolicyViolation,
)

PLUGIN_NAME = "CloudFormation Validate"  # CloudFormationValidatePlugin.PLUGIN_NAME
CACHE_FORMAT = 1
# The real plugin is built with its defaults: the default Rego rules, no extra rules or schemas.
PLUGIN_CONFIG: dict[str, Any] = {"includeDefaultRules": True, "regoRules": [], "guardRules": []}
VALIDATOR_PACKAGE = "package/node_modules/@aws/cloudformation-validate/package.json"
FAILING_SEVERITIES = frozenset({"error", "fatal"})
# What the real plugin groups diagnostics by: rule, severity, description.
Identity = tuple[str, str | None, str]


@dataclass(frozen=True)
class ValidatorVersions:
    aws_cdk_lib: str
    validator: str


def _jsii_tarball() -> Path:
    """aws-cdk-lib's JavaScript package, shipped inside the Python one."""
    return next((Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))


def _read_bundled_version(tarball: Path) -> str:
    """The ``@aws/cloudformation-validate`` version bundled in aws-cdk-lib's tarball (~0.35 s)."""
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if member.name == VALIDATOR_PACKAGE:
                package = archive.extractfile(member)
                if package is not None:
                    return str(json.load(package)["version"])
    raise LookupError(f"{tarball}: no {VALIDATOR_PACKAGE}")


def validator_versions(directory: Path) -> ValidatorVersions:
    """aws-cdk-lib's version and its validator's. Reading the latter from the 38 MB tarball is
    remembered in ``directory`` against the tarball's path, size and modification time."""
    tarball = _jsii_tarball()
    stat = tarball.stat()
    identity = {"tarball": str(tarball), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    memo = directory / "validator-version.json"
    remembered = _read_json(memo)
    if remembered is not None and remembered.get("identity") == identity:
        validator = str(remembered["validator"])
    else:
        validator = _read_bundled_version(tarball)
        _write_json_atomically(memo, {"identity": identity, "validator": validator})
    return ValidatorVersions(aws_cdk_lib=metadata.version("aws-cdk-lib"), validator=validator)


def _read_json(path: Path) -> dict[str, Any] | None:
    """The object in ``path``; None when it is missing, unreadable or not a JSON object."""
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json_atomically(path: Path, value: dict[str, Any]) -> None:
    """Readers see the old file or the whole new one, never a part (concurrent synths). A
    directory that cannot be written only costs the next synth a validation."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=".", suffix=".tmp", delete=False
        ) as out:
            json.dump(value, out, separators=(",", ":"))
        os.replace(out.name, path)
    except OSError:
        return


@dataclass(frozen=True)
class StoredResource:
    """A violating resource without this synth's paths: the logical id, or the stack itself."""

    locations: tuple[str, ...]
    resource_logical_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"locations": list(self.locations), "resourceLogicalId": self.resource_logical_id}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> StoredResource:
        logical_id = value["resourceLogicalId"]
        if logical_id is not None and not isinstance(logical_id, str):
            raise TypeError("resourceLogicalId")
        locations = tuple(str(x) for x in value["locations"])
        return cls(locations=locations, resource_logical_id=logical_id)

    def for_stack(self, stack: PolicyValidationStack) -> PolicyViolatingResource:
        """Addressed as the real plugin does: a resource by its logical id, anything else (an
        output, a parameter, the template) by the stack's construct path."""
        return PolicyViolatingResource(
            locations=list(self.locations),
            resource_logical_id=self.resource_logical_id,
            construct_path=None if self.resource_logical_id else stack.stack_construct_path,
            template_path=stack.template_path,
        )


@dataclass(frozen=True)
class StoredViolation:
    rule_name: str
    description: str
    severity: str | None
    fix: str | None
    rule_metadata: dict[str, str] | None
    resources: tuple[StoredResource, ...]

    @property
    def identity(self) -> Identity:
        """What the real plugin groups diagnostics by, across all the templates it checks."""
        return (self.rule_name, self.severity, self.description)

    def to_json(self) -> dict[str, Any]:
        return {
            "ruleName": self.rule_name,
            "description": self.description,
            "severity": self.severity,
            "fix": self.fix,
            "ruleMetadata": self.rule_metadata,
            "resources": [r.to_json() for r in self.resources],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> StoredViolation:
        given = value["ruleMetadata"]
        rule_metadata = None if given is None else {str(k): str(v) for k, v in given.items()}
        return cls(
            rule_name=str(value["ruleName"]),
            description=str(value["description"]),
            severity=None if value["severity"] is None else str(value["severity"]),
            fix=None if value["fix"] is None else str(value["fix"]),
            rule_metadata=rule_metadata,
            resources=tuple(StoredResource.from_json(r) for r in value["resources"]),
        )

    @classmethod
    def from_report(cls, violation: PolicyViolation) -> StoredViolation:
        given = violation.rule_metadata
        return cls(
            rule_name=violation.rule_name,
            description=violation.description,
            severity=violation.severity,
            fix=violation.fix,
            rule_metadata=None if given is None else dict(given),
            resources=tuple(
                StoredResource(tuple(r.locations), r.resource_logical_id)
                for r in violation.violating_resources
            ),
        )


class ValidationCache:
    """One small JSON file per key in ``directory``: the violations of one template."""

    def __init__(self, directory: Path, versions: ValidatorVersions) -> None:
        self.directory = directory
        self._salt = json.dumps(
            {
                "format": CACHE_FORMAT,
                "aws-cdk-lib": versions.aws_cdk_lib,
                "@aws/cloudformation-validate": versions.validator,
                "config": PLUGIN_CONFIG,
            },
            sort_keys=True,
        ).encode()

    def key(self, template: bytes, account: str | None, region: str | None) -> str:
        """sha256 of the validator's identity, the account and region, and the template."""
        digest = hashlib.sha256(self._salt)
        for part in (account or "", region or ""):
            digest.update(b"\0" + part.encode())
        digest.update(b"\0" + template)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> list[StoredViolation] | None:
        """The stored violations; None when there are none or the entry is unreadable."""
        entry = _read_json(self._path(key))
        if entry is None or entry.get("key") != key:
            return None
        try:
            return [StoredViolation.from_json(v) for v in entry["violations"]]
        except (KeyError, TypeError, AttributeError, ValueError):
            return None

    def store(self, key: str, violations: Iterable[StoredViolation]) -> None:
        _write_json_atomically(
            self._path(key), {"key": key, "violations": [v.to_json() for v in violations]}
        )
