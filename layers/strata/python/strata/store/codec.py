"""Plain Python values <-> DynamoDB attribute values (the low-level client's wire shape).

Numbers come back as ``int`` when integral and ``float`` otherwise (never ``Decimal``), and floats
go in as exact decimal strings, so models round-trip without surprises.
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


def serialize_value(value: Any) -> AttributeValue:
    """The wire shape of ``value``; a value DynamoDB cannot hold is a ValidationError (400).

    Services check free-form JSON at the edge (``strata.services.storable``) to name the field;
    this is the net under every other writer.
    """
    try:
        result: AttributeValue = _serializer.serialize(_prepare(value))
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise ValidationError(
            "a value cannot be stored: DynamoDB numbers hold 38 digits between 1E-130 and "
            "9.9E+125, and only JSON-like types are stored",
            details={"reason": type(exc).__name__},
        ) from None
    return result


def serialize_item(item: Mapping[str, Any]) -> dict[str, AttributeValue]:
    return {name: serialize_value(value) for name, value in item.items()}


def deserialize_item(item: Mapping[str, AttributeValue]) -> Item:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}
