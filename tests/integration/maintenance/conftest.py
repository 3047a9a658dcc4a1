"""Maintenance on moto: a main table, a versioned documents bucket, a local vector index, and
documents placed in time by repositories on a clock of their own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from strata.clock import ManualClock, SystemClock
from strata.config import Settings
from strata.documents.uploads import DocumentUploads
from strata.events.reactor import wire_reactor
from strata.models import Document, DocumentCreate, DocumentStatus, ProcessingResult
from strata.models import ProcessingStatus as Flags
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.store.documents import DocumentRepository
from strata.store.factory import Repositories, repositories_for
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from tests.support.dynamodb_stream import StreamTap
from tests.support.moto_server import MotoServer
from tests.support.settings import make_settings

TOKEN_SECRET = "maintenance-test-secret-0123456789"
OWNER = "owner-0001"


def backdate_objects(bucket: str, prefix: str, when: datetime) -> None:
    """Make every version under ``prefix`` look last modified at ``when`` (S3 cannot be told;
    the moto server runs in this process, so its record of the object can)."""
    keys = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[bucket].keys
    for name in list(keys.keys()):
        if name.startswith(prefix):
            for version in keys.getlist(name):
                version.last_modified = when.astimezone(UTC).replace(tzinfo=None)


@dataclass
class World:
    """What maintenance works on, and ways to put documents into it at chosen times."""

    settings: Settings
    ddb: Any
    s3: Any
    table_name: str
    bucket: str
    index: LocalVectorIndex
    stream: StreamTap

    def tell_owners(self) -> None:
        """Run the streams function's reactions on every write so far (it notifies owners of
        documents that became ready or error)."""
        reactor = wire_reactor(
            repositories=self.repos(),
            embedder=LocalLexicalEmbedder(256),
            index=self.index,
            uploads=DocumentUploads(self.s3, self.bucket, 900),
        )
        for record in self.stream.take():
            reactor.handle_record(record)

    def table(self, clock: Any) -> Table:
        return Table(self.ddb, self.table_name, TokenSigner(TOKEN_SECRET), clock)

    def repos(self, at: datetime | None = None) -> Repositories:
        clock: Any = ManualClock(at) if at is not None else SystemClock()
        return repositories_for(self.table(clock), clock, self.settings)

    def documents_at(self, at: datetime) -> DocumentRepository:
        return self.repos(at).documents

    def create(self, at: datetime, name: str = "notes.md", user: str = OWNER) -> Document:
        document_id = f"doc-{uuid.uuid4().hex[:12]}"
        return self.documents_at(at).create(
            user,
            DocumentCreate(file_name=name, file_type="text/markdown", file_size=10),
            document_id=document_id,
            s3_bucket=self.bucket,
            s3_key=f"documents/{user}/{document_id}/original",
        )

    def start_processing(self, document: Document, at: datetime) -> Document:
        return self.documents_at(at).transition(
            document.user_id, document.document_id, DocumentStatus.PROCESSING
        )

    def finish(self, document: Document, at: datetime) -> Document:
        flags = Flags(
            text_extracted=True, chunks_created=True, vectors_generated=True, indexed=True
        )
        return self.documents_at(at).complete(
            document.user_id, document.document_id, ProcessingResult(processing_status=flags)
        )

    def put_object(self, key: str, body: bytes = b"text") -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def keys(self) -> list[str]:
        versions = self.s3.list_object_versions(Bucket=self.bucket)
        return sorted({v["Key"] for v in versions.get("Versions", [])})


@pytest.fixture
def world(moto_server: MotoServer, main_table: str) -> World:
    bucket = f"strata-test-maint-{uuid.uuid4().hex[:10]}"
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    settings = make_settings(
        table_name=main_table,
        bucket_name=bucket,
        token_secret=TOKEN_SECRET,
        embedder="local",
        vector_index="local",
        ingest_max_receive_count=5,
        ingest_visibility_timeout_seconds=1800,
    )
    return World(
        settings=settings,
        ddb=moto_server.client("dynamodb"),
        s3=s3,
        table_name=main_table,
        bucket=bucket,
        index=LocalVectorIndex(),
        stream=StreamTap(moto_server, main_table),
    )


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)
