"""What ingestion records about a document's text: word count, language, preview, keywords.

The language is a stop-word vote over seven Western European languages: a language-detection
library would add a model download and import time to every cold start for a field that only
labels documents. Texts with too few votes, or in other languages, are ``und`` (undetermined,
the BCP 47 code for it).
"""

from __future__ import annotations

import re
from collections import Counter

PREVIEW_CHARS = 500
KEYWORD_COUNT = 10
UNDETERMINED = "und"
_MIN_VOTES = 3
_WORD = re.compile(r"\w+", re.UNICODE)
_KEYWORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]", re.UNICODE)
_MIN_KEYWORD_LENGTH = 3
_MAX_KEYWORD_LENGTH = 64
TITLE_CHARS = 200
_VOTE_SAMPLE_CHARS = 20_000


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a about above after again all also am an and any are as at be because been before being "
        "below between both but by can could did do does doing down during each few for from "
        "further had has have having he her here hers him his how i if in into is it its itself "
        "just me more most my no nor not now of off on once only or other our ours out over own "
        "same she should so some such than that the their theirs them then there these they this "
        "those through to too under until up very was we were what when where which while who "
        "whom why will with would you your yours"
    ),
    "es": _words(
        "a al algo como con de del el ella ellos en entre era es esta este esto fue ha hay la las "
        "le les lo los mas me mi muy no nos o para pero por que se ser si sin sobre su sus también "
        "te tiene un una uno y ya"
    ),
    "fr": _words(
        "à au aux avec ce ces cette dans de des du elle en est et il ils je la le les leur lui ma "
        "mais me même mes moi mon ne nous on ou par pas pour qu que qui sa se ses son sont sur ta "
        "te tes toi ton tu un une vos votre vous y été être"
    ),
    "de": _words(
        "aber als am an auch auf aus bei bin bis das dass dem den der des die dies doch du durch "
        "ein eine einem einen einer es für hat ich ihr im in ist ja kann mit nach nicht noch nur "
        "oder sich sie sind so über um und uns von vor war was wenn werden wie wir wird zu zum "
        "zur"
    ),
    "it": _words(
        "a al alla anche che chi con cui da dal della delle di e ed gli ha ho il in io la le lo "
        "ma mi ne nel nella non o per più quando questo se si sono su sua suo tra un una uno"
    ),
    "pt": _words(
        "a ao aos as com como da das de do dos e ela ele em entre era essa esse está foi há isso "
        "já mais mas me muito na não nas no nos o os ou para pela pelo por que se sem ser seu "
        "sua são também um uma você"
    ),
    "nl": _words(
        "aan al als bij dan dat de die dit door een en er had heb het hij hoe ik in is je kan "
        "maar met mij naar niet nog nu of om onder ons ook op over te tot uit van voor was wat "
        "we wel wij zal ze zich zij zijn zo"
    ),
}
_ALL_STOP_WORDS = frozenset().union(*STOP_WORDS.values())


def word_count(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


def preview(text: str) -> str:
    """The first 500 characters of the text, with whitespace runs collapsed."""
    return " ".join(text[: PREVIEW_CHARS * 4].split())[:PREVIEW_CHARS]


def detect_language(text: str) -> str:
    words = [word.lower() for word in _WORD.findall(text[:_VOTE_SAMPLE_CHARS])]
    votes = {
        language: sum(1 for word in words if word in stop_words)
        for language, stop_words in STOP_WORDS.items()
    }
    language, best = max(votes.items(), key=lambda item: item[1])
    return language if best >= _MIN_VOTES else UNDETERMINED


def keywords(text: str, count: int = KEYWORD_COUNT) -> tuple[str, ...]:
    """The most frequent words that are not stop words (ties: first seen first)."""
    counts: Counter[str] = Counter(
        word
        for word in (match.lower() for match in _KEYWORD.findall(text))
        if _MIN_KEYWORD_LENGTH <= len(word) <= _MAX_KEYWORD_LENGTH and word not in _ALL_STOP_WORDS
    )
    return tuple(word for word, _ in counts.most_common(count))


def title(heading: str | None) -> str | None:
    """The first heading, cut to the 200 characters a title may hold."""
    if heading is None:
        return None
    return " ".join(heading.split())[:TITLE_CHARS].strip() or None
