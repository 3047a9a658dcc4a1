"""Data-quality figures, counted through the indexes, never a Scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from strata.models import DocumentStatus
from strata.store.documents import DocumentRepository
from strata.store.users import UserRepository


@dataclass(frozen=True)
class DataQuality:
    users: int
    documents_by_status: dict[str, int]
    # Upload to ready, over the documents uploaded in the window that are ready (None: none are).
    average_processing_seconds: float | None
    # Documents with chunk vectors but no item, found (and swept) by this run's vector sweep.
    vectors_without_document: int = 0
    processed_in_window: int = 0

    @property
    def processing_errors(self) -> int:
        return self.documents_by_status.get(DocumentStatus.ERROR.value, 0)


def measure(
    users: UserRepository,
    documents: DocumentRepository,
    *,
    now: datetime,
    window: timedelta,
    vectors_without_document: int,
) -> DataQuality:
    """Users: 1 COUNT Query per user-list shard. Documents: 1 COUNT Query per status shard.
    Processing time: 1 Query per ready shard over the window (GSI2's sort key is the upload)."""
    durations = [
        (document.updated_at - document.upload_date).total_seconds()
        for document in documents.each_in_status(DocumentStatus.READY, uploaded_after=now - window)
    ]
    return DataQuality(
        users=users.count(),
        documents_by_status={
            status.value: documents.count_in_status(status) for status in DocumentStatus
        },
        average_processing_seconds=sum(durations) / len(durations) if durations else None,
        vectors_without_document=vectors_without_document,
        processed_in_window=len(durations),
    )
