"""The OpenSearch index through real sockets: opensearch-py's urllib3 connection, SigV4 signing and
JSON over HTTP to a loopback server that answers like a serverless vector collection (the
emulator of the unit tests). No OpenSearch engine runs here; see docs/SEARCH.md."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.credentials import Credentials

from strata.errors import Throttled
from strata.search.opensearch import OpenSearchVectorIndex, build_opensearch_client
from tests.unit.search.builders import DIMENSION, chunk, memory, vector
from tests.unit.search.opensearch_emulator import EmulatedCollection

ALICE, BOB = "user-alice", "user-bob"


def serve(collection: EmulatedCollection) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status, payload = collection.handle(self.command, self.path, dict(self.headers), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def collection() -> EmulatedCollection:
    return EmulatedCollection()


@pytest.fixture
def index(collection: EmulatedCollection) -> Iterator[OpenSearchVectorIndex]:
    server = serve(collection)
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    credentials = Credentials("AKIDEXAMPLE", "secret-example", "session-token")
    yield OpenSearchVectorIndex(
        lambda: build_opensearch_client(endpoint, "us-east-1", credentials=credentials),
        dimension=DIMENSION,
    )
    server.shutdown()
    server.server_close()


def test_write_replace_search_and_delete_over_http(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    # Given Alice's document indexed twice (re-ingestion) and Bob's document
    first = [chunk(ALICE, "doc-a", i, f"safety rule number {i}") for i in range(3)]
    index.replace_document_chunks(ALICE, "doc-a", first)
    index.replace_document_chunks(ALICE, "doc-a", first[:2])
    index.replace_document_chunks(BOB, "doc-b", [chunk(BOB, "doc-b", 0, "safety rule number 0")])
    # When Alice searches
    hits = index.search_chunks(ALICE, vector("safety rule number 0"), k=10)
    # Then she sees her two current chunks only, best first
    assert [hit.chunkId for hit in hits] == ["doc-a:0", "doc-a:1"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-6)
    # And every request was signed for aoss with the session token
    signed = [r.headers["Authorization"] for r in collection.requests]
    assert all("/us-east-1/aoss/aws4_request" in header for header in signed)
    assert all(r.headers["X-Amz-Security-Token"] == "session-token" for r in collection.requests)
    # And deleting her document leaves Bob's
    index.delete_document(ALICE, "doc-a")
    assert index.search_chunks(ALICE, vector("safety"), k=10) == []
    assert len(index.search_chunks(BOB, vector("safety"), k=10)) == 1


def test_memories_over_http(index: OpenSearchVectorIndex) -> None:
    index.put_memory(memory(ALICE, "m-1", "prefers metric units"))
    index.put_memory(memory(ALICE, "m-1", "prefers metric units and short answers"))
    hits = index.search_memories(ALICE, vector("metric units"), k=5)
    assert [(h.memoryId, h.content) for h in hits] == [
        ("m-1", "prefers metric units and short answers")
    ]


def test_throttling_over_http_becomes_throttled(
    collection: EmulatedCollection, index: OpenSearchVectorIndex
) -> None:
    collection.injected.append((429, {"error": {"type": "too_many_requests"}, "status": 429}))
    with pytest.raises(Throttled):
        index.search_chunks(ALICE, vector("x"), k=1)
