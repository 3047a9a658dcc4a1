"""The codec: plain values round-trip, and what DynamoDB cannot hold is a 400 before any call."""

from __future__ import annotations

import math
from typing import Any

import pytest

from strata.errors import ValidationError
from strata.store.codec import deserialize_item, serialize_item


def test_plain_values_round_trip() -> None:
    # Given an item of every JSON-like kind
    item = {"s": "x", "i": 7, "f": 0.1, "b": True, "n": None, "l": [1, "a"], "m": {"k": 2.5}}
    # When it is serialized and read back; Then it is the same item, without Decimals
    assert deserialize_item(serialize_item(item)) == item


@pytest.mark.parametrize("value", [1e200, 1e-200, 10**40, math.nan, math.inf, object()])
def test_a_value_dynamodb_cannot_hold_is_a_validation_error(value: Any) -> None:
    # Given a value out of DynamoDB's number range, not a number, or of no stored type
    # When it is serialized; Then a ValidationError (400) is raised, not a server error
    with pytest.raises(ValidationError, match="cannot be stored"):
        serialize_item({"PK": "X", "value": {"nested": [value]}})
