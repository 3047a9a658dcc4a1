"""Ingestion of one uploaded object: from the S3 key to a ``ready`` (or ``error``) document.

Steps: check the key names an original of a document still ``uploading``/``processing`` -> check
its size -> fetch -> sniff and extract -> chunk -> embed (reusing stored embeddings of unchanged
chunks) -> replace the document's vectors -> write the artifacts -> mark ``ready``. The owner's
notification follows from the status change (the streams function, ``strata.events``), so a crash
right after ``ready`` cannot lose it.

Every step can run again: artifacts are whole-object writes, vectors are replaced per document,
embeddings are reused by content hash and the status moves only by conditional transitions. So a
crash between any two steps, followed by redelivery, ends in ``ready`` with one set of vectors.

A problem with the file (:class:`~strata.errors.ValidationError`) marks the document ``error``
at once and the message is consumed: poison input is never retried. Any other failure is
re-raised for SQS to redeliver; on the final attempt the document is marked ``error`` first, so
a message that reaches the dead-letter queue belongs to a document that already says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from strata.clock import Clock, SystemClock, format_timestamp
from strata.config import Settings
from strata.documents import analysis
from strata.documents.artifacts import ArtifactStore, EmbeddingCache, StoredEmbedding, content_hash
from strata.documents.chunking import Chunk, ChunkingOptions, chunk_text
from strata.documents.extract import extract
from strata.documents.formats import FORMAT_CONTENT_TYPES
from strata.documents.layout import DocumentKeys, parse_original_key
from strata.documents.ocr import ObjectLocation, OcrEngine, build_ocr
from strata.documents.ports import (
    INGESTIBLE_STATUSES,
    DocumentLedger,
    DocumentRecord,
)
from strata.documents.text import ExtractedText, ExtractionLimits
from strata.errors import Conflict, NotFound, ValidationError
from strata.models.documents import ProcessingResult, ProcessingStatus, SearchableContent
from strata.search.types import ChunkMetadata, ChunkVector, Embedder, VectorIndex

logger = logging.getLogger(__name__)

IngestStatus = Literal["ready", "skipped", "failed"]
EMBED_BATCH_SIZE = 64
TRANSIENT_FAILURE_REASON = (
    "Processing failed several times because a service was unavailable. "
    "Upload the file again later."
)

_EXTRACTED = ProcessingStatus(text_extracted=True)
_CHUNKED = ProcessingStatus(text_extracted=True, chunks_created=True)
_EMBEDDED = ProcessingStatus(text_extracted=True, chunks_created=True, vectors_generated=True)
_INDEXED = ProcessingStatus(
    text_extracted=True, chunks_created=True, vectors_generated=True, indexed=True
)


@dataclass(frozen=True)
class S3ObjectRef:
    """One object-created event's object."""

    bucket: str
    key: str
    version_id: str | None = None
    size: int | None = None
    sequencer: str | None = None  # orders events of one key; identifies an unversioned write
    etag: str | None = None


