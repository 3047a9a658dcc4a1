"""PowerPoint (.pptx, python-pptx) and Excel (.xlsx, openpyxl) text, under the zip-bomb bound
and element limits of Word files.

- A slide is a page; its title is a section (level 1), its text frames and tables follow, and its
  speaker notes close it under ``<title> > Notes``.
- A sheet is a section; its first non-empty row is its header, repeated at the start of every
  block of rows, so every chunk of a long sheet still says what its columns are. openpyxl reads
  in read-only (streaming) mode, and the cells read are bounded.
"""

from __future__ import annotations

import io
from typing import Any

from strata.documents.extract_docx import check_zip_expansion
from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from strata.errors import ValidationError

CELL_SEPARATOR = " | "
NOTES_SECTION = "Notes"
# A block of rows (header included) stays well inside one 300-token chunk, so the chunker never
# has to cut it into lines that would lose the header.
BLOCK_CHARACTERS = 800
PPTX_DAMAGED = "The PowerPoint presentation is damaged and cannot be read."
XLSX_DAMAGED = "The Excel workbook is damaged and cannot be read."


def extract_pptx(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    check_zip_expansion(data, limits.max_uncompressed_bytes, "PowerPoint")
    from pptx import Presentation  # noqa: PLC0415 (loaded only for presentations)

    try:
        deck = Presentation(io.BytesIO(data))
        slides = list(deck.slides)
    except Exception as exc:  # python-pptx raises many types on malformed parts
        raise ValidationError(PPTX_DAMAGED) from exc
    if len(slides) > limits.max_pages:
        raise ValidationError(
            f"The presentation has {len(slides):,} slides; Strata indexes at most "
            f"{limits.max_pages:,}.",
            details={"slideCount": len(slides), "maxPages": limits.max_pages},
        )
    builder = TextBuilder(limits)
    try:
        for number, slide in enumerate(slides, start=1):
            first_block = builder.block_count
            _add_slide(builder, slide, number)
            builder.end_page(number, first_block)
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(PPTX_DAMAGED) from exc
    return builder.build("pptx")


def _add_slide(builder: TextBuilder, slide: Any, number: int) -> None:
    title_shape = slide.shapes.title
    title = (title_shape.text_frame.text if title_shape is not None else "").strip()
    heading = title or f"Slide {number}"
    builder.enter_part(heading)
    if title:
        builder.add_heading(title, 1, page=number)
    for shape in slide.shapes:
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            builder.add(shape.text_frame.text, page=number)
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [
                CELL_SEPARATOR.join(" ".join(cell.text.split()) for cell in row.cells)
                for row in shape.table.rows
            ]
            builder.add("\n".join(row for row in rows if row.strip(" |")), "table", page=number)
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            builder.enter_section(NOTES_SECTION, 2)
            builder.add(notes.text, page=number)


def extract_xlsx(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    check_zip_expansion(data, limits.max_uncompressed_bytes, "Excel")
    from openpyxl import load_workbook  # noqa: PLC0415 (loaded only for workbooks)

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on malformed parts
        raise ValidationError(XLSX_DAMAGED) from exc
    builder = TextBuilder(limits)
    cells = 0
    try:
        for sheet in book.worksheets:
            builder.enter_part(sheet.title)
            header: str | None = None
            rows: list[str] = []
            size = 0
            for values in sheet.iter_rows(values_only=True):
                cells += len(values)
                if cells > limits.max_cells:
                    raise ValidationError(
                        f"The workbook has more than {limits.max_cells:,} cells, the most "
                        "Strata reads in one file. Split it into smaller files.",
                        details={"maxCells": limits.max_cells},
                    )
                texts = ["" if value is None else " ".join(str(value).split()) for value in values]
                if not any(texts):
                    continue
                line = CELL_SEPARATOR.join(texts).rstrip(" |")
                if header is None:
                    header, size = line, len(line)
                    continue
                if rows and size + len(line) > BLOCK_CHARACTERS:
                    builder.add("\n".join([header, *rows]), "table")
                    rows.clear()
                    size = len(header)
                rows.append(line)
                size += len(line) + 1
            if rows or header is not None:
                builder.add("\n".join([header or "", *rows]).strip("\n"), "table")
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(XLSX_DAMAGED) from exc
    finally:
        book.close()
    return builder.build("xlsx")
