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
are counted from the spans' lengths (:class:`strata.documents.tokens.TokenCounter`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate, chain, compress, repeat
from operator import attrgetter, lt, ne, sub
from typing import Any

from strata.documents.text import Block
from strata.documents.tokens import TokenCounter, estimate_tokens
from strata.documents.words import word_groups

_CLOSERS = r"[\"')\]]*"
# A sentence ends at the end of a run of whitespace that holds a line break, or that follows
# ., !, ? or ; and closing quotes or brackets. One pattern for the runs with a line break, one per
# punctuation mark for the runs without (so that no end is found twice), each led by its literal.
_LINE_END = re.compile(r"\n\s*")
_FULL_STOP_END, *_RARER = (
    re.compile(rf"{re.escape(mark)}{_CLOSERS}[^\S\n]+(?=\S|\Z)") for mark in ".;!?"
)
_RARER_ENDS = tuple(zip(";!?", _RARER, strict=True))
_NOT_BLANK = re.compile(r"\S")
_START, _KIND, _PAGE, _SECTION = (attrgetter(name) for name in ("start", "kind", "page", "section"))
_MATCH_END = re.Match.end

# A unit: (start, end, tokens, block_start, heading, page, section).
_Unit = tuple[int, int, int, bool, bool, int | None, str | None]


class Units:
    """The units of a text, and what packing asks of them in one step or one bisection.

    ``bounds[i]`` is where unit ``i`` starts and ``bounds[i + 1]`` where it ends (units tile the
    text); ``running[i]`` is the tokens of the units before ``i``; ``block_starts``, ``headings``
    and ``section_changes`` are the indexes of the units that start a block, that are headings,
    and whose section is not the one before's (then ``count``). A column of one value per unit is
    kept only where values vary: ``heading`` and ``page`` are None when no unit is a heading or has
    a page, ``section`` is None when every unit's section is ``section_value``. (Few long lists:
    less to build, and less for the garbage collector to go through.)
    """

    def __init__(
        self,
        bounds: list[int],
        tokens: list[int],
        block_starts: list[int],
        *,
        heading: list[bool] | None,
        page: list[int | None] | None,
        section: list[str | None] | None,
        section_value: str | None = None,
        section_changes: list[int] | None = None,
    ) -> None:
        count = len(bounds) - 1
        self.count = count
        self.bounds = bounds
        self.running: list[int] = [0, *accumulate(tokens)]
        self.block_starts = block_starts
        self.heading = heading
        self.headings: list[int] = [] if heading is None else list(compress(range(count), heading))
        self.heading_set = frozenset(self.headings)
        self.page = page
        self.section = section
        self.section_value = section_value
        if section_changes is None:
            section_changes = (
                []
                if section is None
                else list(compress(range(1, count), map(ne, section[1:], section[:-1])))
            )
        self.section_changes = [*section_changes, count]
        self.change_set = frozenset(section_changes)

    @classmethod
    def of(cls, units: list[_Unit]) -> Units:
        """Units from ``(start, end, tokens, block_start, heading, page, section)`` tuples."""
        if not units:
            return cls([0], [], [], heading=None, page=None, section=None)
        return cls.from_columns([list(column) for column in zip(*units, strict=True)])

    @classmethod
    def from_columns(cls, columns: Sequence[list[Any]]) -> Units:
        """Units from their starts, ends, tokens, block_start, heading, page and section."""
        starts, ends, tokens, block_start, heading, page, section = columns
        count = len(starts)
        return cls(
            [*starts, ends[-1]],
            tokens,
            list(compress(range(count), block_start)),
            heading=heading if any(heading) else None,
            page=page if page.count(None) != count else None,
            section=None if section.count(section[0]) == count else section,
            section_value=section[0],
        )

    def columns(self) -> list[list[Any]]:
        """The starts, ends, tokens, block_start, heading, page and section of every unit."""
        count, bounds, running = self.count, self.bounds, self.running
        block_start = [False] * count
        for index in self.block_starts:
            block_start[index] = True
        return [
            bounds[:-1],
            bounds[1:],
            list(map(sub, running[1:], running[:-1])),
            block_start,
            [False] * count if self.heading is None else self.heading,
            [None] * count if self.page is None else self.page,
            [self.section_value] * count if self.section is None else self.section,
        ]

    def sections_of(self, indexes: list[int]) -> list[str | None]:
        if self.section is None:
            return [self.section_value] * len(indexes)
        return list(map(self.section.__getitem__, indexes))


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
    counter = TokenCounter(text)
    tokens = counter.spans(starts, ends)
    # A span that starts with a non-space character is not blank; only the others are searched.
    spaced = [index for index, start in enumerate(starts) if text[start].isspace()]
    blank = any(_NOT_BLANK.search(text, starts[i], ends[i]) is None for i in spaced)
    heading = [kind == "heading" for kind in map(_KIND, owners)]
    page: list[int | None] = list(map(_PAGE, owners))
    section: list[str | None] = list(map(_SECTION, owners))
    count = len(starts)
    oversized = (
        [index for index, tokens_ in enumerate(tokens) if tokens_ > max_tokens]
        if max(tokens) > max_tokens
        else []
    )
    columns: list[list[Any]]
    # The units of a text of wide characters (Chinese, Japanese, ...) are mostly long sentences
    # split into word groups or slices: they are found block by block (the rare path below).
    if not blank and counter.wide is not None and not set(oversized).intersection(spaced):
        units, longest = _sentence_units(
            text, (starts, ends, heading, page, section), oversized, counter
        )
        if longest <= max_tokens:
            return units
        # Rare: sentences too long to be units become word groups or slices.
        columns, sentences = units.columns(), True
        oversized = [index for index, tokens_ in enumerate(columns[2]) if tokens_ > max_tokens]
    else:
        # Rare: blank spans to fold, an oversized block that starts with whitespace, or a text of
        # wide characters.
        columns, sentences = [starts, ends, tokens, [True] * count, heading, page, section], False
    if oversized:
        columns, blank_piece = _split_oversized(
            text, columns, oversized, max_tokens, counter, sentences=sentences
        )
        blank = blank or blank_piece
    if blank:
        return Units.of(_fold_blank_units(text, list(zip(*columns, strict=True)), max_tokens))
    return Units.from_columns(columns)


