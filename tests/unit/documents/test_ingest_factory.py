"""The ingest worker's wiring: its last delivery comes from the queue's setting, never a guess."""

from __future__ import annotations

import pytest

from strata.config import Settings
from strata.documents.factory import build_ingest_worker
from tests.support.settings import make_settings

LOCAL = {"embedder": "local", "vector_index": "local", "token_secret": "unit-secret-0123456789"}


def test_the_worker_takes_its_last_delivery_from_the_setting() -> None:
    # Given the setting the infra passes from the queue construct
    settings = Settings.from_env(
        {
            "STRATA_EMBEDDER": "local",
            "STRATA_VECTOR_INDEX": "local",
            "STRATA_TOKEN_SECRET": "unit-secret-0123456789",
            "STRATA_INGEST_MAX_RECEIVE_COUNT": "3",
            "STRATA_TABLE_NAME": "strata-unit-main",
            "STRATA_IDEMPOTENCY_TABLE_NAME": "strata-unit-idempotency",
            "STRATA_BUCKET_NAME": "strata-unit-documents",
        }
    )
    # When the worker is built
    worker = build_ingest_worker(settings)
    # Then the third delivery is its last (it marks the document error before the DLQ)
    assert worker._max_receive_count == 3


def test_an_ingest_function_without_the_setting_stops_naming_it() -> None:
    with pytest.raises(RuntimeError, match="STRATA_INGEST_MAX_RECEIVE_COUNT"):
        build_ingest_worker(make_settings(**LOCAL))
