"""The pipeline's ledger over the store's documents, on moto's DynamoDB."""

from __future__ import annotations

import pytest

from strata.clock import SystemClock
from strata.documents.ledger import RepositoryLedger
from strata.errors import Conflict
from strata.models import DocumentCreate, DocumentStatus
from strata.models.documents import ProcessingResult, ProcessingStatus, SearchableContent
from strata.store.documents import DocumentRepository
from strata.store.table import Table
from strata.store.tokens import TokenSigner
from tests.support.moto_server import MotoServer

USER = "user-ledger"


class Store:
    def __init__(self, server: MotoServer, table_name: str) -> None:
        clock = SystemClock()
        table = Table(server.client("dynamodb"), table_name, TokenSigner(b"k" * 32), clock)
        self.documents = DocumentRepository(table, clock)
        self.ledger = RepositoryLedger(self.documents)

    def create(self, document_id: str = "doc-ledger") -> str:
        self.documents.create(
            USER,
            DocumentCreate(file_name="a.txt", file_type="text/plain", file_size=3, tags=["x"]),
            document_id=document_id,
            s3_bucket="bucket",
            s3_key=f"documents/{USER}/{document_id}/original",
        )
        return document_id

    def status(self, document_id: str) -> DocumentStatus:
        return self.documents.get(USER, document_id).status


@pytest.fixture
def store(moto_server: MotoServer, main_table: str) -> Store:
    return Store(moto_server, main_table)


def test_a_document_moves_to_ready_with_progress_on_the_way(store: Store) -> None:
    document_id = store.create()
    record = store.ledger.get(USER, document_id)
    assert record is not None
    assert (record.status, record.content_type, record.tags) == ("uploading", "text/plain", ("x",))
    store.ledger.begin_processing(USER, document_id)
    # A redelivery finds it processing and goes on
    assert store.ledger.begin_processing(USER, document_id).status == "processing"
    store.ledger.record_progress(USER, document_id, ProcessingStatus(text_extracted=True))
    assert store.documents.get(USER, document_id).processing_status.text_extracted
    store.ledger.complete(
        USER,
        document_id,
        ProcessingResult(
            processing_status=ProcessingStatus(indexed=True),
            chunk_count=2,
            searchable_content=SearchableContent(preview="abc", keywords=["abc"]),
        ),
    )
    document = store.documents.get(USER, document_id)
    assert (document.status, document.metadata.chunk_count) == (DocumentStatus.READY, 2)
    # And nothing moves a ready document through the ledger
    with pytest.raises(Conflict):
        store.ledger.begin_processing(USER, document_id)
    with pytest.raises(Conflict):
        store.ledger.record_progress(USER, document_id, ProcessingStatus())
    assert store.ledger.fail(USER, document_id, "late failure") is False
    assert store.status(document_id) is DocumentStatus.READY


def test_failing_records_the_reason_once_and_unknown_documents_are_absent(store: Store) -> None:
    document_id = store.create()
    assert store.ledger.fail(USER, document_id, "The file is empty.") is True
    document = store.documents.get(USER, document_id)
    assert document.status is DocumentStatus.ERROR
    assert document.processing_status.error_message == "The file is empty."
    assert store.ledger.fail(USER, document_id, "again") is False
    assert store.ledger.get(USER, "doc-missing") is None
    assert store.ledger.fail(USER, "doc-missing", "x") is False
