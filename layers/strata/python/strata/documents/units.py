"""The units a text is chunked from: spans that tile it exactly, each within the token bound.

Each extracted block (a heading, a paragraph, a table) is one unit when it fits in a chunk, else
its sentences (or lines) are, else groups of words, else slices of one enormous word. A sentence
ends after ., !, ? or ; (with closing quotes or brackets) and the whitespace after it, and a line
break always ends one (with the whitespace after it): that is, a sentence ends at the end of each
run of whitespace that holds a line break or follows such punctuation inside the span.

Speed (issue 16): units are kept as columns (starts, ends, tokens, ...) built by comprehensions
and C-implemented operations, never one unit at a time in Python. Sentence ends are found by one
search per punctuation mark and one for line breaks, each a pattern that starts with a literal
character, which the regular-expression engine finds with a fast scan; a single pattern starting
with a character class tests every character of the text and takes several times longer. Tokens
are counted from the spans' lengths (:func:`strata.documents.tokens.span_tokens`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate, chain, compress, repeat
from operator import attrgetter, lt, ne
from typing import Any

from strata.documents.text import Block
from strata.documents.tokens import estimate_tokens, span_tokens, wide_positions

_CLOSERS = r"[\"')\]]*"
# A sentence ends at the end of a run of whitespace that holds a line break, or that follows
# ., !, ? or ; and closing quotes or brackets. One pattern for the runs with a line break, one per
# punctuation mark for the runs without (so that no end is found twice), each led by its literal.
_SENTENCE_ENDS = (
    ("\n", re.compile(r"\n\s*")),
    *((mark, re.compile(rf"{re.escape(mark)}{_CLOSERS}[^\S\n]+(?=\S|\Z)")) for mark in ".!?;"),
)
_WORD_END = re.compile(r"\S+\s*")
_NOT_BLANK = re.compile(r"\S")
_START = attrgetter("start")
_MATCH_END = re.Match.end

# A unit: (start, end, tokens, block_start, heading, page, section).
_Unit = tuple[int, int, int, bool, bool, int | None, str | None]


class Units:
    """The units of a text as parallel columns, and what packing asks of them: ``running[i]``
    (the tokens of units before ``i``), the indexes of the units that start a block, of the
    headings, and of the units where the section changes (then ``count``)."""

    def __init__(
        self,
        columns: Sequence[list[Any]],
        block_starts: list[int],
        section_changes: list[int] | None = None,
    ) -> None:
        """``columns``: the starts, ends, tokens, heading, page and section of every unit, in
        order; ``block_starts``: the indexes of the units that start a block; ``section_changes``:
        the indexes of the units whose section is not the one before's (computed when None)."""
        starts, ends, tokens, heading, page, section = columns
        count = len(starts)
        self.count = count
        self.starts: list[int] = starts
        self.ends: list[int] = ends
        self.tokens: list[int] = tokens
        self.heading: list[bool] = heading
        self.page: list[int | None] = page
        self.section: list[str | None] = section
        self.block_starts = block_starts
        self.running: list[int] = [0, *accumulate(tokens)]
        self.headings: list[int] = list(compress(range(count), heading)) if any(heading) else []
        if section_changes is None:
            section_changes = list(compress(range(1, count), map(ne, section[1:], section[:-1])))
        self.section_changes = [*section_changes, count]
        self.paged = page.count(None) != count

    @classmethod
    def of(cls, units: list[_Unit]) -> Units:
        """Units from ``(start, end, tokens, block_start, heading, page, section)`` tuples."""
        if not units:
            return cls([[] for _ in range(6)], [])
        starts, ends, tokens, block_start, heading, page, section = (
            list(column) for column in zip(*units, strict=True)
        )
        block_starts = list(compress(range(len(units)), block_start))
        return cls([starts, ends, tokens, heading, page, section], block_starts)


def build_units(text: str, blocks: tuple[Block, ...], max_tokens: int) -> Units:
    if not blocks:
        if not text:
            return Units.of([])
        return Units.of(_fold_blank_units(text, _span_units(text, max_tokens), max_tokens))
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
        return Units.of([])
    wide = wide_positions(text)
    tokens = span_tokens(starts, ends, wide)
    # A span that starts with a non-space character is not blank; only the others are searched.
    spaced = [index for index, start in enumerate(starts) if text[start].isspace()]
    blank = any(_NOT_BLANK.search(text, starts[i], ends[i]) is None for i in spaced)
    heading = [block.kind == "heading" for block in owners]
    page: list[int | None] = [block.page for block in owners]
    section: list[str | None] = [block.section for block in owners]
    count = len(starts)
    oversized = (
        [index for index, tokens_ in enumerate(tokens) if tokens_ > max_tokens]
        if max(tokens) > max_tokens
        else []
    )
    columns: list[list[Any]]
    if not blank and not set(oversized).intersection(spaced):
        units = _sentence_units(text, (starts, ends, heading, page, section), oversized, wide)
        if not oversized or max(units.tokens) <= max_tokens:
            return units
        # Rare: sentences too long to be units become word groups or slices.
        block_start = [False] * units.count
        for index in units.block_starts:
            block_start[index] = True
        columns = [units.starts, units.ends, units.tokens, block_start]
        columns += [units.heading, units.page, units.section]
        oversized = [index for index, tokens_ in enumerate(units.tokens) if tokens_ > max_tokens]
    else:
        # Rare: blank spans to fold, or an oversized block that starts with whitespace.
        columns = [starts, ends, tokens, [True] * count, heading, page, section]
    if oversized:
        columns, blank_piece = _split_oversized(text, columns, oversized, max_tokens, wide)
        blank = blank or blank_piece
    listed: list[_Unit] = list(zip(*columns, strict=True))
    return Units.of(_fold_blank_units(text, listed, max_tokens) if blank else listed)


