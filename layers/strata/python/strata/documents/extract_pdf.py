"""PDF text, page by page, with pypdfium2 (PDFium: fast, and robust on real-world files).

Sections come from the outline: each bookmark's destination is resolved to its page *and* its
height on the page, and the page's text is read in bands between those heights, so the text
above a bookmark stays in the section before it (a page may hold the end of one section and the
start of two more).

Right-to-left pages (Arabic, Hebrew, ...) are read with pypdf instead: PDFium's plain text gives
them in visual order, often without spaces, where pypdf returns the logical order a reader
searches in. Bands work the same there, from the baseline of each piece of text pypdf reports.

The document's title metadata is its title; the first bookmark is the fallback.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, replace
from typing import Any

import pypdfium2 as pdfium

from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder, clean
from strata.errors import ValidationError

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_PDFIUM_PASSWORD_ERROR = 4
# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and their presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LETTER = re.compile(r"[^\W\d_]")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|pptx?|xlsx?|odt|rtf|txt|tex|indd)$", re.IGNORECASE)
# A symbol wedged between two letters of a right-to-left word is a glyph the PDF maps to no
# character (a contextual form); real text puts no ASCII symbol inside a word.
_STRAY_IN_WORD = re.compile(
    "(?<=[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc])[\x00-\x1f!-/:-@\\[-`{-~]"
    "(?=[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc])"
)
_NOT_OPENED = object()
RTL_SHARE = 0.3  # a page whose letters are at least this share right-to-left is read by pypdf


@dataclass(frozen=True)
class _Mark:
    """An outline entry: where on which page its section starts."""

    page: int  # 0-based
    top: float | None  # PDF user space (y grows upwards); None: the top of the page
    level: int
    title: str


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
        marks = _outline(document)
        builder = TextBuilder(limits)
        rtl_reader: Any = _NOT_OPENED
        for index in range(page_count):
            first_block = builder.block_count
            page_marks = sorted(
                (mark for mark in marks.get(index, ()) if mark.top is not None),
                key=lambda mark: -(mark.top or 0.0),
            )
            for mark in marks.get(index, ()):
                if mark.top is None:
                    builder.enter_section(mark.title, mark.level)
            bands = _page_bands(document, index, [mark.top or 0.0 for mark in page_marks])
            if _is_rtl("".join(bands)):
                if rtl_reader is _NOT_OPENED:
                    rtl_reader = _pypdf_reader(data)
                tops = [mark.top or 0.0 for mark in page_marks]
                bands = _rtl_bands(rtl_reader, index, tops) or bands
            for position, band in enumerate(bands):
                if position > 0:
                    mark = page_marks[position - 1]
                    builder.enter_section(mark.title, mark.level)
                for paragraph in _PARAGRAPH_BREAK.split(band):
                    builder.add(paragraph, page=index + 1)
            builder.end_page(index + 1, first_block)
        metadata_title = _metadata_title(document)
        extracted = builder.build("pdf")
        if metadata_title:
            extracted = replace(extracted, title=metadata_title)
        return extracted
    except pdfium.PdfiumError as exc:
        # A page that cannot be loaded is a damaged file, not a reason to retry.
        raise _load_error(exc) from None
    finally:
        document.close()


def _page_bands(document: Any, index: int, tops: list[float]) -> list[str]:
    """The page's text above the first height, between each pair, and below the last."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            if not tops:
                return [str(textpage.get_text_bounded())]
            left, bottom, right, top = page.get_bbox()
            edges = [top, *tops, bottom]
            return [
                str(textpage.get_text_bounded(left=left, bottom=low, right=right, top=high))
                for high, low in itertools.pairwise(edges)
            ]
        finally:
            textpage.close()
    finally:
        page.close()


def _is_rtl(text: str) -> bool:
    rtl = len(_RTL.findall(text))
    if not rtl:
        return False
    return rtl >= RTL_SHARE * len(_LETTER.findall(text))


def _pypdf_reader(data: bytes) -> Any:
    from pypdf import PdfReader  # noqa: PLC0415 (only for right-to-left pages)

    try:
        return PdfReader(io.BytesIO(data))
    except Exception:  # pypdf is stricter than PDFium on damaged files
        return None


def _rtl_bands(reader: Any | None, index: int, tops: list[float]) -> list[str] | None:
    """pypdf's text of the page (logical order), split at the same heights by baseline; None
    when pypdf cannot read the page (PDFium's text is kept then)."""
    if reader is None:
        return None
    bands: list[list[str]] = [[] for _ in range(len(tops) + 1)]
    current = 0

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        nonlocal current
        if text.strip():
            baseline = float(tm[5]) * float(cm[3]) + float(cm[5])
            current = sum(1 for top in tops if baseline < top)
        bands[current].append(text)

    try:
        reader.pages[index].extract_text(visitor_text=visit)
    except Exception:  # pypdf is stricter than PDFium on damaged files
        return None
    return [_STRAY_IN_WORD.sub("", "".join(band)) for band in bands]


def _outline(document: Any) -> dict[int, list[_Mark]]:
    """Bookmarks (level from 1) by the 0-based page they point at, in outline order."""
    by_page: dict[int, list[_Mark]] = {}
    for bookmark in document.get_toc(max_depth=6):
        destination = bookmark.get_dest()
        index = destination.get_index() if destination is not None else None
        title = bookmark.get_title()
        if index is None or not title:
            continue
        by_page.setdefault(index, []).append(
            _Mark(index, _destination_top(destination), bookmark.level + 1, title)
        )
    return by_page


def _destination_top(destination: Any) -> float | None:
    """The height a destination scrolls to: XYZ, FitH, FitBH and FitR name one."""
    try:
        mode, values = destination.get_view()
    except Exception:  # an unreadable view is a destination to the top of the page
        return None
    # View modes (PDFium): 1 XYZ [left, top, zoom], 3 FitH [top], 4 FitV [left],
    # 5 FitR [left, bottom, right, top], 7 FitBH [top].
    position = {1: 1, 3: 0, 5: 3, 7: 0}.get(int(mode))
    if position is None or len(values) <= position:
        return None
    top = float(values[position])
    return top if top > 0 else None


def _metadata_title(document: Any) -> str | None:
    try:
        title = document.get_metadata_value("Title")
    except Exception:  # metadata is optional; a damaged info dictionary has no title
        return None
    text = " ".join(clean(str(title or "")).split())
    text = text.removeprefix("Microsoft Word - ")
    # Producers often fill in the file name ("report.docx"): that is no title.
    return None if not text or _FILE_NAME.search(text) else text


def _load_error(exc: Exception) -> ValidationError:
    if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
        return ValidationError(
            "The PDF is password-protected. Remove the password and upload it again."
        )
    return ValidationError("The PDF is damaged and cannot be read.")
