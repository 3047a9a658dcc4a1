"""When maintenance considers a document stuck, an object orphaned or a document too old."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from strata.config import Settings

# An object under documents/ with no document item is left alone this long: long enough for any
# write in flight (an upload, an ingestion writing artifacts) to have reached the table.
ORPHAN_AGE = timedelta(days=1)
# Average processing time is measured over the documents uploaded in this window.
QUALITY_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class MaintenancePolicy:
    upload_deadline: timedelta
    processing_deadline: timedelta
    orphan_age: timedelta = ORPHAN_AGE
    retention: timedelta | None = None
    quality_window: timedelta = QUALITY_WINDOW

    @classmethod
    def from_settings(cls, settings: Settings) -> MaintenancePolicy:
        """An upload can arrive until its presigned POST expires; ingestion may hold a document
        in ``processing`` for every delivery of its message (each may last the queue's
        visibility timeout). Beyond either, plus a margin, nothing will move the document."""
        receives, visibility = (
            settings.ingest_max_receive_count,
            settings.ingest_visibility_timeout_seconds,
        )
        if receives is None or visibility is None:
            raise RuntimeError(
                "invalid Strata settings: STRATA_INGEST_MAX_RECEIVE_COUNT and "
                "STRATA_INGEST_VISIBILITY_TIMEOUT_SECONDS are required by the maintenance "
                "function (the ingest queue's maxReceiveCount and visibility timeout)"
            )
        margin = timedelta(seconds=settings.maintenance_margin_seconds)
        attempt = timedelta(seconds=visibility)
        days = settings.document_retention_days
        return cls(
            upload_deadline=timedelta(seconds=settings.upload_url_expiry_seconds) + margin,
            processing_deadline=attempt * receives + margin,
            retention=timedelta(days=days) if days else None,
        )
