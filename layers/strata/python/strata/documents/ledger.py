"""The pipeline's :class:`DocumentLedger` over the store's documents."""

from __future__ import annotations

from strata.clock import format_timestamp
from strata.documents.ports import DocumentRecord
from strata.errors import Conflict, NotFound
from strata.models.documents import Document, DocumentStatus, ProcessingResult, ProcessingStatus
from strata.store.documents import DocumentRepository


def document_record(document: Document) -> DocumentRecord:
    return DocumentRecord(
        user_id=document.user_id,
        document_id=document.document_id,
        status=document.status.value,
        file_name=document.file_name,
        content_type=document.file_type,
        upload_date=format_timestamp(document.upload_date),
        tags=tuple(document.metadata.tags),
        title=document.metadata.title,
    )


class RepositoryLedger:
    """Documents move uploading -> processing -> ready | error, each by a conditional update."""

    def __init__(self, documents: DocumentRepository) -> None:
        self._documents = documents

    def get(self, user_id: str, document_id: str) -> DocumentRecord | None:
        """1 strongly consistent GetItem: the status decides whether to ingest."""
        try:
            return document_record(self._documents.get(user_id, document_id, consistent=True))
        except NotFound:
            return None

    def begin_processing(
        self, user_id: str, document_id: str, *, claim: str = ""
    ) -> DocumentRecord:
        """uploading -> processing for ``claim`` (the object version), 1 UpdateItem; a
        redelivery of the same version goes on, another version in flight is a Conflict."""
        return document_record(
            self._documents.claim_processing(user_id, document_id, claim or "unversioned")
        )

    def record_progress(self, user_id: str, document_id: str, status: ProcessingStatus) -> None:
        """The processing flags, only while the document is processing: 1 UpdateItem."""
        self._documents.record_progress(user_id, document_id, status)

    def complete(self, user_id: str, document_id: str, result: ProcessingResult) -> None:
        self._documents.complete(user_id, document_id, result)

    def fail(self, user_id: str, document_id: str, reason: str) -> bool:
        try:
            self._documents.transition(
                user_id, document_id, DocumentStatus.ERROR, error_message=reason
            )
        except (Conflict, NotFound):
            return False
        return True
