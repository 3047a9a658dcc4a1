"""Reactions of memories and documents: vectors, the owner's notification, leftovers.

- A memory inserted, or changed in what its vector holds -> embed and (re)place the vector; a
  memory removed -> its vector deleted. The API also indexes at once (read-your-writes); this is
  the guarantee, retried by the stream until it holds.
- A document whose tags, title or file type changed -> its vectors carry the new values.
- A document whose status became ``ready`` or ``error`` -> one notification for its owner, named
  after the stream record (a replay writes nothing new). The ingest function does not notify: a
  crash between ``ready`` and a notification cannot lose it.
- A document removed -> its vectors and every version of its objects deleted (what the API could
  not delete, e.g. after a timeout; a no-op otherwise).
"""

from __future__ import annotations

from strata.documents.layout import DocumentKeys
from strata.documents.uploads import DocumentUploads
from strata.errors import Conflict
from strata.events.changes import Change
from strata.models.documents import Document, DocumentStatus
from strata.models.memories import UserMemory
from strata.models.notifications import NotificationCreate, NotificationType
from strata.search.types import DocumentFields, Embedder, VectorIndex
from strata.services.memories import index_memory
from strata.store.base import entity
from strata.store.notifications import NotificationRepository

MEMORY_VECTOR_FIELDS = ("content", "type", "relevanceScore")
DOCUMENT_VECTOR_FIELDS = ("metadata.tags", "metadata.title", "fileType")
MAX_MESSAGE_CHARS = 2000


class MemoryVectors:
    def __init__(self, embedder: Embedder, index: VectorIndex) -> None:
        self._embedder = embedder
        self._index = index

    def __call__(self, change: Change) -> None:
        if change.entity != "MEMORY":
            return
        if change.action == "remove":
            image = change.image
            self._index.delete_memory(str(image["userId"]), str(image["memoryId"]))
        elif change.action == "insert" or change.touches(MEMORY_VECTOR_FIELDS):
            index_memory(entity(UserMemory, change.image), self._embedder, self._index)


class DocumentVectors:
    """Document fields into the vectors, and the clean-up of a removed document."""

    def __init__(self, index: VectorIndex, uploads: DocumentUploads) -> None:
        self._index = index
        self._uploads = uploads

    def __call__(self, change: Change) -> None:
        if change.entity != "DOCUMENT":
            return
        image = change.image
        user_id, document_id = str(image["userId"]), str(image["documentId"])
        if change.action == "remove":
            self._index.delete_document(user_id, document_id)
            self._uploads.delete_objects(DocumentKeys(user_id=user_id, document_id=document_id))
        elif change.action == "modify" and _edited(change):
            document = entity(Document, image)
            self._index.update_document_fields(
                user_id,
                document_id,
                DocumentFields(
                    tags=tuple(document.metadata.tags),
                    title=document.metadata.title,
                    fileType=document.file_type,
                ),
            )


def _edited(change: Change) -> bool:
    """The fields the vectors carry changed on a document that may have vectors already.

    The move to ``ready`` itself is not an edit: ingestion wrote the vectors with the document's
    fields a moment before."""
    became_ready = change.value("status", old=True) != change.value("status")
    return not became_ready and change.touches(DOCUMENT_VECTOR_FIELDS)


class DocumentNotifications:
    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    def __call__(self, change: Change) -> None:
        if change.entity != "DOCUMENT" or change.action == "remove":
            return
        status = change.value("status")
        if status == change.value("status", old=True):
            return
        if status == DocumentStatus.READY.value:
            note = _ready(entity(Document, change.image))
        elif status == DocumentStatus.ERROR.value:
            note = _failed(entity(Document, change.image))
        else:
            return
        try:
            self._notifications.create(
                str(change.image["userId"]), note, notification_id=change.derived_id("notify")
            )
        except Conflict:
            return  # this record notified already (a replay)


def _ready(document: Document) -> NotificationCreate:
    passages = document.metadata.chunk_count
    counted = f" ({passages} passages)" if passages is not None else ""
    return NotificationCreate(
        type=NotificationType.SUCCESS,
        title="Document ready",
        message=f"{document.file_name} has been processed and can be searched{counted}.",
        data={"action": "show-file-preview", "fileId": document.document_id, "autoHide": False},
    )


def _failed(document: Document) -> NotificationCreate:
    reason = document.processing_status.error_message or "processing failed"
    return NotificationCreate(
        type=NotificationType.ERROR,
        title="Document could not be processed",
        message=f"{document.file_name}: {reason}"[:MAX_MESSAGE_CHARS],
        data={"action": "show-file-preview", "fileId": document.document_id, "status": "error"},
    )
