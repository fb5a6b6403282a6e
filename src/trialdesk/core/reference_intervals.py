"""Default age- and sex-specific reference intervals, for results that carry none of their own.

The table (``data/reference_intervals.toml``) holds one entry per analyte *and method*; a lookup
returns every method's interval for the child's age and sex, so that a rule can tell when the
choice of method would change its answer (and then ask for review rather than guess).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from trialdesk.core.record import Sex
from trialdesk.errors import ReferenceDataError

__all__ = ["DefaultInterval", "default_intervals"]

_DATA_FILE = "data/reference_intervals.toml"
_STATUSES = frozenset({"C1", "C2", "UNCONFIRMED"})


@dataclass(frozen=True, slots=True)
class DefaultInterval:
    analyte: str
    low: Decimal
    high: Decimal
    unit: str
    age_from: Decimal
    age_to: Decimal
    sex: str  # any | female | male
    method: str
    source: str
    status: str

    @property
    def confirmed(self) -> bool:
        return self.status != "UNCONFIRMED"

    def describe(self) -> str:
        sex = "" if self.sex == "any" else f" {self.sex}"
        return (
            f"{self.low}-{self.high} {self.unit} (age {self.age_from}-<{self.age_to} y{sex}; "
            f"{self.method}; {self.source}; {self.status})"
        )


@lru_cache(maxsize=1)
def _tables() -> dict[str, tuple[DefaultInterval, ...]]:
    text = resources.files("trialdesk.core").joinpath(_DATA_FILE).read_text("utf-8")
    by_analyte: dict[str, list[DefaultInterval]] = {}
    for index, table in enumerate(tomllib.loads(text).get("table", [])):
        for interval in _intervals_from(table, f"table[{index}]"):
            by_analyte.setdefault(interval.analyte, []).append(interval)
    return {key: tuple(value) for key, value in by_analyte.items()}


def _intervals_from(table: dict[str, Any], where: str) -> list[DefaultInterval]:
    missing = {"analyte", "method", "source", "status", "unit", "bands"} - set(table)
    if missing or table.get("status") not in _STATUSES:
        raise ReferenceDataError(
            "malformed reference-interval table",
            file=_DATA_FILE,
            where=where,
            expected=f"keys analyte, method, source, status ({sorted(_STATUSES)}), unit, bands",
            got=str(sorted(table)),
        )
    out = []
    for band in table["bands"]:
        age_from, age_to, sex, low, high = band
        out.append(
            DefaultInterval(
                analyte=table["analyte"],
                low=Decimal(str(low)),
                high=Decimal(str(high)),
                unit=table["unit"],
                age_from=Decimal(str(age_from)),
                age_to=Decimal(str(age_to)),
                sex=sex,
                method=table["method"],
                source=table["source"],
                status=table["status"],
            )
        )
    return out


def default_intervals(analyte_id: str, age_years: Decimal, sex: Sex) -> tuple[DefaultInterval, ...]:
    """Every default interval (one per method) that applies to this age and sex; maybe none."""
    wanted = sex.value  # once: Enum's ``value`` is a Python-level property
    return tuple(
        interval
        for interval in _tables().get(analyte_id, ())
        if interval.age_from <= age_years < interval.age_to
        and (interval.sex == "any" or interval.sex == wanted)
    )
