"""The codec: plain values round-trip, and what DynamoDB cannot hold is a 400 before any call."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strata.errors import ValidationError
from strata.store.codec import (
    _boto3_attribute,
    _boto3_value,
    deserialize_item,
    deserialize_value,
    serialize_item,
    serialize_value,
)


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


# Attribute values as the low-level client returns them (botocore has decoded binaries).
_numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.sampled_from(["0", "-0", "007", "1.0", "-1.50", "1E+2", "1e2", "2.5E-3", "9" * 38]),
)
_scalars = st.one_of(
    st.text(max_size=8).map(lambda s: {"S": s}),
    _numbers.map(lambda n: {"N": n}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.binary(max_size=4).map(lambda b: {"B": b}),
    st.sets(st.text(max_size=4), min_size=1, max_size=3).map(lambda s: {"SS": sorted(s)}),
    st.sets(st.integers(-99, 99), min_size=1, max_size=3).map(
        lambda s: {"NS": [str(n) for n in sorted(s)]}
    ),
    st.sets(st.binary(max_size=3), min_size=1, max_size=2).map(lambda s: {"BS": sorted(s)}),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: {"L": items}),
        st.dictionaries(st.text(max_size=4), inner, max_size=3).map(lambda m: {"M": m}),
    ),
    max_leaves=8,
)


def _reference(value: dict[str, Any]) -> Any:
    return _boto3_value(value)


def _same(ours: Any, reference: Any) -> bool:
    """Equal, and of the same types all the way down (1 and 1.0 are equal but not the same)."""
    if type(ours) is not type(reference):
        return False
    if isinstance(ours, dict):
        return ours.keys() == reference.keys() and all(_same(ours[k], reference[k]) for k in ours)
    if isinstance(ours, list):
        return len(ours) == len(reference) and all(map(_same, ours, reference))
    return bool(ours == reference)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_reading_gives_what_boto3s_type_deserializer_gave(value: dict[str, Any]) -> None:
    # Given any attribute value the client can return
    # When it is read; Then it is what TypeDeserializer plus Decimals made plain read
    assert _same(deserialize_value(value), _reference(value))


@pytest.mark.parametrize(
    "value",
    [{"N": "1" + "0" * 38}, {"N": "1e999"}, {"N": "+1"}, {}, {"X": "1"}, {"S": "a", "N": "1"}],
)
def test_what_boto3_refuses_or_reads_oddly_is_left_to_boto3(value: dict[str, Any]) -> None:
    # Given an attribute value off DynamoDB's wire shape (too many digits, no tag, two tags)
    # When it is read; Then the outcome is boto3's own, error or value
    try:
        expected: Any = _reference(value)
    except Exception as exc:
        with pytest.raises(type(exc)):
            deserialize_value(value)
    else:
        assert _same(deserialize_value(value), expected)


# Plain values as the store writes them, and a few it must refuse.
_plain_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    st.decimals(),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.sets(st.integers(-9, 9), min_size=1, max_size=3),
    st.sets(st.text(max_size=3), min_size=1, max_size=3),
)
_plain_values = st.recursive(
    _plain_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 9)), inner, max_size=3),
    ),
    max_leaves=8,
)


def _boto3_or_error(value: Any) -> Any:
    try:
        return _boto3_attribute(value)
    except (ArithmeticError, TypeError, ValueError):
        return ValidationError


@settings(max_examples=200, deadline=None)
@given(_plain_values)
def test_writing_gives_what_boto3s_type_serializer_gave(value: Any) -> None:
    # Given any value a writer may hand the store
    # When it is serialized
    try:
        ours: Any = serialize_value(value)
    except ValidationError:
        ours = ValidationError
    # Then it is what TypeSerializer wrote for it (floats as exact decimals), or both refuse it
    assert ours == _boto3_or_error(value)
