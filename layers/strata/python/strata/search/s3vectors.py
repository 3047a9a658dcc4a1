"""The vector index on Amazon S3 Vectors (a vector bucket with the ``chunks`` and ``memories``
indexes), via boto3's ``s3vectors`` client.

Facts this module is built on (see docs/SEARCH.md):

- Keys are deterministic (:mod:`strata.search.s3vectors_records`), so every write is a put by
  key: repeating it changes nothing, and it is retried like a read. A document's vectors are
  found by their keys, never by a search: GetVectors on ``…#0``, ``…#1``, … (100 keys a call)
  until a batch comes back short. Chunks are written in ascending and deleted in descending
  order, so what a document has stored is always a prefix ``#0..#n-1``, even after a write
  cut short.
- Every query carries a metadata filter on the caller's ``userId`` (plus the caller's filters),
  applied by S3 Vectors while searching: k hits come back even if the user owns little of the
  index. Top-k is at most 100 per query (the service's limit); more is refused here.
- Per-call limits: 500 vectors per PutVectors (and 20 MiB), 500 keys per DeleteVectors, 100 keys
  per GetVectors, 1,000 vectors per ListVectors page.
- Throttling (429) and transient failures (500/503, request timeouts) are retried with capped
  exponential backoff and full jitter, each attempt bounded by the invocation's deadline
  (:mod:`strata.budget`); botocore's own retries are off.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from strata.budget import MIN_CALL_SECONDS, budgeted, seconds_left
from strata.errors import Throttled, Unavailable, ValidationError
from strata.schema import CHUNKS_INDEX, MEMORIES_INDEX
from strata.search.lazy_client import LazyClient
from strata.search.rules import check_chunks_belong, check_k
from strata.search.s3vectors_records import (
    MAX_DELETE_KEYS,
    MAX_GET_KEYS,
    MAX_LIST_PAGE,
    MAX_TOP_K,
    check_metadata_size,
    chunk_filter,
    chunk_hit,
    chunk_key,
    chunk_record,
    memory_hit,
    memory_key,
    memory_record,
    put_batches,
    slices,
    user_filter,
    with_document_fields,
)
from strata.search.types import (
    ChunkHit,
    ChunkVector,
    DocumentFields,
    MemoryHit,
    MemoryVector,
    SearchFilters,
)

_THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "SlowDown"})
_TRANSIENT_CODES = frozenset(
    {"ServiceUnavailableException", "InternalServerException", "RequestTimeoutException"}
)


class S3VectorsIndex(LazyClient):
    """User-scoped vectors in the ``chunks`` and ``memories`` indexes of one vector bucket.

    ``client_factory`` builds the boto3 client on first use (see :func:`build_s3vectors_client`);
    ``sleep`` and ``jitter`` are injectable so tests never wait.
    """

    def __init__(
        self,
        client_factory: Callable[[], Any],
        *,
        bucket_name: str,
        chunks_index: str = CHUNKS_INDEX.name,
        memories_index: str = MEMORIES_INDEX.name,
        dimension: int | None = None,
        max_attempts: int = 6,
        base_delay: float = 0.1,
        max_delay: float = 4.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._init_client(client_factory)
        self._bucket = bucket_name
        self._chunks_index = chunks_index
        self._memories_index = memories_index
        self._dimension = dimension
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._jitter = jitter

    # Chunks -----------------------------------------------------------------------------------

    def replace_document_chunks(
        self, user_id: str, document_id: str, chunks: Sequence[ChunkVector]
    ) -> None:
        """Put the new chunks (by key, replacing those with the same index), then delete the
        stored chunks beyond them."""
        check_chunks_belong(user_id, document_id, chunks)
        records = []
        for chunk in sorted(chunks, key=lambda c: c.chunkIndex):
            self._check_dimension(chunk.embedding)
            record = chunk_record(chunk)
            check_metadata_size(record["key"], record["metadata"], CHUNKS_INDEX.non_filterable_keys)
            records.append(record)
        stored = self._stored_chunk_keys(user_id, document_id)
        self._put(self._chunks_index, records)
        fresh = {record["key"] for record in records}
        self._delete(self._chunks_index, [key for key in stored if key not in fresh])

    def delete_document(self, user_id: str, document_id: str) -> None:
        self._delete(self._chunks_index, self._stored_chunk_keys(user_id, document_id))

    def update_document_fields(self, user_id: str, document_id: str, fields: DocumentFields) -> int:
        """Read the document's vectors (data and metadata) by key and put them back with the new
        fields: idempotent, and a retry after a partial run finishes the job."""
        stored = self._stored_chunks(user_id, document_id, with_content=True)
        records = [with_document_fields(record, fields) for record in stored]
        self._put(self._chunks_index, records)
        return len(records)

    def search_chunks(
        self,
        user_id: str,
        vector: Sequence[float],
        k: int,
        filters: SearchFilters | None = None,
    ) -> list[ChunkHit]:
        self._check_query(vector, k)
        hits = self._query(
            self._chunks_index, vector, k, chunk_filter(user_id, filters or SearchFilters())
        )
        return [chunk_hit(hit) for hit in hits[:k]]

    # Memories ---------------------------------------------------------------------------------

    def put_memory(self, memory: MemoryVector) -> None:
        self._check_dimension(memory.embedding)
        record = memory_record(memory)
        check_metadata_size(record["key"], record["metadata"], MEMORIES_INDEX.non_filterable_keys)
        self._put(self._memories_index, [record])

    def delete_memory(self, user_id: str, memory_id: str) -> None:
        self._delete(self._memories_index, [memory_key(user_id, memory_id)])

    def search_memories(self, user_id: str, vector: Sequence[float], k: int) -> list[MemoryHit]:
        self._check_query(vector, k)
        hits = self._query(self._memories_index, vector, k, user_filter(user_id))
        return [memory_hit(hit) for hit in hits[:k]]

    # The second delete pass ----------------------------------------------------------------

    def document_vector_owners(self, written_since: str | None = None) -> Iterator[tuple[str, str]]:
        """Every distinct ``(userId, documentId)`` with chunk vectors (written at or after
        ``written_since`` when given), from ListVectors pages of metadata."""
        seen: set[tuple[str, str]] = set()
        for record in self._list(self._chunks_index):
            metadata = record.get("metadata") or {}
            if written_since is not None and str(metadata.get("createdAt", "")) < written_since:
                continue
            owner = (str(metadata.get("userId", "")), str(metadata.get("documentId", "")))
            if owner not in seen:
                seen.add(owner)
                yield owner

    def memory_vector_owners(self) -> Iterator[tuple[str, str]]:
        for record in self._list(self._memories_index):
            metadata = record.get("metadata") or {}
            yield str(metadata.get("userId", "")), str(metadata.get("memoryId", ""))

    # Keys -------------------------------------------------------------------------------------

    def _stored_chunk_keys(self, user_id: str, document_id: str) -> list[str]:
        return [
            str(r["key"]) for r in self._stored_chunks(user_id, document_id, with_content=False)
        ]

    def _stored_chunks(
        self, user_id: str, document_id: str, *, with_content: bool
    ) -> list[dict[str, Any]]:
        """The document's stored vectors, found by key: ``#0..#99``, then ``#100..#199``, ...
        until a batch is not full (what is stored is a prefix, see the module doc)."""
        found: list[dict[str, Any]] = []
        start = 0
        while True:
            keys = [chunk_key(user_id, document_id, n) for n in range(start, start + MAX_GET_KEYS)]
            response = self._call(
                "GetVectors",
                indexName=self._chunks_index,
                keys=keys,
                returnData=with_content,
                returnMetadata=with_content,
            )
            batch = list(response.get("vectors") or [])
            found.extend(batch)
            if len(batch) < MAX_GET_KEYS:
                return found
            start += MAX_GET_KEYS

    # Requests ---------------------------------------------------------------------------------

    def _put(self, index: str, records: Sequence[dict[str, Any]]) -> None:
        for batch in put_batches(records):
            self._call("PutVectors", indexName=index, vectors=batch)

    def _delete(self, index: str, keys: Sequence[str]) -> None:
        # Highest chunk first: a delete cut short leaves a prefix #0..#n-1 (see module doc).
        ordered = sorted(keys, key=_key_order, reverse=True)
        for batch in slices(ordered, MAX_DELETE_KEYS):
            self._call("DeleteVectors", indexName=index, keys=batch)

    def _query(
        self, index: str, vector: Sequence[float], k: int, metadata_filter: dict[str, Any]
    ) -> list[dict[str, Any]]:
        response = self._call(
            "QueryVectors",
            indexName=index,
            topK=k,
            queryVector={"float32": [float(value) for value in vector]},
            filter=metadata_filter,
            returnMetadata=True,
            returnDistance=True,
        )
        return list(response.get("vectors") or [])

    def _list(self, index: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {
                "indexName": index,
                "maxResults": MAX_LIST_PAGE,
                "returnMetadata": True,
            }
            if token:
                arguments["nextToken"] = token
            response = self._call("ListVectors", **arguments)
            yield from response.get("vectors") or []
            token = response.get("nextToken")
            if not token:
                return

    def _call(self, operation: str, **arguments: Any) -> Any:
        """One S3 Vectors call, retried with backoff while it is throttled or failing
        transiently and the invocation has time left. Every call here is idempotent."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        method = getattr(self.client, _snake(operation))
        attempt = 0
        while True:
            attempt += 1
            try:
                return method(vectorBucketName=self._bucket, **arguments)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                retryable = code in _THROTTLING_CODES or code in _TRANSIENT_CODES
                if not retryable or attempt >= self._max_attempts:
                    raise _mapped(operation, code, attempt, exc) from exc
            except BotoCoreError as exc:  # connection reset, read timeout, ...
                code = type(exc).__name__
                if attempt >= self._max_attempts:
                    raise _mapped(operation, code, attempt, exc) from exc
            delay = min(self._max_delay, self._base_delay * 2.0 ** (attempt - 1)) * self._jitter()
            left = seconds_left()
            if left is not None and left < delay + MIN_CALL_SECONDS:
                raise _mapped(operation, code, attempt, None)
            self._sleep(delay)

    # Checks -----------------------------------------------------------------------------------

    def _check_query(self, vector: Sequence[float], k: int) -> None:
        if k > MAX_TOP_K:
            raise ValidationError(
                f"S3 Vectors returns at most {MAX_TOP_K} results per query",
                details={"k": k, "limit": MAX_TOP_K},
            )
        check_k(k)
        self._check_dimension(vector)

    def _check_dimension(self, vector: Sequence[float]) -> None:
        if self._dimension is not None and len(vector) != self._dimension:
            raise ValidationError(
                "vector has the wrong dimension",
                details={"expected": self._dimension, "actual": len(vector)},
            )


def _key_order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("#")
    return (prefix, int(number)) if number.isdigit() else (key, -1)


def _snake(operation: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in operation).lstrip("_")


def _mapped(
    operation: str, code: str, attempts: int, exc: Exception | None
) -> Throttled | Unavailable | ValidationError:
    details = {"operation": operation, "code": code, "attempts": attempts}
    if code in _THROTTLING_CODES:
        return Throttled("the vector index is throttling requests", details=details)
    if code == "ValidationException":
        message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", ""))
        return ValidationError(
            "the vector index refused the request", details={**details, "reason": message}
        )
    return Unavailable("the vector index could not serve the request", details=details)


def build_s3vectors_client(region: str, *, pool_size: int = 10) -> Any:
    """A ``s3vectors`` client: botocore's retries off (the index retries with backoff itself),
    every attempt's read timeout bounded by the invocation's deadline (strata.budget)."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=max(pool_size, 10),
    )
    return budgeted(boto3.client("s3vectors", region_name=region, config=config))
