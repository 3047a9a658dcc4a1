"""Plain Python values <-> DynamoDB attribute values (the low-level client's wire shape).

Numbers come back as ``int`` when integral and ``float`` otherwise (never ``Decimal``), and floats
go in as exact decimal strings, so models round-trip without surprises.

Strings, short integers, booleans, nulls, maps and lists are converted here in one pass each
way (:func:`serialize_value`, :func:`deserialize_value`), not by boto3's ``TypeSerializer`` and
``TypeDeserializer`` with a second walk for floats and Decimals: every item of every read and
write goes through them, and the two walks were most of the store's own time on a page of 20
items. They give what boto3 gave, value for value (tests/unit/store/test_codec.py compares
them); floats, Decimals, other numbers, sets and binary values still go through boto3.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Context, Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from strata.errors import ValidationError

Item = dict[str, Any]
AttributeValue = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_DECIMAL_CONTEXT = Context(prec=38)


def _prepare(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return _DECIMAL_CONTEXT.create_decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(k): _prepare(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_prepare(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


# Integers DynamoDB holds exactly (38 digits), written as str() writes them, as boto3 would.
_INTEGER_BOUND = 10**38


def _boto3_attribute(value: Any) -> AttributeValue:
    """What boto3's ``TypeSerializer`` writes for ``value`` (floats as exact decimals): the
    reference."""
    result: AttributeValue = _serializer.serialize(_prepare(value))
    return result


def _attribute(value: Any) -> AttributeValue:
    if isinstance(value, str):
        return {"S": value}
    if value is None:
        return {"NULL": True}
    if value is True or value is False:
        return {"BOOL": value}
    if type(value) is int and -_INTEGER_BOUND < value < _INTEGER_BOUND:
        return {"N": str(value)}
    if type(value) is dict:
        return {"M": {str(k): _attribute(v) for k, v in value.items()}}
    if type(value) is list or type(value) is tuple:
        return {"L": [_attribute(v) for v in value]}
    return _boto3_attribute(value)


def _unstorable(exc: Exception) -> ValidationError:
    return ValidationError(
        "a value cannot be stored: DynamoDB numbers hold 38 digits between 1E-130 and "
        "9.9E+125, and only JSON-like types are stored",
        details={"reason": type(exc).__name__},
    )


def serialize_value(value: Any) -> AttributeValue:
    """The wire shape of ``value``; a value DynamoDB cannot hold is a ValidationError (400).

    Services check free-form JSON at the edge (``strata.services.storable``) to name the field;
    this is the net under every other writer.
    """
    try:
        return _attribute(value)
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise _unstorable(exc) from None


def serialize_item(item: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """:func:`serialize_value` of every attribute (the first one that cannot be stored raises)."""
    try:
        return {name: _attribute(value) for name, value in item.items()}
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise _unstorable(exc) from None


def _boto3_value(value: AttributeValue) -> Any:
    """What boto3's ``TypeDeserializer`` reads, Decimals made plain numbers: the reference."""
    return _plain(_deserializer.deserialize(value))


# An integer this short has at most 38 digits: DynamoDB's precision, so Decimal would be exact.
_SHORT_INTEGER = 38


def _number(text: str) -> Any:
    digits = text[1:] if text[:1] == "-" else text
    if len(digits) <= _SHORT_INTEGER and digits.isdigit() and digits.isascii():
        return int(text)
    return _boto3_value({"N": text})


def deserialize_value(value: AttributeValue) -> Any:
    """The plain value of one attribute value, as :func:`_boto3_value` reads it."""
    if len(value) == 1:
        for tag, data in value.items():
            if tag in {"S", "BOOL"}:
                return data
            if tag == "N":
                return _number(data)
            if tag == "M":
                return {name: deserialize_value(v) for name, v in data.items()}
            if tag == "L":
                return [deserialize_value(v) for v in data]
            if tag == "NULL":
                return None
            if tag == "SS":
                return set(data)
            if tag == "NS":
                return {_number(n) for n in data}
    return _boto3_value(value)


def deserialize_item(item: Mapping[str, AttributeValue]) -> Item:
    return {name: deserialize_value(value) for name, value in item.items()}
