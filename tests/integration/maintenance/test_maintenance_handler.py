"""The maintenance Lambda with its production wiring on moto: a scheduled event in, the sweeps
done and the figures out as CloudWatch embedded metrics; a failed step fails the invocation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambdas.maintenance import handler as maintenance_handler
from strata.config import Settings, get_settings
from strata.errors import Unavailable
from strata.maintenance.factory import build_maintenance
from strata.models import DocumentStatus
from strata.search.factory import build_vector_index
from tests.fixtures.ingestion import LambdaContextStub
from tests.integration.maintenance.conftest import OWNER, World, hours_ago
from tests.support.moto_server import MotoServer

SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-03T10:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/strata-test-maintenance"],
    "detail": {},
}


@pytest.fixture
def platform(
    moto_server: MotoServer, world: World, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server.endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "strata-test-maintenance",
        "STRATA_TABLE_NAME": world.table_name,
        "STRATA_BUCKET_NAME": world.bucket,
        "STRATA_EMBEDDER": "local",
        "STRATA_VECTOR_INDEX": "local",
        "STRATA_INGEST_MAX_RECEIVE_COUNT": "5",
        "STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS": "1800",
    }.items():
        monkeypatch.setenv(name, value)
    caches = (get_settings, build_maintenance, build_vector_index)
    for cache in caches:
        cache.cache_clear()
    yield get_settings()
    for cache in caches:
        cache.cache_clear()


def emitted_metrics(output: str) -> dict[str, Any]:
    """The value of each metric in the EMF documents printed on stdout (each is added once)."""
    values: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    value = document[metric["Name"]]
                    values[metric["Name"]] = value[0] if isinstance(value, list) else value
    return values


def test_a_scheduled_run_sweeps_and_publishes_the_figures(
    platform: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stuck upload
    stuck = world.create(hours_ago(3))

    # When the schedule invokes the function
    result = maintenance_handler.handler(SCHEDULED_EVENT, LambdaContextStub())

    # Then the upload is an error and the figures were published as EMF
    assert world.repos().documents.get(OWNER, stuck.document_id).status is DocumentStatus.ERROR
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["UploadsExpired"] == 1.0
    assert metrics["DocumentsError"] == 1.0
    assert metrics["ProcessingErrors"] == 1.0
    assert metrics["MaintenanceStepsFailed"] == 0.0
    assert result["UploadsExpired"] == 1


def test_a_failed_step_fails_the_run_after_the_others_ran(
    platform: Settings,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a stuck upload and a bucket that no longer exists
    stuck = world.create(hours_ago(3))
    monkeypatch.setenv("STRATA_BUCKET_NAME", "strata-test-no-such-bucket")
    get_settings.cache_clear()

    # When the schedule invokes the function, it fails
    with pytest.raises(Unavailable) as raised:
        maintenance_handler.handler(SCHEDULED_EVENT, LambdaContextStub())

    # Then the failed step is named, the sweep before it happened and the figures still went out
    assert raised.value.details == {"steps": ["orphan-objects"]}
    assert world.repos().documents.get(OWNER, stuck.document_id).status is DocumentStatus.ERROR
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["MaintenanceStepsFailed"] == 1.0
    assert metrics["Users"] == 0.0
