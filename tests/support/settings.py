"""Settings for tests: the resource names Settings requires (it has no defaults for them)."""

from __future__ import annotations

from typing import Any

from strata.config import Settings

RESOURCES: dict[str, str] = {
    "table_name": "strata-test-main",
    "idempotency_table_name": "strata-test-idempotency",
    "bucket_name": "strata-test-documents",
}


def make_settings(**overrides: Any) -> Settings:
    """``Settings`` with test resource names, any field overridden."""
    return Settings.model_validate({**RESOURCES, **overrides})
