"""Modules that define pydantic models keep their annotations as objects (no postponed
evaluation): pydantic resolves every annotation of a class when the class is created, and one
kept as a string is compiled and evaluated then, which made most of the cost of defining the
models at a function's cold import (docs/DECISIONS.md, issue 16)."""

from __future__ import annotations
import __future__

import importlib
import sys

import pytest
from pydantic import BaseModel

# Every function's import graph between them holds every model module of Strata.
HANDLERS = [f"lambdas.{name}.handler" for name in ("api", "ingest", "streams", "realtime")]


def _subclasses(cls: type[BaseModel]) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


@pytest.fixture(scope="module")
def model_modules() -> set[str]:
    for handler in HANDLERS:
        importlib.import_module(handler)
    # The api includes its route areas on demand; their models count too.
    importlib.import_module("lambdas.api.handler").app.include_all_areas()
    return {
        model.__module__
        for model in _subclasses(BaseModel)
        if model.__module__.split(".", 1)[0] in ("strata", "lambdas")
        # A parametrized generic (Page[ChatSession]) is named after the module that used it.
        and model.__pydantic_generic_metadata__["origin"] is None
    }


def test_no_module_defining_models_postpones_its_annotations(model_modules: set[str]) -> None:
    # Given the modules of every Strata model the functions load
    # When their __future__ imports are read
    postponed = sorted(
        name
        for name in model_modules
        if getattr(sys.modules[name], "annotations", None) is __future__.annotations
    )
    # Then none of them postpones annotations (and there are models to check)
    assert "strata.models.chat" in model_modules
    assert postponed == []
