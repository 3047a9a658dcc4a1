"""Downloads keep the document's name, whatever characters it has."""

from __future__ import annotations

import pytest

from strata.documents.uploads import content_disposition


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"),
        (
            "résumé 2026.pdf",
            'attachment; filename="r_sum_ 2026.pdf"; '
            "filename*=UTF-8''r%C3%A9sum%C3%A9%202026.pdf",
        ),
        ('a"b\\c.txt', "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt"),
    ],
)
def test_content_disposition_has_an_ascii_fallback_and_the_exact_name(
    name: str, expected: str
) -> None:
    assert content_disposition(name) == expected
