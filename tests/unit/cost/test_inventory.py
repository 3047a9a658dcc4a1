"""Reading templates: schedules, alarms billed per metric, lifecycle, backups, vector stores."""

from __future__ import annotations

import pytest

from ops.cost.inventory import BackupRule, Transition, read_inventory
from ops.cost.schedules import runs_per_month
from ops.cost.workload import Workload
from tests.unit.cost.templates import opensearch_template, s3vectors_template


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(30 minutes)", 1460.0),
        ("rate(1 hour)", 730.0),
        ("rate(1 day)", 365 / 12),
        ("cron(0 2 * * ? *)", 365 / 12),
        ("cron(0 3 ? * SUN *)", 365 / 12 / 7),
        ("cron(0 4 1 * ? *)", 1.0),
        ("cron(0 6 2 * ? *)", 1.0),
        ("cron(0/15 * * * ? *)", 4 * 24 * 365 / 12),
        ("cron(0 9 ? * MON-FRI *)", 5 * 365 / 12 / 7),
    ],
)
def test_runs_per_month(expression: str, runs: float) -> None:
    assert runs_per_month(expression) == pytest.approx(runs)


def test_an_unknown_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        runs_per_month("at(2026-12-03T00:00:00)")


def test_the_hand_template_reads_as_written() -> None:
    inv = read_inventory("t", [opensearch_template("DISABLED")])
    assert inv.vector_store == "opensearch"
    assert [c.standby for c in inv.collections] == [False]
    assert inv.vector_dimension == 8
    assert (inv.kms_keys, inv.alarms, inv.alarm_metrics, inv.dashboards) == (2, 2, 4, 1)
    assert inv.custom_metrics == frozenset({("Strata", "ProcessingTimedOut")})
    assert (inv.web_acls, inv.web_acl_rules, inv.secrets, inv.queue_pollers) == (1, 2, 1, 1)
    (bucket,) = inv.buckets
    # sorted by day; the prefix-scoped rule is not the documents'
    assert bucket.transitions == (Transition(30, "STANDARD_IA"), Transition(90, "GLACIER_IR"))
    (rule,) = inv.backup_rules
    assert rule.retained() == pytest.approx((35.0, 0.0))
    assert inv.backed_up == frozenset({"MainTable"})
    assert inv.ocr is True
    assert (inv.websocket_apis, inv.rest_cache_sizes_gb) == (1, ())
    assert inv.function("maintenance") is not None
    assert [s.targets for s in inv.schedules] == [("MaintenanceFunction",)]


def test_a_vector_bucket_environment_has_no_collection() -> None:
    inv = read_inventory("t", [s3vectors_template()])
    assert (inv.vector_store, inv.vector_buckets, inv.vector_indexes) == ("s3vectors", 1, 2)
    assert inv.collections == ()


def test_cold_storage_splits_the_retained_copies() -> None:
    monthly = BackupRule("Monthly", 1.0, delete_after_days=365, cold_after_days=90, copies=0)
    warm, cold = monthly.retained()
    assert warm == pytest.approx(90 / (365 / 12))
    assert cold == pytest.approx(275 / (365 / 12))
    assert warm + cold == pytest.approx(12.0)


def test_every_workload_assumption_says_what_it_is() -> None:
    rows = Workload().rows()
    assert all(note for _, _, note in rows)
    assert ("chunks_per_document", "24", "derived: vectors per document") in rows
