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
- Writes are never retried blindly. A bulk ``index`` carries no ``_id``, so a retried bulk that
  had landed would write every vector twice; the client's own retries are off and only reads and
  bulk deletes (idempotent) are retried here. A failed write raises: its retry (SQS redelivery,
  stream retry) goes through ``replace_document_chunks`` / ``put_memory``, which delete by
  ``documentId`` / ``memoryId`` first. Searches drop duplicate ``chunkId`` / ``memoryId`` hits, and
  :mod:`strata.services.vector_sweep` runs a delayed second delete pass (a delete right after a
  write can miss it: serverless collections make writes searchable only after a delay).
- Every request's timeout is bounded by the invocation's deadline (:mod:`strata.budget`).
- The faiss inner-product score is ``1 + dot`` for ``dot >= 0`` and ``1 / (1 - dot)`` otherwise;
  hits report the dot product itself (the cosine, vectors being normalized), like the local index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from strata.budget import call_timeout
from strata.errors import Throttled, Unavailable, ValidationError
from strata.search.lazy_client import LazyClient
from strata.search.opensearch_bodies import (
    chunk_document,
    chunk_filter_clauses,
    knn_query,
    memory_document,
    ndjson,
    score_to_cosine,
    split_bulk,
    unique_hits,
)
from strata.search.opensearch_client import build_opensearch_client, translated_errors
from strata.search.rules import check_chunks_belong, check_k
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
OWNER_PAGE_SIZE = 1000
REQUEST_TIMEOUT_SECONDS = 30.0
READ_ATTEMPTS = 3
# Answers after which an idempotent request (a read, a bulk delete) is tried again.
RETRYABLE_STATUSES = frozenset({502, 503, 504})

__all__ = [
    "OpenSearchVectorIndex",
    "build_opensearch_client",
    "chunk_document",
    "memory_document",
    "score_to_cosine",
]


class OpenSearchVectorIndex(LazyClient):
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
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        read_attempts: int = READ_ATTEMPTS,
    ) -> None:
        if read_attempts < 1:
            raise ValueError("read_attempts must be at least 1")
        self._init_client(client_factory)
        self._chunks_index = chunks_index
        self._memories_index = memories_index
        self._dimension = dimension
        self._max_bulk_bytes = max_bulk_bytes
        self._request_timeout = request_timeout
        self._read_attempts = read_attempts

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
        copy read. A run cut short leaves extra copies (search hits are deduplicated by chunk)
        that the next run (a retry) collapses."""
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
            self._bulk(self._chunks_index, body, retry=True)
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
        return [self._chunk_hit(hit) for hit in unique_hits(hits[:k], "chunkId")]

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
            for hit in unique_hits(hits[:k], "memoryId")
        ]

    # The second delete pass ----------------------------------------------------------------

    def document_vector_owners(self, written_since: str | None = None) -> Iterator[tuple[str, str]]:
        """Every distinct ``(userId, documentId)`` with chunk vectors (written at or after
        ``written_since``, an ISO 8601 instant, when given)."""
        clauses: list[dict[str, Any]] = []
        if written_since is not None:
            clauses.append({"range": {"createdAt": {"gte": written_since}}})
        return self._owners(self._chunks_index, "chunkId", "documentId", clauses)

    def memory_vector_owners(self) -> Iterator[tuple[str, str]]:
        """Every distinct ``(userId, memoryId)`` with a memory vector."""
        return self._owners(self._memories_index, "memoryId", "memoryId", [])

    def _owners(
        self, index: str, sort_field: str, owner_field: str, clauses: list[dict[str, Any]]
    ) -> Iterator[tuple[str, str]]:
        """Pages through ``index`` sorted on a keyword field with ``search_after`` (serverless
        collections have no scroll), yielding each owner once."""
        seen: set[tuple[str, str]] = set()
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": OWNER_PAGE_SIZE,
                "_source": ["userId", owner_field],
                "query": {"bool": {"filter": clauses}} if clauses else {"match_all": {}},
                "sort": [{sort_field: "asc"}],
            }
            if after is not None:
                body["search_after"] = after
            page = self._search(index, body)
            for hit in page:
                owner = (str(hit["_source"]["userId"]), str(hit["_source"][owner_field]))
                if owner not in seen:
                    seen.add(owner)
                    yield owner
            if len(page) < OWNER_PAGE_SIZE:
                return
            after = list(page[-1]["sort"])

    # Requests ---------------------------------------------------------------------------------

    def _search(self, index: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self._request(
            "search",
            lambda timeout: self.client.search(index=index, body=body, request_timeout=timeout),
            retry=True,
        )
        hits: list[dict[str, Any]] = response["hits"]["hits"]
        return hits

    def _bulk_index(self, index: str, documents: Sequence[dict[str, Any]]) -> None:
        # No "_id": classic vector collections assign ids themselves. Hence no retry either.
        pairs = [ndjson([{"index": {}}, document]) for document in documents]
        for body in split_bulk(pairs, self._max_bulk_bytes):
            self._bulk(index, body, retry=False)

    def _delete_matching(self, index: str, clauses: list[dict[str, Any]]) -> None:
        """Find the ids of every document matching ``clauses`` and bulk-delete them."""
        found = [str(hit["_id"]) for hit in self._find(index, clauses, with_source=False)]
        pairs = [ndjson([{"delete": {"_id": doc_id}}]) for doc_id in found]
        for body in split_bulk(pairs, self._max_bulk_bytes):
            self._bulk(index, body, retry=True)

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

    def _request(self, operation: str, send: Callable[[float], Any], *, retry: bool) -> Any:
        """One request with a timeout bounded by the deadline; an idempotent one (``retry``) is
        tried again after a timeout, a lost connection or a 502/503/504, while time is left."""
        from opensearchpy.exceptions import TransportError  # noqa: PLC0415

        attempts = self._read_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            timeout = call_timeout(self._request_timeout, operation=f"opensearch.{operation}")
            try:
                with translated_errors(operation):
                    return send(timeout)
            except Unavailable as exc:
                cause = exc.__cause__
                transient = isinstance(cause, TransportError) and (
                    not isinstance(cause.status_code, int)
                    or cause.status_code in RETRYABLE_STATUSES
                )
                if not transient or attempt == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _bulk(self, index: str, body: bytes, *, retry: bool) -> None:
        response = self._request(
            "bulk",
            lambda timeout: self.client.bulk(index=index, body=body, request_timeout=timeout),
            retry=retry,
        )
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
                pageEnd=meta.get("pageEnd"),
                pageStarts=tuple(int(start) for start in meta.get("pageStarts") or ()),
            ),
        )

    def _check_dimension(self, vector: Sequence[float]) -> None:
        if self._dimension is not None and len(vector) != self._dimension:
            raise ValidationError(
                "vector has the wrong dimension",
                details={"expected": self._dimension, "actual": len(vector)},
            )