def _sentence_units(
    text: str, blocks: Sequence[list[Any]], oversized: list[int], counter: TokenCounter
) -> tuple[Units, int]:
    """The units of blocks (columns: starts, ends, heading, page, section) whose oversized ones
    are cut into sentences, all at once (the sentence ends inside blocks and the ends of blocks
    are two ordered runs, merged by one sort; the tokens are counted once for every unit), and
    the most tokens a unit has."""
    starts, ends, heading, page, section = blocks
    count = len(starts)
    section_changes = list(compress(range(1, count), map(ne, section[1:], section[:-1])))
    has_heading, has_page = any(heading), page.count(None) != count
    if not oversized:
        tokens = counter.spans(starts, ends)
        units = Units(
            [0, *ends],
            tokens,
            list(range(count)),
            heading=heading if has_heading else None,
            page=page if has_page else None,
            section=section if section_changes else None,
            section_value=section[0],
            section_changes=section_changes,
        )
        return units, max(tokens)
    bounds = [0]
    sizes = [1] * count
    done = 0
    for index in oversized:
        # The ends of the blocks before this one, then of this one's sentences (its own end is
        # the last of them, or added).
        bounds += ends[done:index]
        block_end = ends[index]
        found = _sentence_ends(text, starts[index], block_end)
        if not found or found[-1] != block_end:
            found.append(block_end)
        bounds += found
        sizes[index] = len(found)
        done = index + 1
    bounds += ends[done:]
    tokens = counter.spans(bounds[:-1], bounds[1:])
    block_starts = [0, *accumulate(sizes)]
    block_starts.pop()
    units = Units(
        bounds,
        tokens,
        block_starts,
        heading=_spread(heading, sizes) if has_heading else None,
        page=_spread(page, sizes) if has_page else None,
        section=_spread(section, sizes) if section_changes else None,
        section_value=section[0],
        section_changes=[block_starts[index] for index in section_changes],
    )
    return units, max(tokens)


def _spread(values: list[Any], sizes: list[int]) -> list[Any]:
    """Each block's value repeated for each of its ``sizes`` units."""
    return list(chain.from_iterable(map(repeat, values, sizes)))


def _split_oversized(
    text: str,
    columns: list[list[Any]],
    oversized: list[int],
    max_tokens: int,
    counter: TokenCounter,
    *,
    sentences: bool,
) -> tuple[list[list[Any]], bool]:
    """``columns`` with each unit at ``oversized`` replaced by its pieces (sentences, word groups
    or slices: :func:`_split`; word groups or slices straight away when the units are sentences
    already), the first piece starting a block if the unit did, and whether any piece is blank."""
    segments: list[list[list[Any]]] = [[] for _ in columns]
    blank = False
    done = 0
    for index in oversized:
        if sentences:
            groups = word_groups(text, columns[0][index], columns[1][index], max_tokens)
            starts, ends, tokens = (list(column) for column in zip(*groups, strict=True))
            maybe_blank = True
        else:
            starts, ends, tokens, maybe_blank = _split(
                text, columns[0][index], columns[1][index], max_tokens, counter
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
    starts, ends, counts, _ = _split(text, 0, len(text), max_tokens, TokenCounter(text))
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
    text: str, start: int, end: int, max_tokens: int, counter: TokenCounter
) -> tuple[list[int], list[int], list[int], bool]:
    """The starts, ends and tokens of the sentences of ``text[start:end]`` (sentences too long
    become word groups or slices), and whether a piece may be blank.

    Only the first sentence can be blank: every other one starts where whitespace ends.
    """
    ends = _sentence_ends(text, start, end)
    if not ends or ends[-1] != end:
        ends.append(end)
    starts = [start, *ends[:-1]]
    tokens = counter.spans(starts, ends)
    if max(tokens) <= max_tokens:
        return starts, ends, tokens, text[start].isspace()
    pieces: list[tuple[int, int, int]] = []
    for sentence in zip(starts, ends, tokens, strict=True):
        if sentence[2] <= max_tokens:
            pieces.append(sentence)
        else:
            pieces.extend(word_groups(text, sentence[0], sentence[1], max_tokens))
    columns = list(zip(*pieces, strict=True))
    return list(columns[0]), list(columns[1]), list(columns[2]), True


def _sentence_ends(text: str, start: int, end: int) -> list[int]:
    """Where the sentences of ``text[start:end]`` end, in order (``end`` itself may be one).

    Line breaks and full stops are searched for in every span; the rarer marks only from where
    ``str.find`` (a ``memchr``) finds them first, so a span without them costs no search. The
    ends of each search are in order: one sort merges them.
    """
    found = [
        map(_MATCH_END, _LINE_END.finditer(text, start, end)),
        map(_MATCH_END, _FULL_STOP_END.finditer(text, start, end)),
    ]
    for mark, pattern in _RARER_ENDS:
        first = text.find(mark, start, end)
        if first >= 0:
            found.append(map(_MATCH_END, pattern.finditer(text, first, end)))
    return sorted(chain.from_iterable(found))
