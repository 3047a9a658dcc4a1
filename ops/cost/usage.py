"""Usage: ingesting and holding 1,000 documents, running and answering 10,000 searches."""

from __future__ import annotations

import math

from ops.cost.inventory import Table
from ops.cost.pricer import (
    DOCUMENTS,
    SEARCHES,
    STORAGE_CLASS_PRICES,
    TRANSITION_PRICES,
    LineItem,
    Pricer,
)
from ops.cost.schedules import DAYS_PER_MONTH
from ops.cost.workload import GB, S3_IA_MIN_OBJECT_BYTES, TB


# ingest
def ingest_items(pr: Pricer) -> list[LineItem]:
    w, p, n = pr.w, pr.p, DOCUMENTS
    api_requests = n * w.api_requests_per_document
    items = pr.requests(api_requests)
    items.append(pr.lambda_items(pr.inv.function("api"), api_requests, w.api_seconds_per_request))
    puts, gets = n * w.s3_puts_per_document, n * w.s3_gets_per_document
    usd = puts * p["s3.put_per_1000"] / 1000 + gets * p["s3.get_per_1000"] / 1000
    items.append(LineItem("S3", f"{puts:,} PUT, {gets:,} GET", usd))
    sqs = n * w.sqs_requests_per_document
    items.append(LineItem("SQS", f"{sqs:,} requests", sqs * p["sqs.standard_per_million"] / 1e6))
    items.append(pr.lambda_items(pr.inv.function("ingest"), n, w.ingest_seconds_per_document))
    if pr.inv.ocr:
        pages = n * w.scanned_share * w.pages_per_document
        usd = pages * p["textract.detect_text_page"]
        items.append(LineItem("Textract", f"{pages:,.0f} scanned pages (OCR enabled)", usd))
    tokens = n * w.embedded_tokens_per_document
    usd = tokens / 1000 * p["bedrock.titan_embed_v2_per_1k_input"]
    items.append(LineItem("Bedrock", f"Titan embeddings, {tokens:,.0f} tokens", usd))
    items.append(vector_writes(pr))
    writes, reads = n * w.dynamodb_writes_per_document, n * w.dynamodb_reads_per_document
    usd = (
        writes * p["dynamodb.write_per_million"] / 1e6
        + reads * p["dynamodb.read_per_million"] / 1e6
    )
    items.append(LineItem("DynamoDB", f"{writes:,} WRU, {reads:,} RRU", usd))
    streams = n * w.stream_invocations_per_document
    items.append(
        pr.lambda_items(pr.inv.function("streams"), streams, w.stream_seconds_per_invocation)
    )
    invocations = api_requests + n + streams
    items.append(pr.logs(invocations))
    items += pr.traces(invocations)
    items.append(pr.kms(n * w.kms_requests_per_document))
    items += transitions(pr)
    items += replication_transfer(pr)
    return items


def replication_transfer(pr: Pricer) -> list[LineItem]:
    bucket = pr.documents_bucket()
    if bucket is None or bucket.replica_storage_class is None:
        return []
    gigabytes = DOCUMENTS * sum(pr.w.s3_objects(pr.dimension).values()) / GB
    usd = gigabytes * pr.p["s3.inter_region_transfer_gb"]
    return [LineItem("S3", f"replication: {gigabytes:.3f} GB to another region", usd)]


def vector_writes(pr: Pricer) -> LineItem:
    vectors = DOCUMENTS * pr.w.chunks_per_document
    if pr.inv.collections:
        what = f"index {vectors:,} vectors within the OCU floor (bursts may add indexing OCUs)"
        return LineItem("OpenSearch Serverless", what, 0.0)
    per_document = pr.w.chunks_per_document * pr.w.stored_vector_bytes(pr.dimension)
    calls = math.ceil(pr.w.chunks_per_document / 500)
    floor = calls * pr.p["s3vectors.put_min_billable_kb"] * 1024
    gigabytes = DOCUMENTS * max(per_document, floor) / GB
    usd = gigabytes * pr.p["s3vectors.put_gb"]
    return LineItem("S3 Vectors", f"PUT {vectors:,} vectors, {gigabytes:.3f} GB logical", usd)


def transitions(pr: Pricer) -> list[LineItem]:
    bucket = pr.documents_bucket()
    if bucket is None:
        return []
    moved = transitioned_objects(pr)
    items = []
    for transition in bucket.transitions:
        key = TRANSITION_PRICES.get(transition.storage_class)
        if key is None:
            raise KeyError(f"no price for transitions to {transition.storage_class}")
        count = DOCUMENTS * moved
        what = f"{count:,} lifecycle transitions to {transition.storage_class}"
        items.append(LineItem("S3", what, count * pr.p[key] / 1000))
    return items


def transitioned_objects(pr: Pricer) -> int:
    sizes = pr.w.s3_objects(pr.dimension).values()
    return sum(1 for size in sizes if size >= S3_IA_MIN_OBJECT_BYTES)