def _sentence_units(
    text: str, blocks: Sequence[list[Any]], oversized: list[int], wide: list[int]
) -> Units:
    """The units of blocks (columns: starts, ends, heading, page, section) whose oversized ones
    are cut into sentences, all at once: the sentence ends inside blocks and the ends of blocks
    are two ordered runs, merged by one sort; the tokens are counted once for every unit."""
    starts, ends, heading, page, section = blocks
    count = len(starts)
    section_changes = list(compress(range(1, count), map(ne, section[1:], section[:-1])))
    if not oversized:
        tokens = span_tokens(starts, ends, wide)
        return Units(
            [starts, ends, tokens, heading, page, section], list(range(count)), section_changes
        )
    inner: list[int] = []
    sizes = [1] * count
    for index in oversized:
        block_end = ends[index]
        found = _sentence_ends(text, starts[index], block_end)
        if found and found[-1] == block_end:
            found.pop()
        inner += found
        sizes[index] = len(found) + 1
    unit_ends = sorted(ends + inner)
    unit_starts = [0, *unit_ends[:-1]]
    tokens = span_tokens(unit_starts, unit_ends, wide)
    block_starts = [0, *accumulate(sizes)]
    block_starts.pop()
    return Units(
        [
            unit_starts,
            unit_ends,
            tokens,
            _spread(heading, sizes, len(unit_ends), uniform=not any(heading)),
            _spread(page, sizes, len(unit_ends), uniform=page.count(page[0]) == count),
            _spread(section, sizes, len(unit_ends), uniform=not section_changes),
        ],
        block_starts,
        [block_starts[index] for index in section_changes],
    )


def _spread(values: list[Any], sizes: list[int], total: int, *, uniform: bool) -> list[Any]:
    """Each block's value repeated for each of its ``sizes`` units (``total`` in all)."""
    if uniform:  # one value for every block (no headings, no pages, one section)
        return [values[0]] * total
    return list(chain.from_iterable(map(repeat, values, sizes)))


def _split_oversized(
    text: str, columns: list[list[Any]], oversized: list[int], max_tokens: int, wide: list[int]
) -> tuple[list[list[Any]], bool]:
    """``columns`` with each unit at ``oversized`` replaced by its pieces (sentences, word groups
    or slices: :func:`_split`; the first piece starts a block if the unit did), and whether any
    piece is blank."""
    segments: list[list[list[Any]]] = [[] for _ in columns]
    blank = False
    done = 0
    for index in oversized:
        starts, ends, tokens, maybe_blank = _split(
            text, columns[0][index], columns[1][index], max_tokens, wide
        )
        blank = blank or (maybe_blank and _any_blank(text, starts, ends))
        count = len(starts)
        for segment, column in zip(segments, columns, strict=True):
            segment.append(column[done:index])
        segments[0].append(starts)
        segments[1].append(ends)
        segments[2].append(tokens)
        segments[3].append([columns[3][index]] + [False] * (count - 1))
        for segment, column in zip(segments[4:], columns[4:], strict=True):
            segment.append([column[index]] * count)
        done = index + 1
    for segment, column in zip(segments, columns, strict=True):
        segment.append(column[done:])
    return [list(chain.from_iterable(segment)) for segment in segments], blank


def _any_blank(text: str, starts: list[int], ends: list[int]) -> bool:
    return any(
        _NOT_BLANK.search(text, start, end) is None
        for start, end in zip(starts, ends, strict=True)
        if text[start].isspace()
    )


def _span_units(text: str, max_tokens: int) -> list[_Unit]:
    """The units of a text without blocks: itself if it fits, else its pieces."""
    tokens = estimate_tokens(text)
    if tokens <= max_tokens:
        return [(0, len(text), tokens, True, False, None, None)]
    starts, ends, counts, _ = _split(text, 0, len(text), max_tokens, wide_positions(text))
    return [
        (start, end, count, index == 0, False, None, None)
        for index, (start, end, count) in enumerate(zip(starts, ends, counts, strict=True))
    ]


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
        if _NOT_BLANK.search(text, unit[0], unit[1]) is not None:
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


def _split(
    text: str, start: int, end: int, max_tokens: int, wide: list[int]
) -> tuple[list[int], list[int], list[int], bool]:
    """The starts, ends and tokens of the sentences of ``text[start:end]`` (sentences too long
    become word groups or slices), and whether a piece may be blank.

    Only the first sentence can be blank: every other one starts where whitespace ends.
    """
    ends = _sentence_ends(text, start, end)
    if not ends or ends[-1] != end:
        ends.append(end)
    starts = [start, *ends[:-1]]
    tokens = span_tokens(starts, ends, wide)
    if max(tokens) <= max_tokens:
        return starts, ends, tokens, text[start].isspace()
    pieces: list[tuple[int, int, int]] = []
    for sentence in zip(starts, ends, tokens, strict=True):
        if sentence[2] <= max_tokens:
            pieces.append(sentence)
        else:
            pieces.extend(_word_groups(text, sentence[0], sentence[1], max_tokens))
    columns = list(zip(*pieces, strict=True))
    return list(columns[0]), list(columns[1]), list(columns[2]), True


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Where the sentences of ``text[start:end]`` end, in order (``end`` itself may be one).

    Each pattern starts with its literal character, so its search starts where ``str.find`` (a
    ``memchr``) finds that character first, and a character absent from the span costs no search.
    """
    ends: list[int] = []
    runs = 0
    for mark, pattern in _SENTENCE_ENDS:
        first = text.find(mark, start, end)
        if first >= 0:
            found = list(map(_MATCH_END, pattern.finditer(text, first, end)))
            if found:
                ends += found
                runs += 1
    return sorted(ends) if runs > 1 else ends


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
