"""``POST /search``: semantic search over the caller's documents (and, if asked, memories).

The caller's user id comes from the verified claims and is applied by the index inside every knn
query; nothing in the body can name another user (unknown fields are refused with 422).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from lambdas.api.dependencies import CurrentCaller
from lambdas.api.params import error_responses
from lambdas.api.routing import new_router
from strata.config import get_settings
from strata.search.factory import build_search_service
from strata.search.models import SearchRequest, SearchResponse
from strata.search.service import SearchService

router = new_router()
TAGS = ["search"]


def search_service() -> SearchService:
    """The configured search (tests and the local stack override it via dependency_overrides)."""
    return build_search_service(get_settings())


Search = Annotated[SearchService, Depends(search_service)]


@router.post(
    "/search",
    tags=TAGS,
    summary="Search the caller's documents by meaning",
    description=(
        "Returns the caller's passages closest to `query`, best first, with the document, file "
        "name, page, a snippet and the cosine score. `filters` narrow the caller's documents; "
        "`includeMemories` adds the caller's closest memories."
    ),
    # Powertools drops the return model from the document once `responses` is given: restate it.
    responses={
        **error_responses(400),
        200: {
            "description": "The caller's closest passages, best first",
            "content": {"application/json": {"model": SearchResponse}},
        },
    },
)
def search_documents(body: SearchRequest, caller: CurrentCaller, search: Search) -> SearchResponse:
    return search.search(
        caller.user_id,
        body.query,
        k=body.k,
        filters=body.filters.to_filters(),
        include_memories=body.include_memories,
    )
