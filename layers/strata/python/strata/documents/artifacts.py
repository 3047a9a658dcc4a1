"""The objects ingestion writes next to an upload, and the embeddings it reads back.

``documents/<sub>/<docId>/extracted-text.txt``, ``documents/<sub>/<docId>/chunks.jsonl`` (seed
001's chunk fields, one object per line instead of one S3 object per chunk),
``processed/<sub>/<docId>/metadata.json`` and ``processed/<sub>/<docId>/embeddings.jsonl``. Every
write replaces the whole object, so writing twice leaves what writing once did.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strata.documents.layout import DocumentKeys
from strata.errors import Unavailable

if TYPE_CHECKING:
    from strata.documents.chunking import Chunk

JSONL = "application/x-ndjson"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredEmbedding:
    chunkId: str
    contentHash: str
    model: str
    dimension: int
    embedding: tuple[float, ...]


class EmbeddingCache:
    """Earlier embeddings of a document's chunks, reusable when text and model are unchanged."""

    def __init__(self, model: str, dimension: int, stored: Iterable[StoredEmbedding] = ()) -> None:
        self._vectors = {
            entry.contentHash: entry.embedding
            for entry in stored
            if entry.model == model and entry.dimension == dimension
        }

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> tuple[float, ...] | None:
        return self._vectors.get(content_hash(text))


class ArtifactStore:
    """Reads and writes one bucket's document artifacts through a boto3 S3 client."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def read_original(self, key: str, version_id: str | None) -> tuple[bytes, int]:
        """The object's bytes and its size. Raises botocore's ClientError as S3 does."""
        request: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        response = self._s3.get_object(**request)
        with response["Body"] as body:
            return body.read(), int(response["ContentLength"])

    def object_size(self, key: str, version_id: str | None) -> int:
        request: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        return int(self._s3.head_object(**request)["ContentLength"])

    def write_extracted_text(self, keys: DocumentKeys, text: str) -> None:
        self._put(keys.extracted_text, text.encode("utf-8"), "text/plain; charset=utf-8")

    def write_chunks(self, keys: DocumentKeys, chunks: Sequence[Chunk], created_at: str) -> None:
        lines = (
            {
                "chunkId": chunk.chunkId,
                "documentId": keys.document_id,
                "userId": keys.user_id,
                "chunkIndex": chunk.chunkIndex,
                "content": chunk.content,
                "startPosition": chunk.startPosition,
                "endPosition": chunk.endPosition,
                "metadata": {
                    "pageNumber": chunk.pageNumber,
                    "pageEnd": chunk.pageEnd,
                    "pageStarts": list(chunk.pageStarts),
                    "section": chunk.section,
                    "wordCount": chunk.wordCount,
                    "charCount": chunk.charCount,
                    "tokenCount": chunk.tokenCount,
                },
                "createdAt": created_at,
            }
            for chunk in chunks
        )
        self._put(keys.chunks, _jsonl(lines), JSONL)

    def write_metadata(self, keys: DocumentKeys, metadata: Mapping[str, Any]) -> None:
        body = json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True)
        self._put(keys.metadata, body.encode("utf-8"), "application/json")

    def write_embeddings(self, keys: DocumentKeys, entries: Sequence[StoredEmbedding]) -> None:
        lines = (
            {
                "chunkId": entry.chunkId,
                "contentHash": entry.contentHash,
                "model": entry.model,
                "dimension": entry.dimension,
                "embedding": list(entry.embedding),
            }
            for entry in entries
        )
        self._put(keys.embeddings, _jsonl(lines), JSONL)

    def read_embeddings(self, keys: DocumentKeys) -> list[StoredEmbedding]:
        """The embeddings written last time; none when there are none or they are unreadable."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=keys.embeddings)
        except self._s3.exceptions.NoSuchKey:
            return []
        with response["Body"] as body:
            raw = body.read().decode("utf-8")
        try:
            return [
                StoredEmbedding(
                    chunkId=str(item["chunkId"]),
                    contentHash=str(item["contentHash"]),
                    model=str(item["model"]),
                    dimension=int(item["dimension"]),
                    embedding=tuple(float(value) for value in item["embedding"]),
                )
                for item in (json.loads(line) for line in raw.splitlines() if line.strip())
            ]
        except (ValueError, KeyError, TypeError):
            # A torn or foreign file only costs new embedding calls.
            return []

    def read_chunks(self, keys: DocumentKeys) -> list[dict[str, Any]]:
        """The chunks written last time (as written by :meth:`write_chunks`); none when there
        are none. 1 GetObject. A torn line raises ValueError: the caller reports it."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=keys.chunks)
        except self._s3.exceptions.NoSuchKey:
            return []
        with response["Body"] as body:
            raw = body.read().decode("utf-8")
        return [json.loads(line) for line in raw.splitlines() if line.strip()]

    def delete_artifacts(self, keys: DocumentKeys) -> None:
        """Remove what ingestion wrote, every version of it (the original is the owner's delete
        to make). The bucket is versioned: a plain delete would only hide the text of a deleted
        document behind a delete marker until the noncurrent versions expire."""
        wanted = {keys.extracted_text, keys.chunks, keys.metadata, keys.embeddings}
        paginator = self._s3.get_paginator("list_object_versions")
        for prefix in keys.prefixes:
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                entries = [
                    {"Key": item["Key"], "VersionId": item["VersionId"]}
                    for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
                    if item["Key"] in wanted
                ]
                if entries:
                    response = self._s3.delete_objects(
                        Bucket=self._bucket, Delete={"Objects": entries, "Quiet": True}
                    )
                    raise_for_delete_errors(response, keys)

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)


def _jsonl(items: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(
        json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n" for item in items
    ).encode("utf-8")


def raise_for_delete_errors(response: dict[str, Any], keys: DocumentKeys) -> None:
    """DeleteObjects answers 200 even when it deleted nothing: its ``Errors`` list the keys it
    kept (access denied, a version under legal hold, ...)."""
    errors = response.get("Errors") or []
    if errors:
        raise Unavailable(
            "the document store could not delete the files; try again",
            details={
                "documentId": keys.document_id,
                "failed": len(errors),
                "codes": sorted({str(error.get("Code")) for error in errors}),
            },
        )
