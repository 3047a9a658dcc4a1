"""The vector index on Amazon OpenSearch Serverless (a VECTORSEARCH collection), via opensearch-py.

Facts this module is built on (see docs/SEARCH.md):

- Every query is a ``knn`` query on ``embedding`` whose own ``filter`` holds ``term userId`` and
  the caller's filters: faiss applies it while searching (efficient filtering), so k hits come
  back even when the user owns a small part of the index. A post-filter could return fewer.
- Classic vector collections generate document ids and refuse custom ids and upserts. Replacing a
  document's vectors therefore finds their ids with a filtered search and bulk-deletes them,
  then bulk-writes the new ones. ``_delete_by_query`` is not used: serverless collections have
  answered it with 404 (opensearch-project/opensearch-java#1112), and search + bulk delete works
  on every OpenSearch.
- A bulk request may carry at most 10 MiB; writes are split to stay under ``max_bulk_bytes``.
- The faiss inner-product score is ``1 + dot`` for ``dot >= 0`` and ``1 / (1 - dot)`` otherwise;
  hits report the dot product itself (the cosine, vectors being normalized), like the local index.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from strata.errors import Throttled, Unavailable, ValidationError
from strata.schema import VECTOR_FIELD
from strata.search.rules import as_utc, check_chunks_belong, check_k
from strata.search.types import (
    ChunkHit,
    ChunkMetadata,
    ChunkVector,
    DocumentFields,
    MemoryHit,
    MemoryVector,
    SearchFilters,
)

MAX_BULK_BYTES = 9 * 1024 * 1024  # the service limit is 10 MiB per request; keep a margin
ID_PAGE_SIZE = 1000


def score_to_cosine(score: float) -> float:
    """Invert OpenSearch's faiss inner-product score transform."""
    return score - 1.0 if score >= 1.0 else 1.0 - 1.0 / score


def chunk_document(chunk: ChunkVector) -> dict[str, Any]:
    meta = chunk.metadata
    return {
        "chunkId": chunk.chunkId,
        "documentId": chunk.documentId,
        "userId": chunk.userId,
        "chunkIndex": chunk.chunkIndex,
        "content": chunk.content,
        VECTOR_FIELD: list(chunk.embedding),
        "metadata": {
            "fileName": meta.fileName,
            "fileType": meta.fileType,
            "pageNumber": meta.pageNumber,
            "section": meta.section,
            "wordCount": meta.wordCount,
            "charCount": meta.charCount,
            "startPosition": meta.startPosition,
            "endPosition": meta.endPosition,
            "tags": list(meta.tags),
            "title": meta.title,
        },
        "uploadDate": chunk.uploadDate,
        "createdAt": chunk.createdAt,
    }


def memory_document(memory: MemoryVector) -> dict[str, Any]:
    return {
        "memoryId": memory.memoryId,
        "userId": memory.userId,
        "type": memory.type,
        "content": memory.content,
        VECTOR_FIELD: list(memory.embedding),
        "relevanceScore": float(memory.relevanceScore),  # the index maps it dynamically: a float
        "createdAt": memory.createdAt,
    }


def chunk_filter_clauses(user_id: str, filters: SearchFilters) -> list[dict[str, Any]]:
    """The knn ``filter``: the user's term first, then the caller's filters."""
    clauses: list[dict[str, Any]] = [{"term": {"userId": user_id}}]
    if filters.documentIds:
        clauses.append({"terms": {"documentId": list(filters.documentIds)}})
    if filters.tags:
        clauses.append({"terms": {"metadata.tags": list(filters.tags)}})
    if filters.fileType is not None:
        clauses.append({"term": {"metadata.fileType": filters.fileType}})
    bounds: dict[str, str] = {}
    if filters.uploadedAfter is not None:
        bounds["gte"] = as_utc(filters.uploadedAfter).isoformat()
    if filters.uploadedBefore is not None:
        bounds["lte"] = as_utc(filters.uploadedBefore).isoformat()
    if bounds:
        clauses.append({"range": {"uploadDate": bounds}})
    return clauses


def knn_query(vector: Sequence[float], k: int, clauses: list[dict[str, Any]]) -> dict[str, Any]:
    knn = {"vector": list(vector), "k": k, "filter": {"bool": {"filter": clauses}}}
    return {
        "size": k,
        "_source": {"excludes": [VECTOR_FIELD]},
        "query": {"knn": {VECTOR_FIELD: knn}},
    }


def ndjson(lines: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines)


def split_bulk(pairs: Sequence[bytes], max_bytes: int) -> Iterator[bytes]:
    """Group pre-serialized bulk entries (action line + source line) into bodies of at most
    ``max_bytes``; an entry that cannot fit alone is refused rather than sent to fail."""
    batch: list[bytes] = []
    size = 0
    for pair in pairs:
        if len(pair) > max_bytes:
            raise ValidationError(
                "a vector document is larger than one bulk request may be",
                details={"bytes": len(pair), "limit": max_bytes},
            )
        if batch and size + len(pair) > max_bytes:
            yield b"".join(batch)
            batch, size = [], 0
        batch.append(pair)
        size += len(pair)
    if batch:
        yield b"".join(batch)


