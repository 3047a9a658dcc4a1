"""StrataFunction and the shared layers, in a test-only stack; the deps bundling, for real."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, DockerImage, Duration, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from infra.constructs.function import StrataFunction
from infra.constructs.function_code import FunctionCode
from infra.constructs.layers import PipLayerBundling, SharedLayers
from tests.infra.conftest import SKIP_BUNDLING, config_for

# Local bundling ignores the image: it is only CDK's fallback when local bundling declines.
UNUSED_IMAGE = DockerImage.from_registry("public.ecr.aws/sam/build-python3.14")


@pytest.fixture(scope="module")
def function_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, Stack, Stack]:
    root = tmp_path_factory.mktemp("functions") / "lambdas"
    (root / "hello").mkdir(parents=True)
    (root / "hello" / "handler.py").write_text("def handler(event, context):\n    return event\n")
    code = FunctionCode("hello", lambdas_root=root, staging_root=root.parent / "staged")
    app = App(context=SKIP_BUNDLING, outdir=str(tmp_path_factory.mktemp("cdk.out.functions")))
    config = config_for("prod")
    layers = SharedLayers(config.name)
    stacks = []
    for stack_id in ("first", "second"):
        stack = Stack(app, stack_id)
        StrataFunction(
            stack,
            "Hello",
            config=config,
            name=f"hello-{stack_id}",
            code=code,
            layers=layers.for_stack(stack),
            settings={"STRATA_TABLE_NAME": "strata-prod-main"},
            description="test function",
            memory_mb=256,
            timeout=Duration.seconds(10),
        )
        StrataFunction(
            stack,
            "Again",
            config=config,
            name=f"again-{stack_id}",
            code=code,
            layers=layers.for_stack(stack),
            settings={},
            description="a second function sharing the layers",
        )
        stacks.append(stack)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    return app, stacks[0], stacks[1]


def _functions(template: Template) -> dict[str, dict[str, Any]]:
    return {
        f["Properties"]["FunctionName"]: f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
    }


def test_function_is_arm64_newest_python_traced_with_both_layers(
    function_app: tuple[App, Stack, Stack],
) -> None:
    _, first, _ = function_app
    hello = _functions(Template.from_stack(first))["strata-prod-hello-first"]
    assert hello["Architectures"] == ["arm64"]
    assert hello["Runtime"] == "python3.14"
    assert hello["TracingConfig"] == {"Mode": "Active"}
    assert hello["MemorySize"] == 256
    assert hello["Timeout"] == 10
    assert len(hello["Layers"]) == 2
    # Packaged like every function: lambdas/<fn>/handler.py, imported by its package path
    assert hello["Handler"] == "lambdas.hello.handler.handler"


def test_function_environment_has_powertools_and_strata_settings(
    function_app: tuple[App, Stack, Stack],
) -> None:
    _, first, _ = function_app
    variables = _functions(Template.from_stack(first))["strata-prod-hello-first"]["Environment"][
        "Variables"
    ]
    assert variables == {
        "POWERTOOLS_SERVICE_NAME": "hello-first",
        "POWERTOOLS_METRICS_NAMESPACE": "Strata",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_LOGGER_LOG_EVENT": "false",
        "STRATA_ENV": "prod",
        "STRATA_TABLE_NAME": "strata-prod-main",
    }


def test_log_group_keeps_the_configured_retention(function_app: tuple[App, Stack, Stack]) -> None:
    _, first, _ = function_app
    template = Template.from_stack(first)
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/lambda/strata-prod-hello-first", "RetentionInDays": 365},
    )
    (role,) = [
        r
        for r in template.find_resources("AWS::IAM::Role").values()
        if "hello-first" in r["Properties"]["Description"]
    ]
    assert "ManagedPolicyArns" not in role["Properties"]


def test_layers_are_shared_in_a_stack_and_separate_per_stack(
    function_app: tuple[App, Stack, Stack],
) -> None:
    _, first, second = function_app
    for stack in (first, second):
        template = Template.from_stack(stack)
        assert len(template.find_resources("AWS::Lambda::LayerVersion")) == 2
        layer_sets = {tuple(map(str, f["Layers"])) for f in _functions(template).values()}
        assert len(layer_sets) == 1  # both functions use the same two layers


def test_non_strata_settings_are_refused() -> None:
    stack = Stack(App(context=SKIP_BUNDLING), "s")
    config = config_for("dev")
    with pytest.raises(ValueError, match="STRATA_"):
        StrataFunction(
            stack,
            "Bad",
            config=config,
            name="ingest",
            layers=SharedLayers("dev").for_stack(stack),
            settings={"TABLE": "x"},
            description="bad",
        )


def test_local_bundling_builds_an_arm64_layer_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a one-package requirements file and an empty build cache
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("python-ulid==4.1.0\n")
    bundling = PipLayerBundling(requirements, cache_dir=tmp_path / "cache")
    output = tmp_path / "asset"
    # When CDK asks the local bundler for the layer
    assert bundling.try_bundle(str(output), image=UNUSED_IMAGE) is True
    # Then pip put the package under python/ for the layer
    assert (output / "python" / "ulid" / "__init__.py").is_file()

    # And a second bundle of the same requirements reuses the build without pip
    def no_pip(target: Path) -> None:
        raise AssertionError("pip ran twice for the same requirements")

    monkeypatch.setattr(bundling, "_pip_install", no_pip)
    second = tmp_path / "asset-2"
    assert bundling.try_bundle(str(second), image=UNUSED_IMAGE) is True
    assert (second / "python" / "ulid" / "__init__.py").is_file()


def test_bundling_fingerprint_follows_requirements_and_python(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("python-ulid==4.1.0\n")
    first = PipLayerBundling(requirements, python="3.14").fingerprint
    assert PipLayerBundling(requirements, python="3.13").fingerprint != first
    requirements.write_text("python-ulid==4.0.0\n")
    assert PipLayerBundling(requirements, python="3.14").fingerprint != first


def test_bundling_links_the_cached_build_instead_of_copying_it(tmp_path: Path) -> None:
    # Given a layer already built for these requirements
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("python-ulid==4.1.0\n")
    bundling = PipLayerBundling(requirements, cache_dir=tmp_path / "cache")
    cached = bundling.cached_build / "python" / "ulid" / "__init__.py"
    cached.parent.mkdir(parents=True)
    cached.write_text("# the cached build\n")
    output = tmp_path / "asset"
    # When CDK stages the layer into a cloud assembly
    assert bundling.try_bundle(str(output), image=UNUSED_IMAGE) is True
    # Then the staged file is the cached one, linked (no copy of the layer on every synth)
    staged = output / "python" / "ulid" / "__init__.py"
    assert staged.read_text() == "# the cached build\n"
    assert os.path.samefile(staged, cached)


def test_bundling_copies_where_links_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a cached build, and a cloud assembly on a file system that refuses hard links
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("python-ulid==4.1.0\n")
    bundling = PipLayerBundling(requirements, cache_dir=tmp_path / "cache")
    cached = bundling.cached_build / "python" / "ulid" / "__init__.py"
    cached.parent.mkdir(parents=True)
    cached.write_text("# the cached build\n")

    def refuse(source: str, destination: str) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", refuse)
    output = tmp_path / "asset"
    # When CDK stages the layer
    assert bundling.try_bundle(str(output), image=UNUSED_IMAGE) is True
    # Then the file is there all the same, as a copy
    staged = output / "python" / "ulid" / "__init__.py"
    assert staged.read_text() == "# the cached build\n"
    assert not os.path.samefile(staged, cached)
