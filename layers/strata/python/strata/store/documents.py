"""Documents: created as ``uploading``, moved through processing by guarded transitions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase

from strata.clock import format_timestamp
from strata.errors import Conflict, NotFound
from strata.models.base import Page
from strata.models.documents import (
    ALLOWED_TRANSITIONS,
    Document,
    DocumentCreate,
    DocumentMetadata,
    DocumentStatus,
    DocumentUpdate,
    ProcessingResult,
    ProcessingStatus,
)
from strata.store import keys
from strata.store.base import Repository, attributes, changes, draft, entity, page_of
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.table import ConditionFailed

# Who is processing a document: the uploaded version a run works on, and since when. A claim
# older than Lambda's longest run (15 minutes) belongs to a run that is gone.
CLAIM = "processingClaim"
CLAIMED_AT = "processingClaimedAt"
CLAIM_LEASE = timedelta(minutes=15)


class DocumentRepository(Repository):
    def create(
        self,
        user_id: str,
        data: DocumentCreate,
        *,
        document_id: str,
        s3_bucket: str,
        s3_key: str,
    ) -> Document:
        """A new document in status ``uploading``: 1 PutItem. Id taken -> Conflict."""
        now = self._now()
        document = draft(
            Document,
            now,
            document_id=document_id,
            user_id=user_id,
            file_name=data.file_name,
            file_type=data.file_type,
            file_size=data.file_size,
            s3_bucket=s3_bucket,
            s3_key=s3_key,
            upload_date=now,
            metadata=DocumentMetadata(
                title=data.title, description=data.description, tags=data.tags
            ),
        )
        stamp = self._now_text()
        item = self._table.create(
            keys.document(user_id, document_id),
            attributes(
                document,
                entity="DOCUMENT",
                GSI1PK=keys.user_documents(user_id),
                GSI1SK=stamp,
                GSI2PK=keys.document_status_partition(document.status.value, document_id),
                GSI2SK=stamp,
            ),
            what="document",
        )
        return entity(Document, item)

    def get(self, user_id: str, document_id: str, *, consistent: bool = False) -> Document:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.document(user_id, document_id), consistent=consistent)
        if item is None:
            raise NotFound("document not found")
        return entity(Document, item)

    def list_documents(
        self,
        user_id: str,
        *,
        status: DocumentStatus | None = None,
        file_type: str | None = None,
        newest_first: bool = True,
        limit: int = 20,
        next_token: str | None = None,
    ) -> Page[Document]:
        """The user's documents by upload date, optionally of one status and/or MIME type:
        1 Query on GSI1 (filters apply within the page, so a page may hold fewer items)."""
        condition: ConditionBase | None = None
        if status is not None:
            condition = Attr("status").eq(status.value)
        if file_type is not None:
            by_type = Attr("fileType").eq(file_type.strip().lower())
            condition = by_type if condition is None else condition & by_type
        spec = QuerySpec(
            keys.user_documents(user_id), index="GSI1", filter=condition, forward=not newest_first
        )
        return page_of(Document, self._table.query(spec, limit=limit, next_token=next_token))

    def list_by_status(
        self, status: DocumentStatus, *, limit: int = 100, next_token: str | None = None
    ) -> Page[Document]:
        """Every user's documents in a status, oldest upload first (operations, e.g. stuck
        uploads): 1 Query per GSI2 shard (DOC_STATUS_SHARDS)."""
        specs = [QuerySpec(p, index="GSI2") for p in keys.document_status_partitions(status.value)]
        page = self._table.query_merged(specs, limit=limit, next_token=next_token)
        return page_of(Document, page)

    def each_in_status(
        self,
        status: DocumentStatus,
        *,
        uploaded_before: datetime | None = None,
        uploaded_after: datetime | None = None,
    ) -> Iterator[Document]:
        """Every user's documents in a status, optionally uploaded before or after a time, shard
        by shard (maintenance): 1 Query per GSI2 shard per 1 MB. The upload time is GSI2's sort
        key, so the bound narrows the read itself."""
        sort: SortCondition | None = None
        if uploaded_before is not None:
            sort = SortCondition.lt(format_timestamp(uploaded_before))
        elif uploaded_after is not None:
            sort = SortCondition.gt(format_timestamp(uploaded_after))
        for partition in keys.document_status_partitions(status.value):
            spec = QuerySpec(partition, index="GSI2", sort=sort)
            for item in self._table.query_all(spec):
                yield entity(Document, item)

    def existing(self, documents: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (user id, document id) pairs have a document item: 1 consistent
        BatchGetItem per 100 pairs."""
        items = self._table.batch_get(
            [keys.document(user_id, document_id) for user_id, document_id in documents],
            consistent=True,
        )
        return {(str(item["userId"]), str(item["documentId"])) for item in items}

    def count_in_status(self, status: DocumentStatus) -> int:
        """How many documents are in a status: 1 Query (Select COUNT) per GSI2 shard per 1 MB."""
        partitions = keys.document_status_partitions(status.value)
        return sum(self._table.count(QuerySpec(p, index="GSI2")) for p in partitions)

    def update(
        self, user_id: str, document_id: str, update: DocumentUpdate, *, expected_version: int
    ) -> Document:
        """The owner's title/description/tags: 1 UpdateItem. Stale version -> Conflict."""
        values = {f"metadata.{name}": value for name, value in changes(update).items()}
        item = self._table.update(
            keys.document(user_id, document_id),
            set_values=values,
            expected_version=expected_version,
            what="document",
        )
        return entity(Document, item)

    def transition(
        self,
        user_id: str,
        document_id: str,
        to: DocumentStatus,
        *,
        error_message: str | None = None,
        extra: dict[str, Any] | None = None,
        expected_version: int | None = None,
        if_absent: dict[str, Any] | None = None,
    ) -> Document:
        """Move to ``to`` only from a status that may precede it: 1 UpdateItem.

        Any other current status -> Conflict with ``details.currentStatus``; absent -> NotFound;
        ``expected_version`` (a sweep acting on what it read) stale -> Conflict.
        """
        sources = [s.value for s in ALLOWED_TRANSITIONS if to in ALLOWED_TRANSITIONS[s]]
        values: dict[str, Any] = {
            "status": to.value,
            "GSI2PK": keys.document_status_partition(to.value, document_id),
            **(extra or {}),
        }
        if to is DocumentStatus.ERROR:
            values["processingStatus.errorMessage"] = (error_message or "processing failed")[:2000]
        elif to is DocumentStatus.PROCESSING:
            values["processingStatus"] = {
                "textExtracted": False,
                "chunksCreated": False,
                "vectorsGenerated": False,
                "indexed": False,
            }
        try:
            item = self._table.update(
                keys.document(user_id, document_id),
                set_values=values,
                if_absent=if_absent,
                condition=Attr("status").is_in(sources),
                expected_version=expected_version,
                what="document",
            )
        except ConditionFailed as exc:
            current = (exc.current or {}).get("status")
            raise Conflict(
                f"a document that is {current} cannot become {to.value}",
                details={"currentStatus": current, "requestedStatus": to.value},
            ) from None
        return entity(Document, item)

    def claim_processing(self, user_id: str, document_id: str, claim: str) -> Document:
        """``uploading`` -> ``processing`` for the run of one uploaded version (``claim``): 1
        UpdateItem. A document already ``processing`` stays so for the same claim (a redelivery)
        or when its claim is older than :data:`CLAIM_LEASE` (a run that died); under another
        live claim, or in any other status -> Conflict. So two versions of one upload in flight
        never process at once, and never leave two sets of vectors."""
        now = self._now()
        free = (
            Attr(CLAIM).not_exists()
            | Attr(CLAIM).eq(claim)
            | Attr(CLAIMED_AT).lt(format_timestamp(now - CLAIM_LEASE))
        )
        condition = Attr("status").eq(DocumentStatus.UPLOADING.value) | (
            Attr("status").eq(DocumentStatus.PROCESSING.value) & free
        )
        values = {
            "status": DocumentStatus.PROCESSING.value,
            "GSI2PK": keys.document_status_partition(DocumentStatus.PROCESSING.value, document_id),
            "processingStatus": ProcessingStatus().model_dump(
                mode="json", by_alias=True, exclude_none=True
            ),
            CLAIM: claim,
            CLAIMED_AT: format_timestamp(now),
        }
        try:
            item = self._table.update(
                keys.document(user_id, document_id),
                set_values=values,
                condition=condition,
                what="document",
            )
        except ConditionFailed as exc:
            current = exc.current or {}
            status = current.get("status")
            message = (
                "another upload of this document is being processed"
                if status == DocumentStatus.PROCESSING.value
                else f"a document that is {status} cannot become processing"
            )
            raise Conflict(message, details={"currentStatus": status}) from None
        return entity(Document, item)

    def record_progress(self, user_id: str, document_id: str, status: ProcessingStatus) -> None:
        """The processing flags, only while the document is ``processing``: 1 UpdateItem.

        Another status (deleted, failed or finished meanwhile) -> Conflict; absent -> NotFound.
        """
        try:
            self._table.update(
                keys.document(user_id, document_id),
                set_values={"processingStatus": status.model_dump(mode="json", exclude_none=True)},
                condition=Attr("status").eq(DocumentStatus.PROCESSING.value),
                what="document",
            )
        except ConditionFailed as exc:
            current = (exc.current or {}).get("status")
            raise Conflict(
                "the document stopped processing", details={"currentStatus": current}
            ) from None

    def complete(self, user_id: str, document_id: str, result: ProcessingResult) -> Document:
        """Record what processing learned and move ``processing`` -> ``ready``: 1 UpdateItem."""
        values: dict[str, Any] = {
            "processingStatus": result.processing_status.model_dump(mode="json", exclude_none=True)
        }
        for field in ("page_count", "word_count", "chunk_count", "language"):
            value = getattr(result, field)
            if value is not None:
                values[f"metadata.{_camel(field)}"] = value
        # A title found in the file fills the gap only: one the owner set meanwhile, while the
        # document was processing, stays.
        if_absent = {"metadata.title": result.title} if result.title is not None else None
        if result.searchable_content is not None:
            values["searchableContent"] = result.searchable_content.model_dump(mode="json")
        if result.detected_file_type is not None:
            values["fileType"] = result.detected_file_type
        return self.transition(
            user_id, document_id, DocumentStatus.READY, extra=values, if_absent=if_absent
        )

    def delete(self, user_id: str, document_id: str) -> Document:
        """1 DeleteItem returning what was deleted. Absent -> NotFound. The caller removes the
        document's objects and vectors (``strata.services.documents``)."""
        old = self._table.delete(
            keys.document(user_id, document_id), must_exist=True, what="document"
        )
        if old is None:
            raise NotFound("document not found")
        return entity(Document, old)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)
