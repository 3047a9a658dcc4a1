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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from strata.documents.text import Block, ExtractedText

_WIDE_CHARACTER = re.compile("[\u0800-\U0010ffff]")
CHARS_PER_TOKEN = 4
# A sentence ends after ., !, ? or ; (with closing quotes/brackets) and the whitespace after it;
# a line break always ends one.
_SENTENCE_END = re.compile(r"[.!?;][\"')\]]*\s+|\n\s*")
_WORD_END = re.compile(r"\S+\s*")
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


@dataclass(frozen=True)
class Chunk:
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


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    tokens: int
    block_start: bool
    heading: bool
    page: int | None
    section: str | None


def chunk_text(
    document_id: str, extracted: ExtractedText, options: ChunkingOptions | None = None
) -> list[Chunk]:
    options = options or ChunkingOptions()
    text = extracted.text
    units = _units(text, extracted.blocks, options)
    chunks: list[Chunk] = []
    for first, last in _pack(units, options):
        start, end = units[first].start, units[last - 1].end
        content = text[start:end]
        first_page, last_page, starts = _page_span(units[first:last], start)
        chunks.append(
            Chunk(
                chunkId=f"{document_id}:{len(chunks)}",
                chunkIndex=len(chunks),
                content=content,
                startPosition=start,
                endPosition=end,
                tokenCount=sum(unit.tokens for unit in units[first:last]),
                pageNumber=first_page,
                section=units[first].section,
                pageEnd=last_page,
                pageStarts=starts,
            )
        )
    return chunks


def _page_span(units: list[_Unit], origin: int) -> tuple[int | None, int | None, tuple[int, ...]]:
    pages = [(unit.page, unit.start) for unit in units if unit.page is not None]
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


def _pack(units: list[_Unit], options: ChunkingOptions) -> list[tuple[int, int]]:
    """``(first, last)`` unit ranges (``last`` exclusive) of consecutive chunks."""
    ranges: list[tuple[int, int]] = []
    count = len(units)
    first = 0
    min_end = 1  # a chunk must hold at least one unit the previous chunk did not
    while first < count:
        limit = _section_end(units, first)
        end, total = first, 0
        while end < limit and total + units[end].tokens <= options.max_tokens:
            total += units[end].tokens
            end += 1
        end = min(max(end, min_end), limit)
        if end < limit:
            end = _better_end(units, first, end, min_end, options.max_tokens)
        ranges.append((first, end))
        if end >= count:
            break
        first = _overlap_start(units, first, end, options)
        min_end = end + 1
    return ranges


def _section_end(units: list[_Unit], first: int) -> int:
    """The first unit after ``first`` whose section differs from it (or the end)."""
    section = units[first].section
    end = first + 1
    while end < len(units) and units[end].section == section:
        end += 1
    return end


def _better_end(units: list[_Unit], first: int, end: int, min_end: int, max_tokens: int) -> int:
    """Move the end back to a block boundary (if the chunk stays half full) and off headings."""
    if not units[end].block_start:
        filled, boundary = 0, None
        for candidate in range(first, end):
            at_block = candidate > first and candidate >= min_end and units[candidate].block_start
            if at_block and filled >= max_tokens * _MIN_FILL:
                boundary = candidate
            filled += units[candidate].tokens
        if boundary is not None:
            end = boundary
    while end - 1 > first and end - 1 >= min_end and units[end - 1].heading:
        end -= 1
    return end


def _overlap_start(units: list[_Unit], first: int, end: int, options: ChunkingOptions) -> int:
    """Where the chunk after ``units[first:end]`` starts: some trailing units repeat."""
    if units[end].heading or units[end].section != units[end - 1].section:
        return end
    budget = min(options.overlap_tokens, options.max_tokens - units[end].tokens)
    start, carried = end, 0
    while start - 1 > first and carried + units[start - 1].tokens <= budget:
        if units[start - 1].heading:
            break
        carried += units[start - 1].tokens
        start -= 1
    return start


def _units(text: str, blocks: tuple[Block, ...], options: ChunkingOptions) -> list[_Unit]:
    units: list[_Unit] = []
    spans = _block_spans(text, blocks)
    for start, end, block in spans:
        page = block.page if block else None
        section = block.section if block else None
        heading = block is not None and block.kind == "heading"
        tokens = estimate_tokens(text[start:end])
        if tokens <= options.max_tokens:
            units.append(_Unit(start, end, tokens, True, heading, page, section))
            continue
        pieces = _split(text, start, end, options)
        for index, (piece_start, piece_end, piece_tokens) in enumerate(pieces):
            units.append(
                _Unit(piece_start, piece_end, piece_tokens, index == 0, heading, page, section)
            )
    return _fold_blank_units(text, units, options.max_tokens)


def _fold_blank_units(text: str, units: list[_Unit], max_tokens: int) -> list[_Unit]:
    """Join whitespace-only units (a separator after a sliced word, a leading line break) to a
    neighbour, so that no chunk can consist of whitespace alone."""
    folded: list[_Unit] = []
    pending: _Unit | None = None  # a blank unit that could not join the unit before it
    for original in units:
        unit = original
        if pending is not None:
            joined = _join(text, pending, unit, keep=unit)
            if joined.tokens <= max_tokens:
                unit = replace(joined, block_start=pending.block_start or unit.block_start)
            else:
                folded.append(pending)
            pending = None
        if text[unit.start : unit.end].strip():
            folded.append(unit)
        elif folded and (joined := _join(text, folded[-1], unit, keep=folded[-1])).tokens <= (
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
    return replace(
        keep,
        start=first.start,
        end=second.end,
        tokens=estimate_tokens(text[first.start : second.end]),
    )


def _block_spans(text: str, blocks: tuple[Block, ...]) -> list[tuple[int, int, Block | None]]:
    """Spans tiling ``text``: each block runs to the start of the next (separators included)."""
    if not blocks:
        return [(0, len(text), None)] if text else []
    spans: list[tuple[int, int, Block | None]] = []
    for index, block in enumerate(blocks):
        start = 0 if index == 0 else block.start
        end = blocks[index + 1].start if index + 1 < len(blocks) else len(text)
        if end > start:
            spans.append((start, end, block))
    return spans


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
