"""The chunker's specification, written unit by unit: the formulation the fast chunker
(strata.documents.chunking and strata.documents.units) replaced, kept here as the oracle its output
is checked against, field by field. It is slow (quadratic in a long section) and plain on purpose:
one object per unit, one loop per rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from strata.documents.text import Block, ExtractedText

_WIDE_CHARACTER = re.compile("[\u0800-\U0010ffff]")
# A sentence ends after ., !, ? or ; (with closing quotes/brackets) and the whitespace after it;
# a line break always ends one.
_SENTENCE_END = re.compile(r"[.!?;][\"')\]]*\s+|\n\s*")
_WORD_END = re.compile(r"\S+\s*")
_MIN_FILL = 0.5

# chunkId, chunkIndex, content, startPosition, endPosition, tokenCount, pageNumber, section,
# pageEnd, pageStarts: the fields of strata.documents.chunking.Chunk, in order.
ReferenceChunk = tuple[
    str, int, str, int, int, int, int | None, str | None, int | None, tuple[int, ...]
]


def estimate_tokens(text: str) -> int:
    wide = len(_WIDE_CHARACTER.findall(text))
    return -(-(len(text) - wide) // 4) + wide


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    block_start: bool
    heading: bool
    page: int | None
    section: str | None


def reference_chunks(
    document_id: str, extracted: ExtractedText, max_tokens: int, overlap_tokens: int
) -> list[ReferenceChunk]:
    text = extracted.text
    units = _units(text, extracted.blocks, max_tokens)
    chunks: list[ReferenceChunk] = []
    for first, last in _pack(units, max_tokens, overlap_tokens):
        start, end = units[first].start, units[last - 1].end
        first_page, last_page, starts = _page_span(units[first:last], start)
        index = len(chunks)
        chunks.append(
            (
                f"{document_id}:{index}",
                index,
                text[start:end],
                start,
                end,
                sum(unit.tokens for unit in units[first:last]),
                first_page,
                units[first].section,
                last_page,
                starts,
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


def _pack(units: list[_Unit], max_tokens: int, overlap_tokens: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    count = len(units)
    first = 0
    min_end = 1  # a chunk must hold at least one unit the previous chunk did not
    while first < count:
        limit = first + 1
        while limit < count and units[limit].section == units[first].section:
            limit += 1
        end, total = first, 0
        while end < limit and total + units[end].tokens <= max_tokens:
            total += units[end].tokens
            end += 1
        end = min(max(end, min_end), limit)
        if end < limit:
            end = _better_end(units, first, end, min_end, max_tokens)
        ranges.append((first, end))
        if end >= count:
            break
        first = _overlap_start(units, first, end, max_tokens, overlap_tokens)
        min_end = end + 1
    return ranges


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


def _overlap_start(
    units: list[_Unit], first: int, end: int, max_tokens: int, overlap_tokens: int
) -> int:
    if units[end].heading or units[end].section != units[end - 1].section:
        return end
    budget = min(overlap_tokens, max_tokens - units[end].tokens)
    start, carried = end, 0
    while start - 1 > first and carried + units[start - 1].tokens <= budget:
        if units[start - 1].heading:
            break
        carried += units[start - 1].tokens
        start -= 1
    return start


def _units(text: str, blocks: tuple[Block, ...], max_tokens: int) -> list[_Unit]:
    units: list[_Unit] = []
    for start, end, block in _block_spans(text, blocks):
        page = block.page if block else None
        section = block.section if block else None
        heading = block is not None and block.kind == "heading"
        tokens = estimate_tokens(text[start:end])
        if tokens <= max_tokens:
            units.append(_Unit(start, end, tokens, True, heading, page, section))
            continue
        for index, (piece_start, piece_end, piece_tokens) in enumerate(
            _split(text, start, end, max_tokens)
        ):
            units.append(
                _Unit(piece_start, piece_end, piece_tokens, index == 0, heading, page, section)
            )
    return _fold_blank_units(text, units, max_tokens)


def _fold_blank_units(text: str, units: list[_Unit], max_tokens: int) -> list[_Unit]:
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
    tokens = estimate_tokens(text[first.start : second.end])
    return replace(keep, start=first.start, end=second.end, tokens=tokens)


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


def _split(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
    pieces: list[tuple[int, int, int]] = []
    for sentence_start, sentence_end in _boundaries(_SENTENCE_END, text, start, end):
        tokens = estimate_tokens(text[sentence_start:sentence_end])
        if tokens <= max_tokens:
            pieces.append((sentence_start, sentence_end, tokens))
        else:
            pieces.extend(_word_groups(text, sentence_start, sentence_end, max_tokens))
    return pieces


def _word_groups(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
    target = max(1, max_tokens // 8)
    groups: list[tuple[int, int, int]] = []
    group_start, group_tokens = start, 0
    for word_start, word_end in _boundaries(_WORD_END, text, start, end):
        tokens = estimate_tokens(text[word_start:word_end])
        if tokens > max_tokens:
            if group_start < word_start:
                groups.append((group_start, word_start, group_tokens))
            groups.extend(_slices(text, word_start, word_end, max_tokens))
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
    bounds = [(offset, min(offset + max_tokens, end)) for offset in range(start, end, max_tokens)]
    return [(left, right, estimate_tokens(text[left:right])) for left, right in bounds]


def _boundaries(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    current = start
    for match in pattern.finditer(text, start, end):
        if match.end() > current:
            spans.append((current, match.end()))
            current = match.end()
    if current < end:
        spans.append((current, end))
    return spans
