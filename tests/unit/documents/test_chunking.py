"""Chunking: coverage, size bound, overlap bound, determinism, and structure kept together."""

from __future__ import annotations

import itertools

from hypothesis import example, given, settings
from hypothesis import strategies as st

from strata.documents.chunking import Chunk, ChunkingOptions, chunk_text, estimate_tokens
from strata.documents.extract import extract
from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder
from tests.fixtures.documents import MARKDOWN, pdf_bytes

LIMITS = ExtractionLimits(max_pages=100, max_chars=10_000_000, max_uncompressed_bytes=1)

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé0123456789", min_size=1, max_size=14)
sentences = st.lists(words, min_size=1, max_size=40).map(lambda ws: " ".join(ws) + ".")
paragraphs = st.lists(sentences, min_size=1, max_size=12).map(" ".join)
blocks = st.one_of(
    paragraphs.map(lambda text: ("paragraph", text)),
    st.lists(words, min_size=1, max_size=6).map(lambda ws: ("heading", " ".join(ws))),
    # A "word" far longer than a chunk, which must be sliced.
    st.integers(min_value=1, max_value=3000).map(lambda n: ("paragraph", "x" * n)),
)
documents = st.lists(blocks, min_size=1, max_size=25)
options = st.builds(
    ChunkingOptions,
    max_tokens=st.integers(min_value=50, max_value=400),
    overlap_ratio=st.floats(min_value=0.0, max_value=0.3),
)


def build(parts: list[tuple[str, str]]) -> ExtractedText:
    builder = TextBuilder(LIMITS)
    for kind, text in parts:
        if kind == "heading":
            builder.add_heading(text, 2)
        else:
            builder.add(text)
    return builder.build("txt")


@settings(max_examples=150, deadline=None)
@given(documents, options)
# Found by hypothesis: the separator after a sliced word, then a heading, once made a chunk of
# whitespace alone.
@example(
    parts=[
        ("paragraph", "x" * 449),
        ("heading", "0 0"),
        ("paragraph", "0. 0. 0. 0 0 0000 00000 000000 00000000 00000000. " * 3),
    ],
    opts=ChunkingOptions(max_tokens=50, overlap_ratio=0.0),
)
def test_chunks_cover_the_text_within_the_size_and_overlap_bounds(
    parts: list[tuple[str, str]], opts: ChunkingOptions
) -> None:
    # Given any document and any chunking options
    extracted = build(parts)
    # When it is chunked
    chunks = chunk_text("doc", extracted, opts)
    # Then the chunks tile the text from its first to its last character, with overlaps only
    assert chunks[0].startPosition == 0
    assert chunks[-1].endPosition == len(extracted.text)
    for before, after in itertools.pairwise(chunks):
        assert before.startPosition < after.startPosition <= before.endPosition
        assert after.endPosition > before.endPosition
        # And an overlap never exceeds its budget
        overlap = extracted.text[after.startPosition : before.endPosition]
        assert estimate_tokens(overlap) <= opts.overlap_tokens
    for chunk in chunks:
        # And every chunk is within the token bound and is exactly its span of the text
        assert estimate_tokens(chunk.content) <= opts.max_tokens
        assert chunk.content == extracted.text[chunk.startPosition : chunk.endPosition]
        assert chunk.content.strip()
    # And ids are "{documentId}:{index}" in order
    assert [c.chunkId for c in chunks] == [f"doc:{i}" for i in range(len(chunks))]


@settings(max_examples=40, deadline=None)
@given(documents, options)
def test_chunking_is_deterministic(parts: list[tuple[str, str]], opts: ChunkingOptions) -> None:
    extracted = build(parts)
    assert chunk_text("doc", extracted, opts) == chunk_text("doc", extracted, opts)


def test_paragraphs_that_fit_are_never_split() -> None:
    # Given paragraphs of about 60 tokens each and chunks of 150 tokens
    paragraph = "The quick brown fox jumps over the lazy dog near the river bank. " * 3
    extracted = build([("paragraph", f"{paragraph}Number {n}.") for n in range(10)])
    chunks = chunk_text("doc", extracted, ChunkingOptions(max_tokens=150, overlap_ratio=0.0))
    # Then every chunk boundary falls between paragraphs
    starts = {block.start for block in extracted.blocks}
    assert len(chunks) > 1
    assert all(chunk.startPosition == 0 or chunk.startPosition in starts for chunk in chunks)


def test_a_heading_starts_the_chunk_of_its_section_and_is_never_left_at_an_end() -> None:
    body = "Herons wade in shallow water and wait for fish to pass by. " * 4
    extracted = build(
        [("heading", "Herons"), ("paragraph", body), ("heading", "Egrets"), ("paragraph", body)]
    )
    chunks = chunk_text("doc", extracted, ChunkingOptions(max_tokens=80, overlap_ratio=0.2))
    for chunk in chunks:
        assert not chunk.content.rstrip().endswith(("Herons", "Egrets"))
    egrets = next(c for c in chunks if c.content.startswith("Egrets"))
    assert egrets.section == "Egrets"


def test_chunks_remember_their_page_and_section() -> None:
    data = pdf_bytes(
        ["Apples grow on trees. " * 30, "Bees make honey. " * 30], sections=["Orchard", "Hive"]
    )
    extracted = extract(data, "application/pdf", LIMITS)
    chunks = chunk_text("doc", extracted, ChunkingOptions(max_tokens=60, overlap_ratio=0.15))
    by_page = {(c.pageNumber, c.section) for c in chunks}
    assert by_page == {(1, "Orchard"), (2, "Hive")}
    bees = [c for c in chunks if "Bees" in c.content and "Apples" not in c.content]
    assert bees
    assert all(c.pageNumber == 2 for c in bees)


def test_markdown_sections_flow_into_chunk_metadata() -> None:
    extracted = extract(MARKDOWN.encode(), "text/markdown", LIMITS)
    chunks: list[Chunk] = chunk_text("d", extracted, ChunkingOptions(max_tokens=20))
    assert chunks[0].section == "Field Guide"
    assert any(c.section == "Field Guide > Diet" for c in chunks)


def test_token_estimate_is_four_characters_a_token_and_one_per_wide_character() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("the cat") == 2
    assert estimate_tokens("information") == 3
    assert estimate_tokens("café au lait") == 3
    assert estimate_tokens("東京 is big") == 2 + 2
