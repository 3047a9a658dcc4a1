"""ensure_storable: JSON DynamoDB would refuse is a 400 naming each field, before any write."""

from __future__ import annotations

import math
from typing import Any

import pytest

from strata.errors import ValidationError
from strata.services.storable import ensure_storable


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"d": value}
    return value


@pytest.mark.parametrize(
    "value",
    [0, 0.0, -1, 1e125, -9.9e125, 1e-130, 10**37, "x" * 1000, None, True, [], nested(30)],
)
def test_values_dynamodb_stores_pass(value: Any) -> None:
    # Given a value DynamoDB can hold; When it is checked; Then nothing is raised
    ensure_storable({"field": value})


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (1e126, "field"),
        (-1e200, "field"),
        (1e-131, "field"),
        (10**38, "field"),
        (math.inf, "field"),
        (math.nan, "field"),
        ({"a": [1, {"b": 1e-300}]}, "field.a.1.b"),
        ({"": 1}, "field"),
        (nested(31), "field" + ".d" * 31),
        # lone surrogates (JSON's "\ud800" escapes): no UTF-8 form, found over HTTP stored as
        # replacement characters
        ("x\ud800", "field"),
        ({"k\udc00": 1}, "field"),
        ({"a": ["ok", "\udfff"]}, "field.a.1"),
    ],
)
def test_values_dynamodb_refuses_name_their_field(value: Any, field: str) -> None:
    # Given a value DynamoDB would refuse
    # When it is checked
    with pytest.raises(ValidationError) as raised:
        ensure_storable({"field": value})
    # Then the 400 names where it is
    assert raised.value.status_code == 400
    assert [f["field"] for f in raised.value.details["fields"]] == [field]


def test_a_name_with_a_lone_surrogate_is_quoted_escaped_in_the_error() -> None:
    # Given a value under a name that has no UTF-8 form
    with pytest.raises(ValidationError) as raised:
        ensure_storable({"field": {"k\udc00": "v\ud800"}})
    # Then every field the error names can be encoded (the 400 body is UTF-8 JSON)
    fields = [f["field"] for f in raised.value.details["fields"]]
    assert fields == ["field", "field.k\\udc00"]
    assert all(f.encode("utf-8") for f in fields)
