"""A recording transport for opensearch-py that answers like an OpenSearch Serverless vector
collection, for the subset of the API Strata uses. Tests only; no real engine runs here.

The production connection class (``Urllib3HttpConnection``) and SigV4 signer run unchanged: only
the urllib3 pool underneath is replaced, so every request is recorded exactly as it would leave
the Lambda (method, path, signed headers, body). The answers follow OpenSearch's documented
shapes and semantics: generated ids (custom ids refused, as classic vector collections do), bulk
item results, ``knn`` with a ``filter`` applied before the top-k cut, faiss inner-product scores,
``bool``/``term``/``terms``/``range``/``ids`` filters, ``_source`` includes/excludes. Any query
clause outside that subset fails the test loudly instead of being guessed at.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from opensearchpy.connection import Urllib3HttpConnection
from urllib3 import HTTPResponse


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    timeout: float | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    def ndjson(self) -> list[Any]:
        return [json.loads(line) for line in self.body.decode().splitlines() if line]


class UnsupportedQuery(AssertionError):
    """The code under test sent a query clause this emulator does not implement."""


@dataclass
class EmulatedCollection:
    """Documents per index, the requests received, and failures to inject."""

    indexes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    # (status, body) answers to give instead of handling the next requests, in order.
    injected: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Bulk item status to report for "index" actions instead of writing, while set.
    failing_item_status: int | None = None
    # Statuses to answer the next bulk requests with *after* applying them: a write that landed
    # while the caller saw a gateway error or a timeout.
    landed_then_failed: list[int] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def documents(self, index: str) -> list[dict[str, Any]]:
        return list(self.indexes.get(index, {}).values())

    def add(self, index: str, source: dict[str, Any]) -> str:
        """Store ``source`` directly (as an earlier write would have); returns its id."""
        with self._lock:
            doc_id = f"{next(self._ids):020d}"
            self.indexes.setdefault(index, {})[doc_id] = source
            return doc_id

    def handle(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        timeout: float | None = None,
    ) -> Any:
        path = urlsplit(url).path
        with self._lock:
            self.requests.append(RecordedRequest(method, url, dict(headers), body, timeout))
            if self.injected:
                status, payload = self.injected.pop(0)
                return status, payload
            parts = [part for part in path.split("/") if part]
            if method == "POST" and len(parts) == 2 and parts[1] == "_bulk":
                result = self._bulk(parts[0], body)
                if self.landed_then_failed:
                    status = self.landed_then_failed.pop(0)
                    return status, {"error": {"type": "gateway"}, "status": status}
                return 200, result
            if method == "POST" and len(parts) == 2 and parts[1] == "_search":
                return 200, self._search(parts[0], json.loads(body))
            return 404, {"error": {"type": "unsupported", "reason": f"{method} {path}"}}

    # Bulk ---------------------------------------------------------------------------------

    def _bulk(self, index: str, body: bytes) -> dict[str, Any]:
        lines = [json.loads(line) for line in body.decode().splitlines() if line]
        items: list[dict[str, Any]] = []
        documents = self.indexes.setdefault(index, {})
        position = 0
        while position < len(lines):
            ((action, meta),) = lines[position].items()
            position += 1
            if action == "index":
                source = lines[position]
                position += 1
                items.append({"index": self._index_one(index, documents, meta, source)})
            elif action == "delete":
                existed = documents.pop(meta["_id"], None) is not None
                items.append(
                    {
                        "delete": {
                            "_index": index,
                            "_id": meta["_id"],
                            "status": 200 if existed else 404,
                            "result": "deleted" if existed else "not_found",
                        }
                    }
                )
            else:
                raise UnsupportedQuery(f"bulk action {action!r}")
        errors = any("error" in result for item in items for result in item.values())
        return {"took": 1, "errors": errors, "items": items}

    def _index_one(
        self,
        index: str,
        documents: dict[str, dict[str, Any]],
        meta: dict[str, Any],
        source: dict[str, Any],
    ) -> dict[str, Any]:
        if "_id" in meta:
            return {
                "_index": index,
                "status": 400,
                "error": {
                    "type": "illegal_argument_exception",
                    "reason": "Document ID is not supported in create/index operation request",
                },
            }
        if self.failing_item_status is not None:
            return {
                "_index": index,
                "status": self.failing_item_status,
                "error": {"type": "rejected", "reason": "injected"},
            }
        doc_id = f"{next(self._ids):020d}"
        documents[doc_id] = source
        return {"_index": index, "_id": doc_id, "status": 201, "result": "created"}

    # Search -------------------------------------------------------------------------------

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        documents = self.indexes.get(index, {})
        size = int(body.get("size", 10))
        query = body.get("query", {"match_all": {}})
        if "knn" in query:
            ((vector_field, knn),) = query["knn"].items()
            vector = knn["vector"]
            candidates = [
                (doc_id, source)
                for doc_id, source in documents.items()
                if "filter" not in knn or matches(knn["filter"], doc_id, source)
            ]
            scored = [
                (faiss_inner_product_score(vector, source[vector_field]), doc_id, source)
                for doc_id, source in candidates
            ]
            scored.sort(key=lambda entry: -entry[0])
            scored = scored[: int(knn["k"])]
        else:
            scored = [
                (1.0, doc_id, source)
                for doc_id, source in documents.items()
                if matches(query, doc_id, source)
            ]
        sort_field = sorted_by(body)
        if sort_field is not None:
            scored.sort(key=lambda entry: str(entry[2][sort_field]))
            if "search_after" in body:
                (after,) = body["search_after"]
                scored = [entry for entry in scored if str(entry[2][sort_field]) > after]
        hits = [
            {"_index": index, "_id": doc_id, "_score": score}
            | source_part(body.get("_source", True), source)
            | ({"sort": [source[sort_field]]} if sort_field is not None else {})
            for score, doc_id, source in scored[:size]
        ]
        return {
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": len(scored), "relation": "eq"}, "hits": hits},
        }


def faiss_inner_product_score(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise UnsupportedQuery("query vector and document vector differ in dimension")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return 1.0 + dot if dot >= 0 else 1.0 / (1.0 - dot)


def sorted_by(body: dict[str, Any]) -> str | None:
    """The one keyword field a search sorts on ascending (the only sort Strata sends)."""
    if "sort" not in body:
        if "search_after" in body:
            raise UnsupportedQuery("search_after without sort")
        return None
    ((field_name, order),) = [item for spec in body["sort"] for item in spec.items()]
    if order != "asc":
        raise UnsupportedQuery(f"sort order {order!r}")
    return str(field_name)


def source_part(spec: Any, source: dict[str, Any]) -> dict[str, Any]:
    if spec is False:
        return {}
    if spec is True:
        return {"_source": source}
    if isinstance(spec, list):
        return {"_source": {key: value for key, value in source.items() if key in spec}}
    excluded = set(spec.get("excludes", []))
    return {"_source": {key: value for key, value in source.items() if key not in excluded}}


def field_values(source: dict[str, Any], dotted: str) -> list[Any]:
    value: Any = source
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return []
        value = value[part]
    return value if isinstance(value, list) else [value]


def matches(query: dict[str, Any], doc_id: str, source: dict[str, Any]) -> bool:
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "bool":
        unknown = set(spec) - {"filter", "must_not"}
        if unknown:
            raise UnsupportedQuery(f"bool clauses {sorted(unknown)}")
        return all(matches(q, doc_id, source) for q in spec.get("filter", [])) and not any(
            matches(q, doc_id, source) for q in spec.get("must_not", [])
        )
    if kind == "ids":
        return doc_id in spec["values"]
    if kind == "term":
        ((name, value),) = spec.items()
        return value in field_values(source, name)
    if kind == "terms":
        ((name, values),) = spec.items()
        return bool(set(values) & set(field_values(source, name)))
    if kind == "range":
        ((name, bounds),) = spec.items()
        unknown = set(bounds) - {"gte", "lte"}
        if unknown:
            raise UnsupportedQuery(f"range bounds {sorted(unknown)}")
        moments = [datetime.fromisoformat(value) for value in field_values(source, name)]
        low = datetime.fromisoformat(bounds["gte"]) if "gte" in bounds else None
        high = datetime.fromisoformat(bounds["lte"]) if "lte" in bounds else None
        return any(
            (low is None or moment >= low) and (high is None or moment <= high)
            for moment in moments
        )
    raise UnsupportedQuery(f"query clause {kind!r}")


class _EmulatorPool:
    def __init__(self, collection: EmulatedCollection) -> None:
        self._collection = collection

    def urlopen(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Any = None,
        timeout: Any = None,
        **_: Any,
    ) -> HTTPResponse:
        seconds = float(timeout) if isinstance(timeout, int | float) else None
        status, payload = self._collection.handle(
            method, url, dict(headers or {}), body or b"", seconds
        )
        return HTTPResponse(
            body=json.dumps(payload).encode(),
            status=status,
            headers={"content-type": "application/json"},
            preload_content=True,
        )

    def close(self) -> None:
        return None


def emulated_connection_class(collection: EmulatedCollection) -> type[Urllib3HttpConnection]:
    """opensearch-py's real urllib3 connection, talking to ``collection`` instead of a socket."""

    class EmulatedConnection(Urllib3HttpConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pool = _EmulatorPool(collection)

    return EmulatedConnection