# holding
def holding_items(pr: Pricer) -> list[LineItem]:
    w, p, n = pr.w, pr.p, DOCUMENTS
    items = s3_storage(pr)
    table = pr.main_table()
    table_gb = n * w.dynamodb_bytes_per_document / GB
    items.append(
        LineItem(
            "DynamoDB",
            f"{table_gb * 1024:,.1f} MB stored",
            table_gb * p["dynamodb.storage_gb_month"],
        )
    )
    if table is not None and table.pitr:
        usd = table_gb * p["dynamodb.pitr_gb_month"]
        items.append(LineItem("DynamoDB", "point-in-time recovery of the same", usd))
    items.append(vector_storage(pr))
    items += backups(pr, table, table_gb)
    items += replica(pr)
    items.append(ingestion_logs(pr))
    return items


def replica(pr: Pricer) -> list[LineItem]:
    """A replicated bucket: every object again in the other region, in the rule's class, and
    the transfer there (an upper bound: the rule may replicate one prefix only)."""
    bucket = pr.documents_bucket()
    if bucket is None or bucket.replica_storage_class is None:
        return []
    key = STORAGE_CLASS_PRICES.get(bucket.replica_storage_class)
    if key is None:
        raise KeyError(f"no price for the storage class {bucket.replica_storage_class}")
    sizes = pr.w.s3_objects(pr.dimension).values()
    billed = sum(max(size, S3_IA_MIN_OBJECT_BYTES) for size in sizes)
    if bucket.replica_storage_class == "STANDARD":
        billed = sum(sizes)
    gigabytes = DOCUMENTS * billed / GB
    what = f"replica in another region, {bucket.replica_storage_class}: {gigabytes:.3f} GB"
    return [LineItem("S3", what, gigabytes * pr.p[key])]


def ingestion_logs(pr: Pricer) -> LineItem:
    """The ingestion's logs, kept as long as the log groups keep them (averaged like S3)."""
    w = pr.w
    invocations = DOCUMENTS * (w.api_requests_per_document + 1 + w.stream_invocations_per_document)
    gigabytes = invocations * w.log_bytes_per_invocation / GB
    months = min(pr.retention_days() / DAYS_PER_MONTH, w.months_held)
    usd = gigabytes * pr.p["cloudwatch.logs_storage_gb_month"] * months / w.months_held
    return LineItem("CloudWatch Logs", f"ingestion logs kept {pr.retention_days():g} days", usd)


def s3_storage(pr: Pricer) -> list[LineItem]:
    bucket = pr.documents_bucket()
    if bucket is None:
        return []
    by_class: dict[str, float] = {}
    months = pr.w.months_held
    for size in pr.w.s3_objects(pr.dimension).values():
        for month in range(months):
            age_days = (month + 0.5) * 365 / 12
            storage_class = "STANDARD"
            if size >= S3_IA_MIN_OBJECT_BYTES:
                for transition in bucket.transitions:
                    if age_days >= transition.days:
                        storage_class = transition.storage_class
            gigabytes = DOCUMENTS * size / GB / months
            by_class[storage_class] = by_class.get(storage_class, 0.0) + gigabytes
    items = []
    for storage_class, gigabytes in by_class.items():
        key = STORAGE_CLASS_PRICES.get(storage_class)
        if key is None:
            raise KeyError(f"no price for the storage class {storage_class}")
        what = f"{storage_class}: {gigabytes:.3f} GB-month (average over {months} months)"
        items.append(LineItem("S3", what, gigabytes * pr.p[key]))
    return items


def vector_storage(pr: Pricer) -> LineItem:
    vectors = DOCUMENTS * pr.w.chunks_per_document
    gigabytes = vectors * pr.w.stored_vector_bytes(pr.dimension) / GB
    if pr.inv.collections:
        usd = gigabytes * pr.p["aoss.storage_gb_month"]
        return LineItem("OpenSearch Serverless", f"{gigabytes:.3f} GB managed storage", usd)
    usd = gigabytes * pr.p["s3vectors.storage_gb_month"]
    return LineItem("S3 Vectors", f"{vectors:,} vectors, {gigabytes:.3f} GB logical", usd)


