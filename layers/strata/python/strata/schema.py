"""The one source of truth for Strata's tables and vector indexes, as plain data.

The CDK stacks render these definitions, the tests and the local stack create resources from
them, and an infra test asserts the synthesized template equals them. Keep this module free of
boto3 and of CDK: it is imported by both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

AttributeType = Literal["S", "N", "B"]
Projection = Literal["ALL", "KEYS_ONLY"]

# Sharded constant hash keys spread hot "list everything of a kind" patterns over partitions.
# Readers query every shard and merge; see docs/DATA_MODEL.md.
LOGIN_SHARDS = 4
DOC_STATUS_SHARDS = 4
USER_LIST_SHARDS = 4
AUDIT_SHARDS = 4


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: AttributeType = "S"


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute
    projection: Projection = "ALL"


@dataclass(frozen=True)
class TableSchema:
    """A DynamoDB table: ``logical_name`` becomes ``strata-{env}-{logical_name}``."""

    logical_name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    global_indexes: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None
    stream_view: Literal["NEW_AND_OLD_IMAGES"] | None = None

    def physical_name(self, env: str) -> str:
        return table_name(env, self.logical_name)

    def attribute_definitions(self) -> list[KeyAttribute]:
        """Every attribute used by a key of the table or of an index, once, in a stable order."""
        seen: dict[str, KeyAttribute] = {}
        keys = [self.partition_key, self.sort_key]
        for index in self.global_indexes:
            keys += [index.partition_key, index.sort_key]
        for key in keys:
            if key is not None:
                seen.setdefault(key.name, key)
        return list(seen.values())


def _gsi(number: int) -> GlobalIndex:
    return GlobalIndex(
        name=f"GSI{number}",
        partition_key=KeyAttribute(f"GSI{number}PK"),
        sort_key=KeyAttribute(f"GSI{number}SK"),
    )


MAIN_TABLE = TableSchema(
    logical_name="main",
    partition_key=KeyAttribute("PK"),
    sort_key=KeyAttribute("SK"),
    global_indexes=(_gsi(1), _gsi(2), _gsi(3)),
    ttl_attribute="ttl",
    stream_view="NEW_AND_OLD_IMAGES",
)

# Powertools idempotency records (default attribute names of its DynamoDBPersistenceLayer).
IDEMPOTENCY_TABLE = TableSchema(
    logical_name="idempotency",
    partition_key=KeyAttribute("id"),
    ttl_attribute="expiration",
)

TABLES: tuple[TableSchema, ...] = (MAIN_TABLE, IDEMPOTENCY_TABLE)

# The main table's entities (``entity`` attribute) the stream function reacts to. The event source
# mapping's filters admit records of these alone (new image for inserts and changes, old image
# for removals); the function's own writes (stats, markers, audit entries, usage) never invoke it
# again. Notifications do, once each: their insert is pushed to the owner's live connections
# (and nothing else reacts to them, so nothing loops).
STREAM_ENTITIES: tuple[str, ...] = (
    "USER",
    "GROUP",
    "GROUP_MEMBER",
    "APP",
    "GRANT",
    "DOCUMENT",
    "MEMORY",
    "CHAT_SESSION",
    "CHAT_MESSAGE",
    "NOTIFICATION",
)


def table_name(env: str, logical_name: str) -> str:
    return f"strata-{env}-{logical_name}"


def create_table_kwargs(table: TableSchema, name: str) -> dict[str, Any]:
    """``create_table`` arguments (boto3 shape) for tests and the local stack."""
    key_schema = [{"AttributeName": table.partition_key.name, "KeyType": "HASH"}]
    if table.sort_key is not None:
        key_schema.append({"AttributeName": table.sort_key.name, "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a.name, "AttributeType": a.type}
            for a in table.attribute_definitions()
        ],
        "KeySchema": key_schema,
    }
    if table.global_indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key.name, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key.name, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": index.projection},
            }
            for index in table.global_indexes
        ]
    if table.stream_view is not None:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream_view}
    return kwargs


# ---------------------------------------------------------------------------------------------
# Vector indexes (OpenSearch Serverless). Embeddings are L2-normalized (Titan v2 with
# normalize=true, and the local embedder), so inner product ranks exactly like cosine.

VECTOR_FIELD = "embedding"
HNSW_ENGINE = "faiss"
HNSW_SPACE_TYPE = "innerproduct"
HNSW_EF_CONSTRUCTION = 128
HNSW_M = 24
HNSW_EF_SEARCH = 100
# The same indexes in Amazon S3 Vectors: float32 vectors compared by cosine distance (1 - cosine),
# so a hit's score is 1 - distance, the same cosine the OpenSearch and local indexes report.
S3VECTORS_DATA_TYPE = "float32"
S3VECTORS_DISTANCE_METRIC = "cosine"


@dataclass(frozen=True)
class VectorIndex:
    """An OpenSearch index: its fields other than the vector, as OpenSearch mapping properties."""

    name: str
    id_field: str
    properties: dict[str, Any] = field(default_factory=dict)
    # In S3 Vectors: metadata keys stored with each vector but never filtered on (the text and
    # what is only displayed); every other key is filterable (2 KB per vector in all).
    non_filterable_keys: tuple[str, ...] = ()

    def body(self, dimension: int) -> dict[str, Any]:
        """The full index body (settings and mappings) for a vector ``dimension``."""
        return {
            "settings": {"index": {"knn": True, "knn.algo_param.ef_search": HNSW_EF_SEARCH}},
            "mappings": {"properties": self.mapping_properties(dimension)},
        }

    def mapping_properties(self, dimension: int) -> dict[str, Any]:
        return {
            **self.properties,
            VECTOR_FIELD: {
                "type": "knn_vector",
                "dimension": dimension,
                "method": {
                    "name": "hnsw",
                    "engine": HNSW_ENGINE,
                    "space_type": HNSW_SPACE_TYPE,
                    "parameters": {"ef_construction": HNSW_EF_CONSTRUCTION, "m": HNSW_M},
                },
            },
        }


_DATE = {"type": "date", "format": "strict_date_optional_time"}

CHUNKS_INDEX = VectorIndex(
    name="chunks",
    id_field="chunkId",
    properties={
        "chunkId": {"type": "keyword"},
        "documentId": {"type": "keyword"},
        "userId": {"type": "keyword"},
        "chunkIndex": {"type": "integer"},
        "content": {"type": "text", "analyzer": "standard"},
        "metadata": {
            "properties": {
                "fileName": {"type": "keyword"},
                "fileType": {"type": "keyword"},
                "pageNumber": {"type": "integer"},
                "pageEnd": {"type": "integer"},
                "pageStarts": {"type": "integer"},
                "section": {"type": "text"},
                "wordCount": {"type": "integer"},
                "charCount": {"type": "integer"},
                "startPosition": {"type": "integer"},
                "endPosition": {"type": "integer"},
                "tags": {"type": "keyword"},
                "title": {"type": "text"},
            }
        },
        "uploadDate": _DATE,
        "createdAt": _DATE,
    },
    non_filterable_keys=("content", "fileName", "title", "section", "detail"),
)

MEMORIES_INDEX = VectorIndex(
    name="memories",
    id_field="memoryId",
    properties={
        "memoryId": {"type": "keyword"},
        "userId": {"type": "keyword"},
        "type": {"type": "keyword"},
        "content": {"type": "text", "analyzer": "standard"},
        "relevanceScore": {"type": "float"},
        "createdAt": _DATE,
    },
    non_filterable_keys=("content",),
)

VECTOR_INDEXES: tuple[VectorIndex, ...] = (CHUNKS_INDEX, MEMORIES_INDEX)
