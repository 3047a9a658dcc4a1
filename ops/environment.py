"""The environment against ``strata.schema`` and the stacks: tables (keys, indexes, TTL,
stream, PITR), the bucket (versioning, encryption, public access, lifecycle), the vector
indexes, the backup plan and the Bedrock models. About 15 control-plane requests in all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.names import TEMP_UPLOADS_PREFIX, Output
from ops.checks import Check, expect, failed, not_applicable, passed
from ops.target import Target
from strata.errors import NotFound, StrataError
from strata.schema import IDEMPOTENCY_TABLE, MAIN_TABLE, VECTOR_INDEXES, TableSchema
from strata.schema import create_table_kwargs as schema_kwargs
from strata.store.admin import TableAdmin

REDEPLOY = "the stack has drifted from the code: redeploy it (make deploy ENV=...)"


def environment_checks(target: Target) -> Iterator[Check]:
    admin = TableAdmin(target.client("dynamodb"))
    yield from _table(admin, MAIN_TABLE, target.settings.table_name, target.emulated)
    yield from _table(
        admin, IDEMPOTENCY_TABLE, target.settings.idempotency_table_name, target.emulated
    )
    yield from _bucket(target.client("s3"), target.settings.bucket_name, target.emulated)
    yield from _vectors(target)
    yield _backup_plan(target)
    yield from _models(target)


def _table(
    admin: TableAdmin, schema: TableSchema, name: str, emulated: bool = False
) -> Iterator[Check]:
    area = f"table {name}"
    try:
        described = admin.describe(name)
    except NotFound:
        yield failed(area, "exists", f"no table {name}")
        return
    wanted = schema_kwargs(schema, name)
    yield expect(
        area, "keys", described.key_schema == wanted["KeySchema"], f"{described.key_schema}"
    )
    have = sorted(described.attributes, key=lambda a: a["AttributeName"])
    want = sorted(wanted["AttributeDefinitions"], key=lambda a: a["AttributeName"])
    yield expect(area, "key attributes", have == want, f"{len(have)} attribute(s)")
    indexes = {
        i["IndexName"]: (i["KeySchema"], i.get("Projection", {}).get("ProjectionType"))
        for i in described.indexes
    }
    expected = {
        i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
        for i in wanted.get("GlobalSecondaryIndexes", [])
    }
    yield expect(
        area, "indexes", indexes == expected, f"have {sorted(indexes)}, want {sorted(expected)}"
    )
    ttl = admin.time_to_live(name)
    yield expect(
        area, "TTL", ttl == schema.ttl_attribute, f"TTL on {ttl!r}, want {schema.ttl_attribute!r}"
    )
    if schema.stream_view:
        yield expect(
            area,
            "stream",
            described.stream_view == schema.stream_view,
            f"stream {described.stream_view}, want {schema.stream_view}",
        )
    enabled, earliest, _ = admin.point_in_time_recovery(name)
    if emulated and not enabled:
        yield not_applicable(area, "point-in-time recovery", "not emulated locally")
        return
    yield expect(
        area,
        "point-in-time recovery",
        enabled,
        f"restorable since {earliest}" if enabled else f"off; {REDEPLOY}",
    )


def _bucket(s3: Any, bucket: str, emulated: bool) -> Iterator[Check]:
    area = f"bucket {bucket}"
    try:
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    except ClientError as exc:
        yield failed(area, "exists", str(exc))
        return
    yield expect(area, "versioning", versioning == "Enabled", f"versioning {versioning}")
    if emulated:
        yield not_applicable(area, "encryption, public access, lifecycle", "not emulated locally")
        return
    yield _bucket_call(
        area,
        "encryption",
        lambda: s3.get_bucket_encryption(Bucket=bucket),
        lambda r: bool(r["ServerSideEncryptionConfiguration"]["Rules"]),
    )
    yield _bucket_call(
        area,
        "public access blocked",
        lambda: s3.get_public_access_block(Bucket=bucket),
        lambda r: all(r["PublicAccessBlockConfiguration"].values()),
    )
    yield _bucket_call(
        area,
        "lifecycle",
        lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket),
        _lifecycle_complete,
    )


def _lifecycle_complete(response: dict[str, Any]) -> bool:
    rules = [r for r in response.get("Rules", []) if r.get("Status") == "Enabled"]
    aborts = any("AbortIncompleteMultipartUpload" in r for r in rules)
    noncurrent = any("NoncurrentVersionExpiration" in r for r in rules)
    temp = any(
        (r.get("Filter", {}).get("Prefix") or r.get("Prefix")) == TEMP_UPLOADS_PREFIX
        and "Expiration" in r
        for r in rules
    )
    return aborts and noncurrent and temp


def _bucket_call(area: str, name: str, call: Any, ok: Any) -> Check:
    try:
        response = call()
    except ClientError as exc:
        return failed(area, name, f"not configured ({exc.response['Error']['Code']}); {REDEPLOY}")
    return expect(area, name, bool(ok(response)), "configured" if ok(response) else REDEPLOY)


def _vectors(target: Target) -> Iterator[Check]:
    area = "vector indexes"
    settings = target.settings
    if settings.vector_index == "s3vectors":
        yield from _s3vectors_indexes(target, area)
        return
    if settings.vector_index != "opensearch":
        try:
            target.vector_index.search_chunks(
                "verify", [0.0] * (settings.embedding_dimension - 1) + [1.0], 1
            )
        except (StrataError, RuntimeError) as exc:
            yield failed(area, "reachable", str(exc))
            return
        yield passed(area, "reachable", f"{settings.vector_index} index answers")
        return
    from strata.search.opensearch_client import build_opensearch_client  # noqa: PLC0415

    client = build_opensearch_client(settings.collection_endpoint, settings.region)
    for index, name in zip(
        VECTOR_INDEXES, (settings.chunks_index, settings.memories_index), strict=True
    ):
        try:
            mapping = client.indices.get_mapping(index=name)
        except Exception as exc:
            yield failed(area, f"index {name}", f"not readable: {exc}")
            continue
        properties = next(iter(mapping.values()))["mappings"]["properties"]
        dimension = properties.get("embedding", {}).get("dimension")
        yield expect(
            area,
            f"index {name}",
            dimension == settings.embedding_dimension and set(index.properties) <= set(properties),
            f"dimension {dimension}, want {settings.embedding_dimension}",
        )


def _s3vectors_indexes(target: Target, area: str) -> Iterator[Check]:
    """Each index of the vector bucket: dimension, data type, distance and non-filterable keys
    as ``strata.schema`` and the settings want them (1 GetIndex each)."""
    from strata.schema import S3VECTORS_DATA_TYPE, S3VECTORS_DISTANCE_METRIC  # noqa: PLC0415

    settings = target.settings
    client = target.client("s3vectors")
    for index, name in zip(
        VECTOR_INDEXES, (settings.chunks_index, settings.memories_index), strict=True
    ):
        try:
            found = client.get_index(vectorBucketName=settings.vector_bucket_name, indexName=name)
        except (BotoCoreError, ClientError) as exc:
            yield failed(area, f"index {name}", f"not readable: {exc}")
            continue
        described = found.get("index", {})
        have: tuple[Any, ...] = (
            described.get("dimension"),
            described.get("dataType"),
            described.get("distanceMetric"),
        )
        want: tuple[Any, ...] = (
            settings.embedding_dimension,
            S3VECTORS_DATA_TYPE,
            S3VECTORS_DISTANCE_METRIC,
        )
        # The service reports the non-filterable keys an index was made with (moto omits them).
        if "metadataConfiguration" in described:
            configuration = described["metadataConfiguration"]
            have += (sorted(configuration.get("nonFilterableMetadataKeys", [])),)
            want += (sorted(index.non_filterable_keys),)
        yield expect(area, f"index {name}", have == want, f"have {have}, want {want}; {REDEPLOY}")


def _backup_plan(target: Target) -> Check:
    area = "backups"
    plan_id = target.outputs.get(Output.BACKUP_PLAN_ID)
    if not plan_id:
        return not_applicable(area, "plan", "no AWS Backup plan here (local stack)")
    try:
        plan = target.client("backup").get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
    except (ClientError, BotoCoreError) as exc:
        return failed(area, "plan", f"not readable: {exc}")
    rules = [rule["RuleName"] for rule in plan.get("Rules", [])]
    return expect(area, "plan", len(rules) >= 3, f"rules {rules}")


def _models(target: Target) -> Iterator[Check]:
    from strata.assistant.model_check import configured_models, verify_models  # noqa: PLC0415

    if not configured_models(target.settings):
        yield not_applicable("models", "Bedrock models", "local embedder and responder")
        return
    for status in verify_models(target.settings, target.client("bedrock")):
        yield expect(
            "models",
            f"{status.purpose} {status.model_id}",
            status.active,
            "; ".join(status.problems) or status.lifecycle,
        )
