"""Word (.docx) text with python-docx: paragraphs, headings with their levels, tables as rows."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import docx
from docx.table import Table

from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from strata.errors import ValidationError

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
CELL_SEPARATOR = " | "
DAMAGED = "The Word document is damaged and cannot be read."


def extract_docx(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    check_zip_expansion(data, limits.max_uncompressed_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types on malformed parts
        raise ValidationError(DAMAGED) from exc
    builder = TextBuilder(limits)
    try:
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                builder.add(_table_text(item), "table")
                continue
            level = _heading_level(item)
            if level:
                builder.add_heading(item.text, level)
            else:
                builder.add(item.text)
    except ValidationError:
        raise
    except Exception as exc:  # ... and on malformed content it walks lazily (tables, merges)
        raise ValidationError(DAMAGED) from exc
    return builder.build("docx")


def check_zip_expansion(data: bytes, max_uncompressed_bytes: int) -> None:
    """Refuse zip bombs before any part is inflated.

    zipfile never inflates an entry beyond its declared size, so the declared sizes bound what
    python-docx can read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValidationError(DAMAGED) from None
    if total > max_uncompressed_bytes:
        raise ValidationError(
            f"The Word document expands to {total:,} bytes, more than the "
            f"{max_uncompressed_bytes:,} Strata accepts; it may be a zip bomb.",
            details={"uncompressedBytes": total, "maxUncompressedBytes": max_uncompressed_bytes},
        )


def _heading_level(paragraph: Any) -> int:
    style = paragraph.style
    name = style.name if style is not None else ""
    if name == "Title":
        return 1
    match = _HEADING_STYLE.match(name or "")
    return int(match.group(1)) if match else 0


def _table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        if any(cells):
            rows.append(CELL_SEPARATOR.join(cells))
    return "\n".join(rows)
