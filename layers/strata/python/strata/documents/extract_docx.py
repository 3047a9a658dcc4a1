"""Word (.docx) text with python-docx: paragraphs, headings with their levels, tables as rows,
then headers and footers, footnotes and comments, each under a section of its own.

Cost is linear in the file: styles are resolved once into a map by style id (python-docx would
resolve the default style again for every paragraph), and before python-docx parses anything the
zip's declared sizes and the paragraphs of the main part are counted, streaming.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.table import Table

from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from strata.errors import ValidationError

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
CELL_SEPARATOR = " | "
DAMAGED = "The Word document is damaged and cannot be read."
MAIN_PART = "word/document.xml"
FOOTNOTES_PART = "/word/footnotes.xml"
# Paragraph starts in WordprocessingML (<w:p> or <w:p ...>; not <w:pPr>, <w:proofErr>, ...).
_PARAGRAPH_TAG = re.compile(rb"<w:p[ />]")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PPR, _TEXT, _TAB, _BREAK, _CARRIAGE_RETURN = (
    f"{_W}{tag}" for tag in ("pPr", "t", "tab", "br", "cr")
)
HEADERS_SECTION = "Headers and footers"
FOOTNOTES_SECTION = "Footnotes"
COMMENTS_SECTION = "Comments"


def extract_docx(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    check_zip_expansion(data, limits.max_uncompressed_bytes)
    check_paragraph_count(data, limits.max_paragraphs)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types on malformed parts
        raise ValidationError(DAMAGED) from exc
    builder = TextBuilder(limits)
    try:
        levels = _heading_levels(document)
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                builder.add(_table_text(item), "table")
                continue
            element = item._p
            level = levels.get(element.style or "", 0)  # the style id, no style lookup
            if level:
                builder.add_heading(paragraph_text(element), level)
            else:
                builder.add(paragraph_text(element))
        _add_part(builder, HEADERS_SECTION, _header_footer_texts(document))
        _add_part(builder, FOOTNOTES_SECTION, _footnote_texts(document))
        _add_part(builder, COMMENTS_SECTION, (comment.text for comment in document.comments))
    except ValidationError:
        raise
    except Exception as exc:  # ... and on malformed content it walks lazily (tables, merges)
        raise ValidationError(DAMAGED) from exc
    return builder.build("docx")


def check_zip_expansion(data: bytes, max_uncompressed_bytes: int, kind: str = "Word") -> None:
    """Refuse zip bombs before any part is inflated.

    zipfile never inflates an entry beyond its declared size, so the declared sizes bound what
    python-docx (or python-pptx, openpyxl) can read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValidationError(f"The {kind} document is damaged and cannot be read.") from None
    if total > max_uncompressed_bytes:
        raise ValidationError(
            f"The {kind} document expands to {total:,} bytes, more than the "
            f"{max_uncompressed_bytes:,} Strata accepts; it may be a zip bomb.",
            details={"uncompressedBytes": total, "maxUncompressedBytes": max_uncompressed_bytes},
        )


def check_paragraph_count(data: bytes, max_paragraphs: int) -> None:
    """Count the main part's paragraphs by streaming it (bounded memory), before any parsing."""
    count = 0
    tail = b""
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            archive.open(MAIN_PART) as part,
        ):
            while block := part.read(1 << 20):
                window = tail + block
                count += len(_PARAGRAPH_TAG.findall(window))
                # Keep the last few bytes so a tag cut between blocks is counted once.
                cut = max(window.rfind(b"<"), len(window) - 5)
                tail = window[cut:]
                count -= len(_PARAGRAPH_TAG.findall(tail))
                if count > max_paragraphs:
                    raise ValidationError(
                        f"The Word document has more than {max_paragraphs:,} paragraphs, the "
                        "most Strata reads in one file. Split it into smaller files.",
                        details={"maxParagraphs": max_paragraphs},
                    )
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile):
        raise ValidationError(DAMAGED) from None


def paragraph_text(element: Any) -> str:
    """The text of a ``w:p`` as python-docx gives it (runs, hyperlinks; tabs and breaks as
    whitespace), in one pass over the element and nothing for an empty paragraph."""
    parts: list[str] = []
    for child in element:
        if child.tag == _PPR:
            continue  # paragraph properties: tab stops are w:tab too
        for node in child.iter(_TEXT, _TAB, _BREAK, _CARRIAGE_RETURN):
            if node.tag == _TEXT:
                parts.append(node.text or "")
            else:
                parts.append("\t" if node.tag == _TAB else "\n")
    return "".join(parts)


def _heading_levels(document: Any) -> dict[str, int]:
    """Heading level by paragraph style id, resolved once ("Title" is a level-1 heading)."""
    levels: dict[str, int] = {}
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.PARAGRAPH:
            continue
        name = style.name or ""
        match = _HEADING_STYLE.match(name)
        level = 1 if name == "Title" else int(match.group(1)) if match else 0
        if level:
            levels[style.style_id] = level
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    if default is not None and default.style_id in levels:
        levels[""] = levels[default.style_id]  # a paragraph with no style id has the default
    return levels


def _add_part(builder: TextBuilder, section: str, texts: Iterator[str] | Any) -> None:
    entered = False
    for text in texts:
        if not text.strip():
            continue
        if not entered:
            builder.enter_part(section)
            entered = True
        builder.add(text)


def _header_footer_texts(document: Any) -> Iterator[str]:
    seen: set[str] = set()
    for section in document.sections:
        for part in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
            section.first_page_footer,
            section.even_page_footer,
        ):
            if part.is_linked_to_previous:
                continue
            text = "\n".join(paragraph.text for paragraph in part.paragraphs)
            if text.strip() and text not in seen:
                seen.add(text)
                yield text


def _footnote_texts(document: Any) -> Iterator[str]:
    for part in document.part.package.iter_parts():
        if str(part.partname) != FOOTNOTES_PART:
            continue
        from lxml import etree  # noqa: PLC0415 (python-docx has loaded it already)

        root = etree.fromstring(part.blob, parser=etree.XMLParser(resolve_entities=False))
        for note in root.iter(f"{_W}footnote"):
            if note.get(f"{_W}type") in {"separator", "continuationSeparator"}:
                continue
            yield "\n".join(
                "".join(text.text or "" for text in paragraph.iter(f"{_W}t"))
                for paragraph in note.iter(f"{_W}p")
            )


def _table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        if any(cells):
            rows.append(CELL_SEPARATOR.join(cells))
    return "\n".join(rows)
