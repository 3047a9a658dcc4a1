"""SnapStart hooks: registered with the runtime's module when it is there, and only then.

Lambda's ``snapshot_restore_py`` exists only inside its Python runtime; here a fake module stands
in for it (injected into ``sys.modules``), recording the hooks and running them the way Lambda
does: before-snapshot hooks in reverse order of registration, after-restore hooks in order.
"""

from __future__ import annotations

import importlib
import json
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from ulid import ULID

from lambdas.api.areas import ROUTES
from strata import ids, snapstart
from strata.config import get_settings

AT = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


class FakeRuntimeHooks(ModuleType):
    """What the runtime's ``snapshot_restore_py`` offers: two registration functions."""

    def __init__(self) -> None:
        super().__init__(snapstart.RUNTIME_HOOKS_MODULE)
        self.before: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.after: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def register_before_snapshot(self, func: Callable[..., Any], *args: Any) -> None:
        self.before.append((func, args))

    def register_after_restore(self, func: Callable[..., Any], *args: Any) -> None:
        self.after.append((func, args))

    def take_snapshot(self) -> None:
        for func, args in reversed(self.before):
            func(*args)

    def restore(self) -> None:
        for func, args in self.after:
            func(*args)


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> FakeRuntimeHooks:
    hooks = FakeRuntimeHooks()
    monkeypatch.setitem(sys.modules, snapstart.RUNTIME_HOOKS_MODULE, hooks)
    return hooks


def _fresh_import(monkeypatch: pytest.MonkeyPatch, module: str) -> ModuleType:
    """Import ``module`` anew (as the runtime's init does); the old one is put back after."""
    monkeypatch.delitem(sys.modules, module, raising=False)
    return importlib.import_module(module)


def test_outside_lambda_nothing_is_registered_and_nothing_fails() -> None:
    # Given no runtime hooks module (tests, the local stack, the CLI)
    assert snapstart.RUNTIME_HOOKS_MODULE not in sys.modules
    # When a handler registers its hooks
    registered = snapstart.register(prime=lambda: pytest.fail("primed outside Lambda"))
    # Then nothing is registered, and nothing ran
    assert registered is False
    assert snapstart.runtime_hooks() is None


def test_in_lambda_the_snapshot_reads_settings_and_runs_the_prime_once(
    runtime: FakeRuntimeHooks,
) -> None:
    # Given the runtime's module and a handler that primes
    primed: list[str] = []
    get_settings.cache_clear()
    # When it registers and Lambda takes the snapshot
    assert snapstart.register(prime=lambda: primed.append("primed")) is True
    runtime.take_snapshot()
    # Then the prime ran once and the settings are read (cached for every restored copy)
    assert primed == ["primed"]
    assert get_settings.cache_info().currsize == 1
    # And one hook of each kind is registered
    assert len(runtime.before) == len(runtime.after) == 1


class Deferred(BaseModel):
    """A model built on first use, as Strata's are."""

    model_config = ConfigDict(defer_build=True)
    name: str


def test_the_snapshot_holds_the_built_validators_of_deferred_models() -> None:
    # Given a model whose validator is deferred to its first use
    packages = (Deferred.__module__,)
    assert not Deferred.__pydantic_complete__
    # When the models are built before the snapshot
    built = snapstart.build_deferred_models(packages)
    # Then it is built (the restored environments do not build it on their first request)
    assert built == 1
    assert Deferred.__pydantic_complete__
    assert Deferred(name="x").name == "x"
    # And nothing is left to build
    assert snapstart.build_deferred_models(packages) == 0


def test_each_restored_copy_draws_its_own_random_numbers(runtime: FakeRuntimeHooks) -> None:
    # Given a snapshot whose random generator is in some state (seeded at import)
    snapstart.register()
    random.seed(16)
    snapshot = random.getstate()
    # When two environments resume from it and each draws a jitter
    draws = []
    for _ in range(2):
        random.setstate(snapshot)
        runtime.restore()
        draws.append(random.random())
    # Then they differ (without the re-seed both would draw the same number)
    random.setstate(snapshot)
    same_without_hook = random.random()
    assert draws[0] != draws[1]
    assert same_without_hook not in draws


def test_a_restored_copy_forgets_the_last_ulid_of_the_snapshot(runtime: FakeRuntimeHooks) -> None:
    # Given an id made in the snapshot at some millisecond
    snapstart.register()
    made_before = ULID.from_str(ids.new_id(AT))
    # When the environment resumes and makes an id at that same millisecond
    runtime.restore()
    made_after = ULID.from_str(ids.new_id(AT))
    # Then its random part is fresh, not the snapshot's plus one (which every copy would share)
    assert int(made_after) != int(made_before) + 1
    # While without a restore the generator keeps its monotonic state
    assert int(ULID.from_str(ids.new_id(AT))) == int(made_after) + 1


def test_the_api_primes_with_a_public_request_and_no_network(
    runtime: FakeRuntimeHooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the api handler imported in a runtime with the hooks module (network is blocked)
    handler = _fresh_import(monkeypatch, "lambdas.api.handler")
    answers: list[dict[str, Any]] = []
    monkeypatch.setattr(
        handler.app, "resolve", _recording(handler.app.resolve, answers), raising=True
    )
    # When Lambda takes the snapshot
    runtime.take_snapshot()
    # Then GET /health went through the resolver once and answered 200
    ((answer),) = answers
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"status": "ok"}
    # And every route area is in the snapshot (the import left them to the first request)
    routes = handler.app._static_routes + handler.app._dynamic_routes
    assert len(routes) == sum(len(area) for area in ROUTES.values()) + len(("openapi", "swagger"))


def _recording(
    resolve: Callable[..., dict[str, Any]], answers: list[dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    def recorded(*args: Any) -> dict[str, Any]:
        answer = resolve(*args)
        answers.append(answer)
        return answer

    return recorded


@pytest.mark.parametrize("function", ["cognito", "ingest", "maintenance", "realtime", "streams"])
def test_every_other_function_registers_its_hooks_on_import(
    runtime: FakeRuntimeHooks, monkeypatch: pytest.MonkeyPatch, function: str
) -> None:
    _fresh_import(monkeypatch, f"lambdas.{function}.handler")
    assert [func for func, _ in runtime.before] == [snapstart.before_snapshot]
    assert [func for func, _ in runtime.after] == [snapstart.after_restore]
    runtime.take_snapshot()
    runtime.restore()
