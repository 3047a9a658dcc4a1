"""When maintenance calls a document stuck: deadlines derived from the settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from strata.config import Settings
from strata.maintenance.policy import ORPHAN_AGE, MaintenancePolicy
from tests.support.settings import RESOURCES, make_settings

QUEUE = {"ingest_max_receive_count": 5, "ingest_visibility_timeout_seconds": 1800}


def test_deadlines_follow_the_upload_link_and_every_ingest_delivery() -> None:
    # Given settings read from the environment as the function sees them
    settings = Settings.from_env(
        {
            **{f"STRATA_{name.upper()}": value for name, value in RESOURCES.items()},
            "STRATA_UPLOAD_URL_EXPIRY_SECONDS": "600",
            "STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS": "1800",
            "STRATA_INGEST_MAX_RECEIVE_COUNT": "4",
            "STRATA_MAINTENANCE_MARGIN_SECONDS": "300",
        }
    )
    # When the policy is derived
    policy = MaintenancePolicy.from_settings(settings)
    # Then an upload is stuck after its link's life plus the margin, processing after every
    # delivery of its message plus the margin; orphans wait a day; retention is off
    assert policy.upload_deadline == timedelta(seconds=900)
    assert policy.processing_deadline == timedelta(seconds=4 * 1800 + 300)
    assert policy.orphan_age == ORPHAN_AGE == timedelta(days=1)
    assert policy.retention is None


def test_a_retention_period_is_set_in_days() -> None:
    policy = MaintenancePolicy.from_settings(make_settings(document_retention_days=730, **QUEUE))
    assert policy.retention == timedelta(days=730)


def test_a_maintenance_function_without_the_queue_settings_stops_naming_them() -> None:
    with pytest.raises(RuntimeError, match="STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS"):
        MaintenancePolicy.from_settings(make_settings(ingest_max_receive_count=5))
