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
from itertools import compress
from operator import not_

# Every character from U+0800 up (written as a negated class: the same set, compiled at import
# in a fraction of a millisecond where the range up to U+10FFFF takes milliseconds).
_WIDE_CHARACTER = re.compile("[^\x00-\u07ff]")
CHARS_PER_TOKEN = 4
_WINDOW = 1024


def estimate_tokens(text: str) -> int:
    wide = 0 if text.isascii() else len(_WIDE_CHARACTER.findall(text))
    return -(-(len(text) - wide) // CHARS_PER_TOKEN) + wide


def wide_positions(text: str) -> list[int]:
    """The offsets of every character of ``text`` from U+0800 up, in order."""
    if text.isascii():
        return []
    length = len(text)
    windows = range(0, length, _WINDOW)
    ascii_windows = map(
        str.isascii,
        map(text.__getitem__, map(slice, windows, range(_WINDOW, length + _WINDOW, _WINDOW))),
    )
    positions: list[int] = []
    for start in compress(windows, map(not_, ascii_windows)):
        positions.extend(
            match.start() for match in _WIDE_CHARACTER.finditer(text, start, start + _WINDOW)
        )
    return positions


def span_tokens(starts: list[int], ends: list[int], wide: list[int]) -> list[int]:
    """``estimate_tokens(text[start:end])`` of consecutive spans (each starting where the one
    before ends), given the offsets ``wide`` of the text's wide characters (:func:`wide_positions`).
    """
    per_token = CHARS_PER_TOKEN
    tokens = [
        (end - start + per_token - 1) // per_token for start, end in zip(starts, ends, strict=True)
    ]
    if not wide or not starts:
        return tokens
    inside = wide[bisect_left(wide, starts[0]) : bisect_left(wide, ends[-1])]
    if not inside:
        return tokens
    for index, count in Counter(bisect_right(starts, offset) - 1 for offset in inside).items():
        length = ends[index] - starts[index]
        tokens[index] = -(-(length - count) // per_token) + count
    return tokens
