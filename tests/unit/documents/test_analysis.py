"""What ingestion learns about a text: words, language, preview, keywords, title."""

from __future__ import annotations

from strata.documents import analysis


def test_language_is_voted_by_stop_words() -> None:
    assert analysis.detect_language("The cat sat on the mat and it was happy with the day.") == "en"
    assert analysis.detect_language("Le chat est sur la table et il dort dans le salon.") == "fr"
    assert analysis.detect_language("Der Hund ist nicht in dem Haus und die Katze auch.") == "de"
    assert analysis.detect_language("東京は日本の首都です") == analysis.UNDETERMINED
    assert analysis.detect_language("Kubernetes Terraform Ansible") == analysis.UNDETERMINED


def test_keywords_are_frequent_words_that_are_not_stop_words() -> None:
    text = "Herons eat fish. Herons nest in colonies. The fish swim; herons wait. " + "x" * 80
    assert analysis.keywords(text, count=3) == ("herons", "fish", "eat")


def test_preview_is_the_first_500_characters_with_whitespace_collapsed() -> None:
    text = "Line one.\n\n   Line two.\t" + "a" * 1000
    preview = analysis.preview(text)
    assert preview.startswith("Line one. Line two. aaa")
    assert len(preview) == analysis.PREVIEW_CHARS


def test_word_count_and_title() -> None:
    assert analysis.word_count("Hello, wide world! 42 times.") == 5
    assert analysis.title(None) is None
    assert analysis.title("  A   heading ") == "A heading"
    assert len(analysis.title("t" * 500) or "") == analysis.TITLE_CHARS
