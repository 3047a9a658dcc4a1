"""One wiring pattern: the stage wires every stack by argument, every function is packaged and
imported one way and runs with every shared setting."""

from __future__ import annotations

import ast
from pathlib import Path

from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.constructs.function_code import LAMBDAS_ROOT
from tests.infra.conftest import Synthesized

INFRA = Path(__file__).resolve().parents[2] / "infra"
# Functions the user pool calls: they take the pool from the event, not a setting (a cycle).
POOL_TRIGGERS = frozenset({"cognito"})


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_no_stack_or_construct_reaches_into_the_stage() -> None:
    # The stage imports the stacks; nothing below it imports the stage (no cycle, no in_stage).
    offenders = [
        path.relative_to(INFRA).as_posix()
        for folder in ("stacks", "constructs")
        for path in (INFRA / folder).glob("*.py")
        if "infra.stage" in _imports(path)
    ]
    assert offenders == []


def test_every_function_is_lambdas_fn_handler_with_every_shared_setting(
    synthesized: Synthesized, env: str
) -> None:
    stage = synthesized.stage(env)
    shared = set(stage.resources.settings(stage.api))
    seen = []
    for stack in (child for child in stage.node.children if isinstance(child, Stack)):
        template = Template.from_stack(stack)
        for function in template.find_resources("AWS::Lambda::Function").values():
            properties = function["Properties"]
            if "Layers" not in properties:  # CDK's own helpers (bucket notifications, ...)
                continue
            service = properties["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
            seen.append(service)
            # Then it is lambdas/<fn>/handler.py, imported by its package path
            assert properties["Handler"] == f"lambdas.{service}.handler.handler"
            assert (LAMBDAS_ROOT / service / "handler.py").is_file()
            # And it has every shared setting (no function falls back to a default)
            expected = shared - {"STRATA_USER_POOL_ID"} if service in POOL_TRIGGERS else shared
            assert expected <= set(properties["Environment"]["Variables"])
    assert {"api", "ingest", "cognito", "maintenance", "streams", "realtime"} <= set(seen)
