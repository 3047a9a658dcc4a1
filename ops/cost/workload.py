"""The workload the cost model assumes: what a document and a search are made of.

Every figure here is an assumption, stated once and printed with the results (docs/COST.md). The
templates say what is provisioned; these say how it is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

KB = 1024
GB = 1024**3
TB = 1024**4
S3_IA_MIN_OBJECT_BYTES = 128 * KB  # lifecycle leaves smaller objects in Standard (S3's default)


@dataclass(frozen=True)
class Workload:
    # One document, ingested
    pages_per_document: float = 10  # pages per document
    tokens_per_page: int = 600  # tokens of text per page
    document_bytes: int = 500 * KB  # the upload as stored
    scanned_share: float = 0.10  # share of documents that are scans (OCR by Textract)
    chunk_tokens: int = 300  # chunk size (strata.documents.chunking.ChunkingOptions)
    chunk_overlap: float = 0.15  # overlap between neighbouring chunks
    float_text_bytes: int = 10  # bytes per embedding value in embeddings.jsonl
    vector_key_bytes: int = 48  # '<documentId>#<chunk>'
    filterable_metadata_bytes: int = 400  # user, document, tags, file type, dates
    api_requests_per_document: int = 3  # upload URL, completion, status
    s3_puts_per_document: int = 6  # upload + extracted text, chunks, metadata, embeddings, ledger
    s3_gets_per_document: int = 3
    sqs_requests_per_document: int = 3  # send (S3 event), receive, delete
    ingest_seconds_per_document: float = 8.0  # ingest function duration per document
    api_seconds_per_request: float = 0.25
    stream_invocations_per_document: float = 1.0
    stream_seconds_per_invocation: float = 0.3
    dynamodb_writes_per_document: int = 12  # write request units (status steps, ledger, counts)
    dynamodb_reads_per_document: int = 6  # read request units
    dynamodb_bytes_per_document: int = 4 * KB  # items kept per document, indexes included
    log_bytes_per_invocation: int = 3 * KB
    kms_requests_per_document: int = 4
    # One search
    query_tokens: int = 20
    search_seconds: float = 0.4  # api function duration per search
    dynamodb_reads_per_search: int = 2
    kms_requests_per_search: int = 1
    corpus_documents: int = 10_000  # documents in the index a search scans (S3 Vectors bills it)
    # One answered question (the assistant over a search)
    answer_input_tokens: int = 3_500  # 10 chunks of 300 tokens + instructions + question
    answer_output_tokens: int = 400
    # Idle
    maintenance_seconds_per_run: float = 2.0
    queue_pollers_per_mapping: int = 5  # Lambda's idle long-polling of an SQS source
    queue_poll_seconds: int = 20  # long-poll wait per ReceiveMessage
    # Holding documents
    months_held: int = 12  # storage is averaged over the first months a document is held

    @property
    def tokens_per_document(self) -> float:
        return self.pages_per_document * self.tokens_per_page

    @property
    def chunks_per_document(self) -> int:
        step = self.chunk_tokens * (1 - self.chunk_overlap)
        return max(1, math.ceil((self.tokens_per_document - self.chunk_tokens) / step) + 1)

    @property
    def embedded_tokens_per_document(self) -> float:
        return float(self.chunks_per_document * self.chunk_tokens)

    def vector_bytes(self, dimension: int) -> int:
        """Logical bytes of one stored vector: float32 values, key, filterable metadata."""
        return dimension * 4 + self.vector_key_bytes + self.filterable_metadata_bytes

    def stored_vector_bytes(self, dimension: int) -> int:
        """As stored: the vector plus its chunk text (non-filterable metadata)."""
        return self.vector_bytes(dimension) + self.chunk_tokens * 4

    def s3_objects(self, dimension: int) -> dict[str, int]:
        """The objects one document leaves in the bucket, by name, in bytes."""
        chunks = self.chunks_per_document
        text = int(self.tokens_per_document * 4)
        return {
            "upload": self.document_bytes,
            "extracted-text.txt": text,
            "chunks.jsonl": chunks * (self.chunk_tokens * 4 + 300),
            "metadata.json": 2 * KB,
            "embeddings.jsonl": chunks * (dimension * self.float_text_bytes + 200),
        }

    def rows(self) -> list[tuple[str, str]]:
        """Every assumption as (name, value), for the printed report."""
        derived = [
            ("chunks per document (derived)", str(self.chunks_per_document)),
            ("tokens embedded per document (derived)", f"{self.embedded_tokens_per_document:,.0f}"),
        ]
        return [(f.name, _shown(getattr(self, f.name))) for f in fields(self)] + derived


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
