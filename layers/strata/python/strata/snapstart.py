"""Lambda SnapStart runtime hooks, registered one way, and nothing at all outside Lambda.

With SnapStart (the environment's ``snap_start``, docs/ENVIRONMENTS.md), Lambda initializes a
function once when a version is published, snapshots the memory, and resumes every new execution
environment of that version from the same snapshot. The runtime's ``snapshot_restore_py`` module
calls hooks before the snapshot and after each restore; it exists only in Lambda's Python runtimes
(3.12+), so it is imported here alone, guardedly: in tests, the local stack and the CLI
:func:`register` registers nothing and the code runs exactly as it does without SnapStart. Where
the function runs without SnapStart the runtime never calls the hooks (no snapshot, no restore).

What SnapStart asks of Strata (docs/DECISIONS.md, issue 16):

- **Priming, without network.** Before the snapshot: the settings are read and validated, the
  function's own ``prime`` runs (the api function imports every route area its import left to
  the first request, then resolves a public request in process), and the validators of every
  Strata model imported by then are built (they are deferred to first use, ``defer_build``,
  which without SnapStart spares a cold start the models it never touches). Nothing here builds
  a boto3 client, opens a connection or reads credentials: clients are built by the cached
  ``build_*`` factories on the first request, after the restore, with the credentials the
  restored environment has. Registering the hooks imports nothing (no pydantic, no settings).
- **Uniqueness.** ``uuid.uuid4``, ``secrets`` and the ULIDs' random part (python-ulid draws
  ``os.urandom``) read the kernel's entropy at each call: unique after a restore without help.
  The ``random`` module's generator was seeded at import, so every environment resumed from one
  snapshot would draw the same retry jitter: it is re-seeded after each restore. The ULID
  generator's monotonic state (last millisecond and random part) is dropped too.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

RUNTIME_HOOKS_MODULE = "snapshot_restore_py"
# Models of these packages are built before the snapshot (third-party ones are left as they are).
OWN_PACKAGES = ("strata.", "lambdas.")

Prime = Callable[[], object]


def runtime_hooks() -> ModuleType | None:
    """The runtime's ``snapshot_restore_py``, or ``None`` outside Lambda's Python runtime."""
    try:
        return importlib.import_module(RUNTIME_HOOKS_MODULE)
    except ModuleNotFoundError:
        return None


def _models(base: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


def build_deferred_models(packages: tuple[str, ...] = OWN_PACKAGES) -> int:
    """Build the validators of the imported models of ``packages`` that are not built yet;
    returns how many. A model whose annotations cannot be resolved yet stays deferred."""
    from pydantic import BaseModel  # noqa: PLC0415 - registering the hooks loads no pydantic
    from pydantic.errors import PydanticUndefinedAnnotation  # noqa: PLC0415

    built = 0
    for model in set(_models(BaseModel)):
        if model.__pydantic_complete__ or not model.__module__.startswith(packages):
            continue
        try:
            model.model_rebuild(force=True)
        except PydanticUndefinedAnnotation:
            continue
        built += 1
    return built


def before_snapshot(prime: Prime | None = None) -> None:
    """What a first request needs, done once for every environment the snapshot resumes.

    The function's ``prime`` runs before the models are built: it imports what the function's
    own import left to the first request (the api's route areas), and their models with it.
    """
    from strata.config import get_settings  # noqa: PLC0415

    get_settings()
    if prime is not None:
        prime()
    build_deferred_models()


def after_restore() -> None:
    """Give this environment its own randomness (it shares the snapshot's memory with others)."""
    from strata import ids  # noqa: PLC0415

    random.seed()  # from os.urandom
    ids.reset_generator()


def register(prime: Prime | None = None) -> bool:
    """Register :func:`before_snapshot` (with ``prime``) and :func:`after_restore`.

    Call it once, at the import of a handler module. Returns whether the runtime's hooks module
    was there (``False``: nothing registered, nothing changes).
    """
    hooks = runtime_hooks()
    if hooks is None:
        return False
    hooks.register_before_snapshot(before_snapshot, prime)
    hooks.register_after_restore(after_restore)
    return True


__all__ = [
    "after_restore",
    "before_snapshot",
    "build_deferred_models",
    "register",
    "runtime_hooks",
]
