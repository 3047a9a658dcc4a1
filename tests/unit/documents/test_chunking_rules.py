"""The chunker's two structural rules, at their boundaries: a chunk gives up the start of the
next block only when it stays at least half full, and overlap never reaches into a new section.
"""

from __future__ import annotations

import itertools

import pytest

from strata.documents.chunking import Chunk, ChunkingOptions, chunk_text
from strata.documents.text import ExtractedText, ExtractionLimits, TextBuilder

LIMITS = ExtractionLimits(max_pages=100, max_chars=10_000_000, max_uncompressed_bytes=1)


def build(parts: list[tuple[str, str]]) -> ExtractedText:
    builder = TextBuilder(LIMITS)
    for kind, text in parts:
        if kind == "heading":
            builder.add_heading(text, 2)
        else:
            builder.add(text)
    return builder.build("txt")


def sentence(tag: str, tokens: int) -> str:
    """One sentence of about ``tokens`` tokens (four characters each, with its separator)."""
    return ((tag + " ") * 200)[: tokens * 4 - 3].rstrip() + "."


def chunks_of(first_paragraph_tokens: int) -> list[Chunk]:
    # A paragraph, then one of six 20-token sentences: too long to be one unit of a 100-token
    # chunk, so the first chunk would end inside it.
    second = " ".join(sentence(f"beta{n}", 20) for n in range(6))
    extracted = build(
        [("paragraph", sentence("alpha", first_paragraph_tokens)), ("paragraph", second)]
    )
    return chunk_text("d", extracted, ChunkingOptions(max_tokens=100, overlap_ratio=0.0))


@pytest.mark.parametrize("tokens", [50, 60], ids=["exactly-half", "more-than-half"])
def test_a_chunk_at_least_half_full_ends_at_the_block_boundary(tokens: int) -> None:
    # When the first paragraph fills at least half a chunk
    chunks = chunks_of(tokens)
    # Then the first chunk is that paragraph alone, and the next paragraph starts a chunk
    assert "beta0" not in chunks[0].content
    assert chunks[0].content.strip().startswith("alpha")
    assert chunks[1].content.startswith("beta0")


@pytest.mark.parametrize("tokens", [40, 49], ids=["well-under-half", "just-under-half"])
def test_a_chunk_under_half_full_fills_up_inside_the_next_block(tokens: int) -> None:
    # When the first paragraph fills less than half a chunk
    chunks = chunks_of(tokens)
    # Then the first chunk goes on into the next paragraph's sentences
    assert "beta0" in chunks[0].content
    assert chunks[0].tokenCount <= 100


def test_overlap_never_reaches_back_into_the_previous_section() -> None:
    # Given two sections, each a heading and sentences, with a generous overlap
    first = " ".join(sentence(f"one{n}", 20) for n in range(4))
    second = " ".join(sentence(f"two{n}", 20) for n in range(8))
    extracted = build(
        [("heading", "First"), ("paragraph", first), ("heading", "Second"), ("paragraph", second)]
    )
    chunks = chunk_text("d", extracted, ChunkingOptions(max_tokens=100, overlap_ratio=0.3))
    # Then the chunk that holds the second heading starts with it: nothing of section one
    holding = [c for c in chunks if "Second" in c.content]
    assert holding
    assert holding[0].content.startswith("Second")
    assert not any("one" in c.content for c in chunks if c.section and "Second" in c.section)
    # And chunks inside a section do overlap (so the rule above is not vacuous)
    inside = [c for c in chunks if "two" in c.content]
    assert any(a.endPosition > b.startPosition for a, b in itertools.pairwise(inside))
