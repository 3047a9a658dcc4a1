"""``strata``: the operations CLI. Each concern registers its commands on the root app.

The target (local stack or ``--env NAME``) is resolved once per invocation; tests hand a ready
:class:`ops.target.Target` in through ``CliRunner.invoke(app, args, obj=target)``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ops import backup, imports, migrate, redrive, reindex, stats, verify
from ops.context import Lazy
from ops.target import Target

app = typer.Typer(
    name="strata",
    help="Operate a Strata environment: import, export, migrate, back up, verify, repair.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    env: Annotated[
        str | None, typer.Option("--env", help="A deployed environment (default: local stack)")
    ] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile for --env")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region for --env")] = None,
) -> None:
    if isinstance(ctx.obj, Target):
        return
    ctx.obj = Lazy(env, profile, region)


imports.register(app)
migrate.register(app)
backup.register(app)
app.command("reindex")(reindex.reindex_command)
app.command("redrive")(redrive.redrive_command)
app.command("verify")(verify.verify_command)
app.command("stats")(stats.stats_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
