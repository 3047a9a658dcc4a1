"""Word tokens of a text, as the local embedder and search's highlighting see them: a module
of its own so that highlighting a hit loads no local index."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Scripts written without spaces between words (Han, kana, Hangul): a run of them is one \w+
# token, so it is cut into overlapping character pairs, as search engines' CJK analyzers do.
# Compiled on first use (a few milliseconds; ASCII text never needs it).
_UNSPACED = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+"


@cache
def _unspaced() -> re.Pattern[str]:
    return re.compile(_UNSPACED)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens with accents folded (``Café`` -> ``cafe``)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    tokens = _TOKEN.findall(stripped)
    if stripped.isascii():
        return tokens
    return [piece for token in tokens for piece in _split_unspaced(token)]


def _split_unspaced(token: str) -> list[str]:
    unspaced = _unspaced()
    if not unspaced.search(token):
        return [token]
    pieces: list[str] = []
    position = 0
    for run in unspaced.finditer(token):
        if run.start() > position:
            pieces.append(token[position : run.start()])
        text = run.group()
        pieces.extend(text[i : i + 2] for i in range(max(1, len(text) - 1)))
        position = run.end()
    if position < len(token):
        pieces.append(token[position:])
    return pieces
