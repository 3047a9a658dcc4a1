"""Extraction per format: text, blocks, pages and sections, and the bounds that stop bad files."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from strata.documents.extract import extract
from strata.documents.text import ExtractionLimits
from strata.errors import ValidationError
from tests.fixtures.documents import (
    DOCX_TYPE,
    HTML,
    MARKDOWN,
    corrupt_pdf_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    zip_bomb_docx_bytes,
)

LIMITS = ExtractionLimits(max_pages=50, max_chars=200_000, max_uncompressed_bytes=5_000_000)


def test_pdf_text_is_extracted_page_by_page_with_outline_sections() -> None:
    # Given a three-page PDF with an outline entry on pages 1 and 3
    data = pdf_bytes(
        ["Alpha page speaks of apples.", "Beta page speaks of bees.", "Gamma page of grapes."],
        sections=["Fruit", None, "Vines"],
    )
    # When it is extracted
    extracted = extract(data, "application/pdf", LIMITS)
    # Then every page is a span of the text, in order, and blocks know their page and section
    assert extracted.page_count == 3
    assert [extracted.text[p.start : p.end] for p in extracted.pages] == [
        "Alpha page speaks of apples.",
        "Beta page speaks of bees.",
        "Gamma page of grapes.",
    ]
    assert [(b.page, b.section) for b in extracted.blocks] == [
        (1, "Fruit"),
        (2, "Fruit"),
        (3, "Vines"),
    ]
    assert extracted.title == "Fruit"


def test_a_pdf_with_too_many_pages_is_refused_before_extraction() -> None:
    limits = ExtractionLimits(max_pages=2, max_chars=10_000, max_uncompressed_bytes=1)
    with pytest.raises(ValidationError, match="3 pages; Strata indexes at most 2"):
        extract(pdf_bytes(["a", "b", "c"]), "application/pdf", limits)


def test_encrypted_and_corrupt_pdfs_say_so() -> None:
    with pytest.raises(ValidationError, match="password-protected"):
        extract(encrypted_pdf_bytes(), "application/pdf", LIMITS)
    with pytest.raises(ValidationError, match="damaged"):
        extract(corrupt_pdf_bytes(), "application/pdf", LIMITS)


def test_a_pdf_whose_page_cannot_be_loaded_is_called_damaged() -> None:
    # Given a PDF that opens but announces a page it does not have
    damaged = pdf_bytes(["hello world"]).replace(b"/Count 1", b"/Count 2")
    # When it is extracted
    # Then it is a file problem (consumed at once), not a crash that SQS retries
    with pytest.raises(ValidationError, match="damaged"):
        extract(damaged, "application/pdf", LIMITS)


def test_a_pdf_without_a_text_layer_asks_for_selectable_text() -> None:
    with pytest.raises(ValidationError, match="No text could be found"):
        extract(pdf_bytes(["", ""]), "application/pdf", LIMITS)


def test_docx_keeps_headings_with_levels_and_tables_as_rows() -> None:
    # Given a Word document with a title, two sections and a table
    extracted = extract(docx_bytes(), DOCX_TYPE, LIMITS)
    # Then headings are blocks with their level and the section path follows them
    headings = [
        (extracted.text[b.start : b.end], b.level) for b in extracted.blocks if b.kind == "heading"
    ]
    assert headings == [("Quarterly Report", 1), ("Revenue", 2), ("Risks", 2)]
    table = next(b for b in extracted.blocks if b.kind == "table")
    assert extracted.text[table.start : table.end] == "Region | Sales\nNorth | 120\nSouth | 95"
    assert table.section == "Quarterly Report > Risks"
    assert extracted.title == "Quarterly Report"


def with_document_xml(data: bytes, edit: dict[bytes, bytes]) -> bytes:
    """``data`` (a DOCX) with its main part's first occurrence of each key replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "word/document.xml":
                for old, new in edit.items():
                    part = part.replace(old, new, 1)
            target.writestr(info, part)
    return out.getvalue()


def test_a_docx_whose_table_python_docx_cannot_walk_is_called_damaged() -> None:
    # Given a DOCX that opens, but whose first table row continues a merge from above it
    damaged = with_document_xml(docx_bytes(), {b"<w:tcPr>": b"<w:tcPr><w:vMerge/>"})
    # When it is extracted
    # Then it is a file problem (consumed at once), not a crash that SQS retries
    with pytest.raises(ValidationError, match="damaged"):
        extract(damaged, DOCX_TYPE, LIMITS)


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    # Given a DOCX whose parts declare 8 MB uncompressed, over a 5 MB bound
    bomb = zip_bomb_docx_bytes(8 * 1024 * 1024)
    assert len(bomb) < 64 * 1024
    # When it is extracted, Then it is refused by its declared sizes
    with pytest.raises(ValidationError, match="zip bomb"):
        extract(bomb, DOCX_TYPE, LIMITS)


def test_html_skips_scripts_and_styles_and_keeps_headings() -> None:
    extracted = extract(HTML.encode(), "text/html", LIMITS)
    assert "secret" not in extracted.text
    assert "color" not in extracted.text
    assert "narrow beam" in extracted.text
    assert "trimmed the wicks & polished" in extracted.text
    assert "Eddystone | 1759" in extracted.text
    sections = {extracted.text[b.start : b.end]: b.section for b in extracted.blocks}
    assert sections["Keepers"] == "Lighthouses > Keepers"


def test_markdown_headings_make_sections_but_code_fences_do_not() -> None:
    extracted = extract(MARKDOWN.encode(), "text/markdown", LIMITS)
    headings = [extracted.text[b.start : b.end] for b in extracted.blocks if b.kind == "heading"]
    assert headings == ["Field Guide", "Habitat", "Diet"]
    code = next(b for b in extracted.blocks if b.kind == "code")
    assert "# this is code, not a heading" in extracted.text[code.start : code.end]
    assert code.section == "Field Guide > Habitat"


def test_csv_rows_and_json_values_become_blocks() -> None:
    csv_text = extract(b"name,city\nAda,London\n", "text/csv", LIMITS)
    assert csv_text.text == "name, city\n\nAda, London"
    # The header row names the section of every row after it
    assert [(b.kind, b.section) for b in csv_text.blocks] == [
        ("heading", "name, city"),
        ("table", "name, city"),
    ]
    assert csv_text.title is None
    data = [{"q": "What is Strata?"}, {"q": "Who uses it?"}]
    json_text = extract(json.dumps(data).encode(), "application/json", LIMITS)
    assert len(json_text.blocks) == 2
    assert '"q": "Who uses it?"' in json_text.text


def test_malformed_json_names_the_line() -> None:
    with pytest.raises(ValidationError, match="line 2"):
        extract(b'{"a": 1,\n oops}', "application/json", LIMITS)


def test_json_nested_too_deeply_is_a_file_problem_not_a_crash() -> None:
    # Given a small JSON file nested deeper than the parser can recurse
    nested = b"[" * 20_000 + b"]" * 20_000
    # When it is extracted
    # Then it is refused as a file problem (consumed at once, never retried)
    with pytest.raises(ValidationError, match="nested"):
        extract(nested, "application/json", LIMITS)


def test_text_beyond_the_character_bound_is_refused() -> None:
    limits = ExtractionLimits(max_pages=1, max_chars=100, max_uncompressed_bytes=1)
    with pytest.raises(ValidationError, match="more than 100 characters"):
        extract(("word " * 50).encode(), "text/plain", limits)
