"""Every function's code asset, packaged one way: ``lambdas/<fn>`` staged as ``<dir>/lambdas/<fn>``.

A function imports itself as ``lambdas.<fn>`` (as the tests, the local stack and ``make openapi``
do) and Lambda calls ``lambdas.<fn>.handler.handler``, so the asset must keep that path; an asset
of ``lambdas/<fn>`` alone would put ``handler.py`` at its root. The staged copy lives under
``build/functions`` (git-ignored) in a directory named by the function and the hash of its
sources: the same sources give the same directory and the same asset hash on every synth, and
concurrent synths never write into a directory another one is reading.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
    digest = hashlib.sha256()
    for path in _sources(source):
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


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

    def staged(self) -> Path:
        """The directory to give ``Code.from_asset``: it holds ``lambdas/<fn>/...`` only."""
        source, root = self.source, self.staging_root
        target = root / f"{self.package}-{source_hash(source)}"
        if target.is_dir():
            return target
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{self.package}-", dir=root))
        for path in _sources(source):
            destination = scratch / self.lambdas_root.name / self.package / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        try:
            os.rename(scratch, target)
        except OSError:
            # Another synth staged the same sources first; theirs is identical.
            shutil.rmtree(scratch, ignore_errors=True)
        for stale in root.glob(f"{self.package}-*"):
            if stale != target and stale.name.rpartition("-")[0] == self.package:
                shutil.rmtree(stale, ignore_errors=True)
        return target
