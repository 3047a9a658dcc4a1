"""Issue 13, point 7: PowerPoint and Excel, the parts of a Word file around its body, the PDF's
title metadata, and HTML without its boilerplate."""

from __future__ import annotations

import pytest
from fpdf import FPDF

from strata.documents.chunking import ChunkingOptions, chunk_text
from strata.documents.extract import extract
from strata.documents.text import ExtractionLimits
from strata.errors import ValidationError
from tests.fixtures.documents import DOCX_TYPE, zip_bomb_docx_bytes
from tests.fixtures.office import (
    PPTX_TYPE,
    XLSX_TYPE,
    annotated_docx_bytes,
    pptx_bytes,
    xlsx_bytes,
)

LIMITS = ExtractionLimits(max_pages=50, max_chars=500_000, max_uncompressed_bytes=5_000_000)


def _sections(extracted: object) -> dict[str, str | None]:
    text = extracted.text  # type: ignore[attr-defined]
    return {text[b.start : b.end]: b.section for b in extracted.blocks}  # type: ignore[attr-defined]


def test_slides_are_pages_titles_are_sections_and_notes_are_indexed() -> None:
    # Given a deck of two slides with speaker notes
    data = pptx_bytes(
        [
            ("Quarterly targets", "Revenue target is 4.2 million.", "Stress the churn."),
            ("Hiring plan", "Two engineers join in spring.", "The offsite is in Lisbon."),
        ]
    )
    # When it is extracted
    extracted = extract(data, PPTX_TYPE, LIMITS)
    # Then each slide is a page, its title a section, its notes a section under it
    assert extracted.page_count == 2
    assert _sections(extracted) == {
        "Quarterly targets": "Quarterly targets",
        "Revenue target is 4.2 million.": "Quarterly targets",
        "Stress the churn.": "Quarterly targets > Notes",
        "Hiring plan": "Hiring plan",
        "Two engineers join in spring.": "Hiring plan",
        "The offsite is in Lisbon.": "Hiring plan > Notes",
    }
    assert [b.page for b in extracted.blocks] == [1, 1, 1, 2, 2, 2]
    assert extracted.title == "Quarterly targets"


def test_each_sheet_is_a_section_and_every_chunk_repeats_the_header_row() -> None:
    # Given a workbook with a long sheet and a short one
    rows: list[tuple[object, ...]] = [("Part", "Quantity", "Location")]
    rows += [(f"Bolt size {n}", n, f"Shelf {n % 9}") for n in range(400)]
    data = xlsx_bytes({"Inventory": rows, "Suppliers": [("Name", "Country"), ("Norr", "SE")]})
    # When it is extracted and chunked
    extracted = extract(data, XLSX_TYPE, LIMITS)
    chunks = chunk_text("d", extracted, ChunkingOptions(max_tokens=300, overlap_ratio=0.0))
    # Then every chunk of a sheet starts with that sheet's header and names the sheet
    inventory = [chunk for chunk in chunks if chunk.section == "Inventory"]
    assert len(inventory) > 3
    assert all(chunk.content.startswith("Part | Quantity | Location\n") for chunk in inventory)
    assert any("Bolt size 399 | 399 | Shelf 3" in chunk.content for chunk in inventory)
    suppliers = [chunk.content for chunk in chunks if chunk.section == "Suppliers"]
    assert suppliers == ["Name | Country\nNorr | SE"]


def test_office_files_share_the_zip_bomb_bound() -> None:
    for part, content_type in (("xl/workbook.xml", XLSX_TYPE), ("ppt/presentation.xml", PPTX_TYPE)):
        bomb = zip_bomb_docx_bytes(8 * 1024 * 1024, part)
        with pytest.raises(ValidationError, match="zip bomb"):
            extract(bomb, content_type, LIMITS)


def test_a_workbook_with_too_many_cells_is_refused() -> None:
    limits = ExtractionLimits(
        max_pages=1, max_chars=500_000, max_uncompressed_bytes=5_000_000, max_cells=1_000
    )
    data = xlsx_bytes({"Big": [(n, n, n, n) for n in range(400)]})
    with pytest.raises(ValidationError, match="more than 1,000 cells"):
        extract(data, XLSX_TYPE, limits)


def test_word_headers_footers_comments_and_footnotes_are_indexed_as_such() -> None:
    data = annotated_docx_bytes(
        body="The intake opens slowly.",
        header="Plant registry HX-3391",
        footer="Printed in Tromso",
        comment="The generator key is in locker 58.",
        footnote="Measured at the north gauge.",
    )
    extracted = extract(data, DOCX_TYPE, LIMITS)
    assert _sections(extracted) == {
        "The intake opens slowly.": None,
        "Plant registry HX-3391": "Headers and footers",
        "Printed in Tromso": "Headers and footers",
        "Measured at the north gauge.": "Footnotes",
        "The generator key is in locker 58.": "Comments",
    }
    assert extracted.title is None  # a part name is never the title


@pytest.mark.parametrize(
    ("metadata_title", "expected"),
    [("Annual Safety Review", "Annual Safety Review"), ("report-final.docx", "Chapter One")],
)
def test_the_pdf_title_metadata_titles_the_document(metadata_title: str, expected: str) -> None:
    pdf = FPDF()
    pdf.set_title(metadata_title)
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.start_section("Chapter One")
    pdf.multi_cell(0, 6, "Body text.")
    assert extract(bytes(pdf.output()), "application/pdf", LIMITS).title == expected


def test_html_navigation_and_footers_are_left_out() -> None:
    nav = "".join(f'<li><a href="/p{i}">Pricing plans and pricing {i}</a></li>' for i in range(40))
    body = "Plans are billed yearly and include support for every seat in the account. " * 5
    html = f"""<html><body><header><nav><ul>{nav}</ul></nav></header>
    <main><article><h1>Enterprise pricing</h1><p>{body}</p>
    <p>The enterprise plan costs 480 euros per month.</p></article></main>
    <footer><p>Pricing terms. Copyright Acme.</p></footer></body></html>"""
    extracted = extract(html.encode(), "text/html", LIMITS)
    assert "480 euros" in extracted.text
    assert "Pricing plans and pricing" not in extracted.text
    assert "Copyright Acme" not in extracted.text
