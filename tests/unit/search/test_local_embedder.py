from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strata.search.local import LocalLexicalEmbedder, cosine
from strata.search.tokens import tokenize


def test_tokenize_folds_case_and_accents() -> None:
    # Given a text with capitals, accents and punctuation
    # When it is tokenized
    tokens = tokenize("Café AU lait, s'il-vous-plaît!")
    # Then the tokens are lower-case words without accents
    assert tokens == ["cafe", "au", "lait", "s", "il", "vous", "plait"]


@given(st.text(max_size=200))
def test_every_vector_is_unit_length_and_of_the_dimension(text: str) -> None:
    # Given any text, including the empty one
    embedder = LocalLexicalEmbedder(64)
    # When it is embedded
    (vector,) = embedder.embed([text])
    # Then the vector has the dimension and unit length
    assert len(vector) == 64
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-9)


def test_embedding_is_deterministic_across_instances() -> None:
    # Given two embedders of the same dimension
    first, second = LocalLexicalEmbedder(128), LocalLexicalEmbedder(128)
    # When both embed the same text
    # Then they return the same vector (no per-process hash salt)
    assert first.embed(["quarterly revenue report"]) == second.embed(["quarterly revenue report"])


def test_texts_sharing_words_score_higher_than_unrelated_ones() -> None:
    # Given a query and two candidate texts, one sharing its words
    embedder = LocalLexicalEmbedder(256)
    query, related, unrelated = embedder.embed(
        [
            "refund policy for damaged goods",
            "Our refund policy covers damaged goods within 30 days.",
            "The cafeteria opens at eight in the morning.",
        ]
    )
    # Then the related text is much closer
    assert cosine(query, related) > 0.5
    assert cosine(query, related) > cosine(query, unrelated) + 0.3


def test_word_order_matters_through_bigrams() -> None:
    # Given two texts with the same words in a different order
    embedder = LocalLexicalEmbedder(512)
    query, same_order, other_order = embedder.embed(
        ["machine learning", "machine learning", "learning machine"]
    )
    # Then the one keeping the word pair scores higher
    assert cosine(query, same_order) > cosine(query, other_order)


def test_embed_keeps_input_order_and_count() -> None:
    embedder = LocalLexicalEmbedder(32)
    texts = ["alpha", "beta", "alpha"]
    vectors = embedder.embed(texts)
    assert len(vectors) == 3
    assert vectors[0] == vectors[2]
    assert vectors[0] != vectors[1]


def test_dimension_below_eight_is_refused() -> None:
    with pytest.raises(ValueError, match="dimension"):
        LocalLexicalEmbedder(4)
