"""`strata verify`: the environment against the schema and the stacks, then every planted
integrity fault found and mended by `--fix`."""

from __future__ import annotations

import dataclasses
from typing import Any

from typer.testing import CliRunner

from ops.cli import app
from ops.target import Target
from strata.models.chat import ChatSessionCreate, MessageCreate
from strata.models.documents import DocumentCreate
from strata.schema import IDEMPOTENCY_TABLE
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.types import ChunkMetadata, ChunkVector
from strata.store import keys
from strata.store.counters import CounterRepository
from tests.integration.ops.seed import ingest_document, seed
from tests.support.moto_server import MotoServer

runner = CliRunner()


def invoke(target: Target, *args: str) -> Any:
    return runner.invoke(app, list(args), obj=target)


def configured(target: Target, moto_server: MotoServer) -> Target:
    """The target's resources set up as the stacks set them up."""
    ddb, s3, bucket = (
        moto_server.client("dynamodb"),
        moto_server.client("s3"),
        (target.settings.bucket_name),
    )
    idempotency = moto_server.create_table(IDEMPOTENCY_TABLE)
    for table in (target.settings.table_name, idempotency):
        ddb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "abort",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                },
                {
                    "ID": "temp",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "temp-uploads/"},
                    "Expiration": {"Days": 1},
                },
                {
                    "ID": "noncurrent",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                },
            ]
        },
    )
    settings = target.settings.model_copy(update={"idempotency_table_name": idempotency})
    return dataclasses.replace(target, settings=settings)


def test_the_environment_passes_when_it_matches_and_fails_on_drift(
    target: Target, moto_server: MotoServer
) -> None:
    # Given resources configured as the stacks configure them
    ready = configured(target, moto_server)
    # When the environment is verified
    result = invoke(ready, "verify", "--only", "environment")
    # Then every check passes (AWS Backup and Bedrock do not apply locally)
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output
    # And when versioning is suspended and PITR turned off, verify says so
    moto_server.client("s3").put_bucket_versioning(
        Bucket=ready.settings.bucket_name, VersioningConfiguration={"Status": "Suspended"}
    )
    moto_server.client("dynamodb").update_continuous_backups(
        TableName=ready.settings.table_name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    drifted = invoke(ready, "verify", "--only", "environment")
    assert drifted.exit_code == 1
    assert "2 check(s) failed" in drifted.output


def test_an_s3_vectors_environment_has_its_indexes_checked(
    target: Target, moto_server: MotoServer, vector_bucket: str
) -> None:
    # Given an environment on S3 Vectors whose indexes are as the stacks create them
    ready = configured(target, moto_server)
    on_s3 = dataclasses.replace(
        ready,
        settings=ready.settings.model_copy(
            update={"vector_index": "s3vectors", "vector_bucket_name": vector_bucket}
        ),
        vector_index_factory=None,
    )
    # When the environment is verified, then both indexes pass
    result = invoke(on_s3, "verify", "--only", "environment")
    assert result.exit_code == 0, result.output
    # And when an index is recreated with another dimension, verify names it
    client = moto_server.client("s3vectors")
    client.delete_index(vectorBucketName=vector_bucket, indexName="memories")
    client.create_index(
        vectorBucketName=vector_bucket,
        indexName="memories",
        dataType="float32",
        dimension=512,
        distanceMetric="cosine",
        metadataConfiguration={"nonFilterableMetadataKeys": ["content"]},
    )
    drifted = invoke(on_s3, "verify", "--only", "environment")
    assert drifted.exit_code == 1
    assert "index memories" in drifted.output


def test_each_planted_fault_is_found_and_mended_by_fix(
    target: Target, vector_index: LocalVectorIndex
) -> None:
    # Given consistent data with ingested documents
    seeded = seed(target)
    ingest_document(target, "user-0", "herons", "Herons wade in shallow water hunting fish.")
    ingest_document(target, "user-1", "owls", "Owls hunt at night with silent feathers.")
    clean = invoke(target, "verify", "--only", "data")
    assert clean.exit_code == 0, clean.output
    repos, bulk = target.repositories, target.bulk
    # And one of each fault: messages of a deleted session
    lost = repos.chat.create_session("user-2", ChatSessionCreate(title="doomed"))
    repos.chat.append_message("user-2", lost.session_id, MessageCreate(content="orphan to be"))
    bulk.delete_keys([keys.chat_session("user-2", lost.session_id)])
    # a grant to an application that does not exist
    bulk.put_items(
        [
            {
                **keys.grant(seeded.group_id, "ghost-app").to_item(),
                "groupId": seeded.group_id,
                "appId": "ghost-app",
            }
        ]
    )
    # counters that disagree with the items (the stream-kept stats item among them)
    bulk.put_items([{**keys.STATS.to_item(), "entity": "STATS", "users": 99, "groups": 1}])
    bulk.patch(keys.group_metadata(seeded.group_id), set_values={"stats.memberCount": 99})
    bulk.patch(
        keys.chat_session("user-0", seeded.sessions["user-0"]), set_values={"messageCount": 7}
    )
    # a document stuck in uploading since long ago
    repos.documents.create(
        "user-2",
        DocumentCreate(file_name="x.txt", file_type="text/plain", file_size=3),
        document_id="stuck",
        s3_bucket="bucket",
        s3_key="k",
    )
    bulk.patch(
        keys.document("user-2", "stuck"), set_values={"updatedAt": "2020-01-01T00:00:00.000000Z"}
    )
    # vectors of a document that does not exist, and a ready document without vectors
    vector = LocalLexicalEmbedder(target.settings.embedding_dimension).embed(["ghost"])[0]
    vector_index.replace_document_chunks(
        "user-2",
        "ghost-doc",
        [
            ChunkVector(
                chunkId="ghost-doc:0",
                documentId="ghost-doc",
                userId="user-2",
                chunkIndex=0,
                content="ghost",
                embedding=vector,
                metadata=ChunkMetadata("g.txt", "text/plain", 1, 5, 0, 5),
                uploadDate="2026-01-01T00:00:00Z",
                createdAt="2026-01-01T00:00:00Z",
            )
        ],
    )
    vector_index.delete_document("user-1", "owls")

    # When verify runs, then it finds every fault and fails
    found = invoke(target, "verify", "--only", "data")
    assert found.exit_code == 1
    for name in (
        "platform counters",
        "messages without a session",
        "grants to missing applications",
        "group member counts",
        "session message counts",
        "documents stuck",
        "vectors without a document",
        "documents without vectors",
    ):
        assert name in found.output
    assert "8 check(s) failed" in found.output

    # When verify --fix runs, then everything passes, and stays passing
    fixed = invoke(target, "verify", "--only", "data", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert invoke(target, "verify", "--only", "data").exit_code == 0
    assert repos.groups.get(seeded.group_id).stats.member_count == 3
    counters = CounterRepository(target.table, target.table.clock).stats()
    assert counters["users"] == 3
    assert counters["groups"] == 1
    assert counters["documents#ready"] == 2
    assert repos.chat.get_session("user-0", seeded.sessions["user-0"]).message_count == 3
    assert repos.documents.get("user-2", "stuck").status.value == "error"
    assert vector_index.chunk_count("user-1", "owls") > 0
    assert vector_index.chunk_count("user-2", "ghost-doc") == 0
    assert not repos.chat.messages("user-2", lost.session_id).items
