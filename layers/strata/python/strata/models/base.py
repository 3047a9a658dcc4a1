"""The base of every Strata model: camelCase on the wire, strict types, field-level errors.

Python code uses snake_case attributes; JSON bodies and DynamoDB items use camelCase names
(``fileName``, ``createdAt``), as the seeds do. Timestamps are aware UTC datetimes serialized
with a fixed width so that stored values sort in time order.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from pydantic.json_schema import WithJsonSchema

from strata.clock import format_timestamp
from strata.errors import ValidationError
from strata.ids import ID_PATTERN

# DynamoDB refuses items above 400 KB (names and values, UTF-8). Models keep a margin for the
# key and index attributes the store adds.
MAX_ITEM_BYTES = 400 * 1024
KEY_ATTRIBUTES_ALLOWANCE = 2 * 1024
# The validation context of data about to be written (:func:`parse`, ``strata.store.base.draft``):
# only then does an entity check that it fits in one item. An entity read back from the table,
# or validated again as a response, was checked when it was written (and the store checks every
# item it writes), so reads do not pay for serializing it to measure it.
FOR_WRITE: dict[str, bool] = {"write": True}


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-01-31T12:00:00Z")
    return value.astimezone(UTC)


UtcDateTime = Annotated[
    datetime, AfterValidator(_utc), PlainSerializer(format_timestamp, return_type=str)
]
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A title or name a client sends is plain text on one line: "<" may not open a tag ("<b", "</",
# "<!", "<?"), so no client that renders it as HTML can be made to run markup, and control
# characters (NUL, newlines, escapes) are refused. Stored entities keep ShortText (items written
# before the rule still load). The pattern is ECMA-262 without look-around, for the OpenAPI
# document and the Rust regex engine alike.
NO_MARKUP_PATTERN = r"^(?:[^<\x00-\x1f\x7f]|<+[^<A-Za-z/!?\x00-\x1f\x7f])*<*$"
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _plain_text(value: str) -> str:
    if _TAG_OPEN.search(value):
        raise ValueError("must be plain text: HTML tags are not accepted")
    if _CONTROL.search(value):
        raise ValueError("must be one line of text: control characters are not accepted")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_plain_text),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_MARKUP_PATTERN}
    ),
]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=254,
        pattern=r"^[^@\s#]+@[^@\s#]+\.[^@\s#]+$",
    ),
]


class StrataModel(BaseModel):
    """Inputs and value objects: unknown fields are errors.

    Validators are built on first use (``defer_build``): a function pays only for the models it
    touches, not for all of them at import (cold start).
    """

    model_config = ConfigDict(
        defer_build=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
    )


class Entity(StrataModel):
    """A stored entity. Unknown attributes are ignored so an older reader survives a newer writer.

    ``version`` starts at 1 and grows by one on every write (optimistic locking). Validated
    with the context :data:`FOR_WRITE`, it also refuses to be larger than one item.
    """

    model_config = ConfigDict(extra="ignore")

    created_at: UtcDateTime
    updated_at: UtcDateTime
    version: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _fits_in_one_item(self, info: ValidationInfo) -> "Entity":
        if not (info.context and info.context.get("write")):
            return self
        size = item_size(self.model_dump(mode="json", exclude_none=True))
        if size > MAX_ITEM_BYTES - KEY_ATTRIBUTES_ALLOWANCE:
            raise ValueError(
                f"the {type(self).__name__} is {size} bytes; "
                f"at most {MAX_ITEM_BYTES - KEY_ATTRIBUTES_ALLOWANCE} fit in one item"
            )
        return self


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass ``next_token`` back to get the next page; None means the end."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    items: list[T]
    next_token: str | None = None


def item_size(value: Any) -> int:
    """DynamoDB's size of an item (a mapping of attribute names to plain Python values).

    Strings count their UTF-8 bytes; numbers about one byte per two digits plus one; booleans and
    nulls one byte; maps and lists three bytes of overhead plus one per element.
    """
    if not isinstance(value, dict):
        raise TypeError("an item is a mapping of attribute names to values")
    size = 0
    for name, v in value.items():
        size += _text_size(name) + (_text_size(v) if type(v) is str else _value_size(v))
    return size


def _text_size(text: str) -> int:
    """UTF-8 bytes of ``text`` (its length when it is ASCII, without encoding it)."""
    return len(text) if text.isascii() else len(text.encode())


def _value_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return _text_size(value)
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, int | float | Decimal):
        digits = len(str(abs(value)).replace(".", "").lstrip("0")) or 1
        return (digits + 1) // 2 + 1
    if isinstance(value, dict):
        return 3 + sum(len(str(k).encode()) + _value_size(v) + 1 for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 3 + sum(_value_size(v) + 1 for v in value)
    if isinstance(value, datetime):
        return len(format_timestamp(value))
    raise TypeError(f"cannot size a {type(value).__name__}")


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``; failures become a 400 with one message per field.

    ``details["fields"]`` lists ``{"field": "metadata.tags.0", "message": ..., "type": ...}``.
    Data parsed here is data to write: an entity must fit in one item.
    """
    try:
        return model.model_validate(data, context=FOR_WRITE)
    except PydanticValidationError as exc:
        raise validation_error(exc) from exc


def validation_error(exc: PydanticValidationError) -> ValidationError:
    """The :class:`strata.errors.ValidationError` equivalent of a pydantic error."""
    fields = [
        {
            "field": ".".join(str(part) for part in err["loc"]) or "(body)",
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False)
    ]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return ValidationError(f"invalid {exc.title}: {summary}", details={"fields": fields})


__all__ = [
    "FOR_WRITE",
    "KEY_ATTRIBUTES_ALLOWANCE",
    "MAX_ITEM_BYTES",
    "NO_MARKUP_PATTERN",
    "Email",
    "Entity",
    "Identifier",
    "LongText",
    "Page",
    "ShortText",
    "StrataModel",
    "Tag",
    "Title",
    "UtcDateTime",
    "item_size",
    "parse",
    "validation_error",
]
