"""make cost's arithmetic, pinned on a small hand-written template with round prices."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ops.cost.inventory import Inventory, read_inventory
from ops.cost.model import Estimate, anchors_shape, estimate
from ops.cost.pricer import LineItem
from ops.cost.prices import PRICES_JSON, PriceTable, load_prices, parse_prices
from ops.cost.workload import Workload
from tests.unit.cost.templates import opensearch_template, s3vectors_template

# Every price 1.0 except the structural figures and two Lambda rates, so results read by eye.
ROUND = {
    "aoss.min_ocus_standby": 2.0,
    "aoss.min_ocus_no_standby": 1.0,
    "s3vectors.put_min_billable_kb": 128.0,
    "lambda.arm64_gb_second": 0.00001,
    "lambda.requests_per_million": 0.2,
}
GIB = 1024**3


@pytest.fixture
def prices() -> PriceTable:
    document = json.loads(PRICES_JSON.read_text(encoding="utf-8"))
    for key, entry in document["prices"].items():
        entry["value"] = ROUND.get(key, 1.0)
    return parse_prices(document)


def inventory(template: dict[str, object]) -> Inventory:
    return read_inventory("t", [template])


def item(items: tuple[LineItem, ...], service: str, contains: str) -> float:
    (found,) = [i for i in items if i.service == service and contains in i.item]
    return found.usd


def test_idle_month_of_an_opensearch_environment_item_by_item(prices: PriceTable) -> None:
    # Given one collection with standby replicas on and the platform around it
    # When the idle month is priced
    idle = estimate(inventory(opensearch_template("ENABLED")), prices, Workload()).idle
    # Then each item is its count times its price
    assert item(idle, "OpenSearch Serverless", "standby replicas on") == pytest.approx(2 * 730)
    assert item(idle, "KMS", "2 customer-managed keys") == pytest.approx(2.0)
    assert item(idle, "CloudWatch", "2 alarms analysing 4 metrics") == pytest.approx(4.0)
    assert item(idle, "CloudWatch", "1 dashboards") == pytest.approx(1.0)
    assert item(idle, "CloudWatch", "1 custom metrics") == pytest.approx(1.0)
    assert item(idle, "WAF", "1 web ACL, 2 rules") == pytest.approx(1.0 + 2.0)
    assert item(idle, "Secrets Manager", "1 secrets") == pytest.approx(1.0)
    runs = 730  # rate(1 hour)
    lambda_usd = runs * 0.2 / 1e6 + runs * 2.0 * 1.0 * 0.00001  # 2 s at 1 GB
    assert item(idle, "Lambda", "maintenance: 730 invocations") == pytest.approx(lambda_usd)
    logs_gb = runs * 3 * 1024 / GIB
    assert item(idle, "CloudWatch Logs", "ingest") == pytest.approx(logs_gb)
    assert item(idle, "CloudWatch Logs", "30-day retention") == pytest.approx(
        logs_gb * 30 / (365 / 12)
    )
    polls = 5 * (365 / 12 * 86_400) / 20  # five pollers, 20-second long polls, all month
    assert item(idle, "SQS", "1 queue sources") == pytest.approx(polls / 1e6)
    assert not [i for i in idle if i.service == "X-Ray"]  # no function traces
    expected = 2 * 730 + 2 + 4 + 1 + 1 + 3 + 1 + lambda_usd + logs_gb * (1 + 30 / (365 / 12))
    assert Estimate.total(idle) == pytest.approx(expected + polls / 1e6)


def test_a_stage_cache_bills_every_hour(prices: PriceTable) -> None:
    # Given the API stage with its 0.5 GB cache on
    template = opensearch_template()
    template["Resources"]["Stage"] = {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {"CacheClusterEnabled": True, "CacheClusterSize": "0.5"},
    }
    idle = estimate(inventory(template), prices, Workload()).idle
    # Then it costs its hourly price around the clock, and the WebSocket API nothing idle
    assert item(idle, "API Gateway", "0.5 GB stage cache") == pytest.approx(730.0)
    assert item(idle, "API Gateway", "1 WebSocket APIs") == 0.0


def test_standby_off_halves_the_floor_and_s3_vectors_has_none(prices: PriceTable) -> None:
    # Given the same platform with standby off, and with a vector bucket instead
    off = estimate(inventory(opensearch_template("DISABLED")), prices, Workload()).idle
    bucket = estimate(inventory(s3vectors_template()), prices, Workload()).idle
    on = estimate(inventory(opensearch_template("ENABLED")), prices, Workload()).idle
    # Then the floor is 1 OCU without standby and nothing at all on S3 Vectors, whose bucket
    # brings its own key
    assert item(off, "OpenSearch Serverless", "standby replicas off") == pytest.approx(730)
    assert item(bucket, "S3 Vectors", "1 vector bucket, 2 indexes") == 0.0
    assert item(bucket, "KMS", "3 customer-managed keys (1 for the vector bucket)") == 3.0
    assert Estimate.total(on) - Estimate.total(bucket) == pytest.approx(2 * 730 - 1)


def test_anchors_shape_is_one_collection_with_standby_on(prices: PriceTable) -> None:
    # Given an environment on S3 Vectors
    inv = inventory(s3vectors_template())
    # When it is priced in the anchors' default deployment shape
    anchors = estimate(anchors_shape(inv), prices, Workload(), "anchors' shape")
    # Then it carries the standby floor, and neither the vector bucket nor its key
    assert anchors.vector_store == "opensearch"
    assert item(anchors.idle, "OpenSearch Serverless", "standby replicas on") == pytest.approx(1460)
    assert item(anchors.idle, "KMS", "2 customer-managed keys") == 2.0


def test_the_other_vector_store_is_the_same_environment_otherwise(prices: PriceTable) -> None:
    # Given each shape turned into the other
    opensearch = inventory(opensearch_template("DISABLED"))
    bucket = inventory(s3vectors_template())
    # Then a bucket with its key replaces the collection, and the reverse
    assert bucket.with_collection(standby=False).kms_keys == opensearch.kms_keys
    assert opensearch.with_vector_bucket().kms_keys == bucket.kms_keys
    moved = estimate(opensearch.with_vector_bucket(), prices, Workload())
    same = estimate(bucket, prices, Workload())
    assert Estimate.total(moved.idle) == pytest.approx(Estimate.total(same.idle))


def test_ingesting_a_thousand_documents(prices: PriceTable) -> None:
    # Given 10-page documents, 10% scans, 24 chunks of 300 tokens each
    w = Workload()
    assert w.chunks_per_document == 24
    ingest = estimate(inventory(s3vectors_template()), prices, w).ingest
    # Then OCR, embeddings and vector writes are priced per page, token and logical GB
    assert item(ingest, "Textract", "1,000 scanned pages") == pytest.approx(1000.0)
    assert item(ingest, "Bedrock", "7,200,000 tokens") == pytest.approx(7200.0)
    # 24 vectors x 1,680 bytes = 40,320 bytes: under the 128 KB billed per PutVectors call
    assert item(ingest, "S3 Vectors", "PUT 24,000 vectors") == pytest.approx(
        1000 * 128 * 1024 / GIB
    )
    # Only the 500 KB upload is large enough to move: one transition per rule and document
    assert item(ingest, "S3", "transitions to STANDARD_IA") == pytest.approx(1.0)
    assert item(ingest, "S3", "transitions to GLACIER_IR") == pytest.approx(1.0)
    assert item(ingest, "DynamoDB", "12,000 WRU, 6,000 RRU") == pytest.approx(0.018)


def test_holding_a_thousand_documents_after_lifecycle_and_backups(prices: PriceTable) -> None:
    holding = estimate(inventory(opensearch_template()), prices, Workload()).holding
    # The upload spends half a month in Standard, two in Standard-IA, nine in Glacier IR
    assert item(holding, "S3", "GLACIER_IR") == pytest.approx(1000 * 512_000 * 9 / 12 / GIB)
    assert item(holding, "S3", "STANDARD_IA") == pytest.approx(1000 * 512_000 * 2 / 12 / GIB)
    # Vectors of 8 dimensions: 32 bytes + 48 key + 400 metadata + 1,200 text, 24 per document
    assert item(holding, "OpenSearch Serverless", "managed storage") == pytest.approx(
        1000 * 24 * 1680 / GIB
    )
    # Daily backups kept 35 days: 35 full copies of the table
    table_gb = 1000 * 4096 / GIB
    assert item(holding, "AWS Backup", "35 warm + 0 cold") == pytest.approx(35 * table_gb)
    assert item(holding, "DynamoDB", "point-in-time") == pytest.approx(table_gb)


def test_ten_thousand_searches_on_s3_vectors(prices: PriceTable) -> None:
    searches = estimate(inventory(s3vectors_template()), prices, Workload()).searches
    assert item(searches, "S3 Vectors", "QueryVectors") == pytest.approx(10.0)
    # 10,000 documents x 24 vectors of 480 bytes processed by every query
    processed = 240_000 * 480 / 1024**4
    assert item(searches, "S3 Vectors", "data processed") == pytest.approx(10_000 * processed)
    assert item(searches, "API Gateway", "10,000 REST requests") == pytest.approx(0.01)
    assert item(searches, "WAF", "10,000 requests") == pytest.approx(0.01)


def test_every_price_the_model_uses_is_in_the_repository_table() -> None:
    # Given the real price table: every part of every shape prices without a missing key
    real = load_prices()
    for template in (opensearch_template(), s3vectors_template()):
        result = estimate(inventory(template), real, Workload())
        assert Estimate.total(result.idle) > 0
    assert real.region == "us-east-1"
    pages = ("https://aws.amazon.com/", "https://docs.aws.amazon.com/")
    assert all(p.source.startswith(pages) for p in real.prices.values())
    assert all(p.unit for p in real.prices.values())


def test_an_inventory_without_vector_dimension_is_refused(prices: PriceTable) -> None:
    inv = replace(inventory(s3vectors_template()), vector_dimension=None)
    with pytest.raises(ValueError, match="dimension"):
        estimate(inv, prices, Workload())


def test_a_cross_region_copy_doubles_the_backups_and_pays_the_transfer(prices: PriceTable) -> None:
    # Given the daily rule copying each recovery point to another region
    template = opensearch_template()
    rule = template["Resources"]["Plan"]["Properties"]["BackupPlan"]["BackupPlanRule"][0]
    rule["CopyActions"] = [{"DestinationBackupVaultArn": "arn:aws:backup:eu-west-1:1:vault"}]
    holding = estimate(inventory(template), prices, Workload()).holding
    # Then every kept copy exists twice and each day's copy crosses regions once
    table_gb = 1000 * 4096 / GIB
    assert item(holding, "AWS Backup", "35 warm + 0 cold") == pytest.approx(2 * 35 * table_gb)
    daily = 365 / 12
    assert item(holding, "AWS Backup", "cross-region copies") == pytest.approx(daily * table_gb)


def test_a_replicated_bucket_stores_again_and_transfers(prices: PriceTable) -> None:
    # Given the documents bucket replicated to Standard-IA in another region
    template = opensearch_template()
    template["Resources"]["Documents"]["Properties"]["ReplicationConfiguration"] = {
        "Rules": [
            {"Destination": {"Bucket": "arn:aws:s3:::replica", "StorageClass": "STANDARD_IA"}}
        ]
    }
    result = estimate(inventory(template), prices, Workload())
    # Then the replica is billed in its class (128 KB at least per object) and sent once
    sizes = (512_000, 24_000, 36_000, 2048, 6720)  # upload, text, chunks, metadata, embeddings
    ia_billed = 512_000 + 4 * 128 * 1024
    assert item(result.holding, "S3", "replica in another region, STANDARD_IA") == pytest.approx(
        1000 * ia_billed / GIB
    )
    assert item(result.ingest, "S3", "replication") == pytest.approx(1000 * sum(sizes) / GIB)


def test_answers_streamed_over_the_websocket_price_messages_minutes_and_the_function(
    prices: PriceTable,
) -> None:
    # Given the platform with its WebSocket API and the realtime function (1 GB, arm64)
    template = s3vectors_template()
    template["Resources"]["RealtimeFunction"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": "strata-t-realtime",
            "MemorySize": 1024,
            "Architectures": ["arm64"],
        },
    }
    w = Workload()
    # When 10,000 answers are streamed over the socket
    streamed = estimate(inventory(template), prices, w).streamed
    # Then each answer is 1 + 100 deltas (400 tokens, 4 per delta) + done + 2 pushes = 104
    # messages, priced per million, beside 2 connection-minutes
    assert w.socket_messages_per_answer == 104
    assert item(streamed, "API Gateway", "1,040,000 WebSocket messages") == pytest.approx(1.04)
    assert item(streamed, "API Gateway", "20,000 WebSocket connection-minutes") == pytest.approx(
        0.02
    )
    # And the realtime function runs 6 s per answer, 0.2 s per $connect and $disconnect
    answer_usd = 10_000 * 0.2 / 1e6 + 10_000 * 6.0 * 0.00001
    assert item(streamed, "Lambda", "realtime: 10,000 invocations") == pytest.approx(answer_usd)
    connect_usd = 4_000 * 0.2 / 1e6 + 4_000 * 0.2 * 0.00001
    assert item(streamed, "Lambda", "realtime: 4,000 invocations") == pytest.approx(connect_usd)
    logs_gb = 14_000 * 3 * 1024 / GIB
    assert item(streamed, "CloudWatch Logs", "ingest") == pytest.approx(logs_gb)
    assert Estimate.total(streamed) == pytest.approx(
        1.04 + 0.02 + answer_usd + connect_usd + logs_gb
    )


def test_without_a_realtime_function_nothing_is_streamed(prices: PriceTable) -> None:
    # Given the platform whose templates have no realtime function
    streamed = estimate(inventory(opensearch_template()), prices, Workload()).streamed
    # Then streaming adds nothing
    assert streamed == ()
