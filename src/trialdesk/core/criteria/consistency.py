"""Contradictory bounds across an ``and``: ``lab(x) >= 100 g/L and lab(x) <= 80 g/L`` can never
hold, so it is a protocol error, not a rule that quietly fails every patient.

Bounds are compared on one scale: absolute thresholds in the analyte's canonical unit (ages in
months), ×ULN and ×LLN multiples only with multiples of the same limit. A ``between`` inside
one call is checked by the binder itself.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal

from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria import ast as a
from trialdesk.core.criteria.syntax import Span
from trialdesk.errors import TrialDeskError

__all__ = ["Contradiction", "contradictions"]

_LOWER = {">=", ">", "="}
_UPPER = {"<=", "<", "="}


@dataclass(frozen=True, slots=True)
class Contradiction:
    span: Span
    lower: str
    upper: str


@dataclass(frozen=True, slots=True)
class _Bound:
    value: Decimal
    strict: bool
    text: str


def contradictions(items: tuple[a.Rule, ...]) -> list[Contradiction]:
    """Pairs of bounds on the same quantity, in one conjunction, that no value can meet."""
    groups: dict[Hashable, tuple[Span, list[_Bound], list[_Bound]]] = {}
    for item in items:
        for key, test, value in _scaled_tests(item):
            span, lows, highs = groups.setdefault(key, (_span(item), [], []))
            bound = _Bound(value, test.op in (">", "<"), test.describe())
            if test.op in _LOWER:
                lows.append(bound)
            if test.op in _UPPER:
                highs.append(bound)
    found = []
    for span, lows, highs in groups.values():
        if not lows or not highs:
            continue
        low = max(lows, key=lambda b: (b.value, b.strict))
        high = min(highs, key=lambda b: (b.value, not b.strict))
        if low.value > high.value or (low.value == high.value and (low.strict or high.strict)):
            found.append(Contradiction(span, low.text, high.text))
    return found


def _span(item: a.Rule) -> Span:
    return item.span


def _scaled_tests(item: a.Rule) -> list[tuple[Hashable, a.NumericTest, Decimal]]:
    if isinstance(item, a.AgeCheck):
        return [(("age",), t, t.number * (12 if t.unit == "a" else 1)) for t in item.tests]
    if isinstance(item, a.LifeExpectancyCheck):
        return [(("life_expectancy",), t, t.number) for t in item.tests]
    if not isinstance(item, a.LabCheck):
        return []
    subject = ("measure", item.analyte.id, item.category, item.room_air, item.window)
    out: list[tuple[Hashable, a.NumericTest, Decimal]] = []
    for test in item.tests:
        if test.reference_limit is not None:
            out.append(((*subject, test.reference_limit), test, test.number))
            continue
        try:
            value = convert_analyte(item.analyte, test.number, test.unit or item.analyte.unit)
        except TrialDeskError:
            continue
        out.append((subject, test, value))
    return out