@dataclass(frozen=True)
class IngestResult:
    status: IngestStatus
    key: str
    user_id: str | None = None
    document_id: str | None = None
    reason: str | None = None
    chunk_count: int = 0
    embedded: int = 0  # embeddings computed (the rest were reused)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class IngestionPipeline:
    def __init__(
        self,
        *,
        ledger: DocumentLedger,
        s3: Any,
        embedder: Embedder,
        index: VectorIndex,
        settings: Settings,
        clock: Clock | None = None,
        embedding_model: str | None = None,
        embed_batch_size: int = EMBED_BATCH_SIZE,
        ocr: OcrEngine | None = None,
    ) -> None:
        self._ledger = ledger
        self._artifacts = ArtifactStore(s3, settings.bucket_name)
        self._embedder = embedder
        self._index = index
        self._settings = settings
        self._clock = clock or SystemClock()
        self._limits = ExtractionLimits.from_settings(settings)
        self._chunking = ChunkingOptions(settings.chunk_tokens, settings.chunk_overlap_ratio)
        self._embedding_model = embedding_model or (
            settings.embedding_model_id if settings.embedder == "bedrock" else "local"
        )
        self._batch_size = embed_batch_size
        # Textract needs a client, so the factory passes it; tesseract and off need nothing.
        self._ocr = (
            ocr
            if ocr is not None
            else build_ocr("off" if settings.ocr == "textract" else settings.ocr)
        )

    def ingest(
        self, ref: S3ObjectRef, *, final_attempt: bool = True, earlier_attempts: int = 0
    ) -> IngestResult:
        """Ingest the object. ``final_attempt``: SQS will not deliver this message again;
        ``earlier_attempts``: how often it was delivered before (ApproximateReceiveCount - 1)."""
        keys = parse_original_key(ref.key)
        if ref.bucket != self._settings.bucket_name or keys is None:
            return self._skip(ref, None, "not an uploaded original in the documents bucket")
        record = self._ledger.get(keys.user_id, keys.document_id)
        if record is None:
            return self._skip(ref, keys, "no such document")
        if record.status not in INGESTIBLE_STATUSES:
            return self._skip(ref, keys, f"document is {record.status}")
        if final_attempt and earlier_attempts and record.status == "processing":
            # Every earlier delivery began and none finished: a run killed by the function's
            # timeout or memory limit leaves no trace but this. Trying once more would most
            # likely die the same way and leave the document `processing` for good.
            reason = cut_off_reason(earlier_attempts)
            self._fail(record, reason)
            return IngestResult("failed", ref.key, keys.user_id, keys.document_id, reason)
        try:
            return self._process(ref, keys, record)
        except ValidationError as exc:
            self._fail(record, exc.message)
            return IngestResult("failed", ref.key, keys.user_id, keys.document_id, exc.message)
        except (Conflict, NotFound) as exc:
            # The document moved on, or was deleted, while this run was under way.
            if self._ledger.get(keys.user_id, keys.document_id) is None:
                self._remove_leftovers(keys)
            return self._skip(ref, keys, exc.message)
        except Exception:
            if final_attempt:
                logger.exception("ingestion failed on its final attempt", extra=_log(ref))
                self._fail(record, TRANSIENT_FAILURE_REASON)
            raise

    def _process(
        self, ref: S3ObjectRef, keys: DocumentKeys, record: DocumentRecord
    ) -> IngestResult:
        self._check_size(ref.size)
        # Fetch first: a document moved to processing with nothing to process would stay there.
        data = self._fetch(ref)
        if data is None:
            return self._skip(ref, keys, "the object version no longer exists")
        # One run per document at a time: a second version uploaded meanwhile is skipped, so
        # the two can never interleave their vector replacements.
        claim = ref.version_id or ref.sequencer or ref.etag or ""
        record = self._ledger.begin_processing(keys.user_id, keys.document_id, claim=claim)
        location = ObjectLocation(ref.bucket, ref.key, ref.version_id)
        extracted = extract(data, record.content_type, self._limits, self._ocr, location)
        self._artifacts.write_extracted_text(keys, extracted.text)
        self._ledger.record_progress(keys.user_id, keys.document_id, _EXTRACTED)

        now = format_timestamp(self._clock.now())
        chunks = chunk_text(keys.document_id, extracted, self._chunking)
        self._artifacts.write_chunks(keys, chunks, now)
        self._ledger.record_progress(keys.user_id, keys.document_id, _CHUNKED)

        vectors, embedded = self._embed(keys, chunks)
        self._ledger.record_progress(keys.user_id, keys.document_id, _EMBEDDED)

        file_type = FORMAT_CONTENT_TYPES[extracted.format]
        self._index.replace_document_chunks(
            keys.user_id,
            keys.document_id,
            self._chunk_vectors(record, file_type, chunks, vectors, now),
        )
        outcome = self._outcome(record, extracted, chunks)
        self._artifacts.write_metadata(keys, self._metadata(ref, record, extracted, outcome, now))
        self._ledger.complete(keys.user_id, keys.document_id, outcome)
        logger.info("document ready", extra={**_log(ref), "chunks": len(chunks)})
        return IngestResult(
            "ready", ref.key, keys.user_id, keys.document_id, None, len(chunks), embedded
        )

    def _remove_leftovers(self, keys: DocumentKeys) -> None:
        """What this run wrote for a document deleted meanwhile (the API's delete removed the
        vectors and objects it found, maybe before these writes landed)."""
        self._index.delete_document(keys.user_id, keys.document_id)
        self._artifacts.delete_artifacts(keys)

    def _check_size(self, size: int | None) -> None:
        limit = self._settings.max_upload_bytes
        if size is not None and size > limit:
            raise ValidationError(
                f"The file is {size / 1_048_576:.1f} MB; the largest file Strata accepts is "
                f"{limit / 1_048_576:.1f} MB.",
                details={"size": size, "maxBytes": limit},
            )

    def _fetch(self, ref: S3ObjectRef) -> bytes | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415 (boto3 is already loaded)

        try:
            if ref.size is None:
                self._check_size(self._artifacts.object_size(ref.key, ref.version_id))
            data, size = self._artifacts.read_original(ref.key, ref.version_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "NoSuchVersion", "404"}:
                return None
            raise
        self._check_size(size)
        return data

    def _embed(
        self, keys: DocumentKeys, chunks: Sequence[Chunk]
    ) -> tuple[list[tuple[float, ...]], int]:
        """One vector per chunk; unchanged chunks reuse the embeddings stored last time."""
        dimension = self._embedder.dimension
        cache = EmbeddingCache(
            self._embedding_model, dimension, self._artifacts.read_embeddings(keys)
        )
        vectors: list[tuple[float, ...] | None] = [cache.get(chunk.content) for chunk in chunks]
        missing = [position for position, vector in enumerate(vectors) if vector is None]
        for offset in range(0, len(missing), self._batch_size):
            batch = missing[offset : offset + self._batch_size]
            embedded = self._embedder.embed([chunks[position].content for position in batch])
            for position, vector in zip(batch, embedded, strict=True):
                vectors[position] = vector
        complete = [vector for vector in vectors if vector is not None]
        self._artifacts.write_embeddings(
            keys,
            [
                StoredEmbedding(
                    chunk.chunkId,
                    content_hash(chunk.content),
                    self._embedding_model,
                    dimension,
                    vector,
                )
                for chunk, vector in zip(chunks, complete, strict=True)
            ],
        )
        return complete, len(missing)

    def _chunk_vectors(
        self,
        record: DocumentRecord,
        file_type: str,
        chunks: Sequence[Chunk],
        vectors: Sequence[tuple[float, ...]],
        now: str,
    ) -> list[ChunkVector]:
        # The detected content type, as the ready document and the search filters name it (the
        # declared one may be an alias such as text/x-markdown).
        return [
            ChunkVector(
                chunkId=chunk.chunkId,
                documentId=record.document_id,
                userId=record.user_id,
                chunkIndex=chunk.chunkIndex,
                content=chunk.content,
                embedding=vector,
                metadata=ChunkMetadata(
                    fileName=record.file_name,
                    fileType=file_type,
                    wordCount=chunk.wordCount,
                    charCount=chunk.charCount,
                    startPosition=chunk.startPosition,
                    endPosition=chunk.endPosition,
                    pageNumber=chunk.pageNumber,
                    section=chunk.section,
                    tags=record.tags,
                    title=record.title,
                    pageEnd=chunk.pageEnd,
                    pageStarts=chunk.pageStarts,
                ),
                uploadDate=record.upload_date,
                createdAt=now,
            )
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]

    def _outcome(
        self, record: DocumentRecord, extracted: ExtractedText, chunks: Sequence[Chunk]
    ) -> ProcessingResult:
        text = extracted.text
        return ProcessingResult(
            processing_status=_INDEXED,
            page_count=extracted.page_count,
            word_count=analysis.word_count(text),
            chunk_count=len(chunks),
            language=analysis.detect_language(text),
            # The first heading titles a document only when its owner gave it no title.
            title=None if record.title else analysis.title(extracted.title),
            searchable_content=SearchableContent(
                preview=analysis.preview(text), keywords=list(analysis.keywords(text))
            ),
            detected_file_type=FORMAT_CONTENT_TYPES[extracted.format],
        )

    def _metadata(
        self,
        ref: S3ObjectRef,
        record: DocumentRecord,
        extracted: ExtractedText,
        outcome: ProcessingResult,
        now: str,
    ) -> dict[str, Any]:
        return {
            "documentId": record.document_id,
            "userId": record.user_id,
            "fileName": record.file_name,
            "contentType": record.content_type,
            "format": extracted.format,
            "source": {"bucket": ref.bucket, "key": ref.key, "versionId": ref.version_id},
            "characters": len(extracted.text),
            **self._ocr_metadata(extracted),
            **outcome.model_dump(mode="json", by_alias=True, exclude={"processing_status"}),
            "title": outcome.title or record.title,
            "chunking": {
                "maxTokens": self._chunking.max_tokens,
                "overlapRatio": self._chunking.overlap_ratio,
            },
            "embedding": {"model": self._embedding_model, "dimension": self._embedder.dimension},
            "processedAt": now,
        }

    def _ocr_metadata(self, extracted: ExtractedText) -> dict[str, Any]:
        if not extracted.ocr_pages or self._ocr is None:
            return {}
        pages = [{"page": page, "confidence": conf} for page, conf in extracted.ocr_pages]
        return {"ocr": {"engine": self._ocr.name, "pages": pages}}

    def _fail(self, record: DocumentRecord, reason: str) -> None:
        logger.warning(
            "document failed",
            extra={"documentId": record.document_id, "userId": record.user_id, "reason": reason},
        )
        self._ledger.fail(record.user_id, record.document_id, reason)

    def _skip(self, ref: S3ObjectRef, keys: DocumentKeys | None, reason: str) -> IngestResult:
        logger.info("object skipped", extra={**_log(ref), "reason": reason})
        return IngestResult(
            "skipped",
            ref.key,
            keys.user_id if keys else None,
            keys.document_id if keys else None,
            reason,
        )


def cut_off_reason(attempts: int) -> str:
    return (
        f"Processing started {attempts} times and never finished: the file may be too large or "
        "too complex for the time and memory one run has, or a service was unavailable. Split "
        "it into smaller files, or upload it again later."
    )


def _log(ref: S3ObjectRef) -> dict[str, Any]:
    return {"bucket": ref.bucket, "key": ref.key, "versionId": ref.version_id}
