"""Ids: the characters and length a key part may have, matched over the whole value."""

from __future__ import annotations

import pytest

from strata.ids import is_ulid, is_valid_id, new_id


@pytest.mark.parametrize(
    "value",
    ["a", "Z9", "u1", "a-b_c", "0" + "x" * 127, "01J9ZQ7W6Y3C5V8K2M4N6P8R0T"],
)
def test_ids_of_letters_digits_dash_and_underscore_up_to_128_are_valid(value: str) -> None:
    assert is_valid_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "u1\n",  # '$' matches before a trailing newline: the whole value must match
        "\nu1",
        "u 1",
        "u#1",
        "u/1",
        "u.1",
        "-u1",  # must start with a letter or digit
        "_u1",
        "é",
        "0" + "x" * 128,  # 129 characters
    ],
)
def test_anything_else_is_not_a_valid_id(value: str) -> None:
    assert not is_valid_id(value)


def test_ulids_are_matched_whole() -> None:
    ulid = new_id()
    assert is_ulid(ulid)
    assert not is_ulid(ulid + "\n")
    assert not is_ulid(ulid[:-1])
    assert not is_ulid(ulid + "0")
    assert not is_ulid(ulid.lower())
