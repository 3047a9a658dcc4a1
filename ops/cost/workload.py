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
    pages_per_document: float = 10
    tokens_per_page: int = 600
    document_bytes: int = 500 * KB
    scanned_share: float = 0.10
    chunk_tokens: int = 300
    chunk_overlap: float = 0.15
    float_text_bytes: int = 10
    vector_key_bytes: int = 48
    filterable_metadata_bytes: int = 400
    api_requests_per_document: int = 3
    s3_puts_per_document: int = 6
    s3_gets_per_document: int = 3
    sqs_requests_per_document: int = 3
    ingest_seconds_per_document: float = 8.0
    api_seconds_per_request: float = 0.25
    stream_invocations_per_document: float = 1.0
    stream_seconds_per_invocation: float = 0.3
    dynamodb_writes_per_document: int = 12
    dynamodb_reads_per_document: int = 6
    dynamodb_bytes_per_document: int = 4 * KB
    log_bytes_per_invocation: int = 3 * KB
    kms_requests_per_document: int = 4
    # One search
    query_tokens: int = 20
    search_seconds: float = 0.4
    dynamodb_reads_per_search: int = 2
    kms_requests_per_search: int = 1
    corpus_documents: int = 10_000
    # One answered question (the assistant over a search)
    answer_input_tokens: int = 3_500
    answer_output_tokens: int = 400
    # One answer streamed over the WebSocket API (on top of the search and the answer)
    tokens_per_delta: int = 4
    pushes_per_answer: int = 2
    realtime_seconds_per_answer: float = 6.0
    connection_minutes_per_answer: float = 2.0
    connections_per_answer: float = 0.2
    realtime_seconds_per_connect: float = 0.2
    # Idle
    maintenance_seconds_per_run: float = 2.0
    queue_pollers_per_mapping: int = 5
    queue_poll_seconds: int = 20
    # Holding documents
    months_held: int = 12

    @property
    def tokens_per_document(self) -> float:
        return self.pages_per_document * self.tokens_per_page

    @property
    def chunks_per_document(self) -> int:
        step = self.chunk_tokens * (1 - self.chunk_overlap)
        return max(1, math.ceil((self.tokens_per_document - self.chunk_tokens) / step) + 1)

    @property
    def socket_messages_per_answer(self) -> int:
        """The question's ``sendMessage`` in; delta frames, ``done`` and the stream's pushes
        out (each frame under 32 KB: one billed message; one live connection)."""
        deltas = math.ceil(self.answer_output_tokens / self.tokens_per_delta)
        return 1 + deltas + 1 + self.pushes_per_answer

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

    def rows(self) -> list[tuple[str, str, str]]:
        """Every assumption as (name, value, what it is), for the printed report."""
        derived = [
            ("chunks_per_document", str(self.chunks_per_document), "derived: vectors per document"),
            (
                "embedded_tokens_per_document",
                f"{self.embedded_tokens_per_document:,.0f}",
                "derived: tokens sent to the embedding model",
            ),
            (
                "socket_messages_per_answer",
                str(self.socket_messages_per_answer),
                "derived: WebSocket messages billed per streamed answer",
            ),
        ]
        given = [(f.name, _shown(getattr(self, f.name)), NOTES[f.name]) for f in fields(self)]
        return given + derived


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


NOTES: dict[str, str] = {
    "pages_per_document": "pages in an average document",
    "tokens_per_page": "tokens of text per page",
    "document_bytes": "the upload as stored",
    "scanned_share": "share of pages that need OCR (Textract DetectDocumentText)",
    "chunk_tokens": "chunk size, strata.documents.chunking (one vector per chunk)",
    "chunk_overlap": "overlap between neighbouring chunks",
    "float_text_bytes": "bytes per embedding value as text in embeddings.jsonl",
    "vector_key_bytes": "vector key, <documentId>#<chunk> with its owner",
    "filterable_metadata_bytes": "user, document, tags, file type, dates",
    "api_requests_per_document": "upload URL, completion, status",
    "s3_puts_per_document": "upload, extracted text, chunks, metadata, embeddings, ledger",
    "s3_gets_per_document": "the upload and earlier artifacts read back",
    "sqs_requests_per_document": "the S3 event sent, received, deleted",
    "ingest_seconds_per_document": "ingest function run per document",
    "api_seconds_per_request": "api function run per request",
    "stream_invocations_per_document": "streams function runs per document",
    "stream_seconds_per_invocation": "streams function run",
    "dynamodb_writes_per_document": "write request units: status steps, ledger, counters",
    "dynamodb_reads_per_document": "read request units",
    "dynamodb_bytes_per_document": "items kept per document, indexes included",
    "log_bytes_per_invocation": "log written per function run",
    "kms_requests_per_document": "KMS requests (bucket keys keep S3 to a few)",
    "query_tokens": "tokens in a search query (one embedding call)",
    "search_seconds": "api function run per search",
    "dynamodb_reads_per_search": "read request units per search",
    "kms_requests_per_search": "KMS requests per search",
    "corpus_documents": "documents in the index each search scans (S3 Vectors bills the data)",
    "answer_input_tokens": "10 chunks of 300 tokens, instructions and the question",
    "answer_output_tokens": "tokens in an answer",
    "tokens_per_delta": "answer tokens per ConverseStream delta, one delta frame each (assumed)",
    "pushes_per_answer": "message frames the stream pushes: the question and the answer stored",
    "realtime_seconds_per_answer": "realtime function run per streamed answer (retrieval + model)",
    "connection_minutes_per_answer": "minutes a socket is open, per question asked on it",
    "connections_per_answer": "sockets opened per question (five questions per socket)",
    "realtime_seconds_per_connect": "realtime function run on $connect (token check) and "
    "$disconnect",
    "maintenance_seconds_per_run": "maintenance function run on an idle environment",
    "queue_pollers_per_mapping": "Lambda's pollers on an SQS source, idle",
    "queue_poll_seconds": "long-poll wait per ReceiveMessage",
    "months_held": "storage averaged over the first months a document is held",
}
