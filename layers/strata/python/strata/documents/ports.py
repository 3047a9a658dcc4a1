"""What the ingestion pipeline needs from the rest of Strata, as narrow protocols.

The pipeline never sees DynamoDB: a :class:`DocumentLedger` reads and moves a document through its
statuses (the owner hears of ``ready`` and ``error`` from the streams function).
``strata.documents.factory`` adapts the store's repositories to this protocol; tests use
in-memory ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from strata.models.documents import ProcessingResult, ProcessingStatus

DocumentStatus = Literal["uploading", "processing", "ready", "error"]
INGESTIBLE_STATUSES: frozenset[str] = frozenset({"uploading", "processing"})


@dataclass(frozen=True)
class DocumentRecord:
    """The fields of a document the pipeline reads."""

    user_id: str
    document_id: str
    status: DocumentStatus
    file_name: str
    content_type: str  # the MIME type declared at upload
    upload_date: str  # ISO 8601
    tags: tuple[str, ...] = ()
    title: str | None = None


class DocumentLedger(Protocol):
    """A document's status, moved only by conditional transitions."""

    def get(self, user_id: str, document_id: str) -> DocumentRecord | None: ...

    def begin_processing(
        self, user_id: str, document_id: str, *, claim: str = ""
    ) -> DocumentRecord:
        """uploading -> processing for the run of ``claim`` (the uploaded version);
        processing -> processing on its redelivery.

        Raises ``Conflict`` when another version is being processed, or the document is in any
        other status (or gone).
        """
        ...

    def record_progress(self, user_id: str, document_id: str, status: ProcessingStatus) -> None:
        """Store the processing flags while the document stays ``processing``."""
        ...

    def complete(self, user_id: str, document_id: str, result: ProcessingResult) -> None:
        """processing -> ready with the results; raises ``Conflict`` from any other status."""
        ...

    def fail(self, user_id: str, document_id: str, reason: str) -> bool:
        """uploading|processing -> error with a readable reason. False when it was not either."""
        ...
