"""Expressions for the low-level client: key conditions, filters, updates, projections.

Conditions are ``boto3.dynamodb.conditions`` objects (``Attr("status").eq("ready")``); the store
renders them with placeholders for every name and value, so attribute names never collide with
DynamoDB's reserved words and caller values never become expression text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder, Key

from strata.store.codec import AttributeValue, serialize_value


@dataclass(frozen=True)
class SortCondition:
    """A condition on the sort key of the table or of an index; the store names the attribute."""

    operator: str
    values: tuple[Any, ...]

    @classmethod
    def eq(cls, value: str) -> SortCondition:
        return cls("eq", (value,))

    @classmethod
    def begins_with(cls, prefix: str) -> SortCondition:
        return cls("begins_with", (prefix,))

    @classmethod
    def between(cls, low: str, high: str) -> SortCondition:
        return cls("between", (low, high))

    @classmethod
    def lt(cls, value: str) -> SortCondition:
        return cls("lt", (value,))

    @classmethod
    def lte(cls, value: str) -> SortCondition:
        return cls("lte", (value,))

    @classmethod
    def gt(cls, value: str) -> SortCondition:
        return cls("gt", (value,))

    @classmethod
    def gte(cls, value: str) -> SortCondition:
        return cls("gte", (value,))

    def on(self, attribute: str) -> ConditionBase:
        condition: ConditionBase = getattr(Key(attribute), self.operator)(*self.values)
        return condition


@dataclass
class Expression:
    """Accumulates placeholders for one request; render every part through the same instance."""

    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, AttributeValue] = field(default_factory=dict)
    _builder: ConditionExpressionBuilder = field(default_factory=ConditionExpressionBuilder)

    def condition(self, condition: ConditionBase, *, is_key: bool = False) -> str:
        built = self._builder.build_expression(condition, is_key_condition=is_key)
        self.names.update(built.attribute_name_placeholders)
        for placeholder, value in built.attribute_value_placeholders.items():
            self.values[placeholder] = serialize_value(value)
        text: str = built.condition_expression
        return text

    def name(self, attribute: str) -> str:
        placeholder = f"#u{len(self.names)}"
        while placeholder in self.names:
            placeholder += "_"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":u{len(self.values)}"
        while placeholder in self.values:
            placeholder += "_"
        self.values[placeholder] = serialize_value(value)
        return placeholder

    def projection(self, attributes: Iterable[str]) -> str:
        return ", ".join(self.name(attribute) for attribute in attributes)

    def update(
        self,
        *,
        set_values: Mapping[str, Any] | None = None,
        add_values: Mapping[str, int | float] | None = None,
        remove: Sequence[str] = (),
        if_absent: Mapping[str, Any] | None = None,
    ) -> str:
        """``SET a = :v, b = if_not_exists(b, :w) ADD n :x REMOVE c``.

        ``set_values`` keys may be dotted paths into maps (``processingStatus.indexed``).
        """
        sets = [f"{self._path(a)} = {self.value(v)}" for a, v in (set_values or {}).items()]
        sets += [
            f"{self._path(a)} = if_not_exists({self._path(a)}, {self.value(v)})"
            for a, v in (if_absent or {}).items()
        ]
        adds = [f"{self._path(a)} {self.value(v)}" for a, v in (add_values or {}).items()]
        removes = [self._path(a) for a in remove]
        clauses = []
        if sets:
            clauses.append("SET " + ", ".join(sets))
        if adds:
            clauses.append("ADD " + ", ".join(adds))
        if removes:
            clauses.append("REMOVE " + ", ".join(removes))
        return " ".join(clauses)

    def _path(self, dotted: str) -> str:
        return ".".join(self.name(part) for part in dotted.split("."))

    def request_parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        if self.names:
            parts["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            parts["ExpressionAttributeValues"] = dict(self.values)
        return parts
