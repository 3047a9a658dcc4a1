"""The pieces of a sentence too long for a chunk: groups of words of about an eighth of a chunk,
and slices of a word too long for one (no character counts for more than one token, so
``max_tokens`` characters stay in the bound). Each piece's tokens: the sum of its words' for a
group, the estimate of its text for a slice.
"""

from __future__ import annotations

import re

from strata.documents.tokens import estimate_tokens

_WORD_END = re.compile(r"\S+\s*")


def word_groups(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
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
