"""``strata verify [--fix]``: the environment, then the data. Exit 0 only when all pass."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ops.checks import Check
from ops.console import console
from ops.context import target_of
from ops.environment import environment_checks
from ops.integrity import integrity_checks
from ops.target import Target


class Scope(StrEnum):
    ALL = "all"
    ENVIRONMENT = "environment"
    DATA = "data"


def run_checks(target: Target, scope: Scope, stuck_after: timedelta) -> list[Check]:
    checks: list[Check] = []
    if scope in (Scope.ALL, Scope.ENVIRONMENT):
        checks += environment_checks(target)
    if scope in (Scope.ALL, Scope.DATA):
        checks += integrity_checks(target, stuck_after=stuck_after)
    return checks


def show(checks: list[Check], title: str) -> None:
    table = RichTable(title=title)
    for column in ("", "area", "check", "detail"):
        table.add_column(column, overflow="fold")
    for check in checks:
        mark = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "[dim]n/a[/]"}[check.ok]
        table.add_row(mark, check.area, check.name, check.detail)
    console.print(table)


def verify_command(
    ctx: typer.Context,
    fix: Annotated[bool, typer.Option(help="Repair what is safe: recounts, orphans")] = False,
    only: Annotated[Scope, typer.Option(help="all, environment or data")] = Scope.ALL,
    stuck_after: Annotated[
        int, typer.Option(help="Minutes after which uploading/processing is stuck")
    ] = 60,
) -> None:
    """Check the environment against strata.schema and the stacks, then the data's integrity."""
    target = target_of(ctx)
    window = timedelta(minutes=stuck_after)
    checks = run_checks(target, only, window)
    show(checks, f"verify {target.name}")
    failing = [c for c in checks if c.failed]
    # Two rounds: a repair that changes items (an orphan deleted, a stuck document ended) can
    # leave a counter computed before it; the second round recounts from the repaired items.
    for _ in range(2 if fix else 0):
        if not any(c.fix is not None for c in failing):
            break
        for check in failing:
            if check.fix is not None:
                console.print(f"fix {check.name}: {check.fix()}", soft_wrap=True)
        checks = run_checks(target, only, window)
        failing = [c for c in checks if c.failed]
    if fix:
        show(checks, f"verify {target.name} after --fix")
    for check in failing:
        if check.fix is not None and not fix:
            console.print(
                f"[yellow]{check.name}: strata verify --fix repairs it[/]", soft_wrap=True
            )
    console.print(f"{len(failing)} check(s) failed" if failing else "[green]all checks passed[/]")
    if failing:
        raise typer.Exit(1)
