"""Bytecode in the assets: compiled only by a Python of the runtime's version, else stated.

These machines have no Python 3.14 (the runtime's), so the compiling path is exercised with the
interpreter running the tests, asked for its own version; the refusals use 3.14 as Lambda does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Stage

from infra.constructs.bytecode import (
    WARNING_ID,
    BytecodeCompiler,
    BytecodeError,
)
from infra.constructs.function_code import FunctionCode
from infra.constructs.layers import PipLayerBundling
from tests.infra.conftest import SKIP_BUNDLING

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"
HERE_TAG = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
# The header of a hash-based .pyc that is never checked against its source (PEP 552).
UNCHECKED_HASH_FLAGS = (1).to_bytes(4, "little")


def _path_with(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH holding only ``name``, a link to the interpreter running the tests."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / name).symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(bin_dir))


def _package(tmp_path: Path) -> FunctionCode:
    source = tmp_path / "lambdas" / "hello"
    source.mkdir(parents=True)
    (source / "handler.py").write_text("def handler(event, context):\n    return event\n")
    return FunctionCode("hello", lambdas_root=tmp_path / "lambdas", staging_root=tmp_path / "st")


def test_an_interpreter_of_another_version_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given python3.14 on PATH that is really this machine's Python (not 3.14)
    _path_with(tmp_path, "python3.14", monkeypatch)
    # Then no compiler is found for 3.14: its bytecode would be ignored by the runtime
    compiler = BytecodeCompiler.find("3.14")
    assert not compiler.available
    assert compiler.tag == "src"
    # And a configured path of another version stops synth
    with pytest.raises(BytecodeError, match=r"not a Python 3\.14"):
        BytecodeCompiler.find("3.14", sys.executable)


def test_without_an_interpreter_the_code_is_staged_as_sources(tmp_path: Path) -> None:
    code = _package(tmp_path)
    staged = code.staged(BytecodeCompiler("3.14", None))
    assert (staged / "lambdas" / "hello" / "handler.py").is_file()
    assert not list(staged.rglob("*.pyc"))
    assert staged == code.staged()


def test_the_version_found_on_path_compiles_unchecked_hash_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given python<version> on PATH (here: this machine's own version, standing in for 3.14)
    _path_with(tmp_path, f"python{HERE}", monkeypatch)
    compiler = BytecodeCompiler.find(HERE)
    assert compiler.available
    # When a function's code is staged with it
    code = _package(tmp_path)
    staged = code.staged(compiler)
    # Then its modules carry bytecode of that version, used without checking the sources
    # (the asset's zip keeps no timestamps)
    pyc = staged / "lambdas" / "hello" / "__pycache__" / f"handler.{HERE_TAG}.pyc"
    assert pyc.read_bytes()[4:8] == UNCHECKED_HASH_FLAGS
    # And the compiled copy is a directory of its own, beside the source-only one
    assert staged.name.endswith(f"-{compiler.tag}")
    plain = code.staged()
    assert plain != staged
    assert staged.is_dir()
    # And staging again reuses it
    assert code.staged(compiler) == staged


def test_the_deps_build_is_compiled_once_and_named_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given requirements whose install writes one module (no pip, no network)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("python-ulid==4.1.0\n")
    compiler = BytecodeCompiler(HERE, Path(sys.executable))
    bundling = PipLayerBundling(requirements, cache_dir=tmp_path / "cache", compiler=compiler)

    def fake_pip(target: Path) -> None:
        (target / "ulid").mkdir(parents=True)
        (target / "ulid" / "__init__.py").write_text("VALUE = 1\n")
        (target / "ulid" / "template.py").write_text("{% if not python %}\n")

    monkeypatch.setattr(bundling, "_pip_install", fake_pip)
    # When the layer is built
    build = bundling.build()
    # Then it carries bytecode; a file that is not Python stays source only
    cache = build / "python" / "ulid" / "__pycache__"
    assert (cache / f"__init__.{HERE_TAG}.pyc").is_file()
    assert not (cache / f"template.{HERE_TAG}.pyc").exists()
    # And its cache key differs from the source-only build's
    assert bundling.fingerprint != PipLayerBundling(requirements).fingerprint


def test_the_synth_says_once_per_stage_that_assets_carry_no_bytecode() -> None:
    # Given two stages of two stacks each, and no Python 3.14
    app = App(context=SKIP_BUNDLING)
    compiler = BytecodeCompiler("3.14", None)
    warned: set[str] = set()
    stacks = []
    for stage_id in ("one", "two"):
        stage = Stage(app, stage_id)
        for stack_id in ("a", "b"):
            stack = Stack(stage, stack_id)
            compiler.warn_if_missing(stack, warned)
            stacks.append(stack)
    # Then the first stack of each stage holds the warning, and no other does
    warnings = [
        [entry.data for entry in stack.node.metadata if entry.type == "aws:cdk:warning"]
        for stack in stacks
    ]
    assert [len(w) for w in warnings] == [1, 0, 1, 0]
    assert "no Python 3.14 interpreter here" in str(warnings[0][0])
    assert WARNING_ID in str(warnings[0][0])
