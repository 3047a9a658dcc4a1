"""The maintenance run: end stuck documents, delete orphans and expired documents, measure.

Every read goes through an index or a key (the sharded status index, BatchGetItem), never a
Scan. Every write is conditional on what was read: a document that moved on between the read
and the write (ingestion finished, the owner deleted it) is left alone. Each step runs even
when an earlier one failed; the run then reports the failed steps, so the function's error
alarm fires while the other steps still did their work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from strata.clock import Clock
from strata.documents.layout import DocumentKeys
from strata.documents.uploads import DocumentUploads
from strata.errors import Conflict, NotFound, Unavailable
from strata.maintenance.objects import DocumentObjects
from strata.maintenance.policy import MaintenancePolicy
from strata.maintenance.quality import DataQuality, measure
from strata.models import Document, DocumentStatus
from strata.search.types import VectorIndex
from strata.services.vector_sweep import SweepReport, VectorSweepService
from strata.store.documents import DocumentRepository
from strata.store.users import UserRepository

logger = logging.getLogger(__name__)

UPLOAD_NEVER_ARRIVED = (
    "Upload never arrived: no file was received before the upload link expired. "
    "Upload the file again."
)
PROCESSING_TIMED_OUT = (
    "Processing timed out: the file was not processed in the time ingestion allows. "
    "Upload the file again, or try a smaller file."
)
BATCH = 100

T = TypeVar("T")


def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class MaintenanceReport:
    uploads_expired: int = 0
    processing_timed_out: int = 0
    orphan_documents_deleted: int = 0
    documents_retired: int = 0
    vectors: SweepReport | None = None
    quality: DataQuality | None = None
    failed_steps: list[str] = field(default_factory=list)

    def metrics(self) -> list[tuple[str, float]]:
        """(name, count) of everything this run did and measured, for EMF."""
        figures: list[tuple[str, float]] = [
            ("UploadsExpired", self.uploads_expired),
            ("ProcessingTimedOut", self.processing_timed_out),
            ("OrphanDocumentsDeleted", self.orphan_documents_deleted),
            ("DocumentsRetired", self.documents_retired),
            ("MaintenanceStepsFailed", len(self.failed_steps)),
        ]
        quality = self.quality
        if quality is not None:
            figures.append(("Users", quality.users))
            for status, count in sorted(quality.documents_by_status.items()):
                figures.append((f"Documents{status.title()}", count))
            figures.append(("ProcessingErrors", quality.processing_errors))
            figures.append(("VectorsWithoutDocument", quality.vectors_without_document))
            if quality.average_processing_seconds is not None:
                figures.append(("AverageProcessingSeconds", quality.average_processing_seconds))
        if self.vectors is not None:
            figures.append(("VectorsWithoutMemory", self.vectors.memoriesSwept))
        return figures

    def raise_if_failed(self) -> None:
        if self.failed_steps:
            raise Unavailable(
                "maintenance steps failed", details={"steps": list(self.failed_steps)}
            )


@contextmanager
def _step(report: MaintenanceReport, name: str) -> Iterator[None]:
    """Run one step; a failure is logged and reported, and the next step still runs."""
    try:
        yield
    except Exception:
        logger.exception("maintenance step failed", extra={"step": name})
        report.failed_steps.append(name)


class Maintenance:
    def __init__(
        self,
        *,
        documents: DocumentRepository,
        users: UserRepository,
        objects: DocumentObjects,
        uploads: DocumentUploads,
        index: VectorIndex,
        vector_sweep: VectorSweepService,
        policy: MaintenancePolicy,
        clock: Clock,
    ) -> None:
        self._documents = documents
        self._users = users
        self._objects = objects
        self._uploads = uploads
        self._index = index
        self._vector_sweep = vector_sweep
        self._policy = policy
        self._clock = clock

    def run(self) -> MaintenanceReport:
        report = MaintenanceReport()
        without_document = 0
        with _step(report, "stuck-uploads"):
            report.uploads_expired = self.expire_uploads()
        with _step(report, "stuck-processing"):
            report.processing_timed_out = self.time_out_processing()
        with _step(report, "orphan-objects"):
            report.orphan_documents_deleted = self.delete_orphan_objects()
        with _step(report, "retention"):
            report.documents_retired = self.apply_retention()
        with _step(report, "orphan-vectors"):
            report.vectors = self._vector_sweep.sweep_orphan_vectors()
            without_document = report.vectors.documentsSwept
        with _step(report, "data-quality"):
            report.quality = self.measure(without_document)
        logger.info("maintenance done", extra={"report": dict(report.metrics())})
        return report

    # Stuck documents ---------------------------------------------------------------------------

    def expire_uploads(self) -> int:
        """``uploading`` past the presigned POST's expiry plus the margin -> ``error``."""
        cutoff = self._clock.now() - self._policy.upload_deadline
        stuck = self._documents.each_in_status(DocumentStatus.UPLOADING, uploaded_before=cutoff)
        return sum(self._fail(document, UPLOAD_NEVER_ARRIVED) for document in stuck)

    def time_out_processing(self) -> int:
        """``processing`` with no write for longer than every delivery of its ingest message may
        take, plus the margin -> ``error``. Each delivery writes within seconds of starting
        (the move to processing or its first progress), so a live document is never this old."""
        cutoff = self._clock.now() - self._policy.processing_deadline
        stuck = (
            document
            for document in self._documents.each_in_status(DocumentStatus.PROCESSING)
            if document.updated_at < cutoff
        )
        return sum(self._fail(document, PROCESSING_TIMED_OUT) for document in stuck)

    def _fail(self, document: Document, reason: str) -> bool:
        try:
            self._documents.transition(
                document.user_id,
                document.document_id,
                DocumentStatus.ERROR,
                error_message=reason,
                expected_version=document.version,
            )
        except (Conflict, NotFound):
            return False  # it moved on (or went) since it was read: not stuck after all
        logger.warning(
            "stuck document swept to error",
            extra={"userId": document.user_id, "documentId": document.document_id},
        )
        # The owner hears of it from the streams function, which reacts to the move to error.
        return True

    # Clean-ups ---------------------------------------------------------------------------------

    def delete_orphan_objects(self) -> int:
        """Objects under ``documents/`` whose document item is gone and whose newest object is
        older than the orphan age: every version under the document's prefixes is deleted."""
        cutoff = self._clock.now() - self._policy.orphan_age
        old = (s for s in self._objects.stored_documents() if s.newest < cutoff)
        deleted = 0
        for batch in batches(old):
            present = self._documents.existing(
                [(s.keys.user_id, s.keys.document_id) for s in batch]
            )
            for stored in batch:
                if (stored.keys.user_id, stored.keys.document_id) not in present:
                    logger.info(
                        "orphan objects deleted", extra={"prefix": stored.keys.document_prefix}
                    )
                    self._uploads.delete_objects(stored.keys)
                    deleted += 1
        return deleted

    def apply_retention(self) -> int:
        """Documents uploaded before the retention period (when one is set), in any status:
        their vectors, every object version, then the item (the order of a user's delete)."""
        if self._policy.retention is None:
            return 0
        cutoff = self._clock.now() - self._policy.retention
        retired = 0
        for status in DocumentStatus:
            for document in list(self._documents.each_in_status(status, uploaded_before=cutoff)):
                keys = DocumentKeys(user_id=document.user_id, document_id=document.document_id)
                self._index.delete_document(document.user_id, document.document_id)
                self._uploads.delete_objects(keys)
                try:
                    self._documents.delete(document.user_id, document.document_id)
                except NotFound:
                    continue
                retired += 1
        return retired

    def measure(self, vectors_without_document: int = 0) -> DataQuality:
        return measure(
            self._users,
            self._documents,
            now=self._clock.now(),
            window=self._policy.quality_window,
            vectors_without_document=vectors_without_document,
        )


__all__ = [
    "PROCESSING_TIMED_OUT",
    "UPLOAD_NEVER_ARRIVED",
    "Maintenance",
    "MaintenanceReport",
    "batches",
]
