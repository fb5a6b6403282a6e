"""Grade bands as intervals: parse ``"(3.0, 5.0]"`` once, resolve it against a patient's limits.

A bound is a number, ``LLN``, ``ULN``, ``inf`` or ``-inf``. What the numbers measure is the band's
:class:`Measure`: the value itself, a multiple of ULN, LLN or the baseline, or a drop or fall from
the baseline. Resolution turns every measure into an interval on the value itself, so that one
comparison (in Decimal, after rounding both sides, :func:`trialdesk.core.units.compare`) decides,
and the threshold can be shown in the unit the value was graded in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from trialdesk.core.units import compare, round_significant
from trialdesk.errors import ReferenceDataError

__all__ = ["Interval", "Measure", "References", "Span", "parse_interval", "plain"]

_INTERVAL = re.compile(r"^([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])$")
_LIMITS = frozenset({"LLN", "ULN"})
_TOKENS = _LIMITS | {"inf", "-inf"}


class Measure(StrEnum):
    VALUE = "value"
    ULN = "uln"
    LLN = "lln"
    BASELINE = "baseline"
    DROP_FROM_BASELINE = "drop_from_baseline"
    FALL_FROM_BASELINE = "fall_from_baseline"


Bound = Decimal | str  # a number, or one of _TOKENS


@dataclass(frozen=True, slots=True)
class Interval:
    low: Bound
    low_closed: bool
    high: Bound
    high_closed: bool
    text: str

    @property
    def tokens(self) -> frozenset[str]:
        """The reference limits (LLN, ULN) the interval names."""
        return frozenset(b for b in (self.low, self.high) if isinstance(b, str) and b in _LIMITS)

    @property
    def has_numbers(self) -> bool:
        return isinstance(self.low, Decimal) or isinstance(self.high, Decimal)


def parse_interval(text: str, *, file: str, where: str) -> Interval:
    match = _INTERVAL.match(text.strip())
    if match is None:
        raise ReferenceDataError(
            "not an interval", file=file, where=where, expected='e.g. "(3.0, 5.0]"', got=text
        )
    opening, low, high, closing = match.groups()
    return Interval(
        low=_bound(low, file=file, where=where),
        low_closed=opening == "[",
        high=_bound(high, file=file, where=where),
        high_closed=closing == "]",
        text=text.strip(),
    )


def _bound(text: str, *, file: str, where: str) -> Bound:
    if text in _TOKENS:
        return text
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ReferenceDataError(
            "bad interval bound",
            file=file,
            where=where,
            expected="a number, LLN, ULN, inf or -inf",
            got=text,
        ) from None


@dataclass(frozen=True, slots=True)
class References:
    """The patient's limits and baseline, already in the unit the value is graded in."""

    lln: Decimal | None = None
    uln: Decimal | None = None
    baseline: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """An interval on the value itself; ``None`` is an open end (infinity)."""

    low: Decimal | None
    low_closed: bool
    high: Decimal | None
    high_closed: bool

    def contains(self, value: Decimal) -> bool:
        if self.low is not None:
            side = compare(value, self.low)
            if side < 0 or (side == 0 and not self.low_closed):
                return False
        if self.high is not None:
            side = compare(value, self.high)
            if side > 0 or (side == 0 and not self.high_closed):
                return False
        return True

    def describe(self, unit: str) -> str:
        low = "-inf" if self.low is None else plain(self.low)
        high = "inf" if self.high is None else plain(self.high)
        opening = "[" if self.low_closed and self.low is not None else "("
        closing = "]" if self.high_closed and self.high is not None else ")"
        suffix = "" if unit == "1" else f" {unit}"
        return f"{opening}{low}, {high}{closing}{suffix}"

    @classmethod
    def resolve(cls, interval: Interval, measure: Measure, refs: References) -> Span:
        """The interval in value space; the caller has checked that the references exist."""
        low = _scale(interval.low, measure, refs)
        high = _scale(interval.high, measure, refs)
        if measure in (Measure.DROP_FROM_BASELINE, Measure.FALL_FROM_BASELINE):
            # value = baseline - drop (or baseline x (1 - fall)): a larger drop is a smaller value.
            return cls(high, interval.high_closed, low, interval.low_closed)
        return cls(low, interval.low_closed, high, interval.high_closed)


def plain(number: Decimal) -> str:
    """``Decimal("120.000")`` -> ``"120"``, never in exponent form."""
    return format(round_significant(number).normalize(), "f")


def _scale(bound: Bound, measure: Measure, refs: References) -> Decimal | None:
    if bound in ("inf", "-inf"):
        return None
    if bound == "LLN":
        return _required(refs.lln)
    if bound == "ULN":
        return _required(refs.uln)
    number = Decimal(bound)
    match measure:
        case Measure.VALUE:
            return number
        case Measure.ULN:
            return number * _required(refs.uln)
        case Measure.LLN:
            return number * _required(refs.lln)
        case Measure.BASELINE:
            return number * _required(refs.baseline)
        case Measure.DROP_FROM_BASELINE:
            return _required(refs.baseline) - number
        case Measure.FALL_FROM_BASELINE:
            return _required(refs.baseline) * (1 - number)


def _required(value: Decimal | None) -> Decimal:
    if value is None:  # the grader checks references before resolving; this is a bug guard
        raise ValueError("a reference needed by the band is missing")
    return value
