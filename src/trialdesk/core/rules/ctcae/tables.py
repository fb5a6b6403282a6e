"""The lab-grading table (``data/ctcae/lab_grading.toml``), read once and validated strictly.

Every problem names the file and the entry (``[terms.anemia].bands[2]``); the header of the data
file defines each key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

from trialdesk.core.rules.ctcae.intervals import Interval, Measure, parse_interval
from trialdesk.core.units import canonical_unit
from trialdesk.errors import ReferenceDataError

__all__ = [
    "Band",
    "Direction",
    "GradingTables",
    "QualifierDefault",
    "TermRule",
    "When",
    "grading_tables",
]

DATA_FILE = "data/ctcae/lab_grading.toml"
_TOP_KEYS = {"source", "version", "interpretation", "qualifiers", "analytes", "refused_units"}
_TERM_REQUIRED = {"term", "meddra", "direction", "confirmation", "bands"}
_TERM_OPTIONAL = {"units", "gradable", "reason", "defaults", "baseline_required_if", "note"}
_BAND_REQUIRED = {"grade", "text", "interval"}
_BAND_OPTIONAL = {"of", "when", "qualifiers"}


class Direction(StrEnum):
    LOW = "low"
    HIGH = "high"


class When(StrEnum):
    BASELINE_NORMAL = "baseline_normal"
    BASELINE_ABNORMAL = "baseline_abnormal"
    BASELINE_GIVEN = "baseline_given"


class QualifierDefault(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # bands needing either answer apply: the higher grade wins


_E = TypeVar("_E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Band:
    grade: int
    text: str
    intervals: Mapping[str, Interval]  # UCUM unit -> interval; "" = any unit (unit-free)
    measure: Measure
    when: When | None
    qualifiers: tuple[tuple[str, bool], ...]

    limits: frozenset[str] = frozenset()  # LLN/ULN the band needs; set by the loader

    def interval_in(self, unit: str) -> Interval:
        return self.intervals.get(unit) or self.intervals[""]

    def tokens(self) -> frozenset[str]:
        """The reference limits (``LLN``/``ULN``) the band needs (computed once, on load)."""
        return self.limits


def _limits(intervals: Mapping[str, Interval], measure: Measure) -> frozenset[str]:
    found: set[str] = set()
    for interval in intervals.values():
        found |= interval.tokens
    if measure is Measure.ULN:
        found.add("ULN")
    if measure is Measure.LLN:
        found.add("LLN")
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class TermRule:
    key: str
    term: str
    meddra: str
    direction: Direction
    units: tuple[str, ...]
    gradable: bool
    reason: str | None
    defaults: Mapping[str, QualifierDefault]
    baseline_required_if: str | None
    confirmation: str
    note: str | None
    bands: tuple[Band, ...]

    @property
    def needs(self) -> frozenset[str]:
        """Reference limits (``LLN``/``ULN``) any band of this term uses."""
        found: set[str] = set()
        for band in self.bands:
            found |= band.tokens()
        return frozenset(found)

    @property
    def qualifier_names(self) -> tuple[str, ...]:
        names = {name for band in self.bands for name, _ in band.qualifiers}
        return tuple(sorted(names))

    def grading_unit(self, reported: str) -> str:
        """Grade in the reported unit when CTCAE prints cut-offs in it, else in the primary unit."""
        if not self.units or reported in self.units:
            return reported
        return self.units[0]


@dataclass(frozen=True, slots=True)
class GradingTables:
    source: str
    version: str
    qualifiers: Mapping[str, str]
    analytes: Mapping[str, tuple[str, ...]]
    refused_units: Mapping[str, tuple[str, ...]]
    terms: Mapping[str, TermRule]


@lru_cache(maxsize=1)
def grading_tables() -> GradingTables:
    text = resources.files("trialdesk.core").joinpath(DATA_FILE).read_text("utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"cannot read the grading table: {exc}", file=DATA_FILE) from exc
    return _tables_from(table)


def _tables_from(table: dict[str, Any]) -> GradingTables:
    _keys(table, required=_TOP_KEYS | {"terms"}, optional=set(), where="(top level)")
    qualifiers = {str(k): str(v) for k, v in table["qualifiers"].items()}
    terms = {key: _term(key, entry, qualifiers) for key, entry in table["terms"].items()}
    analytes = {str(k): tuple(v) for k, v in table["analytes"].items()}
    for analyte_id, keys in analytes.items():
        unknown = [k for k in keys if k not in terms]
        if unknown:
            raise _error(f"unknown terms {unknown}", f"[analytes].{analyte_id}")
    refused = {
        str(k): tuple(canonical_unit(u) for u in v) for k, v in table["refused_units"].items()
    }
    return GradingTables(
        source=str(table["source"]),
        version=str(table["version"]),
        qualifiers=qualifiers,
        analytes=analytes,
        refused_units=refused,
        terms=terms,
    )


def _term(key: str, entry: dict[str, Any], qualifiers: Mapping[str, str]) -> TermRule:
    where = f"[terms.{key}]"
    _keys(entry, required=_TERM_REQUIRED, optional=_TERM_OPTIONAL, where=where)
    units = tuple(canonical_unit(u) for u in entry.get("units", ()))
    defaults = {
        name: _choice(QualifierDefault, value, f"{where}.defaults.{name}")
        for name, value in entry.get("defaults", {}).items()
    }
    bands = tuple(
        _band(band, units, f"{where}.bands[{i}]") for i, band in enumerate(entry["bands"])
    )
    rule = TermRule(
        key=key,
        term=str(entry["term"]),
        meddra=str(entry["meddra"]),
        direction=_choice(Direction, entry["direction"], f"{where}.direction"),
        units=units,
        gradable=bool(entry.get("gradable", True)),
        reason=entry.get("reason"),
        defaults=defaults,
        baseline_required_if=entry.get("baseline_required_if"),
        confirmation=str(entry["confirmation"]),
        note=entry.get("note"),
        bands=bands,
    )
    _check_qualifiers(rule, qualifiers, where)
    return rule


def _band(entry: dict[str, Any], units: tuple[str, ...], where: str) -> Band:
    _keys(entry, required=_BAND_REQUIRED, optional=_BAND_OPTIONAL, where=where)
    grade = entry["grade"]
    if not isinstance(grade, int) or not 1 <= grade <= 5:
        raise _error("bad grade", where, expected="an integer 1..5", got=repr(grade))
    measure = _choice(Measure, entry.get("of", "value"), f"{where}.of")
    when = entry.get("when")
    intervals = _intervals(entry["interval"], units, measure, where)
    return Band(
        grade=grade,
        text=str(entry["text"]),
        intervals=intervals,
        measure=measure,
        when=None if when is None else _choice(When, when, f"{where}.when"),
        qualifiers=tuple((str(k), bool(v)) for k, v in entry.get("qualifiers", {}).items()),
        limits=_limits(intervals, measure),
    )


def _intervals(
    raw: str | dict[str, str], units: tuple[str, ...], measure: Measure, where: str
) -> dict[str, Interval]:
    if isinstance(raw, str):
        interval = parse_interval(raw, file=DATA_FILE, where=f"{where}.interval")
        # Plain numbers on the value itself are only unambiguous when the term has one unit.
        if measure is Measure.VALUE and interval.has_numbers and len(units) != 1:
            raise _error("give this interval per unit", where, expected=f"a table over {units}")
        key = units[0] if measure is Measure.VALUE and interval.has_numbers else ""
        return {key: interval}
    parsed = {
        canonical_unit(unit): parse_interval(text, file=DATA_FILE, where=f"{where}.interval")
        for unit, text in raw.items()
    }
    if set(parsed) != set(units):
        raise _error("interval units differ from the term's units", where, expected=str(units))
    return parsed


def _check_qualifiers(rule: TermRule, known: Mapping[str, str], where: str) -> None:
    used = set(rule.qualifier_names) | set(rule.defaults)
    if rule.baseline_required_if:
        used.add(rule.baseline_required_if)
    unknown = used - set(known)
    if unknown:
        raise _error(f"unknown qualifiers {sorted(unknown)}", where, expected=str(sorted(known)))
    undefaulted = set(rule.qualifier_names) - set(rule.defaults)
    if undefaulted:
        raise _error(f"qualifiers without a default {sorted(undefaulted)}", f"{where}.defaults")


def _choice(kind: type[_E], value: Any, where: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        raise _error(
            "unknown value", where, expected=str([m.value for m in kind]), got=repr(value)
        ) from None


def _keys(entry: Mapping[str, Any], *, required: set[str], optional: set[str], where: str) -> None:
    missing, unknown = required - set(entry), set(entry) - required - optional
    if missing or unknown:
        raise _error(
            f"bad keys (missing {sorted(missing)}, unknown {sorted(unknown)})",
            where,
            expected=str(sorted(required | optional)),
        )


def _error(
    message: str, where: str, *, expected: str | None = None, got: str | None = None
) -> ReferenceDataError:
    return ReferenceDataError(message, file=DATA_FILE, where=where, expected=expected, got=got)
