"""Issue 13: passages know the page and section their words sit in, every script reads in logical
order, cost grows with the file's size only, and text in any encoding is read."""

from __future__ import annotations

import cProfile
import pstats
import re

import pytest
from fpdf import FPDF

from strata.documents.chunking import ChunkingOptions, chunk_text
from strata.documents.extract import extract
from strata.documents.extract_docx import extract_docx
from strata.documents.text import ExtractionLimits
from strata.errors import ValidationError
from strata.search.local import LocalLexicalEmbedder, LocalVectorIndex
from strata.search.service import SearchService
from strata.search.types import ChunkMetadata, ChunkVector
from tests.fixtures.documents import DOCX_TYPE, many_paragraphs_docx
from tests.fixtures.scripts import ARABIC, CJK, DEVANAGARI, HEBREW, Script, script_pdf_bytes

LIMITS = ExtractionLimits(max_pages=50, max_chars=500_000, max_uncompressed_bytes=50_000_000)
FILLER = "Plain words about pumps and valves fill this line of the manual. " * 6


def _two_sections_on_one_page() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.start_section("1 Foo")
    pdf.multi_cell(0, 6, "Foo text about herons.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.start_section("2 Bar")
    pdf.multi_cell(0, 6, "Bar text about otters.", new_x="LMARGIN", new_y="NEXT")
    pdf.start_section("2.1 Baz", level=1)
    pdf.multi_cell(0, 6, "Baz text about lynxes.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_text_belongs_to_the_section_whose_bookmark_is_above_it_on_the_page() -> None:
    # Given one page holding three sections, each bookmark pointing mid-page
    extracted = extract(_two_sections_on_one_page(), "application/pdf", LIMITS)
    # Then each paragraph is in the section it sits under (not the page's last bookmark)
    sections = {extracted.text[b.start : b.end]: b.section for b in extracted.blocks}
    assert sections == {
        "Foo text about herons.": "1 Foo",
        "Bar text about otters.": "2 Bar",
        "Baz text about lynxes.": "2 Bar > 2.1 Baz",
    }


def test_a_chunk_never_crosses_a_section_boundary() -> None:
    # Given a Markdown file of many small sections (each far below one chunk)
    text = "\n\n".join(f"## Part {n}\n\nPart {n} body about item {n}. {FILLER}" for n in range(12))
    extracted = extract(text.encode(), "text/markdown", LIMITS)
    # When it is chunked with overlap
    chunks = chunk_text("d", extracted, ChunkingOptions(max_tokens=300, overlap_ratio=0.15))
    # Then every chunk's text lies in one section, and names it
    for chunk in chunks:
        parts = re.findall(r"Part (\d+) body", chunk.content)
        assert len(set(parts)) == 1, chunk.content
        assert chunk.section == f"Part {parts[0]}"


def test_passages_carry_their_page_span_and_a_citation_names_the_page_it_quotes() -> None:
    # Given a PDF whose one section runs from page 1 onto page 2
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.start_section("Intro")
    pdf.multi_cell(0, 6, "Page one speaks of the amber heron valve.", new_x="LMARGIN")
    pdf.add_page()
    pdf.multi_cell(0, 6, "Page two gives the granite falcon sensor code TR-5502.")
    extracted = extract(bytes(pdf.output()), "application/pdf", LIMITS)
    # When it is chunked (one chunk holds both pages)
    (chunk,) = chunk_text("d", extracted)
    # Then the chunk knows where it starts, where it ends and where page 2 begins
    assert (chunk.pageNumber, chunk.pageEnd) == (1, 2)
    assert chunk.content[chunk.pageStarts[0] :].startswith("Page two")
    # And a search quoting page 2's words cites page 2, page 1's words page 1
    embedder = LocalLexicalEmbedder(64)
    index = LocalVectorIndex(64)
    metadata = ChunkMetadata(
        fileName="f.pdf",
        fileType="application/pdf",
        wordCount=chunk.wordCount,
        charCount=chunk.charCount,
        startPosition=chunk.startPosition,
        endPosition=chunk.endPosition,
        pageNumber=chunk.pageNumber,
        section=chunk.section,
        pageEnd=chunk.pageEnd,
        pageStarts=chunk.pageStarts,
    )
    (vector,) = embedder.embed([chunk.content])
    index.replace_document_chunks(
        "u",
        "d",
        [ChunkVector(chunk.chunkId, "d", "u", 0, chunk.content, vector, metadata, "2026", "2026")],
    )
    service = SearchService(embedder, index)
    assert service.search("u", "granite falcon sensor code").results[0].page == 2
    assert service.search("u", "amber heron valve").results[0].page == 1


SENTENCES = {
    "arabic": ["رمز المعايرة للصمام الأزرق هو سبعة وأربعون", "يقع المستودع الرئيسي في الإسكندرية"],
    "hebrew": ["קוד הכיול של השסתום הכחול הוא ארבעים ושבע", "המחסן הראשי נמצא בעיר חיפה"],
    "devanagari": ["नीले वाल्व का अंशांकन कोड सैंतालीस है", "मुख्य गोदाम जयपुर शहर में है"],
    "cjk": ["蓝色阀门的校准代码是四十七", "主仓库位于大连市"],
}


@pytest.mark.parametrize("script", [ARABIC, HEBREW, DEVANAGARI, CJK], ids=lambda s: s.name)
def test_every_script_reads_in_logical_order_and_is_findable(script: Script) -> None:
    # Given a two-page PDF in the script, shaped as a word processor sets it (RTL in visual order)
    first, second = SENTENCES[script.name]
    data = script_pdf_bytes(
        script, [[first + "."], [second + "."]], sections={(0, 0): "A", (1, 0): "B"}
    )
    # When it is extracted
    extracted = extract(data, "application/pdf", LIMITS)
    # Then every sentence is there in reading order, word for word, on its page and in its section
    for page, sentence in ((1, first), (2, second)):
        span = extracted.pages[page - 1]
        page_text = " ".join(extracted.text[span.start : span.end].split())
        assert sentence in page_text
    assert [b.section for b in extracted.blocks] == ["A", "B"]
    # And its own words find it
    chunks = chunk_text("d", extracted, ChunkingOptions(max_tokens=50, overlap_ratio=0.0))
    embedder = LocalLexicalEmbedder(256)
    vectors = embedder.embed([chunk.content for chunk in chunks])
    (query,) = embedder.embed([second])
    best = max(
        zip(chunks, vectors, strict=True),
        key=lambda pair: sum(a * b for a, b in zip(pair[1], query, strict=True)),
    )
    assert second in " ".join(best[0].content.split())


def _calls(action: object) -> int:
    profile = cProfile.Profile()
    profile.runcall(action)  # type: ignore[arg-type]
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def test_docx_extraction_is_linear_with_a_small_constant() -> None:
    # Given Word files of 2,000 and 8,000 empty paragraphs
    small, large = many_paragraphs_docx(2_000), many_paragraphs_docx(8_000)
    # When each is extracted, counting the function calls it takes
    small_calls = _calls(lambda: extract_docx(small, LIMITS))
    large_calls = _calls(lambda: extract_docx(large, LIMITS))
    # Then four times the paragraphs cost at most about four times the work, and each
    # paragraph a few dozen calls (resolving its style through python-docx took hundreds)
    per_paragraph = (large_calls - small_calls) / 6_000
    assert large_calls <= 4.2 * small_calls
    assert per_paragraph < 40


def test_a_docx_with_too_many_paragraphs_is_refused_before_it_is_parsed() -> None:
    limits = ExtractionLimits(
        max_pages=1, max_chars=1_000, max_uncompressed_bytes=50_000_000, max_paragraphs=5_000
    )
    with pytest.raises(ValidationError, match="more than 5,000 paragraphs"):
        extract(many_paragraphs_docx(20_000), DOCX_TYPE, limits)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Le numéro de série de la chaudière est ZB-2207.".encode("cp1252"), "chaudière"),
        ("Grüße aus München und schöne Straßen.".encode("latin-1"), "Grüße"),
        ("こんにちは、世界。日本語のテキストです。".encode("shift_jis"), "日本語"),
        ("Plain words in UTF-16, no byte-order mark.".encode("utf-16-be"), "no byte-order"),
    ],
)
def test_text_in_other_encodings_is_read(data: bytes, expected: str) -> None:
    # Given a text file that is not UTF-8
    # When it is extracted
    extracted = extract(data, "text/plain", LIMITS)
    # Then its words come out right
    assert expected in extracted.text
