"""The target a command works on, resolved once per invocation."""

from __future__ import annotations

import typer

from ops.console import console
from ops.target import Target, TargetError, env_target, local_target


class Lazy:
    """Resolves the target on first use, so `--help` and `--analyze` need no environment."""

    def __init__(self, env: str | None, profile: str | None, region: str | None) -> None:
        self._args = (env, profile, region)
        self._target: Target | None = None

    def get(self) -> Target:
        if self._target is None:
            env, profile, region = self._args
            try:
                self._target = (
                    env_target(env, profile=profile, region=region) if env else local_target()
                )
            except TargetError as exc:
                console.print(f"[red]{exc}[/red]")
                raise typer.Exit(2) from None
        return self._target


def target_of(ctx: typer.Context) -> Target:
    obj = ctx.find_root().obj
    if isinstance(obj, Target):
        return obj
    if isinstance(obj, Lazy):
        return obj.get()
    raise typer.Exit(2)
