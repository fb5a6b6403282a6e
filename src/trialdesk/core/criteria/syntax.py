"""The syntax tree of a criteria expression, with source positions on every node.

This is the untyped tree straight from the grammar; :mod:`trialdesk.core.criteria.bind` checks
it against the predicate catalogue and turns it into typed, evaluable nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Absolute",
    "All",
    "Any_",
    "Between",
    "Bound",
    "Call",
    "CodeValue",
    "Compare",
    "Comparison",
    "ExprValue",
    "If",
    "ListValue",
    "Multiple",
    "NameValue",
    "Node",
    "Not",
    "NumberValue",
    "Span",
    "StringValue",
    "Value",
    "ValueSetRef",
    "Word",
    "Words",
]


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node sits in the rule text: 1-based line and column, and character offsets."""

    line: int
    column: int
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class StringValue:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class NumberValue:
    number: Decimal
    unit: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class CodeValue:
    text: str  # system:code as written
    span: Span


@dataclass(frozen=True, slots=True)
class ValueSetRef:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class NameValue:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class ListValue:
    items: tuple[Value, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ExprValue:
    expr: Node
    span: Span


Value = StringValue | NumberValue | CodeValue | ValueSetRef | NameValue | ListValue | ExprValue


@dataclass(frozen=True, slots=True)
class Absolute:
    number: Decimal
    unit: str | None


@dataclass(frozen=True, slots=True)
class Multiple:
    factor: Decimal
    limit: str  # ULN | LLN


@dataclass(frozen=True, slots=True)
class Word:
    word: str


@dataclass(frozen=True, slots=True)
class Words:
    words: tuple[str, ...]


Bound = Absolute | Multiple | Word | Words


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    bound: Bound
    span: Span


@dataclass(frozen=True, slots=True)
class Between:
    low: Bound
    high: Bound
    span: Span


Comparison = Compare | Between


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    comparison: Comparison | None
    span: Span

    def kwarg(self, key: str) -> Value | None:
        for name, value in self.kwargs:
            if name == key:
                return value
        return None


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Node, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Node, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    item: Node
    span: Span


@dataclass(frozen=True, slots=True)
class If:
    condition: Node
    then: Node
    otherwise: Node | None
    span: Span


Node = Call | All | Any_ | Not | If
