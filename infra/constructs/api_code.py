"""The api function's code asset: ``lambdas/api`` staged as ``<dir>/lambdas/api``.

The function imports itself as ``lambdas.api`` (as the tests and ``make openapi`` do), so the
asset must keep that path; an asset of ``lambdas/api`` alone would put ``app.py`` at its root.
The staged copy lives under ``build/`` (git-ignored) in a directory named by the hash of the
sources: the same sources give the same directory and the same asset hash on every synth, and
concurrent synths never write into a directory another one is reading.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT / "lambdas" / "api"
STAGING_ROOT = REPO_ROOT / "build" / "functions"
HANDLER = "lambdas.api.app.handler"


def _sources(source: Path) -> list[Path]:
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def source_hash(source: Path = SOURCE) -> str:
    digest = hashlib.sha256()
    for path in _sources(source):
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def staged_api_code(source: Path = SOURCE, staging_root: Path = STAGING_ROOT) -> Path:
    """The directory to give ``Code.from_asset``: it holds ``lambdas/api/...`` only."""
    target = staging_root / f"api-{source_hash(source)}"
    if target.is_dir():
        return target
    staging_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".api-", dir=staging_root))
    for path in _sources(source):
        destination = scratch / "lambdas" / "api" / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    try:
        os.rename(scratch, target)
    except OSError:
        # Another synth staged the same sources first; theirs is identical.
        shutil.rmtree(scratch, ignore_errors=True)
    for stale in staging_root.glob("api-*"):
        if stale != target:
            shutil.rmtree(stale, ignore_errors=True)
    return target
