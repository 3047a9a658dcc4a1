"""make cost reads the real synthesized templates (the session's synth, not another one)."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from infra.config import ENVIRONMENT_NAMES
from ops.cost.assembly import read_assembly
from ops.cost.inventory import Transition, read_inventory
from ops.cost.model import Estimate, anchors_shape, estimate
from ops.cost.prices import load_prices
from ops.cost.workload import Workload
from tests.infra.conftest import Synthesized

CONCERNS = (
    "data",
    "storage",
    "search",
    "auth",
    "backup",
    "monitoring",
    "ingest",
    "api",
    "maintenance",
    "streams",
    "realtime",
)


def _count(synthesized: Synthesized, env: str, kind: str) -> int:
    templates: list[Template] = [synthesized.template(env, concern) for concern in CONCERNS]
    return sum(len(template.find_resources(kind)) for template in templates)


def test_the_reader_finds_every_environment_as_its_config_says(synthesized: Synthesized) -> None:
    # Given the session's cloud assembly
    inventories = read_assembly(synthesized.outdir)
    # Then every environment is there, read as cdk.json configures it
    assert list(inventories) == list(ENVIRONMENT_NAMES)
    for env, inv in inventories.items():
        config = synthesized.config(env)
        if config.vector_store == "s3vectors":
            assert (inv.vector_store, inv.vector_buckets, inv.vector_keys) == ("s3vectors", 1, 1)
        else:
            assert inv.vector_store == "opensearch"
            assert [c.standby for c in inv.collections] == [config.aoss_standby_replicas]
        assert inv.vector_dimension == config.vector_dimension
        assert {g.retention_days for g in inv.log_groups} == {config.log_retention_days}
        assert inv.web_acls == (1 if config.waf_enabled else 0)
        assert inv.ocr is config.ingest.ocr_enabled
        assert inv.kms_keys == _count(synthesized, env, "AWS::KMS::Key")
        assert inv.alarms == _count(synthesized, env, "AWS::CloudWatch::Alarm")
        assert inv.alarm_metrics > inv.alarms  # metric-math alarms bill every metric they read
        assert inv.dashboards == 1
        (documents,) = [b for b in inv.buckets if b.transitions]
        assert documents.transitions == (
            Transition(30, "STANDARD_IA"),
            Transition(90, "GLACIER_IR"),
        )
        assert documents.logical_id in inv.backed_up
        assert [r.name for r in inv.backup_rules] == ["Daily", "Weekly", "Monthly"]
        monthly = inv.backup_rules[-1]
        assert monthly.cold_after_days == config.backup.monthly_cold_storage_after_days
        assert {fn.role for fn in inv.functions} >= {"api", "ingest", "streams", "maintenance"}
        maintenance = inv.function("maintenance")
        assert maintenance is not None
        assert [s.targets for s in inv.schedules] == [(maintenance.logical_id,)]


def test_every_environment_prices_and_costs_less_idle_than_the_anchors_shape(
    synthesized: Synthesized,
) -> None:
    prices, workload = load_prices(), Workload()
    for inv in read_assembly(synthesized.outdir).values():
        ours = estimate(inv, prices, workload)
        anchors = estimate(anchors_shape(inv), prices, workload)
        assert 0 < Estimate.total(ours.idle) <= Estimate.total(anchors.idle)
        assert Estimate.total(ours.ingest) > 0
        assert Estimate.total(ours.searches) > 0
        assert Estimate.total(ours.streamed) > 0


def test_the_websocket_api_costs_nothing_idle_but_its_alarms_key_and_logs_do(
    synthesized: Synthesized,
) -> None:
    # Given dev's realtime stack alone (the WebSocket API, its function, key and logs)
    template = synthesized.template("dev", "realtime")
    inv = read_inventory("dev", [template.to_json()])
    # Then the API is counted (priced at 0 idle) and what it brings is counted with it
    assert inv.websocket_apis == 1
    assert inv.function("realtime") is not None
    assert inv.kms_keys == len(template.find_resources("AWS::KMS::Key")) == 1
    assert len(inv.log_groups) == len(template.find_resources("AWS::Logs::LogGroup")) >= 1
    # And its alarms, kept in the monitoring stack, are counted there
    monitoring = synthesized.template("dev", "monitoring")
    alarms = monitoring.find_resources("AWS::CloudWatch::Alarm")
    realtime = [a for a in alarms.values() if "realtime" in json.dumps(a["Properties"])]
    assert len(realtime) >= 5
    assert read_inventory("dev", [monitoring.to_json()]).alarms == len(alarms)
    # And in the whole environment's idle month the API is a zero line
    whole = read_assembly(synthesized.outdir)["dev"]
    idle = estimate(whole, load_prices(), Workload()).idle
    (api,) = [i for i in idle if "WebSocket APIs" in i.item]
    assert (api.item.split()[0], api.usd) == ("1", 0.0)
