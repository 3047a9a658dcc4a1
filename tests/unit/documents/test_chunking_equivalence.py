"""The fast chunker gives exactly the chunks of its unit-by-unit specification
(tests/unit/documents/chunking_reference.py): same boundaries, content, token counts, pages and
sections, on generated documents of every shape and on real ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strata.documents.chunking import ChunkingOptions, chunk_text
from strata.documents.extract import extract
from strata.documents.text import Block, BlockKind, ExtractedText, ExtractionLimits
from tests.fixtures.documents import HTML, MARKDOWN, pdf_bytes
from tests.unit.documents.chunking_reference import reference_chunks

ROOT = Path(__file__).resolve().parents[3]
LIMITS = ExtractionLimits(max_pages=100, max_chars=10_000_000, max_uncompressed_bytes=1)

# Pieces of text that exercise every rule: sentence ends (with closing quotes and brackets, and
# without the whitespace that makes them ends), line breaks and blank lines, Unicode whitespace,
# wide characters, long words to slice, dots inside words.
FRAGMENTS = [
    "heron",
    "Wade",
    "e.g",
    "3.11",
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    "  \n  ",
    ". ",
    ".\n",
    "! ",
    "? ",
    "; ",
    ".) ",
    '." ',
    ".] ",
    ";\t",
    ".",
    "\t",
    "\u00a0",
    "\u2028",
    "\u3000",
    "\r",
    "é",
    "東京",
    "x" * 40,
]
bodies = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=400).map("".join),
    st.integers(min_value=1, max_value=2500).map(lambda n: "x" * n),
    st.integers(min_value=1, max_value=700).map(lambda n: "東" * n),
)
KINDS: list[BlockKind] = ["heading", "paragraph", "paragraph", "table", "code"]
separators = st.sampled_from(["\n\n", "\n\n", "", " ", "\n", "\n\n  "])
blocks = st.tuples(
    separators,
    bodies,
    st.sampled_from(KINDS),
    st.sampled_from([0, 0, 0, 1, 2]),  # pages to advance before the block
    st.sampled_from([None, "Guide", "Guide > Install", "Notes"]),
)


@st.composite
def documents(draw: st.DrawFn) -> ExtractedText:
    parts = draw(st.lists(blocks, max_size=12))
    if not parts:
        return ExtractedText("txt", draw(bodies), ())
    paged = draw(st.booleans())
    page = 1
    text = ""
    found: list[Block] = []
    for separator, body, kind, advance, section in parts:
        text += separator
        page += advance
        start = len(text)
        found.append(Block(kind, start, start + len(body), page if paged else None, section))
        text += body
    return ExtractedText("txt", text, tuple(found))


options = st.builds(
    ChunkingOptions,
    max_tokens=st.sampled_from([5, 10, 20, 50, 100, 300, 400]),
    overlap_ratio=st.sampled_from([0.0, 0.1, 0.15, 0.3, 0.5]),
)


def same_as_reference(extracted: ExtractedText, opts: ChunkingOptions) -> None:
    chunks = chunk_text("doc", extracted, opts)
    expected = reference_chunks("doc", extracted, opts.max_tokens, opts.overlap_tokens)
    assert [tuple(chunk) for chunk in chunks] == expected


@settings(max_examples=300, deadline=None)
@given(documents(), options)
def test_generated_documents_chunk_exactly_as_the_specification(
    extracted: ExtractedText, opts: ChunkingOptions
) -> None:
    # Given any document (blocks of any kind, pages, sections, separators) and any options
    # When it is chunked, Then the chunks are those of the unit-by-unit specification
    same_as_reference(extracted, opts)


def real_documents() -> list[tuple[str, ExtractedText]]:
    readme = (ROOT / "README.md").read_bytes()
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_bytes()
    pdf = pdf_bytes(
        ["Apples grow on trees. " * 120, "Bees make honey! " * 90, "Cats; dogs? Birds. " * 80],
        sections=["Orchard", "Hive", "Pets"],
    )
    return [
        ("readme as markdown", extract(readme, "text/markdown", LIMITS)),
        ("readme as plain text", extract(readme, "text/plain", LIMITS)),
        ("architecture as markdown", extract(architecture, "text/markdown", LIMITS)),
        ("markdown fixture", extract(MARKDOWN.encode(), "text/markdown", LIMITS)),
        ("html fixture", extract(HTML.encode(), "text/html", LIMITS)),
        ("pdf with sections", extract(pdf, "application/pdf", LIMITS)),
    ]


@pytest.mark.parametrize("max_tokens", [20, 100, 300])
def test_real_documents_chunk_exactly_as_the_specification(max_tokens: int) -> None:
    for _, extracted in real_documents():
        for overlap in (0.0, 0.15):
            same_as_reference(extracted, ChunkingOptions(max_tokens, overlap))
