"""The two Lambda layers every function uses: the ``strata`` library and its dependencies.

The dependency layer is built without Docker: pip downloads manylinux aarch64 wheels for the
Lambda runtime's Python into ``python/``. The build is cached on disk under
``layers/deps/build/<hash>`` (hash of the requirements, Python version and platform), so it
runs once per change of requirements, and CDK's own asset cache bundles it once per app, by
hard-linking the cached files into the cloud assembly (no copy of the layer on each synth).
Tests skip bundling with the context ``aws:cdk:bundling-stacks=[]``.

Where a Python of the runtime's version is at hand (:mod:`infra.constructs.bytecode`), both
layers carry bytecode: the dependency build is compiled once (its cache directory's hash says
so) and the ``strata`` layer is staged compiled under ``build/layers``. Skipped with bundling.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.bytecode import BytecodeCompiler
from infra.constructs.function_code import stage_files
from infra.names import Names

REPO_ROOT = Path(__file__).resolve().parents[2]
STRATA_LAYER_DIR = REPO_ROOT / "layers" / "strata"
DEPS_LAYER_DIR = REPO_ROOT / "layers" / "deps"
DEPS_REQUIREMENTS = DEPS_LAYER_DIR / "requirements.txt"
DEPS_BUILD_CACHE = DEPS_LAYER_DIR / "build"
# The newest Python that both this CDK and Lambda support; the deps layer is built for it.
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
PIP_PLATFORM = "manylinux2014_aarch64"
STRATA_LAYER_EXCLUDES = ["pyproject.toml", "*.egg-info", "**/__pycache__", "**/*.pyc"]
LAYER_STAGING_ROOT = REPO_ROOT / "build" / "layers"


def python_version(runtime: lambda_.Runtime) -> str:
    """``python3.14`` -> ``3.14``."""
    return runtime.name.removeprefix("python")


def link_or_copy(source: str, destination: str) -> str:
    """Hard-link ``source`` at ``destination``, or copy it where links are refused (another
    file system); ``shutil.copytree``'s ``copy_function``."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
    return destination


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Local bundling: ``pip install --platform ... --only-binary=:all: --target <out>/python``."""

    def __init__(
        self,
        requirements: Path = DEPS_REQUIREMENTS,
        *,
        python: str = python_version(RUNTIME),
        platform: str = PIP_PLATFORM,
        cache_dir: Path = DEPS_BUILD_CACHE,
        compiler: BytecodeCompiler | None = None,
    ) -> None:
        self.requirements = requirements
        self.python = python
        self.platform = platform
        self.cache_dir = cache_dir
        # Set by SharedLayers from the app's context when not given.
        self.compiler = compiler

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(self.requirements.read_bytes())
        digest.update(f"|{self.python}|{self.platform}|cp".encode())
        if self.compiler is not None and self.compiler.available:
            digest.update(f"|{self.compiler.tag}".encode())
        return digest.hexdigest()[:32]

    @property
    def cached_build(self) -> Path:
        return self.cache_dir / self.fingerprint

    def try_bundle(self, output_dir: str, *, image: DockerImage, **options: Any) -> bool:
        """Hard-link the cached build (building it first if needed) into ``output_dir``.

        Every synth stages the layer into a new cloud assembly; linking its thousands of files
        instead of copying ~130 MB makes that nearly free. The staged files are ordinary files
        to whatever reads them (the CLI zips them on deploy); where the file systems differ,
        they are copied. The signature is ILocalBundling's (jsii passes the options as keywords).
        """
        build = self.build()
        shutil.copytree(build, Path(output_dir), dirs_exist_ok=True, copy_function=link_or_copy)
        return True

    def build(self) -> Path:
        """The layer tree (``python/...``) for these requirements, built once."""
        target = self.cached_build
        if target.is_dir():
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.cache_dir, prefix=".building-") as work:
            staging = Path(work) / "layer"
            self._pip_install(staging / "python")
            if self.compiler is not None:
                self.compiler.compile(staging / "python", strict=False)
            # A finished build appears atomically: a crash mid-install leaves no half cache.
            staging.rename(target)
        return target

    def _pip_install(self, target: Path) -> None:
        command = [
            sys.executable, "-m", "pip", "install",
            "--quiet", "--disable-pip-version-check", "--no-compile",
            "--platform", self.platform,
            "--implementation", "cp",
            "--python-version", self.python,
            "--only-binary=:all:",
            "--target", str(target),
            "-r", str(self.requirements),
        ]  # fmt: skip
        subprocess.run(command, check=True)  # noqa: S603 (fixed argv, no shell)


class FunctionLayers(Construct):
    """The two layers, in one stack. Functions of that stack share them."""

    def __init__(
        self, scope: Construct, construct_id: str, *, env: str, bundling: PipLayerBundling
    ) -> None:
        super().__init__(scope, construct_id)
        names = Names(env)
        # Bytecode only where the assets are really built (tests skip bundling).
        self.bytecode = bundling.compiler if Stack.of(self).bundling_required else None
        self.strata = lambda_.LayerVersion(
            self,
            "Strata",
            layer_version_name=names.strata_layer,
            description="Strata's shared library (layers/strata/python/strata)",
            code=self._strata_code(),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            layer_version_name=names.deps_layer,
            description="Third-party runtime dependencies (layers/deps/requirements.txt)",
            code=lambda_.Code.from_asset(
                str(DEPS_LAYER_DIR),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=bundling.fingerprint,
                bundling=BundlingOptions(
                    # Used only if local bundling declined; ours never does.
                    image=DockerImage.from_registry(f"public.ecr.aws/sam/build-{RUNTIME.name}"),
                    local=bundling,
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )

    def _strata_code(self) -> lambda_.Code:
        if self.bytecode is None or not self.bytecode.available:
            return lambda_.Code.from_asset(str(STRATA_LAYER_DIR), exclude=STRATA_LAYER_EXCLUDES)
        python = STRATA_LAYER_DIR / "python"
        files = [
            (path, PurePosixPath("python", path.relative_to(python).as_posix()))
            for path in sorted(python.rglob("*"))
            if path.is_file()
            and "__pycache__" not in path.parts
            and path.suffix != ".pyc"
            and not any(part.endswith(".egg-info") for part in path.parts)
        ]
        staged = stage_files(files, root=LAYER_STAGING_ROOT, name="strata", compiler=self.bytecode)
        return lambda_.Code.from_asset(str(staged))

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.deps, self.strata]


class SharedLayers:
    """One per stage: hands each stack that has functions its :class:`FunctionLayers`.

    Layers are not shared across stacks on purpose: each function stack publishes its own
    versions and deploys without waiting on another stack's layer (with strong references, an
    exported layer could not even get a new version while imported). The bundle itself is built
    once and reused by every stack.
    """

    def __init__(self, env: str, bundling: PipLayerBundling | None = None) -> None:
        self._env = env
        self._bundling = bundling or PipLayerBundling()
        self._by_stack: dict[str, FunctionLayers] = {}
        self._warned: set[str] = set()

    def for_stack(self, stack: Stack) -> FunctionLayers:
        key = stack.node.path
        if self._bundling.compiler is None:
            self._bundling.compiler = BytecodeCompiler.for_scope(stack, self._bundling.python)
        if stack.bundling_required:
            self._bundling.compiler.warn_if_missing(stack, self._warned)
        if key not in self._by_stack:
            self._by_stack[key] = FunctionLayers(
                stack, "Layers", env=self._env, bundling=self._bundling
            )
        return self._by_stack[key]
