"""Documents: an uploaded file, its processing state and what was learned from it."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from strata.models.base import (
    Entity,
    Identifier,
    LongText,
    ShortText,
    StrataModel,
    Tag,
    Title,
    UtcDateTime,
)

PREVIEW_CHARS = 500
MimeType = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=255,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$",
    ),
]
FileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^/\\]+$"),
]
# The name a client gives a new upload: no path separators, no control characters (NUL, newlines:
# it ends up in a Content-Disposition header), and not only dots ("." or ".."). Stored documents
# keep FileName.
UploadFileName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=255,
        pattern=r"^[^/\\\x00-\x1f\x7f]*[^/\\\x00-\x1f\x7f.][^/\\\x00-\x1f\x7f]*$",
    ),
]


class DocumentStatus(StrEnum):
    UPLOADING = "uploading"
    PROCESSING = "processing"
    READY = "ready"
    ERROR = "error"


# Which status may follow which. ready -> processing is a reindex; error -> processing a retry.
ALLOWED_TRANSITIONS: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    DocumentStatus.UPLOADING: frozenset({DocumentStatus.PROCESSING, DocumentStatus.ERROR}),
    DocumentStatus.PROCESSING: frozenset({DocumentStatus.READY, DocumentStatus.ERROR}),
    DocumentStatus.READY: frozenset({DocumentStatus.PROCESSING}),
    DocumentStatus.ERROR: frozenset({DocumentStatus.PROCESSING}),
}


class ProcessingStatus(StrataModel):
    text_extracted: bool = False
    chunks_created: bool = False
    vectors_generated: bool = False
    indexed: bool = False
    error_message: Annotated[str, StringConstraints(max_length=2000)] | None = None


class DocumentMetadata(StrataModel):
    title: ShortText | None = None
    description: LongText | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    page_count: int | None = Field(default=None, ge=0)
    word_count: int | None = Field(default=None, ge=0)
    chunk_count: int | None = Field(default=None, ge=0)


class SearchableContent(StrataModel):
    preview: Annotated[str, StringConstraints(max_length=PREVIEW_CHARS)] = ""
    keywords: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=list, max_length=100
    )


class DocumentAccess(StrataModel):
    is_public: bool = False
    shared_with: list[Identifier] = Field(default_factory=list, max_length=100)


class Document(Entity):
    document_id: Identifier
    user_id: Identifier
    file_name: FileName
    file_type: MimeType
    file_size: int = Field(ge=0)
    s3_key: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    s3_bucket: Annotated[str, StringConstraints(min_length=3, max_length=63)]
    upload_date: UtcDateTime
    status: DocumentStatus = DocumentStatus.UPLOADING
    processing_status: ProcessingStatus = Field(default_factory=ProcessingStatus)
    metadata: DocumentMetadata = Field(default_factory=DocumentMetadata)
    searchable_content: SearchableContent = Field(default_factory=SearchableContent)
    access: DocumentAccess = Field(default_factory=DocumentAccess)


class DocumentCreate(StrataModel):
    """What a client says about a file before uploading it."""

    file_name: UploadFileName
    file_type: MimeType
    file_size: int = Field(
        ge=1,
        description=(
            "Size in bytes. The most accepted, per type with the default settings: PDF, Word, "
            "PowerPoint and Excel 25 MiB; PNG, JPEG and TIFF images 10 MiB; HTML 10,000,000 "
            "bytes; plain text and Markdown 5,000,000; CSV and JSON 2,500,000 (text is bounded "
            "by the 5,000,000 characters indexed per file; docs/SEARCH.md)."
        ),
    )
    title: Title | None = None
    description: LongText | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class DocumentUpdate(StrataModel):
    """What the owner may change after upload."""

    title: Title | None = None
    description: LongText | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)


class ProcessingResult(StrataModel):
    """What ingestion learned; written together with the move to ``ready``."""

    processing_status: ProcessingStatus
    page_count: int | None = Field(default=None, ge=0)
    word_count: int | None = Field(default=None, ge=0)
    chunk_count: int | None = Field(default=None, ge=0)
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    title: ShortText | None = None
    searchable_content: SearchableContent | None = None
    detected_file_type: MimeType | None = None


__all__ = [
    "ALLOWED_TRANSITIONS",
    "PREVIEW_CHARS",
    "Document",
    "DocumentAccess",
    "DocumentCreate",
    "DocumentMetadata",
    "DocumentStatus",
    "DocumentUpdate",
    "ProcessingResult",
    "ProcessingStatus",
    "SearchableContent",
]
