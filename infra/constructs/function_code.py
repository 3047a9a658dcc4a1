"""Every function's code asset, packaged one way: ``lambdas/<fn>`` staged as ``<dir>/lambdas/<fn>``.

A function imports itself as ``lambdas.<fn>`` (as the tests, the local stack and ``make openapi``
do) and Lambda calls ``lambdas.<fn>.handler.handler``, so the asset must keep that path; an asset
of ``lambdas/<fn>`` alone would put ``handler.py`` at its root. The staged copy lives under
``build/functions`` (git-ignored) in a directory named by the function and the hash of its
sources: the same sources give the same directory and the same asset hash on every synth, and
concurrent synths never write into a directory another one is reading.

Given a :class:`~infra.constructs.bytecode.BytecodeCompiler` with a Python of the runtime's
version, the staged copy also carries bytecode (its directory name then ends in ``-pyc314``);
:func:`stage_files` stages any tree that way (the strata layer uses it too).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from infra.constructs.bytecode import BytecodeCompiler

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDAS_ROOT = REPO_ROOT / "lambdas"
STAGING_ROOT = REPO_ROOT / "build" / "functions"
HANDLER_MODULE = "handler"
HANDLER_FUNCTION = "handler"


def _sources(source: Path) -> list[Path]:
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def source_hash(source: Path) -> str:
    return _files_hash(
        (path, PurePosixPath(path.relative_to(source).as_posix())) for path in _sources(source)
    )


def _files_hash(files: Iterable[tuple[Path, PurePosixPath]]) -> str:
    digest = hashlib.sha256()
    for path, relative in files:
        digest.update(relative.as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _variant(directory: str, name: str) -> str | None:
    """``api-<hash>`` -> ``""``, ``api-<hash>-pyc314`` -> ``"pyc314"``, another name -> None."""
    prefix, _, rest = directory.partition("-")
    return rest.partition("-")[2] if prefix == name else None


def stage_files(
    files: list[tuple[Path, PurePosixPath]],
    *,
    root: Path,
    name: str,
    compiler: BytecodeCompiler | None = None,
) -> Path:
    """Copy ``files`` (source, path in the copy) into ``<root>/<name>-<hash>[-<tag>]``, compiled
    when ``compiler`` has an interpreter; the same files give the same directory, built once.
    Older copies of ``name`` of the same kind (compiled or not) are removed."""
    compiled = compiler is not None and compiler.available
    tag = compiler.tag if compiler is not None and compiled else ""
    target = root / "-".join(part for part in (name, _files_hash(files), tag) if part)
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    for path, relative in files:
        destination = scratch / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    if compiler is not None:
        compiler.compile(scratch)
    try:
        os.rename(scratch, target)
    except OSError:
        # Another synth staged the same sources first; theirs is identical.
        shutil.rmtree(scratch, ignore_errors=True)
    for stale in root.glob(f"{name}-*"):
        if stale != target and _variant(stale.name, name) == tag:
            shutil.rmtree(stale, ignore_errors=True)
    return target


@dataclass(frozen=True)
class FunctionCode:
    """The code of function ``package``: ``<lambdas_root>/<package>/handler.py``."""

    package: str
    lambdas_root: Path = LAMBDAS_ROOT
    staging_root: Path = STAGING_ROOT

    def __post_init__(self) -> None:
        if not self.package.isidentifier():
            raise ValueError(f"a function package must be a Python identifier: {self.package!r}")
        if not (self.source / f"{HANDLER_MODULE}.py").is_file():
            raise ValueError(f"{self.source} has no {HANDLER_MODULE}.py")

    @property
    def source(self) -> Path:
        return self.lambdas_root / self.package

    @property
    def handler(self) -> str:
        """What Lambda calls: ``lambdas.<fn>.handler.handler``."""
        return f"{self.lambdas_root.name}.{self.package}.{HANDLER_MODULE}.{HANDLER_FUNCTION}"

    def staged(self, compiler: BytecodeCompiler | None = None) -> Path:
        """The directory to give ``Code.from_asset``: it holds ``lambdas/<fn>/...`` only (and
        its bytecode, given a ``compiler`` with an interpreter)."""
        source = self.source
        package = PurePosixPath(self.lambdas_root.name, self.package)
        files = [(path, package / path.relative_to(source).as_posix()) for path in _sources(source)]
        return stage_files(files, root=self.staging_root, name=self.package, compiler=compiler)
