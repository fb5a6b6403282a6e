"""FHIR date, dateTime and instant values as :class:`FuzzyDate`.

A partial date ("2025", "2025-03") becomes the range of days it can mean. A dateTime with a
time and an offset keeps the calendar date written in its own offset: "2025-03-01T23:30:00-05:00"
is 1 March, because that is the day the clinician saw. Seconds may be left out of a time
(some feeds do); anything else that does not match FHIR's date grammar is an error.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache
from typing import Any

from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import FuzzyDate

__all__ = ["DATE_FORMAT", "choice_date", "fuzzy_date", "parse_fhir_date", "period_bounds"]

DATE_FORMAT = "a FHIR date YYYY, YYYY-MM, YYYY-MM-DD or dateTime YYYY-MM-DDThh:mm:ss[+zz:zz]"

_DATE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?"
    r"(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?)?)?)?"
)


@lru_cache(maxsize=4096)
def parse_fhir_date(text: str) -> FuzzyDate:
    """The days a FHIR date/dateTime/instant can mean; raises ValueError when it is invalid."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a FHIR date: {text!r}")
    try:
        return _days(text, int(match["y"]), match["m"], match["d"])
    except ValueError:  # a month 13 or a 30 February: the calendar refuses it
        raise ValueError(f"not a FHIR date: {text!r}") from None


def _days(text: str, year: int, month: str | None, day: str | None) -> FuzzyDate:
    if month is None:
        return FuzzyDate(date(year, 1, 1), date(year, 12, 31), text)
    if day is None:
        first = date(year, int(month), 1)
        last = calendar.monthrange(year, first.month)[1]
        return FuzzyDate(first, first.replace(day=last), text)
    exact = date(year, int(month), int(day))
    return FuzzyDate(exact, exact, exact.isoformat())


def fuzzy_date(value: Any, loc: Located, where: str, problems: Problems) -> FuzzyDate | None:
    """A date element, or None when absent; a bad one is recorded in ``problems``."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_fhir_date(value)
        except ValueError:
            pass
    problems.add(loc, where, "invalid date", DATE_FORMAT, repr(value))
    return None


def period_bounds(
    period: Any, loc: Located, where: str, problems: Problems
) -> tuple[FuzzyDate | None, FuzzyDate | None]:
    if not isinstance(period, dict):
        if period is not None:
            problems.add(loc, where, "a Period must be an object", "{start, end}", repr(period))
        return None, None
    start = fuzzy_date(period.get("start"), loc, join(where, "start"), problems)
    end = fuzzy_date(period.get("end"), loc, join(where, "end"), problems)
    return start, end


def choice_date(
    resource: dict[str, Any], prefix: str, loc: Located, problems: Problems
) -> FuzzyDate | None:
    """A ``<prefix>[x]`` date: dateTime, date, instant, or a Period's start (else its end)."""
    for suffix in ("DateTime", "Date", "Instant"):
        value = resource.get(prefix + suffix)
        if value is not None:
            if type(value) is str:  # the common case, without joining the path of a problem
                try:
                    return parse_fhir_date(value)
                except ValueError:
                    pass  # recorded below, with its path
            return fuzzy_date(value, loc, join(loc.where, prefix + suffix), problems)
    period = resource.get(prefix + "Period")
    if period is not None:
        start, end = period_bounds(period, loc, join(loc.where, prefix + "Period"), problems)
        return start or end
    return None