class OpenSearchVectorIndex:
    """User-scoped vectors in the ``chunks`` and ``memories`` indexes of a serverless collection.

    ``client_factory`` builds the opensearch-py client on first use (see
    :func:`build_opensearch_client`), so constructing the index costs nothing.
    """

    def __init__(
        self,
        client_factory: Callable[[], Any],
        *,
        chunks_index: str = "chunks",
        memories_index: str = "memories",
        dimension: int | None = None,
        max_bulk_bytes: int = MAX_BULK_BYTES,
    ) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._chunks_index = chunks_index
        self._memories_index = memories_index
        self._dimension = dimension
        self._max_bulk_bytes = max_bulk_bytes

    @property
    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client

    # Chunks -----------------------------------------------------------------------------------

    def replace_document_chunks(
        self, user_id: str, document_id: str, chunks: Sequence[ChunkVector]
    ) -> None:
        check_chunks_belong(user_id, document_id, chunks)
        for chunk in chunks:
            self._check_dimension(chunk.embedding)
        self.delete_document(user_id, document_id)
        self._bulk_index(self._chunks_index, [chunk_document(chunk) for chunk in chunks])

    def delete_document(self, user_id: str, document_id: str) -> None:
        clauses = [{"term": {"userId": user_id}}, {"term": {"documentId": document_id}}]
        self._delete_matching(self._chunks_index, clauses)

    def update_document_fields(self, user_id: str, document_id: str, fields: DocumentFields) -> int:
        """Rewrite the document's vectors with new fields: no partial updates without custom
        ids, so read them (with embeddings), write one fresh copy per chunk, then delete every
        copy read. A run cut short leaves extra copies that the next run (a retry) collapses."""
        clauses = [{"term": {"userId": user_id}}, {"term": {"documentId": document_id}}]
        found = self._find(self._chunks_index, clauses, with_source=True)
        fresh: dict[str, dict[str, Any]] = {}
        for hit in found:
            source = dict(hit["_source"])
            metadata = dict(source.get("metadata") or {})
            metadata.update({"tags": list(fields.tags), "title": fields.title})
            if fields.fileType:
                metadata["fileType"] = fields.fileType
            source["metadata"] = metadata
            fresh[str(source["chunkId"])] = source
        self._bulk_index(self._chunks_index, list(fresh.values()))
        pairs = [ndjson([{"delete": {"_id": str(hit["_id"])}}]) for hit in found]
        for body in split_bulk(pairs, self._max_bulk_bytes):
            self._bulk(self._chunks_index, body)
        return len(fresh)

    def search_chunks(
        self,
        user_id: str,
        vector: Sequence[float],
        k: int,
        filters: SearchFilters | None = None,
    ) -> list[ChunkHit]:
        check_k(k)
        self._check_dimension(vector)
        clauses = chunk_filter_clauses(user_id, filters or SearchFilters())
        hits = self._search(self._chunks_index, knn_query(vector, k, clauses))
        return [self._chunk_hit(hit) for hit in hits[:k]]

    # Memories ---------------------------------------------------------------------------------

    def put_memory(self, memory: MemoryVector) -> None:
        self._check_dimension(memory.embedding)
        self.delete_memory(memory.userId, memory.memoryId)
        self._bulk_index(self._memories_index, [memory_document(memory)])

    def delete_memory(self, user_id: str, memory_id: str) -> None:
        clauses = [{"term": {"userId": user_id}}, {"term": {"memoryId": memory_id}}]
        self._delete_matching(self._memories_index, clauses)

    def search_memories(self, user_id: str, vector: Sequence[float], k: int) -> list[MemoryHit]:
        check_k(k)
        self._check_dimension(vector)
        query = knn_query(vector, k, [{"term": {"userId": user_id}}])
        hits = self._search(self._memories_index, query)
        return [
            MemoryHit(
                memoryId=str(hit["_source"]["memoryId"]),
                type=str(hit["_source"]["type"]),
                content=str(hit["_source"]["content"]),
                score=score_to_cosine(float(hit["_score"])),
                relevanceScore=float(hit["_source"].get("relevanceScore", 0.0)),
            )
            for hit in hits[:k]
        ]

    # Requests ---------------------------------------------------------------------------------

    def _search(self, index: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        with translated_errors("search"):
            response = self.client.search(index=index, body=body)
        hits: list[dict[str, Any]] = response["hits"]["hits"]
        return hits

    def _bulk_index(self, index: str, documents: Sequence[dict[str, Any]]) -> None:
        # No "_id": classic vector collections assign ids themselves.
        pairs = [ndjson([{"index": {}}, document]) for document in documents]
        for body in split_bulk(pairs, self._max_bulk_bytes):
            self._bulk(index, body)

    def _delete_matching(self, index: str, clauses: list[dict[str, Any]]) -> None:
        """Find the ids of every document matching ``clauses`` and bulk-delete them."""
        found = [str(hit["_id"]) for hit in self._find(index, clauses, with_source=False)]
        pairs = [ndjson([{"delete": {"_id": doc_id}}]) for doc_id in found]
        for body in split_bulk(pairs, self._max_bulk_bytes):
            self._bulk(index, body)

    def _find(
        self, index: str, clauses: list[dict[str, Any]], *, with_source: bool
    ) -> list[dict[str, Any]]:
        """Every hit matching ``clauses``, in pages that exclude the ids already found."""
        found: list[dict[str, Any]] = []
        while True:
            query: dict[str, Any] = {"bool": {"filter": clauses}}
            if found:
                query["bool"]["must_not"] = [{"ids": {"values": [h["_id"] for h in found]}}]
            body = {"size": ID_PAGE_SIZE, "_source": with_source, "query": query}
            page = self._search(index, body)
            found.extend(page)
            if len(page) < ID_PAGE_SIZE:
                return found

    def _bulk(self, index: str, body: bytes) -> None:
        with translated_errors("bulk"):
            response = self.client.bulk(index=index, body=body)
        if not response.get("errors"):
            return
        failures = [
            result
            for item in response.get("items", [])
            for action, result in item.items()
            if "error" in result and not (action == "delete" and result.get("status") == 404)
        ]
        if not failures:
            return
        statuses = sorted({int(failure.get("status", 0)) for failure in failures})
        details = {"failed": len(failures), "statuses": statuses, "index": index}
        if statuses == [429]:
            raise Throttled("the vector index is throttling writes", details=details)
        raise Unavailable("the vector index refused part of a write", details=details)

    def _chunk_hit(self, hit: dict[str, Any]) -> ChunkHit:
        source = hit["_source"]
        meta = source.get("metadata") or {}
        return ChunkHit(
            chunkId=str(source["chunkId"]),
            documentId=str(source["documentId"]),
            chunkIndex=int(source["chunkIndex"]),
            content=str(source["content"]),
            score=score_to_cosine(float(hit["_score"])),
            metadata=ChunkMetadata(
                fileName=str(meta.get("fileName", "")),
                fileType=str(meta.get("fileType", "")),
                wordCount=int(meta.get("wordCount", 0)),
                charCount=int(meta.get("charCount", 0)),
                startPosition=int(meta.get("startPosition", 0)),
                endPosition=int(meta.get("endPosition", 0)),
                pageNumber=meta.get("pageNumber"),
                section=meta.get("section"),
                tags=tuple(meta.get("tags") or ()),
                title=meta.get("title"),
            ),
        )

    def _check_dimension(self, vector: Sequence[float]) -> None:
        if self._dimension is not None and len(vector) != self._dimension:
            raise ValidationError(
                "vector has the wrong dimension",
                details={"expected": self._dimension, "actual": len(vector)},
            )


@contextmanager
def translated_errors(operation: str) -> Iterator[None]:
    """Turns opensearch-py's transport errors into Strata's typed errors."""
    from opensearchpy.exceptions import TransportError  # noqa: PLC0415

    try:
        yield
    except TransportError as exc:
        status = exc.status_code
        details = {"operation": operation, "status": status, "error": str(exc.error)}
        if status == 429:
            raise Throttled("the vector index is throttling requests", details=details) from exc
        raise Unavailable("the vector index could not serve the request", details=details) from exc


def build_opensearch_client(
    endpoint: str,
    region: str,
    *,
    credentials: Any = None,
    connection_class: Any = None,
    pool_maxsize: int = 10,
    timeout: int = 30,
) -> Any:
    """An opensearch-py client for a serverless collection endpoint, signing with SigV4 for the
    ``aoss`` service. Credentials default to the Lambda role's (boto3's default chain)."""
    from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth  # noqa: PLC0415
    from opensearchpy.connection import Urllib3HttpConnection  # noqa: PLC0415

    parsed = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
    if not parsed.hostname:
        raise ValueError(f"not a collection endpoint: {endpoint!r}")
    if credentials is None:
        import boto3  # noqa: PLC0415

        credentials = boto3.Session().get_credentials()
    secure = parsed.scheme != "http"  # plain http only for a loopback test endpoint
    return OpenSearch(
        hosts=[{"host": parsed.hostname, "port": parsed.port or (443 if secure else 80)}],
        http_auth=Urllib3AWSV4SignerAuth(credentials, region, "aoss"),
        use_ssl=secure,
        verify_certs=secure,
        connection_class=connection_class or Urllib3HttpConnection,
        pool_maxsize=pool_maxsize,
        timeout=timeout,
        max_retries=2,
        retry_on_timeout=True,
    )
