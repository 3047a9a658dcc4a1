"""Token-bounded, overlapping chunks that keep headings, paragraphs and sentences together.

The text is cut into *units* that tile it exactly: each extracted block (a heading, a paragraph, a
table) is one unit when it fits in a chunk, else its sentences (or lines) are, else groups of
words, else slices of one enormous word. Units are packed greedily into chunks of at most
``max_tokens``; a chunk that would end inside a block ends before that block instead when that
keeps it at least half full, a chunk never ends on a heading, and a chunk never crosses a section
boundary (it ends where the section of its text changes). The next chunk starts with the trailing
units of the previous one that fit in the overlap budget (no overlap into a new section).

A chunk knows the pages its text lies on: ``pageNumber`` (where it starts), ``pageEnd`` and
``pageStarts``, the offsets in its content where each following page begins, so a citation can
name the page of the very words it quotes.
Every character of the text lies in at least one chunk, and chunk ids are ``{documentId}:{index}``.

Token counts are a cheap deterministic estimate (:func:`estimate_tokens`), not a model's tokenizer:
one token per four characters, except that every character from U+0800 up (CJK, Thai, ...) counts
as a token of its own. It is the usual rule of thumb for English, never splits a character, and
adding up the estimates of two pieces never gives less than the estimate of the whole, so summing
unit estimates bounds a chunk. At 300 tokens a chunk is far inside Titan v2's 8,192-token input.

Speed (issue 16): the work is linear in the text. Units are kept as columns (their token counts
as running sums, so a chunk's size is a subtraction and its greedy end a bisection; the end of each
unit's section is computed once, where it was rescanned for every chunk), an ASCII text is
measured by lengths alone without copying any of it, whitespace-only units are looked for only
where a span starts with whitespace, and a :class:`Chunk` is a named tuple made from its values in
C. The output is the same as the unit-by-unit formulation's (tests/unit/documents).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from operator import attrgetter, lt, sub
from typing import Any, NamedTuple

from strata.documents.text import Block, ExtractedText

# Every character from U+0800 up (written as a negated class: the same set, compiled at import
# in a fraction of a millisecond where the range up to U+10FFFF takes milliseconds).
_WIDE_CHARACTER = re.compile("[^\x00-\u07ff]")
CHARS_PER_TOKEN = 4
# A sentence ends after ., !, ? or ; (with closing quotes/brackets) and the whitespace after it;
# a line break always ends one.
_SENTENCE_END = re.compile(r"[.!?;][\"')\]]*\s+|\n\s*")
_WORD_END = re.compile(r"\S+\s*")
_NOT_BLANK = re.compile(r"\S")
_MIN_FILL = 0.5


def estimate_tokens(text: str) -> int:
    wide = 0 if text.isascii() else len(_WIDE_CHARACTER.findall(text))
    return -(-(len(text) - wide) // CHARS_PER_TOKEN) + wide


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


# A unit: (start, end, tokens, block_start, heading, page, section).
_Unit = tuple[int, int, int, bool, bool, int | None, str | None]


class _Units:
    """The units of a text as parallel columns, and what packing asks of them in O(1):
    ``running[i]`` (the tokens of units before ``i``) and ``section_end[i]`` (the first unit
    after ``i`` in another section, or the end)."""

    def __init__(self, columns: Sequence[list[Any]]) -> None:
        """``columns``: the starts, ends, tokens, block_start, heading, page and section of
        every unit, in order."""
        starts, ends, tokens, block_start, heading, page, section = columns
        self.count = len(starts)
        self.starts: list[int] = starts
        self.ends: list[int] = ends
        self.tokens: list[int] = tokens
        self.block_start: list[bool] = block_start
        self.heading: list[bool] = heading
        self.page: list[int | None] = page
        self.section: list[str | None] = section
        self.running: list[int] = [0, *accumulate(tokens)]
        self.section_end = self._section_ends()
        self.paged = page.count(None) != self.count

    @classmethod
    def of(cls, units: list[_Unit]) -> _Units:
        if not units:
            return cls([[] for _ in range(7)])
        return cls([list(column) for column in zip(*units, strict=True)])

    def _section_ends(self) -> list[int]:
        count, section = self.count, self.section
        ends = [count] * count
        if count and section.count(section[0]) == count:  # one section (e.g. plain text)
            return ends
        for index in range(count - 2, -1, -1):
            ends[index] = ends[index + 1] if section[index + 1] == section[index] else index + 1
        return ends


_START = attrgetter("start")


def chunk_text(
    document_id: str, extracted: ExtractedText, options: ChunkingOptions | None = None
) -> list[Chunk]:
    options = options or ChunkingOptions()
    text = extracted.text
    units = _units(text, extracted.blocks, options)
    ranges = _pack(units, options)
    if not ranges:
        return []
    firsts, lasts = (list(column) for column in zip(*ranges, strict=True))
    count = len(firsts)
    # Field by field, then each chunk made from its values by tuple.__new__ (a named tuple):
    # no Python function runs per chunk.
    starts = [units.starts[first] for first in firsts]
    ends = [units.ends[last - 1] for last in lasts]
    running = units.running
    first_pages: Iterable[int | None] = repeat(None)
    last_pages: Iterable[int | None] = repeat(None)
    page_starts: Iterable[tuple[int, ...]] = repeat(())
    if units.paged:
        spans = map(_page_span, repeat(units), firsts, lasts, starts)
        first_pages, last_pages, page_starts = zip(*spans, strict=True)
    fields = zip(
        [f"{document_id}:{index}" for index in range(count)],
        range(count),
        [text[start:end] for start, end in zip(starts, ends, strict=True)],
        starts,
        ends,
        [running[last] - running[first] for first, last in zip(firsts, lasts, strict=True)],
        first_pages,
        [units.section[first] for first in firsts],
        last_pages,
        page_starts,
        strict=False,  # the page columns may be repeat(...) of no page
    )
    return list(map(tuple.__new__, repeat(Chunk), fields))


def _page_span(
    units: _Units, first: int, last: int, origin: int
) -> tuple[int | None, int | None, tuple[int, ...]]:
    pages = [
        (page, start)
        for page, start in zip(units.page[first:last], units.starts[first:last], strict=True)
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


def _pack(units: _Units, options: ChunkingOptions) -> list[tuple[int, int]]:
    """``(first, last)`` unit ranges (``last`` exclusive) of consecutive chunks.

    From ``first``, a chunk takes as many units as fit in ``max_tokens`` without leaving the
    section (a bisection of the running token counts); if that ends inside a block, it ends at
    the last block boundary instead when it stays at least half full; it never ends on a heading.
    The next chunk starts with the trailing units that fit in the overlap budget, unless it starts
    a heading or a new section.
    """
    ranges: list[tuple[int, int]] = []
    count, running, section_end = units.count, units.running, units.section_end
    tokens, block_start, heading, section = (
        units.tokens,
        units.block_start,
        units.heading,
        units.section,
    )
    max_tokens, overlap_tokens = options.max_tokens, options.overlap_tokens
    half_full = max_tokens * _MIN_FILL
    first = 0
    min_end = 1  # a chunk must hold at least one unit the previous chunk did not
    while first < count:
        limit = section_end[first]
        end = bisect_right(running, running[first] + max_tokens, first, limit + 1) - 1
        end = min(max(end, min_end), limit)
        if end < limit:
            if not block_start[end]:
                for candidate in range(end - 1, max(first + 1, min_end) - 1, -1):
                    if block_start[candidate] and running[candidate] - running[first] >= half_full:
                        end = candidate
                        break
            while end - 1 > first and end - 1 >= min_end and heading[end - 1]:
                end -= 1
        ranges.append((first, end))
        if end >= count:
            break
        # The overlap: trailing units within budget, none of them a heading.
        next_first = end
        if not heading[end] and section[end] == section[end - 1]:
            budget = min(overlap_tokens, max_tokens - tokens[end])
            carried = 0
            while next_first - 1 > first and carried + tokens[next_first - 1] <= budget:
                if heading[next_first - 1]:
                    break
                carried += tokens[next_first - 1]
                next_first -= 1
        first = next_first
        min_end = end + 1
    return ranges


def _units(text: str, blocks: tuple[Block, ...], options: ChunkingOptions) -> _Units:
    max_tokens = options.max_tokens
    if not blocks:
        return _Units.of(
            _fold_blank_units(text, _span_units(text, 0, len(text), None, options), max_tokens)
            if text
            else []
        )
    # Each block runs to the start of the next (separators included); empty spans are dropped.
    # Column by column: a comprehension per column runs far faster than a loop building units.
    starts = [0, *map(_START, blocks[1:])]
    ends = [*starts[1:], len(text)]
    owners: list[Block] = list(blocks)
    if not all(map(lt, starts, ends)):
        kept = [i for i, (start, end) in enumerate(zip(starts, ends, strict=True)) if end > start]
        starts, ends = [starts[i] for i in kept], [ends[i] for i in kept]
        owners = [owners[i] for i in kept]
    if not owners:
        return _Units.of([])
    if text.isascii():
        # An ASCII text is measured by its lengths alone: ceil(length / 4), no span copied.
        tokens = [(length + 3) // CHARS_PER_TOKEN for length in map(sub, ends, starts)]
    else:
        tokens = [estimate_tokens(text[start:end]) for start, end in zip(starts, ends, strict=True)]
    # A span that starts with a non-space character is not blank; only the others are searched.
    blank = any(text[start].isspace() for start in starts) and any(
        _NOT_BLANK.search(text, start, end) is None
        for start, end in zip(starts, ends, strict=True)
        if text[start].isspace()
    )
    heading = [block.kind == "heading" for block in owners]
    page: list[int | None] = [block.page for block in owners]
    section: list[str | None] = [block.section for block in owners]
    columns: list[list[Any]] = [starts, ends, tokens, [True] * len(starts), heading, page, section]
    if max(tokens) > max_tokens:
        oversized = [index for index, count in enumerate(tokens) if count > max_tokens]
        columns, blank_piece = _split_oversized(text, columns, oversized, options)
        blank = blank or blank_piece
    if blank:
        units: list[_Unit] = list(zip(*columns, strict=True))
        return _Units.of(_fold_blank_units(text, units, max_tokens))
    return _Units(columns)


def _split_oversized(
    text: str, columns: list[list[Any]], oversized: list[int], options: ChunkingOptions
) -> tuple[list[list[Any]], bool]:
    """``columns`` with each unit at ``oversized`` replaced by its pieces (sentences, word groups
    or slices: :func:`_split`), and whether any piece is blank."""
    segments: list[list[list[Any]]] = [[] for _ in columns]
    blank = False
    done = 0
    for index in oversized:
        pieces = _split(text, columns[0][index], columns[1][index], options)
        blank = blank or any(_NOT_BLANK.search(text, a, b) is None for a, b, _ in pieces)
        count = len(pieces)
        for segment, column in zip(segments, columns, strict=True):
            segment.append(column[done:index])
        segments[0].append([start for start, _, _ in pieces])
        segments[1].append([end for _, end, _ in pieces])
        segments[2].append([tokens for _, _, tokens in pieces])
        segments[3].append([True] + [False] * (count - 1))
        for segment, column in zip(segments[4:], columns[4:], strict=True):
            segment.append([column[index]] * count)
        done = index + 1
    for segment, column in zip(segments, columns, strict=True):
        segment.append(column[done:])
    return [list(chain.from_iterable(segment)) for segment in segments], blank


def _span_units(
    text: str, start: int, end: int, block: Block | None, options: ChunkingOptions
) -> list[_Unit]:
    """The units of one span: itself if it fits, else its pieces."""
    heading = block is not None and block.kind == "heading"
    page = block.page if block is not None else None
    section = block.section if block is not None else None
    tokens = estimate_tokens(text[start:end])
    if tokens <= options.max_tokens:
        return [(start, end, tokens, True, heading, page, section)]
    return [
        (a, b, n, i == 0, heading, page, section)
        for i, (a, b, n) in enumerate(_split(text, start, end, options))
    ]


def _is_blank(text: str, unit: _Unit) -> bool:
    return _NOT_BLANK.search(text, unit[0], unit[1]) is None


def _fold_blank_units(text: str, units: list[_Unit], max_tokens: int) -> list[_Unit]:
    """Join whitespace-only units (a separator after a sliced word, a leading line break) to a
    neighbour, so that no chunk can consist of whitespace alone."""
    folded: list[_Unit] = []
    pending: _Unit | None = None  # a blank unit that could not join the unit before it
    for original in units:
        unit = original
        if pending is not None:
            joined = _join(text, pending, unit, keep=unit)
            if joined[2] <= max_tokens:
                unit = (*joined[:3], pending[3] or unit[3], *joined[4:])
            else:
                folded.append(pending)
            pending = None
        if not _is_blank(text, unit):
            folded.append(unit)
        elif folded and (joined := _join(text, folded[-1], unit, keep=folded[-1]))[2] <= (
            max_tokens
        ):
            folded[-1] = joined
        else:
            pending = unit
    if pending is not None:
        folded.append(pending)
    return folded


def _join(text: str, first: _Unit, second: _Unit, *, keep: _Unit) -> _Unit:
    """``first`` and ``second`` (adjacent) as one unit, with the structure of ``keep``."""
    start, end = first[0], second[1]
    return (start, end, estimate_tokens(text[start:end]), *keep[3:])


def _split(text: str, start: int, end: int, options: ChunkingOptions) -> list[tuple[int, int, int]]:
    """Sentences of ``text[start:end]``; sentences too long become word groups or slices."""
    pieces: list[tuple[int, int, int]] = []
    for sentence_start, sentence_end in _boundaries(_SENTENCE_END, text, start, end):
        tokens = estimate_tokens(text[sentence_start:sentence_end])
        if tokens <= options.max_tokens:
            pieces.append((sentence_start, sentence_end, tokens))
        else:
            pieces.extend(_word_groups(text, sentence_start, sentence_end, options))
    return pieces


def _word_groups(
    text: str, start: int, end: int, options: ChunkingOptions
) -> list[tuple[int, int, int]]:
    target = max(1, options.max_tokens // 8)
    groups: list[tuple[int, int, int]] = []
    group_start, group_tokens = start, 0
    for word_start, word_end in _boundaries(_WORD_END, text, start, end):
        tokens = estimate_tokens(text[word_start:word_end])
        if tokens > options.max_tokens:
            if group_start < word_start:
                groups.append((group_start, word_start, group_tokens))
            groups.extend(_slices(text, word_start, word_end, options.max_tokens))
            group_start, group_tokens = word_end, 0
            continue
        if group_tokens and group_tokens + tokens > target:
            groups.append((group_start, word_start, group_tokens))
            group_start, group_tokens = word_start, 0
        group_tokens += tokens
    if group_start < end:
        groups.append((group_start, end, group_tokens))
    return groups


def _slices(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
    # No character counts for more than one token, so max_tokens characters stay in the bound.
    bounds = [(offset, min(offset + max_tokens, end)) for offset in range(start, end, max_tokens)]
    return [(left, right, estimate_tokens(text[left:right])) for left, right in bounds]


def _boundaries(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Consecutive spans of ``text[start:end]`` each ending where ``pattern`` matches."""
    spans: list[tuple[int, int]] = []
    current = start
    for match in pattern.finditer(text, start, end):
        if match.end() > current:
            spans.append((current, match.end()))
            current = match.end()
    if current < end:
        spans.append((current, end))
    return spans
