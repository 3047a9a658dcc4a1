"""Where ``strata reindex --to`` reads the memories' embeddings: the old vector store, the only
place a memory's embedding is kept. Once an environment has switched stores (deployed with the
other ``vector_store``) its outputs name only the new one, so the old one is named by hand
(``--from-bucket`` / ``--from-collection``, retained where the environment retains data);
otherwise it is the environment's current store, when that is not the destination.

A narrow reader, not a method of the ``VectorIndex`` port: the local stack's remote index (its
loopback routes) has no way to hand vectors back, so the contract suite could not hold every
adapter to it. What each store costs:

- S3 Vectors: 1 ``GetVectors`` (``returnData``) per 100 memories of a user, by their keys
  ``<userId>/<memoryId>``.
- OpenSearch: 1 search per 100 memories of a user (``userId`` term + ``memoryId`` terms), the
  ``embedding`` read from ``_source``.
- The in-process local index: its memories as held.

A stored vector counts only when it is still the memory's: same text and the configured
dimension. Anything else (no vector, a stale one, a store that cannot be read) is *missing*, and
the caller embeds it again only with ``--allow-embedding``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ops.target import Target, TargetError

# memory ids -> (indexed text, embedding) of those the store holds
MemoryReader = Callable[[str, Sequence[str]], dict[str, tuple[str, tuple[float, ...]]]]

PAGE = 100  # GetVectors takes at most 100 keys; the same page for OpenSearch searches


def memory_reader(
    target: Target, *, to: str, from_bucket: str = "", from_collection: str = ""
) -> MemoryReader:
    """A reader over the store memories move from: the S3 Vectors bucket or collection named
    (the old store, kept after the environment switched), else the environment's current store
    (``settings.vector_index``) unless that is the destination ``to`` itself."""
    settings = target.settings
    if from_bucket:
        return _s3vectors_reader(target, from_bucket)
    if from_collection:
        return _opensearch_reader(target, from_collection)
    if settings.vector_index == to:
        return _nothing
    if settings.vector_index == "s3vectors" and settings.vector_bucket_name:
        return _s3vectors_reader(target, settings.vector_bucket_name)
    if settings.vector_index == "opensearch" and settings.collection_endpoint:
        return _opensearch_reader(target, settings.collection_endpoint)
    return _local_reader(target)


def _nothing(user_id: str, memory_ids: Sequence[str]) -> dict[str, tuple[str, tuple[float, ...]]]:
    return {}


def _pages(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[start : start + PAGE] for start in range(0, len(ids), PAGE)]


def _s3vectors_reader(target: Target, bucket: str) -> MemoryReader:
    from strata.search.s3vectors_records import memory_key  # noqa: PLC0415

    settings = target.settings
    client = target.client("s3vectors")

    def read(user_id: str, memory_ids: Sequence[str]) -> dict[str, tuple[str, tuple[float, ...]]]:
        found: dict[str, tuple[str, tuple[float, ...]]] = {}
        for page in _pages(memory_ids):
            response = client.get_vectors(
                vectorBucketName=bucket,
                indexName=settings.memories_index,
                keys=[memory_key(user_id, memory_id) for memory_id in page],
                returnData=True,
                returnMetadata=True,
            )
            for vector in response.get("vectors", []):
                metadata: dict[str, Any] = vector.get("metadata") or {}
                if metadata.get("userId") != user_id:
                    continue
                embedding = tuple(float(v) for v in vector.get("data", {}).get("float32", []))
                found[str(metadata.get("memoryId", ""))] = (
                    str(metadata.get("content", "")),
                    embedding,
                )
        return found

    return read


def _opensearch_reader(target: Target, endpoint: str) -> MemoryReader:
    from strata.search.opensearch import build_opensearch_client  # noqa: PLC0415

    settings = target.settings
    client = build_opensearch_client(
        endpoint, settings.region, credentials=target.session.get_credentials()
    )

    def read(user_id: str, memory_ids: Sequence[str]) -> dict[str, tuple[str, tuple[float, ...]]]:
        found: dict[str, tuple[str, tuple[float, ...]]] = {}
        for page in _pages(memory_ids):
            body = {
                "size": len(page) * 2,  # a retried write may have left a duplicate
                "_source": ["userId", "memoryId", "content", "embedding"],
                "query": {
                    "bool": {
                        "filter": [
                            {"term": {"userId": user_id}},
                            {"terms": {"memoryId": list(page)}},
                        ]
                    }
                },
            }
            response = client.search(index=settings.memories_index, body=body)
            for hit in response["hits"]["hits"]:
                source = hit["_source"]
                embedding = tuple(float(v) for v in source.get("embedding") or [])
                found[str(source["memoryId"])] = (str(source.get("content", "")), embedding)
        return found

    return read


def _local_reader(target: Target) -> MemoryReader:
    from strata.search.local import LocalVectorIndex  # noqa: PLC0415

    try:
        index = target.vector_index
    except TargetError:
        index = None
    held = (
        {(m.userId, m.memoryId): m for m in index.all_memories()}
        if isinstance(index, LocalVectorIndex)
        else {}
    )

    def read(user_id: str, memory_ids: Sequence[str]) -> dict[str, tuple[str, tuple[float, ...]]]:
        return {
            memory_id: (held[(user_id, memory_id)].content, held[(user_id, memory_id)].embedding)
            for memory_id in memory_ids
            if (user_id, memory_id) in held
        }

    return read
