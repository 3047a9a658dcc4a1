"""The local stack's in-memory vector index, reachable from other processes on loopback.

The index lives in the local stack's process (ingestion and the API share it). Routes under
``/_local/vectors`` (local-only: not in the OpenAPI document, no token, 127.0.0.1 only) expose it,
and :class:`RemoteVectorIndex` implements strata's ``VectorIndex`` port over them, so the
operations CLI can reindex or verify the running stack. The same contract suite as the other
indexes runs against it (tests/unit/search/test_vector_index_contract.py).

Routes (JSON bodies; ``{user}``, ``{doc}`` and ``{memory}`` URL-encoded):

- ``PUT    /_local/vectors/users/{user}/documents/{doc}``  ``{"chunks": [...]}``
- ``DELETE /_local/vectors/users/{user}/documents/{doc}``
- ``PATCH  /_local/vectors/users/{user}/documents/{doc}``  ``{"tags", "title", "fileType"}``
- ``POST   /_local/vectors/users/{user}/chunks/search``   ``{"vector", "k", "filters"}``
- ``PUT    /_local/vectors/users/{user}/memories/{memory}`` ``{"memory": {...}}``
- ``DELETE /_local/vectors/users/{user}/memories/{memory}``
- ``POST   /_local/vectors/users/{user}/memories/search`` ``{"vector", "k"}``
- ``GET    /_local/vectors/users/{user}/count[?documentId=...]`` ``{"chunks", "memories"}``
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from strata.errors import StrataError, Unavailable, ValidationError
from strata.search.local import LocalVectorIndex
from strata.search.types import (
    ChunkHit,
    ChunkMetadata,
    ChunkVector,
    DocumentFields,
    MemoryHit,
    MemoryVector,
    SearchFilters,
)

PREFIX = "/_local/vectors"

# (method, path, JSON body or None) -> (status, JSON body or None)
Transport = Callable[[str, str, Any], tuple[int, Any]]


# Codec -------------------------------------------------------------------------------------------


def chunk_to_json(chunk: ChunkVector) -> dict[str, Any]:
    return asdict(chunk)


def chunk_from_json(data: dict[str, Any]) -> ChunkVector:
    meta = dict(data["metadata"])
    meta["tags"] = tuple(meta.get("tags") or ())
    return ChunkVector(
        chunkId=str(data["chunkId"]),
        documentId=str(data["documentId"]),
        userId=str(data["userId"]),
        chunkIndex=int(data["chunkIndex"]),
        content=str(data["content"]),
        embedding=tuple(float(v) for v in data["embedding"]),
        metadata=ChunkMetadata(**meta),
        uploadDate=str(data["uploadDate"]),
        createdAt=str(data["createdAt"]),
    )


def memory_to_json(memory: MemoryVector) -> dict[str, Any]:
    return asdict(memory)


def memory_from_json(data: dict[str, Any]) -> MemoryVector:
    return MemoryVector(
        memoryId=str(data["memoryId"]),
        userId=str(data["userId"]),
        type=str(data["type"]),
        content=str(data["content"]),
        embedding=tuple(float(v) for v in data["embedding"]),
        relevanceScore=float(data["relevanceScore"]),
        createdAt=str(data["createdAt"]),
    )


def filters_to_json(filters: SearchFilters | None) -> dict[str, Any] | None:
    if filters is None:
        return None
    return {
        "documentIds": list(filters.documentIds),
        "tags": list(filters.tags),
        "fileType": filters.fileType,
        "uploadedAfter": filters.uploadedAfter.isoformat() if filters.uploadedAfter else None,
        "uploadedBefore": filters.uploadedBefore.isoformat() if filters.uploadedBefore else None,
    }


def filters_from_json(data: dict[str, Any] | None) -> SearchFilters | None:
    if data is None:
        return None
    after, before = data.get("uploadedAfter"), data.get("uploadedBefore")
    return SearchFilters(
        documentIds=tuple(data.get("documentIds") or ()),
        tags=tuple(data.get("tags") or ()),
        fileType=data.get("fileType"),
        uploadedAfter=datetime.fromisoformat(after) if after else None,
        uploadedBefore=datetime.fromisoformat(before) if before else None,
    )


def chunk_hit_from_json(data: dict[str, Any]) -> ChunkHit:
    meta = dict(data["metadata"])
    meta["tags"] = tuple(meta.get("tags") or ())
    return ChunkHit(
        chunkId=str(data["chunkId"]),
        documentId=str(data["documentId"]),
        chunkIndex=int(data["chunkIndex"]),
        content=str(data["content"]),
        score=float(data["score"]),
        metadata=ChunkMetadata(**meta),
    )


def memory_hit_from_json(data: dict[str, Any]) -> MemoryHit:
    return MemoryHit(**data)


# Server routes -----------------------------------------------------------------------------------


def vector_routes(index: LocalVectorIndex) -> list[Route]:
    """The local-only routes serving ``index``."""

    async def replace_document(request: Request) -> Response:
        body = await request.json()
        chunks = [chunk_from_json(item) for item in body.get("chunks", [])]
        return _call(
            lambda: index.replace_document_chunks(
                request.path_params["user"], request.path_params["doc"], chunks
            )
        )

    async def delete_document(request: Request) -> Response:
        params = request.path_params
        return _call(lambda: index.delete_document(params["user"], params["doc"]))

    async def update_fields(request: Request) -> Response:
        body = await request.json()
        fields = DocumentFields(
            tags=tuple(str(tag) for tag in body.get("tags") or ()),
            title=body.get("title"),
            fileType=body.get("fileType"),
        )
        params = request.path_params
        return _call(
            lambda: {"chunks": index.update_document_fields(params["user"], params["doc"], fields)}
        )

    async def search_chunks(request: Request) -> Response:
        body = await request.json()
        return _call(
            lambda: {
                "hits": [
                    asdict(hit)
                    for hit in index.search_chunks(
                        request.path_params["user"],
                        [float(v) for v in body["vector"]],
                        int(body["k"]),
                        filters_from_json(body.get("filters")),
                    )
                ]
            }
        )

    async def put_memory(request: Request) -> Response:
        body = await request.json()
        memory = memory_from_json(body["memory"])
        params = request.path_params
        if memory.userId != params["user"] or memory.memoryId != params["memory"]:
            return _error(ValidationError("the memory does not match its path"))
        return _call(lambda: index.put_memory(memory))

    async def delete_memory(request: Request) -> Response:
        params = request.path_params
        return _call(lambda: index.delete_memory(params["user"], params["memory"]))

    async def search_memories(request: Request) -> Response:
        body = await request.json()
        user = request.path_params["user"]
        vector = [float(v) for v in body["vector"]]
        return _call(
            lambda: {
                "hits": [asdict(hit) for hit in index.search_memories(user, vector, int(body["k"]))]
            }
        )

    async def count(request: Request) -> Response:
        user = request.path_params["user"]
        document = request.query_params.get("documentId")
        return _call(
            lambda: {
                "chunks": index.chunk_count(user, document),
                "memories": index.memory_count(user),
            }
        )

    users = f"{PREFIX}/users/{{user}}"
    return [
        Route(f"{users}/documents/{{doc}}", replace_document, methods=["PUT"]),
        Route(f"{users}/documents/{{doc}}", delete_document, methods=["DELETE"]),
        Route(f"{users}/documents/{{doc}}", update_fields, methods=["PATCH"]),
        Route(f"{users}/chunks/search", search_chunks, methods=["POST"]),
        Route(f"{users}/memories/search", search_memories, methods=["POST"]),
        Route(f"{users}/memories/{{memory}}", put_memory, methods=["PUT"]),
        Route(f"{users}/memories/{{memory}}", delete_memory, methods=["DELETE"]),
        Route(f"{users}/count", count, methods=["GET"]),
    ]


def _call(operation: Callable[[], Any]) -> Response:
    try:
        result = operation()
    except StrataError as exc:
        return _error(exc)
    if result is None:
        return Response(status_code=204)
    return JSONResponse(result)


def _error(exc: StrataError) -> Response:
    return JSONResponse(exc.to_dict(), status_code=exc.status_code)


# Client ------------------------------------------------------------------------------------------


def http_transport(base_url: str, timeout: float = 30.0) -> Transport:
    """JSON over HTTP to a running local stack (``base_url`` is its gateway URL)."""

    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the local stack's own loopback URL
            base_url.rstrip("/") + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
                return int(response.status), json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return int(exc.code), json.loads(raw) if raw else None
        except OSError as exc:
            raise Unavailable(f"the local stack at {base_url} does not answer: {exc}") from exc

    return send


class RemoteVectorIndex:
    """strata's ``VectorIndex`` port over the local stack's ``/_local/vectors`` routes."""

    def __init__(self, transport: Transport) -> None:
        self._send = transport

    @classmethod
    def at(cls, gateway_url: str) -> RemoteVectorIndex:
        return cls(http_transport(gateway_url))

    def replace_document_chunks(
        self, user_id: str, document_id: str, chunks: Sequence[ChunkVector]
    ) -> None:
        self._request(
            "PUT",
            f"{_user(user_id)}/documents/{quote(document_id, safe='')}",
            {"chunks": [chunk_to_json(chunk) for chunk in chunks]},
        )

    def delete_document(self, user_id: str, document_id: str) -> None:
        self._request("DELETE", f"{_user(user_id)}/documents/{quote(document_id, safe='')}")

    def update_document_fields(self, user_id: str, document_id: str, fields: DocumentFields) -> int:
        body = {"tags": list(fields.tags), "title": fields.title, "fileType": fields.fileType}
        path = f"{_user(user_id)}/documents/{quote(document_id, safe='')}"
        return int(self._request("PATCH", path, body)["chunks"])

    def search_chunks(
        self,
        user_id: str,
        vector: Sequence[float],
        k: int,
        filters: SearchFilters | None = None,
    ) -> list[ChunkHit]:
        body = {"vector": list(vector), "k": k, "filters": filters_to_json(filters)}
        result = self._request("POST", f"{_user(user_id)}/chunks/search", body)
        return [chunk_hit_from_json(hit) for hit in result["hits"]]

    def put_memory(self, memory: MemoryVector) -> None:
        path = f"{_user(memory.userId)}/memories/{quote(memory.memoryId, safe='')}"
        self._request("PUT", path, {"memory": memory_to_json(memory)})

    def delete_memory(self, user_id: str, memory_id: str) -> None:
        self._request("DELETE", f"{_user(user_id)}/memories/{quote(memory_id, safe='')}")

    def search_memories(self, user_id: str, vector: Sequence[float], k: int) -> list[MemoryHit]:
        body = {"vector": list(vector), "k": k}
        result = self._request("POST", f"{_user(user_id)}/memories/search", body)
        return [memory_hit_from_json(hit) for hit in result["hits"]]

    def counts(self, user_id: str, document_id: str | None = None) -> dict[str, int]:
        """How many chunks (of one document, or all) and memories the user has in the index."""
        query = f"?documentId={quote(document_id, safe='')}" if document_id else ""
        result = self._request("GET", f"{_user(user_id)}/count{query}")
        return {"chunks": int(result["chunks"]), "memories": int(result["memories"])}

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self._send(method, path, body)
        if status < 400:
            return payload
        message = str((payload or {}).get("message") or f"HTTP {status}")
        details = (payload or {}).get("details") or {}
        if status == 400:
            raise ValidationError(message, details=details)
        raise Unavailable(f"the local vector index failed: {message}", details=details)


def _user(user_id: str) -> str:
    return f"{PREFIX}/users/{quote(user_id, safe='')}"
