"""Find each environment's stack templates in a cloud assembly (``cdk.out``) and read them."""

from __future__ import annotations

import json
from pathlib import Path

from ops.cost.inventory import Inventory, Template, read_inventory

ORDER = ("dev", "staging", "prod")


def read_assembly(outdir: Path) -> dict[str, Inventory]:
    """Every environment in a cloud assembly (``cdk.out``): ``{env: Inventory}``.

    Stacks are grouped by their stack name ``strata-{env}-{concern}``; the account-wide stack
    (``strata-account``) has no environment and nothing the model prices.
    """
    by_env: dict[str, list[Template]] = {}
    for stack_name, template_path in _stacks(outdir):
        parts = stack_name.split("-")
        if len(parts) < 3 or parts[0] != "strata" or parts[1] == "account":
            continue
        env = "-".join(parts[1:-1])
        by_env.setdefault(env, []).append(json.loads(template_path.read_text(encoding="utf-8")))
    if not by_env:
        raise FileNotFoundError(f"no environment stacks in the cloud assembly {outdir}")
    ordered = sorted(
        by_env, key=lambda env: (ORDER.index(env) if env in ORDER else len(ORDER), env)
    )
    return {env: read_inventory(env, by_env[env]) for env in ordered}


def _stacks(outdir: Path) -> list[tuple[str, Path]]:
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    found: list[tuple[str, Path]] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        props = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":
            found += _stacks(outdir / str(props["directoryName"]))
        elif artifact.get("type") == "aws:cloudformation:stack":
            name = str(props.get("stackName", artifact_id))
            found.append((name, outdir / str(props["templateFile"])))
    return found
