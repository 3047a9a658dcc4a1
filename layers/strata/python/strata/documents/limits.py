"""How large an upload of each type may be, so that creation refuses what processing would.

Text is bounded by the characters Strata indexes per file (``max_extracted_chars``): a text or
Markdown file of N bytes holds at most N characters; CSV and JSON can grow up to about twice
when rows are joined with ", " or JSON is pretty-printed, so they get half; HTML is mostly
markup, so it gets twice. Images go to OCR, whose synchronous API takes 10 MiB. Everything is
also bounded by ``max_upload_bytes``. The API refuses a larger ``fileSize`` at creation, the
presigned POST refuses a larger body, and docs/SEARCH.md lists the figures.
"""

from __future__ import annotations

from strata.config import Settings
from strata.documents.formats import CONTENT_TYPE_FORMATS, DocumentFormat

IMAGE_MAX_BYTES = 10 * 1024 * 1024
_TEXT_SHARE: dict[DocumentFormat, float] = {
    "txt": 1.0,
    "markdown": 1.0,
    "csv": 0.5,
    "json": 0.5,
    "html": 2.0,
}
_IMAGES: frozenset[DocumentFormat] = frozenset({"png", "jpeg", "tiff"})


def max_upload_bytes(content_type: str, settings: Settings) -> int:
    """The largest file of ``content_type`` that Strata can process whole."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    fmt = CONTENT_TYPE_FORMATS.get(media_type)
    limit = settings.max_upload_bytes
    if fmt in _TEXT_SHARE:
        limit = min(limit, int(settings.max_extracted_chars * _TEXT_SHARE[fmt]))
    elif fmt in _IMAGES:
        limit = min(limit, IMAGE_MAX_BYTES)
    return limit


def limits_by_type(settings: Settings) -> dict[str, int]:
    """Every accepted content type and its largest upload, for documentation and errors."""
    return {
        content_type: max_upload_bytes(content_type, settings)
        for content_type in settings.allowed_content_types
    }
