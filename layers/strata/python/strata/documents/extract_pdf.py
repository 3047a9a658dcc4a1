"""PDF text, page by page, with pypdfium2 (PDFium: fast, and robust on real-world files)."""

from __future__ import annotations

import re
from typing import Any

import pypdfium2 as pdfium

from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from strata.errors import ValidationError

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_PDFIUM_PASSWORD_ERROR = 4


def extract_pdf(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _load_error(exc) from None
    try:
        page_count = len(document)
        if page_count > limits.max_pages:
            raise ValidationError(
                f"The PDF has {page_count:,} pages; Strata indexes at most {limits.max_pages:,}.",
                details={"pageCount": page_count, "maxPages": limits.max_pages},
            )
        outline = _outline_by_page(document)
        builder = TextBuilder(limits)
        for index in range(page_count):
            for level, title in outline.get(index, ()):
                builder.enter_section(title, level)
            first_block = builder.block_count
            for paragraph in _PARAGRAPH_BREAK.split(_page_text(document, index)):
                builder.add(paragraph, page=index + 1)
            builder.end_page(index + 1, first_block)
        return builder.build("pdf")
    except pdfium.PdfiumError as exc:
        # A page that cannot be loaded is a damaged file, not a reason to retry.
        raise _load_error(exc) from None
    finally:
        document.close()


def _page_text(document: Any, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_bounded())
        finally:
            textpage.close()
    finally:
        page.close()


def _outline_by_page(document: Any) -> dict[int, list[tuple[int, str]]]:
    """Bookmark titles (level from 1) keyed by the 0-based page they point at."""
    by_page: dict[int, list[tuple[int, str]]] = {}
    for bookmark in document.get_toc(max_depth=6):
        destination = bookmark.get_dest()
        index = destination.get_index() if destination is not None else None
        title = bookmark.get_title()
        if index is not None and title:
            by_page.setdefault(index, []).append((bookmark.level + 1, title))
    return by_page


def _load_error(exc: Exception) -> ValidationError:
    if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
        return ValidationError(
            "The PDF is password-protected. Remove the password and upload it again."
        )
    return ValidationError("The PDF is damaged and cannot be read.")
