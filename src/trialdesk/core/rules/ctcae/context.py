"""Everything a grading call needs besides the numbers: the analyte, its terms, the unit and the
clinical qualifiers with their defaults. Shared by the scalar and the vectorised path so that both
refuse the same inputs with the same errors.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from trialdesk.core.analytes import Analyte, analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.rules.ctcae.tables import (
    Band,
    QualifierDefault,
    TermRule,
    When,
    grading_tables,
)
from trialdesk.core.units import canonical_unit
from trialdesk.errors import InputError, ReferenceDataError, UnitError

__all__ = [
    "Allowed",
    "GradingContext",
    "allowed_answers",
    "band_conditions_hold",
    "gradable_analytes",
    "grading_context",
    "parse_qualifiers",
]

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})
_ONE = Decimal(1)

Allowed = Mapping[str, frozenset[bool]]  # qualifier -> the answers bands may assume


@dataclass(frozen=True, slots=True)
class GradingContext:
    analyte: Analyte
    unit: str  # canonical UCUM code of the reported value
    terms: tuple[TermRule, ...]
    qualifiers: Mapping[str, bool]  # what the caller said


def gradable_analytes() -> tuple[str, ...]:
    """Analyte ids that CTCAE v5.0 grading knows (see data/analytes.toml for aliases)."""
    return tuple(grading_tables().analytes)


def grading_context(
    name: str, unit: str, *, qualifiers: Mapping[str, bool] | None, term: str | None
) -> GradingContext:
    item = analyte(name)
    tables = grading_tables()
    keys = tables.analytes.get(item.id)
    if keys is None:
        raise ReferenceDataError(
            f"CTCAE v5.0 has no lab grading for {item.name}",
            expected="one of " + ", ".join(tables.analytes),
            got=name,
            hint="Grade the adverse event from clinical input instead.",
        )
    code = _checked_unit(item, unit, tables.refused_units.get(item.id, ()))
    rules = tuple(tables.terms[k] for k in keys)
    return GradingContext(item, code, _chosen(rules, term, item), _checked(qualifiers or {}))


def _checked_unit(item: Analyte, unit: str, refused: Iterable[str]) -> str:
    code = canonical_unit(unit)
    if code in refused:
        raise UnitError(
            f"{unit} cannot be graded for {item.name}: an equivalent of a divalent ion is "
            "half a millimole, and UCUM does not know the charge",
            expected=f"{item.unit} or another unit of concentration",
            got=unit,
            hint="Convert to mmol/L (mmol/L = meq/L / 2) or mg/dL.",
        )
    convert_analyte(item, _ONE, code)  # raises UnitError when the unit does not fit the analyte
    return code


def _chosen(rules: tuple[TermRule, ...], wanted: str | None, item: Analyte) -> tuple[TermRule, ...]:
    if wanted is None:
        return rules
    folded = wanted.strip().casefold()
    chosen = tuple(r for r in rules if folded in (r.term.casefold(), r.key))
    if not chosen:
        raise ReferenceDataError(
            f"{wanted!r} is not graded from {item.name}",
            expected="one of " + ", ".join(sorted({r.term for r in rules})),
            got=wanted,
        )
    return chosen


def _checked(qualifiers: Mapping[str, bool]) -> dict[str, bool]:
    known = grading_tables().qualifiers
    for name in qualifiers:
        if name not in known:
            raise InputError(
                f"unknown qualifier {name!r}",
                where="qualifiers",
                expected="one of " + ", ".join(known),
                got=name,
                hint=_did_you_mean(name, known),
            )
    return dict(qualifiers)


def parse_qualifiers(pairs: Iterable[str]) -> dict[str, bool]:
    """``["symptomatic=yes", "anticoagulation=no"]`` -> ``{"symptomatic": True, ...}``."""
    parsed: dict[str, bool] = {}
    for pair in pairs:
        name, sep, answer = pair.partition("=")
        folded = answer.strip().casefold()
        if not sep or folded not in _YES | _NO:
            raise InputError(
                "a qualifier is name=yes or name=no",
                where="--qualifier",
                expected="e.g. symptomatic=yes",
                got=pair,
            )
        parsed[name.strip()] = folded in _YES
    return _checked(parsed)


def allowed_answers(rule: TermRule, given: Mapping[str, bool]) -> dict[str, frozenset[bool]]:
    """For each qualifier of the term: the answer given, else what its default allows."""
    allowed: dict[str, frozenset[bool]] = {}
    for name in rule.qualifier_names:
        if name in given:
            allowed[name] = frozenset({given[name]})
        else:
            default = rule.defaults[name]
            allowed[name] = (
                frozenset({True, False})
                if default is QualifierDefault.UNKNOWN
                else frozenset({default is QualifierDefault.YES})
            )
    return allowed


def band_conditions_hold(band: Band, allowed: Allowed, *, baseline_abnormal: bool) -> bool:
    """Qualifier and baseline-state conditions; the value test is done by the caller."""
    if any(value not in allowed[name] for name, value in band.qualifiers):
        return False
    match band.when:
        case When.BASELINE_NORMAL:
            return not baseline_abnormal
        case When.BASELINE_ABNORMAL:
            return baseline_abnormal
        case _:
            return True


def _did_you_mean(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"Did you mean {', '.join(repr(c) for c in close)}?" if close else None
