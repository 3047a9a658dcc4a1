"""The chunker's token estimate, for one string and for many spans of a text at once.

Token counts are a cheap deterministic estimate, not a model's tokenizer: one token per four
characters, except that every character from U+0800 up (CJK, Thai, ...) counts as a token of its
own. It is the usual rule of thumb for English, never splits a character, and adding up the
estimates of two pieces never gives less than the estimate of the whole, so summing unit
estimates bounds a chunk.

Many spans are measured from their lengths (a list comprehension over integers, no span copied)
and the offsets of the text's wide characters, found once per text: the text is looked at in
windows, and only the windows that are not ASCII (a slice knows that without a scan) are searched
with the wide-character pattern, so English prose with a few dashes or arrows is not scanned
character by character.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from itertools import compress
from operator import not_, sub

# Every character from U+0800 up (written as a negated class: the same set, compiled at import
# in a fraction of a millisecond where the range up to U+10FFFF takes milliseconds).
_WIDE_CHARACTER = re.compile("[^\x00-\u07ff]")
CHARS_PER_TOKEN = 4
# A multiple of the sub-window, so that sub-windows never reach into the next window.
_WINDOW = 1024
_SUB_WINDOW = 128


def estimate_tokens(text: str) -> int:
    wide = 0 if text.isascii() else len(_WIDE_CHARACTER.findall(text))
    return -(-(len(text) - wide) // CHARS_PER_TOKEN) + wide


class TokenCounter:
    """:func:`estimate_tokens` of many consecutive spans of one text (each starting where the one
    before ends), from their lengths and the offsets of the text's wide characters, found once.

    A text where more than a quarter of the windows hold a character beyond ASCII (Chinese,
    Japanese, Thai, ...) is measured span by span instead: finding and placing each of its wide
    characters one by one would cost more than counting them in each span.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.wide = _wide_positions(text)

    def spans(self, starts: list[int], ends: list[int]) -> list[int]:
        wide = self.wide
        if wide is None:
            return list(map(estimate_tokens, map(self.text.__getitem__, map(slice, starts, ends))))
        per_token = CHARS_PER_TOKEN
        # map(sub, ...) then a comprehension over single values: unpacking pairs from zip() in
        # the comprehension takes several times longer.
        tokens = [(length + per_token - 1) // per_token for length in map(sub, ends, starts)]
        if not wide or not starts:
            return tokens
        inside = wide[bisect_left(wide, starts[0]) : bisect_left(wide, ends[-1])]
        for index, count in Counter(bisect_right(starts, offset) - 1 for offset in inside).items():
            length = ends[index] - starts[index]
            tokens[index] = -(-(length - count) // per_token) + count
        return tokens


def _wide_positions(text: str) -> list[int] | None:
    """The offsets of every character of ``text`` from U+0800 up, in order; None when they are
    too many to place one by one."""
    if text.isascii():
        return []
    length = len(text)
    mixed = list(_mixed_windows(text, 0, length, _WINDOW))
    if len(mixed) * 4 > -(-length // _WINDOW):
        return None
    positions: list[int] = []
    for start in mixed:
        for sub_start in _mixed_windows(text, start, min(start + _WINDOW, length), _SUB_WINDOW):
            positions.extend(
                match.start()
                for match in _WIDE_CHARACTER.finditer(text, sub_start, sub_start + _SUB_WINDOW)
            )
    return positions


def _mixed_windows(text: str, start: int, end: int, size: int) -> Iterator[int]:
    """The starts of the windows of ``size`` characters of ``text[start:end]`` that are not ASCII
    (a slice knows whether it is: one pass in C, no pattern)."""
    windows = range(start, end, size)
    ascii_windows = map(
        str.isascii,
        map(text.__getitem__, map(slice, windows, range(start + size, end + size, size))),
    )
    return compress(windows, map(not_, ascii_windows))
