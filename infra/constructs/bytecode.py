"""Bytecode in the deployed assets, compiled by a Python of the Lambda runtime's own version.

Lambda's ``/var/task`` and ``/opt`` are read-only, so Python cannot write ``__pycache__`` there:
an asset without ``.pyc`` files compiles every module it imports on every cold start. Bytecode
is specific to the interpreter's minor version (a ``cpython-311`` file is ignored by 3.14, it
would only take space), so only a Python of the runtime's version (3.14) can compile it; it does
not depend on the processor (the same files serve arm64). The files are compiled with
``--invalidation-mode unchecked-hash``: the runtime uses them without comparing them to the
sources, whose timestamps the asset's zip does not keep.

The interpreter is the context value ``bytecode_python`` (a path: ``-c bytecode_python=...``),
else ``python3.14`` on ``PATH``. Without one the assets carry sources only, as before, and the
synth says so (:data:`MISSING_WARNING`, once per stage); a configured path that is not a Python
of that version stops synth.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aws_cdk import Annotations, Stage
from constructs import Construct

CONTEXT_KEY = "bytecode_python"
WARNING_ID = "strata:bytecode"
MISSING_WARNING = (
    "no Python {version} interpreter here (context bytecode_python, or python{version} on PATH): "
    "the functions' code and layers are deployed without bytecode, so each cold start compiles "
    "what it imports"
)
_VERSION_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


class BytecodeError(Exception):
    """The configured interpreter is missing or of another Python version."""


@cache
def _version_of(interpreter: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 (an interpreter path, fixed arguments, no shell)
            [interpreter, "-c", _VERSION_PROBE], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


@dataclass(frozen=True)
class BytecodeCompiler:
    """Compiles trees for Python ``python`` (``3.14``) with ``interpreter``, if there is one."""

    python: str
    interpreter: Path | None

    @classmethod
    def find(cls, python: str, configured: str | None = None) -> BytecodeCompiler:
        """The configured interpreter (checked), else ``python<version>`` on ``PATH``, else
        none."""
        if configured:
            if _version_of(configured) != python:
                raise BytecodeError(
                    f"{CONTEXT_KEY}={configured} is not a Python {python} interpreter"
                )
            return cls(python, Path(configured))
        found = shutil.which(f"python{python}")
        if found is not None and _version_of(found) == python:
            return cls(python, Path(found))
        return cls(python, None)

    @classmethod
    def for_scope(cls, scope: Construct, python: str) -> BytecodeCompiler:
        """:meth:`find`, with the interpreter configured in ``scope``'s context."""
        configured = scope.node.try_get_context(CONTEXT_KEY)
        return cls.find(python, str(configured) if configured else None)

    @property
    def available(self) -> bool:
        return self.interpreter is not None

    @property
    def tag(self) -> str:
        """What names a compiled tree apart from a source-only one: ``pyc314`` (or ``src``)."""
        return f"pyc{self.python.replace('.', '')}" if self.available else "src"

    def compile(self, tree: Path, *, strict: bool = True) -> None:
        """Write ``__pycache__/<module>.cpython-<version>.pyc`` beside every module of ``tree``;
        nothing when there is no interpreter. ``strict``: a module that does not compile stops
        synth (our code); otherwise it stays source only (third-party packages ship the odd
        file that is not meant to be imported, such as templates or test data)."""
        if self.interpreter is None:
            return
        command = [
            str(self.interpreter), "-m", "compileall", "-q", "-j", "0",
            "--invalidation-mode", "unchecked-hash", str(tree),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if strict and done.returncode != 0:
            raise BytecodeError(f"{tree} does not compile: {done.stdout or done.stderr}")

    def warn_if_missing(self, scope: Construct, warned: set[str]) -> None:
        """Say once per stage (``warned`` holds the stages told) that assets carry no bytecode."""
        if self.available:
            return
        stage = Stage.of(scope)
        key = stage.node.path if stage is not None else ""
        if key in warned:
            return
        warned.add(key)
        Annotations.of(scope).add_warning_v2(
            WARNING_ID, MISSING_WARNING.format(version=self.python)
        )
