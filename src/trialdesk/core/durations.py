"""Durations as written in protocols ("14 days", "6 weeks", "3 months") and date arithmetic.

Months and years are calendar units (dateutil's relativedelta), so "3 months" before 31 May is
28 February; days and weeks are exact.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from trialdesk.errors import InputError

__all__ = ["Duration", "completed_years", "parse_duration"]

_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "wk": "weeks", "week": "weeks", "weeks": "weeks",
    "mo": "months", "month": "months", "months": "months",
    "a": "years", "y": "years", "yr": "years", "year": "years", "years": "years",
}  # fmt: skip
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")


@dataclass(frozen=True, slots=True)
class Duration:
    amount: Decimal
    unit: str  # days | weeks | months | years

    def __str__(self) -> str:
        return f"{self.amount.normalize():f} {self.unit}"

    def before(self, day: date) -> date:
        """The day this duration before ``day``."""
        return _before(self, day)

    def _delta(self) -> relativedelta:
        whole = int(self.amount)
        if self.unit in ("days", "weeks"):
            days = self.amount * (7 if self.unit == "weeks" else 1)
            return relativedelta(days=int(days))
        if self.amount != whole:
            raise InputError(f"{self} is not a whole number of {self.unit}")
        if self.unit == "months":
            return relativedelta(months=whole)
        return relativedelta(years=whole)

    def in_months(self) -> Decimal:
        factor = {
            "days": Decimal(12) / Decimal("365.25"),
            "months": Decimal(1),
            "years": Decimal(12),
        }
        if self.unit == "weeks":
            return self.amount * 7 * factor["days"]
        return self.amount * factor[self.unit]


@lru_cache(maxsize=4096)
def _before(duration: Duration, day: date) -> date:
    # Cached: every criterion of every patient screened on one day asks for the same few starts.
    return day - duration._delta()


def parse_duration(text: str, where: str | None = None) -> Duration:
    match = _PATTERN.match(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise InputError(
            f"cannot read the duration {text!r}",
            where=where,
            expected="a number and a unit: days, weeks, months or years (e.g. '14 days')",
            got=text,
        )
    return Duration(Decimal(match.group(1)), unit)


def completed_years(birth: date, on: date) -> int:
    """Age in completed years on a day (a 29 February birthday falls on 28 February).

    Same answer as ``relativedelta(on, birth).years`` (docs/decisions/eligibility.md), without
    its cost: the birthday in a common year is 28 February.
    """
    month, day = birth.month, birth.day
    if (month, day) == (2, 29) and not calendar.isleap(on.year):
        day = 28
    return on.year - birth.year - ((on.month, on.day) < (month, day))
