"""Token-bounded, overlapping chunks that keep headings, paragraphs and sentences together.

The text is cut into *units* that tile it exactly (:mod:`strata.documents.units`): each extracted
block (a heading, a paragraph, a table) is one unit when it fits in a chunk, else its sentences
(or lines) are, else groups of words, else slices of one enormous word. Units are packed greedily
into chunks of at most ``max_tokens``; a chunk that would end inside a block ends before that
block instead when that keeps it at least half full, a chunk never ends on a heading, and a chunk
never crosses a section boundary (it ends where the section of its text changes). The next chunk
starts with the trailing units of the previous one that fit in the overlap budget (no overlap
into a new section).

A chunk knows the pages its text lies on: ``pageNumber`` (where it starts), ``pageEnd`` and
``pageStarts``, the offsets in its content where each following page begins, so a citation can
name the page of the very words it quotes.
Every character of the text lies in at least one chunk, and chunk ids are ``{documentId}:{index}``.

Token counts are a cheap deterministic estimate (:func:`estimate_tokens`,
:mod:`strata.documents.tokens`); at 300 tokens a chunk is far inside Titan v2's 8,192-token input.

Speed (issue 16): the work is linear in the text, and no Python code runs per unit. Units are
columns; their token counts are running sums, so a chunk's size is a subtraction, its greedy end
a bisection, the block boundary it may end at instead a bisection of the indexes where blocks
start, and its overlap a bisection too (with one of the heading indexes). A :class:`Chunk` is a
named tuple made from its values in C. The output is the same as the unit-by-unit formulation's
(tests/unit/documents).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import sub
from typing import NamedTuple

from strata.documents.text import ExtractedText
from strata.documents.tokens import CHARS_PER_TOKEN, estimate_tokens
from strata.documents.units import Units, build_units

__all__ = ["CHARS_PER_TOKEN", "Chunk", "ChunkingOptions", "chunk_text", "estimate_tokens"]

_MIN_FILL = 0.5


@dataclass(frozen=True)
class ChunkingOptions:
    max_tokens: int = 300
    overlap_ratio: float = 0.15

    @property
    def overlap_tokens(self) -> int:
        return int(self.max_tokens * self.overlap_ratio)


class Chunk(NamedTuple):
    """One chunk: immutable, compared by value, built by :func:`chunk_text` in C (a named tuple
    is made from its values by ``tuple.__new__`` without running Python code per chunk)."""

    chunkId: str
    chunkIndex: int
    content: str
    startPosition: int  # inclusive offset into the extracted text
    endPosition: int  # exclusive
    tokenCount: int
    pageNumber: int | None
    section: str | None
    pageEnd: int | None = None
    pageStarts: tuple[int, ...] = ()  # offsets in content where pages pageNumber+1.. begin

    @property
    def wordCount(self) -> int:
        return len(self.content.split())

    @property
    def charCount(self) -> int:
        return len(self.content)


def chunk_text(
    document_id: str, extracted: ExtractedText, options: ChunkingOptions | None = None
) -> list[Chunk]:
    options = options or ChunkingOptions()
    text = extracted.text
    units = build_units(text, extracted.blocks, options.max_tokens)
    firsts, lasts = _pack(units, options)
    count = len(firsts)
    # Field by field (maps over the unit columns), then each chunk made from its values by
    # tuple.__new__ (a named tuple): no Python function runs per chunk.
    starts = list(map(units.bounds.__getitem__, firsts))
    ends = list(map(units.bounds.__getitem__, lasts))
    running = units.running
    tokens = list(map(sub, map(running.__getitem__, lasts), map(running.__getitem__, firsts)))
    sections = units.sections_of(firsts)
    first_pages: Iterable[int | None] = repeat(None)
    last_pages: Iterable[int | None] = repeat(None)
    page_starts: Iterable[tuple[int, ...]] = repeat(())
    if units.page is not None:
        spans = map(_page_span, repeat(units), firsts, lasts, starts)
        first_pages, last_pages, page_starts = zip(*spans, strict=True)
    # The unit columns (lists of tens of thousands of items) go before the chunks are made: the
    # garbage collector, which making thousands of chunks sets off, would go through them all.
    del units, running
    fields = zip(
        list(map(f"{document_id}:".__add__, map(str, range(count)))),
        range(count),
        list(map(text.__getitem__, map(slice, starts, ends))),
        starts,
        ends,
        tokens,
        first_pages,
        sections,
        last_pages,
        page_starts,
        strict=False,  # the page columns may be repeat(...) of no page
    )
    return list(map(tuple.__new__, repeat(Chunk), fields))


def _page_span(
    units: Units, first: int, last: int, origin: int
) -> tuple[int | None, int | None, tuple[int, ...]]:
    pages_of = units.page or []  # chunk_text asks only when units have pages
    pages = [
        (page, start)
        for page, start in zip(pages_of[first:last], units.bounds[first:last], strict=True)
        if page is not None
    ]
    if not pages:
        return None, None, ()
    first_page, last_page = pages[0][0], pages[-1][0]
    starts: list[int] = []
    current = first_page
    for page, start in pages:
        while page > current:  # a page without text starts where the next one does
            starts.append(start - origin)
            current += 1
    return first_page, max(last_page, current), tuple(starts)


def _pack(units: Units, options: ChunkingOptions) -> tuple[list[int], list[int]]:
    """The first units and the ends (exclusive) of the unit ranges of consecutive chunks.

    From ``first``, a chunk takes as many units as fit in ``max_tokens`` without leaving the
    section (a bisection of the running token counts); if that ends inside a block, it ends at
    the last block boundary instead when it stays at least half full; it never ends on a heading.
    The next chunk starts with the trailing units that fit in the overlap budget, unless it starts
    a heading or a new section; the overlap stops after the last heading it would take.
    """
    firsts: list[int] = []
    lasts: list[int] = []
    count, running, block_starts = units.count, units.running, units.block_starts
    headings, heading_set = units.headings, units.heading_set
    section_changes, change_set = units.section_changes, units.change_set
    max_tokens, overlap_tokens = options.max_tokens, options.overlap_tokens
    half_full = max_tokens * _MIN_FILL
    one_section = len(section_changes) == 1
    plain = one_section and not headings  # no heading to keep off an end, no section to leave
    first = 0
    min_end = 1  # a chunk must hold at least one unit the previous chunk did not
    while first < count:
        limit = count if one_section else section_changes[bisect_right(section_changes, first)]
        base = running[first]
        # Every unit holds a token at least: the end is within max_tokens units of the start.
        reach = first + max_tokens + 1
        end = bisect_right(
            running, base + max_tokens, first, reach if reach <= limit else limit + 1
        )
        end -= 1
        # Conditional expressions rather than min() and max(): this runs once per chunk.
        end = min_end if end < min_end else end
        end = limit if end > limit else end
        if end < limit:
            after = bisect_left(block_starts, end)
            if after == len(block_starts) or block_starts[after] != end:
                # Inside a block: end at the last block start before ``end`` if that leaves the
                # chunk at least half full (the running sums only grow: if that one does not,
                # no block start before it does).
                candidate = block_starts[after - 1] if after else -1
                if (
                    candidate > first
                    and candidate >= min_end
                    and running[candidate] - base >= half_full
                ):
                    end = candidate
            if headings:
                while end - 1 > first and end - 1 >= min_end and end - 1 in heading_set:
                    end -= 1
        firsts.append(first)
        lasts.append(end)
        if end >= count:
            break
        # The overlap: the trailing units within budget, after the last heading among them.
        next_first = end
        if plain or (end not in heading_set and end not in change_set):
            budget = max_tokens - (running[end + 1] - running[end])
            budget = overlap_tokens if overlap_tokens < budget else budget
            next_first = bisect_left(running, running[end] - budget, first + 1, end)
            if headings and next_first < end:
                last_heading = bisect_left(headings, end) - 1
                if last_heading >= 0 and headings[last_heading] >= next_first:
                    next_first = headings[last_heading] + 1
        first = next_first
        min_end = end + 1
    return firsts, lasts
