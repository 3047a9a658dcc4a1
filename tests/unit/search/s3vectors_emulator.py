"""A recording emulator of the Amazon S3 Vectors data plane, behind the real botocore client.

moto stores vectors but does not implement QueryVectors, so queries are tested here: the
production client (boto3 ``s3vectors``, its serializer, SigV4 signer and response parser) runs
unchanged, and a ``before-send`` hook answers each signed request instead of the network. Every
request is recorded (operation, headers, JSON body). The answers follow the service's documented
shapes and limits: PutVectors (<= 500 vectors, 20 MiB, 2 KB filterable metadata, replace by key),
GetVectors (<= 100 keys, missing keys skipped), DeleteVectors (<= 500 keys), ListVectors (pages
of <= 1,000 with ``nextToken``) and QueryVectors (top-k <= 100, cosine distance ``1 - cos``, the
metadata filter applied before the top-k cut, with ``$eq $ne $in $nin $gt $gte $lt $lte $exists
$and $or``; an array value matches ``$eq``/``$in`` when any element does). A filter operator
outside that set fails the test loudly instead of being guessed at.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from strata.schema import VECTOR_INDEXES

NON_FILTERABLE = {index.name: set(index.non_filterable_keys) for index in VECTOR_INDEXES}


class UnsupportedFilter(AssertionError):
    """The code under test sent a filter this emulator does not implement."""


@dataclass(frozen=True)
class RecordedCall:
    operation: str
    headers: dict[str, str]
    body: dict[str, Any]


class _Raw:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Any:
        yield self._content


class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class EmulatedVectorBucket:
    """The indexes of one vector bucket (key -> {data, metadata}), the calls received, and
    errors to inject: ``(status, code)`` answers given instead of handling the next calls."""

    name: str = "strata-test-vectors"
    indexes: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {index.name: {} for index in VECTOR_INDEXES}
    )
    calls: list[RecordedCall] = field(default_factory=list)
    injected: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> Any:
        client.meta.events.register_last("before-send", self._before_send)
        return client

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    # Transport --------------------------------------------------------------------------------

    def _before_send(self, request: Any, **_: Any) -> AWSResponse:
        operation = request.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        body = json.loads(request.body or b"{}")
        with self._lock:
            headers = {
                name: value.decode() if isinstance(value, bytes) else str(value)
                for name, value in request.headers.items()
            }
            self.calls.append(RecordedCall(operation, headers, body))
            try:
                if self.injected:
                    status, code = self.injected.pop(0)
                    raise ServiceError(status, code, "injected")
                if len(request.body or b"") > 20 * 1024 * 1024:
                    raise ServiceError(413, "ValidationException", "request payload too large")
                answer = self._handle(operation, body)
                return _response(request.url, 200, answer)
            except ServiceError as exc:
                return _response(
                    request.url,
                    exc.status,
                    {"message": exc.message},
                    {"x-amzn-ErrorType": exc.code},
                )

    def _handle(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("vectorBucketName") != self.name:
            raise ServiceError(404, "NotFoundException", "no such vector bucket")
        index = self.indexes.get(str(body.get("indexName")))
        if index is None:
            raise ServiceError(404, "NotFoundException", "no such index")
        name = str(body["indexName"])
        handlers = {
            "PutVectors": self._put,
            "GetVectors": self._get,
            "DeleteVectors": self._delete,
            "ListVectors": self._list,
            "QueryVectors": self._query,
        }
        if operation not in handlers:
            raise UnsupportedFilter(f"operation {operation}")
        return handlers[operation](name, index, body)

    # Operations -------------------------------------------------------------------------------

    def _put(self, name: str, index: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        vectors = body["vectors"]
        if not 1 <= len(vectors) <= 500:
            raise ServiceError(400, "ValidationException", "1 to 500 vectors per call")
        for vector in vectors:
            metadata = vector.get("metadata") or {}
            filterable = {k: v for k, v in metadata.items() if k not in NON_FILTERABLE[name]}
            if len(json.dumps(filterable, separators=(",", ":")).encode()) > 2048:
                raise ServiceError(400, "ValidationException", "filterable metadata over 2 KB")
            if any(value is None for value in metadata.values()):
                raise ServiceError(400, "ValidationException", "metadata values cannot be null")
        for vector in vectors:
            index[vector["key"]] = {
                "data": {"float32": list(vector["data"]["float32"])},
                "metadata": dict(vector.get("metadata") or {}),
            }
        return {}

    def _get(self, name: str, index: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        keys = body["keys"]
        if not 1 <= len(keys) <= 100:
            raise ServiceError(400, "ValidationException", "1 to 100 keys per call")
        return {
            "vectors": [
                self._shape(key, index[key], body.get("returnData"), body.get("returnMetadata"))
                for key in keys
                if key in index
            ]
        }

    def _delete(self, name: str, index: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        keys = body["keys"]
        if not 1 <= len(keys) <= 500:
            raise ServiceError(400, "ValidationException", "1 to 500 keys per call")
        for key in keys:
            index.pop(key, None)
        return {}

    def _list(self, name: str, index: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        size = int(body.get("maxResults", 500))
        if not 1 <= size <= 1000:
            raise ServiceError(400, "ValidationException", "maxResults is 1 to 1000")
        # The token names the last key listed: a page goes on after it, whatever was deleted.
        after = str(body.get("nextToken", ""))
        keys = [key for key in sorted(index) if key > after]
        page = keys[:size]
        answer: dict[str, Any] = {
            "vectors": [
                self._shape(key, index[key], body.get("returnData"), body.get("returnMetadata"))
                for key in page
            ]
        }
        if len(keys) > size:
            answer["nextToken"] = page[-1]
        return answer

    def _query(self, name: str, index: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        top_k = int(body["topK"])
        if not 1 <= top_k <= 100:
            raise ServiceError(400, "ValidationException", "topK is 1 to 100")
        query = body["queryVector"]["float32"]
        wanted = body.get("filter")
        scored = []
        for key, stored in index.items():
            if len(stored["data"]["float32"]) != len(query):
                raise ServiceError(400, "ValidationException", "dimension mismatch")
            if wanted is not None and not _matches(wanted, stored["metadata"]):
                continue
            distance = 1.0 - _cosine(query, stored["data"]["float32"])
            scored.append((distance, key, stored))
        scored.sort(key=lambda item: (item[0], item[1]))
        vectors = []
        for distance, key, stored in scored[:top_k]:
            hit: dict[str, Any] = {"key": key}
            if body.get("returnDistance"):
                hit["distance"] = distance
            if body.get("returnMetadata"):
                hit["metadata"] = stored["metadata"]
            vectors.append(hit)
        return {"vectors": vectors, "distanceMetric": "cosine"}

    @staticmethod
    def _shape(key: str, stored: dict[str, Any], data: Any, metadata: Any) -> dict[str, Any]:
        shaped: dict[str, Any] = {"key": key}
        if data:
            shaped["data"] = stored["data"]
        if metadata:
            shaped["metadata"] = stored["metadata"]
        return shaped


def _response(
    url: str, status: int, body: Any, headers: dict[str, str] | None = None
) -> AWSResponse:
    content = json.dumps(body).encode()
    all_headers = {"content-type": "application/json", **(headers or {})}
    return AWSResponse(url, status, all_headers, _Raw(content))


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _matches(condition: dict[str, Any], metadata: dict[str, Any]) -> bool:
    results = []
    for name, operand in condition.items():
        if name == "$and":
            results.append(all(_matches(part, metadata) for part in operand))
        elif name == "$or":
            results.append(any(_matches(part, metadata) for part in operand))
        elif name.startswith("$"):
            raise UnsupportedFilter(f"logical operator {name}")
        else:
            results.append(_field_matches(metadata, name, operand))
    return all(results)


def _field_matches(metadata: dict[str, Any], name: str, operand: Any) -> bool:
    if not isinstance(operand, dict):
        operand = {"$eq": operand}
    present = name in metadata
    value = metadata.get(name)
    values = value if isinstance(value, list) else [value]
    for operator, expected in operand.items():
        if name in NON_FILTERABLE_ANY:
            raise UnsupportedFilter(f"{name} is non-filterable")
        if operator == "$exists":
            ok = present == bool(expected)
        elif not present:
            ok = operator in ("$ne", "$nin")
        elif operator == "$eq":
            ok = expected in values
        elif operator == "$ne":
            ok = expected not in values
        elif operator == "$in":
            ok = any(item in expected for item in values)
        elif operator == "$nin":
            ok = not any(item in expected for item in values)
        elif operator in ("$gt", "$gte", "$lt", "$lte"):
            if not isinstance(value, int | float) or not isinstance(expected, int | float):
                raise UnsupportedFilter(f"{operator} compares numbers only ({name})")
            ok = {
                "$gt": value > expected,
                "$gte": value >= expected,
                "$lt": value < expected,
                "$lte": value <= expected,
            }[operator]
        else:
            raise UnsupportedFilter(f"operator {operator}")
        if not ok:
            return False
    return True


NON_FILTERABLE_ANY = set().union(*NON_FILTERABLE.values())
