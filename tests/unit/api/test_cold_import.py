"""What the api function's cold import loads, in a fresh interpreter (as Lambda's init does).

The import builds the resolver and nothing a request of some route needs: the route areas
(lambdas.api.areas), their services, store and models, the settings, Powertools' validation
middleware and pydantic all wait for the first request that needs them; the document extraction
and chunking code, the local search index and numpy are not even loaded by requests. (How long
the import takes is measured in bench/imports.py, never here.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PATHS = [str(ROOT / "layers" / "strata" / "python"), str(ROOT)]

NOT_AT_IMPORT = (
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
    "lambdas.api.request_validation",
    "lambdas.api.dependencies",
    "lambdas.api.routes.health",
    "lambdas.api.routes.sessions",
    "strata.config",
    "strata.models",
    "strata.services.factory",
    "strata.store.table",
    "strata.documents.text",
    "strata.documents.sniff",
    "strata.documents.chunking",
    "strata.documents.extract",
    "strata.documents.pipeline",
    "strata.search.local",
    "strata.search.rows",
    "numpy",
)


def modules_after_import(module: str) -> set[str]:
    """Every module loaded once ``module`` is imported in a new interpreter with no settings."""
    code = (
        "import json, sys\n"
        f"sys.path[:0] = {PATHS!r}\n"
        f"import {module}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    completed = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(completed.stdout.strip().splitlines()[-1]))


def test_the_api_import_loads_no_route_area_no_pydantic_and_no_extraction() -> None:
    # Given a fresh interpreter without any STRATA_* setting (Lambda's init reads none)
    # When the api function's handler module is imported
    loaded = modules_after_import("lambdas.api.handler")
    # Then the handler is there, and none of what requests or ingestion need
    assert "lambdas.api.handler" in loaded
    assert sorted(loaded.intersection(NOT_AT_IMPORT)) == []
