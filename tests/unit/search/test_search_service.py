from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError as PydanticValidationError

from strata.errors import ValidationError
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.models import SearchRequest
from strata.search.service import SearchService, make_snippet
from strata.search.types import SearchFilters
from tests.unit.search.builders import DIMENSION, chunk, memory

ALICE, BOB = "user-alice", "user-bob"


@pytest.fixture
def service() -> SearchService:
    index = LocalVectorIndex(dimension=DIMENSION)
    index.replace_document_chunks(
        ALICE,
        "doc-hr",
        [
            chunk(ALICE, "doc-hr", 0, "Employees get 25 days of paid vacation per year.", page=3),
            chunk(ALICE, "doc-hr", 1, "The office is closed on public holidays.", page=4),
        ],
    )
    index.replace_document_chunks(
        BOB, "doc-bob", [chunk(BOB, "doc-bob", 0, "Bob's vacation plan: paid vacation days.")]
    )
    index.put_memory(memory(ALICE, "m-1", "Alice plans her vacation in August"))
    index.put_memory(memory(BOB, "m-2", "Bob plans his vacation in July"))
    return SearchService(LocalLexicalEmbedder(DIMENSION), index)


def test_search_returns_the_callers_passages_with_file_page_snippet_and_score(
    service: SearchService,
) -> None:
    # Given Alice and Bob both have documents about vacation
    # When Alice searches
    response = service.search(ALICE, "  paid vacation days  ", k=5)
    # Then the best passage is hers, with its file, page, snippet and a cosine score
    best = response.results[0]
    assert response.query == "paid vacation days"
    assert (best.document_id, best.chunk_id, best.file_name, best.page) == (
        "doc-hr",
        "doc-hr:0",
        "report.pdf",
        3,
    )
    assert best.snippet == "Employees get 25 days of paid vacation per year."
    assert 0 < best.score <= 1
    # And nothing of Bob's comes back, however many results she asks for
    assert {r.document_id for r in response.results} == {"doc-hr"}
    assert response.memories == []


def test_user_a_never_gets_user_b_chunks_or_memories(service: SearchService) -> None:
    for user, theirs, others in [(ALICE, "doc-hr", "doc-bob"), (BOB, "doc-bob", "doc-hr")]:
        response = service.search(user, "vacation", k=50, include_memories=True)
        assert others not in {r.document_id for r in response.results}
        assert {r.document_id for r in response.results} == {theirs}
        assert len(response.memories) == 1
        assert response.memories[0].memory_id == ("m-1" if user == ALICE else "m-2")


def test_filters_pass_through_to_the_index(service: SearchService) -> None:
    response = service.search(
        ALICE, "vacation", k=5, filters=SearchFilters(documentIds=("doc-other",))
    )
    assert response.results == []


def test_the_response_serializes_in_camel_case(service: SearchService) -> None:
    body = service.search(ALICE, "vacation", k=1, include_memories=True).model_dump(mode="json")
    assert set(body) == {"query", "results", "memories"}
    assert set(body["results"][0]) == {
        "documentId",
        "chunkId",
        "fileName",
        "fileType",
        "page",
        "section",
        "snippet",
        "score",
    }
    assert set(body["memories"][0]) == {"memoryId", "type", "snippet", "score"}


@pytest.mark.parametrize(
    ("user", "query", "k"),
    [("", "q", 5), (ALICE, "   ", 5), (ALICE, "x" * 2001, 5), (ALICE, "q", 0), (ALICE, "q", 51)],
    ids=["no-user", "blank-query", "long-query", "k-zero", "k-above-50"],
)
def test_invalid_searches_are_refused(
    service: SearchService, user: str, query: str, k: int
) -> None:
    with pytest.raises(ValidationError):
        service.search(user, query, k=k)


def test_a_snippet_centres_on_the_first_query_word_and_marks_cuts() -> None:
    # Given a long passage whose matching word is in the middle
    content = " ".join(["filler"] * 60) + " the refund window is thirty days " + "tail " * 60
    # When a snippet is made for a query about refunds
    snippet = make_snippet(content, "Refund rules", width=120)
    # Then it holds the match, fits the width plus ellipses, and shows cuts on both sides
    assert "refund window is thirty days" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) <= 122


def test_a_short_passage_is_its_own_snippet_with_whitespace_collapsed() -> None:
    assert make_snippet("two\n\nlines   here", "lines") == "two lines here"


def test_a_snippet_without_a_match_starts_at_the_beginning() -> None:
    snippet = make_snippet("word " * 100, "absent", width=50)
    assert snippet.startswith("word")
    assert snippet.endswith("…")


def test_the_request_model_applies_defaults_aliases_and_bounds() -> None:
    request = SearchRequest.model_validate(
        {
            "query": "budget",
            "filters": {
                "documentIds": ["doc-1", "doc-1"],
                "fileType": "PDF",
                "uploadedAfter": "2026-01-01T00:00:00Z",
            },
            "includeMemories": True,
        }
    )
    assert request.k == 10
    assert request.include_memories is True
    assert request.filters.to_filters() == SearchFilters(
        documentIds=("doc-1",),
        fileType="application/pdf",
        uploadedAfter=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "body",
    [
        {"query": ""},
        {"query": "x", "k": 51},
        {"query": "x", "k": 0},
        {"query": "x", "unknown": 1},
        {"query": "x", "filters": {"userId": "someone-else"}},
        {"query": "x", "filters": {"uploadedAfter": "2026-01-01T00:00:00"}},
        {
            "query": "x",
            "filters": {
                "uploadedAfter": "2026-02-01T00:00:00Z",
                "uploadedBefore": "2026-01-01T00:00:00Z",
            },
        },
    ],
    ids=["empty", "k-51", "k-0", "unknown", "user-filter", "naive-date", "dates-reversed"],
)
def test_the_request_model_refuses_bad_bodies(body: dict[str, object]) -> None:
    with pytest.raises(PydanticValidationError):
        SearchRequest.model_validate(body)