def backups(pr: Pricer, table: Table | None, table_gb: float) -> list[LineItem]:
    p, inv = pr.p, pr.inv
    rules = inv.backup_rules
    if not rules:
        return []
    items = []
    copies = 1 + max(rule.copies for rule in rules)
    if table is not None and table.logical_id in inv.backed_up:
        warm = sum(rule.retained()[0] for rule in rules)
        cold = sum(rule.retained()[1] for rule in rules)
        usd = (
            copies
            * table_gb
            * (
                warm * p["backup.dynamodb_warm_gb_month"]
                + cold * p["backup.dynamodb_cold_gb_month"]
            )
        )
        what = f"DynamoDB: {warm:.0f} warm + {cold:.0f} cold full copies kept"
        items.append(LineItem("AWS Backup", what, usd))
        if inv.restore_tests_per_month:
            restored = inv.restore_tests_per_month * table_gb
            usd = restored * p["backup.dynamodb_restore_gb"]
            items.append(
                LineItem("AWS Backup", f"restore test: {restored * 1024:,.1f} MB restored", usd)
            )
    bucket = pr.documents_bucket()
    if bucket is not None and bucket.logical_id in inv.backed_up:
        billed = sum(
            max(size, S3_IA_MIN_OBJECT_BYTES) for size in pr.w.s3_objects(pr.dimension).values()
        )
        gigabytes = DOCUMENTS * billed / GB
        usd = copies * gigabytes * p["backup.s3_gb_month"]
        items.append(
            LineItem(
                "AWS Backup",
                f"S3: {gigabytes:.3f} GB (incremental; objects under 128 KB billed as 128 KB)",
                usd,
            )
        )
    if copies > 1:
        runs = sum(rule.runs_per_month for rule in rules if rule.copies)
        usd = runs * table_gb * p["backup.cross_region_gb"] * (copies - 1)
        items.append(
            LineItem("AWS Backup", f"cross-region copies of the table, {runs:.0f} a month", usd)
        )
    return items


# searches
def search_items(pr: Pricer) -> list[LineItem]:
    w, p, n = pr.w, pr.p, SEARCHES
    items = pr.requests(n)
    items.append(pr.lambda_items(pr.inv.function("api"), n, w.search_seconds))
    tokens = n * w.query_tokens
    usd = tokens / 1000 * p["bedrock.titan_embed_v2_per_1k_input"]
    items.append(LineItem("Bedrock", f"Titan embeddings, {tokens:,} query tokens", usd))
    items += vector_queries(pr)
    reads = n * w.dynamodb_reads_per_search
    items.append(
        LineItem("DynamoDB", f"{reads:,} RRU", reads * p["dynamodb.read_per_million"] / 1e6)
    )
    items.append(pr.logs(n))
    items += pr.traces(n)
    items.append(pr.kms(n * w.kms_requests_per_search))
    return items


def vector_queries(pr: Pricer) -> list[LineItem]:
    n = SEARCHES
    if pr.inv.collections:
        return [LineItem("OpenSearch Serverless", f"{n:,} queries within the OCU floor", 0.0)]
    vectors = pr.w.corpus_documents * pr.w.chunks_per_document
    size = pr.w.vector_bytes(pr.dimension)
    first = min(vectors, 100_000)
    per_query = first * size / TB * pr.p["s3vectors.query_tb_first_100k"]
    per_query += max(0, vectors - first) * size / TB * pr.p["s3vectors.query_tb_over_100k"]
    return [
        LineItem(
            "S3 Vectors",
            f"{n:,} QueryVectors requests",
            n * pr.p["s3vectors.query_per_1000"] / 1000,
        ),
        LineItem(
            "S3 Vectors",
            f"data processed: {vectors:,} vectors in the index per query",
            n * per_query,
        ),
    ]


def answer_items(pr: Pricer) -> list[LineItem]:
    w, p, n = pr.w, pr.p, SEARCHES
    tokens_in, tokens_out = n * w.answer_input_tokens, n * w.answer_output_tokens
    usd = tokens_in / 1000 * p["bedrock.haiku45_input_per_1k"]
    usd += tokens_out / 1000 * p["bedrock.haiku45_output_per_1k"]
    return [
        LineItem("Bedrock", f"Claude Haiku 4.5, {tokens_in:,} in + {tokens_out:,} out tokens", usd)
    ]


def streamed_items(pr: Pricer) -> list[LineItem]:
    """What streaming 10,000 answers over the WebSocket API adds to the searches and answers:
    the realtime function's runs, the messages (32 KB increments: every frame is one) and the
    connection-minutes. Nothing without a WebSocket API."""
    w, p, n = pr.w, pr.p, SEARCHES
    realtime = pr.inv.function("realtime")
    if not pr.inv.websocket_apis or realtime is None:
        return []
    messages = n * w.socket_messages_per_answer
    minutes = n * w.connection_minutes_per_answer
    connects = n * w.connections_per_answer * 2  # $connect and $disconnect
    return [
        LineItem(
            "API Gateway",
            f"{messages:,.0f} WebSocket messages ({w.socket_messages_per_answer} per answer)",
            messages * p["apigateway.websocket_messages_per_million"] / 1e6,
        ),
        LineItem(
            "API Gateway",
            f"{minutes:,.0f} WebSocket connection-minutes",
            minutes * p["apigateway.websocket_connection_minutes_per_million"] / 1e6,
        ),
        pr.lambda_items(realtime, n, w.realtime_seconds_per_answer),
        pr.lambda_items(realtime, connects, w.realtime_seconds_per_connect),
        pr.logs(n + connects),
        *pr.traces(n + connects),
    ]
