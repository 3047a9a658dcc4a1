"""Search requests and results as they cross the API edge (camelCase JSON)."""

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from strata.models.base import Identifier, StrataModel, Tag, UtcDateTime
from strata.search.types import SearchFilters

MAX_QUERY_CHARS = 2000
MAX_K = 50

# Short names a client may use for fileType; the index stores the content type.
FILE_TYPE_ALIASES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "text": "text/plain",
    "md": "text/markdown",
    "markdown": "text/markdown",
    "html": "text/html",
    "csv": "text/csv",
    "json": "application/json",
}

QueryText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS)
]


class SearchFiltersInput(StrataModel):
    """Optional narrowing of a search. Every filter is applied together with the caller's user
    id, never instead of it. ``tags`` matches documents with any of the tags; the date bounds are
    inclusive."""

    document_ids: list[Identifier] = Field(default_factory=list, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    file_type: str | None = Field(
        default=None,
        max_length=255,
        description="a content type (application/pdf) or a short name (pdf, docx, md, ...)",
    )
    uploaded_after: UtcDateTime | None = None
    uploaded_before: UtcDateTime | None = None

    @field_validator("file_type")
    @classmethod
    def _content_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        return FILE_TYPE_ALIASES.get(value, value)

    @model_validator(mode="after")
    def _ordered_dates(self) -> "SearchFiltersInput":
        after, before = self.uploaded_after, self.uploaded_before
        if after is not None and before is not None and after > before:
            raise ValueError("uploadedAfter must not be later than uploadedBefore")
        return self

    def to_filters(self) -> SearchFilters:
        return SearchFilters(
            documentIds=tuple(dict.fromkeys(self.document_ids)),
            tags=tuple(dict.fromkeys(self.tags)),
            fileType=self.file_type,
            uploadedAfter=self.uploaded_after,
            uploadedBefore=self.uploaded_before,
        )


class SearchRequest(StrataModel):
    query: QueryText
    k: int = Field(default=10, ge=1, le=MAX_K, description="how many passages, 1-50")
    filters: SearchFiltersInput = Field(default_factory=SearchFiltersInput)
    include_memories: bool = False


class SearchResult(StrataModel):
    document_id: str
    chunk_id: str
    file_name: str
    file_type: str
    page: int | None
    section: str | None
    snippet: str
    score: float = Field(description="cosine similarity of the passage to the query, -1 to 1")


class MemoryResult(StrataModel):
    memory_id: str
    type: str
    snippet: str
    score: float


class SearchResponse(StrataModel):
    query: str
    results: list[SearchResult]
    memories: list[MemoryResult] = Field(default_factory=list)
