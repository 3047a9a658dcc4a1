"""``POST /search`` through the real API handler, with the local embedder and index wired in
(and, for failures, the OpenSearch index over the emulated transport)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lambdas.api.handler import app, handler
from lambdas.api.routes.search import search_service
from strata.models import CognitoClaims
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.service import SearchService
from tests.integration.api.conftest import Api
from tests.support.events import Identity, LambdaContextStub, api_event, parse_response
from tests.unit.search.builders import DIMENSION, chunk, memory
from tests.unit.search.opensearch_emulator import EmulatedCollection
from tests.unit.search.opensearch_support import emulated_index

ALICE = Identity(sub="alice-0001")
BOB = Identity(sub="bob-0002")


def use(service: SearchService) -> None:
    app.dependency_overrides[search_service] = lambda: service


@pytest.fixture
def index(api: Api) -> Iterator[LocalVectorIndex]:
    # Alice and Bob have profiles (as the sign-up trigger leaves them), so the API admits them.
    for who in (ALICE, BOB):
        api.repositories.users.upsert_from_claims(
            CognitoClaims.model_validate({"sub": who.sub, "email": who.email})
        )
    index = LocalVectorIndex(dimension=DIMENSION)
    index.replace_document_chunks(
        ALICE.sub,
        "doc-alice",
        [
            chunk(ALICE.sub, "doc-alice", 0, "Expense reports are due on the fifth.", page=2),
            chunk(ALICE.sub, "doc-alice", 1, "Travel must be booked through the portal."),
        ],
    )
    index.replace_document_chunks(
        BOB.sub,
        "doc-bob",
        [chunk(BOB.sub, "doc-bob", 0, "Expense reports are due on the tenth.", file_name="b.md")],
    )
    index.put_memory(memory(ALICE.sub, "m-1", "Alice files expense reports late"))
    use(SearchService(LocalLexicalEmbedder(DIMENSION), index))
    yield index
    app.dependency_overrides.pop(search_service, None)


def post_search(identity: Identity | None, body: Any) -> Any:
    event = api_event("POST", "/search", identity=identity, body=body)
    return parse_response(handler(event, LambdaContextStub()))


@pytest.mark.usefixtures("index")
def test_each_caller_gets_only_their_own_passages() -> None:
    # Given Alice and Bob both have a passage about expense reports
    # When each searches for it, asking for up to 50 results
    alice = post_search(ALICE, {"query": "when are expense reports due", "k": 50})
    bob = post_search(BOB, {"query": "when are expense reports due", "k": 50})
    # Then each gets their own passages only
    assert alice.status == 200, alice.raw_body
    assert {r["documentId"] for r in alice.json()["results"]} == {"doc-alice"}
    assert {r["documentId"] for r in bob.json()["results"]} == {"doc-bob"}
    best = alice.json()["results"][0]
    assert best == {
        "documentId": "doc-alice",
        "chunkId": "doc-alice:0",
        "fileName": "report.pdf",
        "fileType": "pdf",
        "page": 2,
        "section": None,
        "snippet": "Expense reports are due on the fifth.",
        "score": best["score"],
    }
    assert 0 < best["score"] <= 1
    assert alice.json()["memories"] == []


@pytest.mark.usefixtures("index")
def test_filters_cannot_reach_another_users_document() -> None:
    # When Alice filters on Bob's document id
    response = post_search(ALICE, {"query": "expense", "filters": {"documentIds": ["doc-bob"]}})
    # Then nothing comes back
    assert response.status == 200
    assert response.json()["results"] == []


@pytest.mark.usefixtures("index")
def test_memories_are_included_when_asked() -> None:
    response = post_search(ALICE, {"query": "expense reports", "includeMemories": True, "k": 1})
    assert response.status == 200
    assert len(response.json()["results"]) == 1
    assert [m["memoryId"] for m in response.json()["memories"]] == ["m-1"]


@pytest.mark.usefixtures("index")
@pytest.mark.parametrize(
    "body",
    [
        {"query": "x", "k": 51},
        {"query": ""},
        {"query": "x", "userId": BOB.sub},
        {"query": "x", "filters": {"uploadedAfter": "yesterday"}},
    ],
    ids=["k-above-50", "empty-query", "user-id-in-body", "bad-date"],
)
def test_bad_bodies_are_refused_with_422(body: dict[str, Any]) -> None:
    assert post_search(ALICE, body).status == 422


@pytest.mark.usefixtures("index")
def test_a_request_without_identity_is_refused() -> None:
    assert post_search(None, {"query": "expense"}).status == 401


@pytest.mark.usefixtures("index")
def test_an_index_outage_is_503() -> None:
    # Given the OpenSearch index, whose collection answers 503 to every attempt
    collection = EmulatedCollection()
    for _ in range(3):
        collection.injected.append((503, {"error": {"type": "unavailable"}, "status": 503}))
    use(SearchService(LocalLexicalEmbedder(DIMENSION), emulated_index(collection)))
    try:
        # When Alice searches
        response = post_search(ALICE, {"query": "expense"})
    finally:
        app.dependency_overrides.pop(search_service, None)
    # Then she is told to retry
    assert response.status == 503
    assert response.json()["error"]["type"] == "Unavailable"


def test_the_route_is_documented_in_openapi() -> None:
    response = parse_response(handler(api_event("GET", "/openapi.json"), LambdaContextStub()))
    operation = response.json()["paths"]["/search"]["post"]
    assert operation["tags"] == ["search"]
    assert {"200", "401", "422", "429", "503"} <= set(operation["responses"])
