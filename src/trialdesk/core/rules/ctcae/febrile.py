"""CTCAE v5.0 Febrile neutropenia, from an absolute neutrophil count and a temperature.

Grade 3 is ANC < 1.0 x 10^9/L with one temperature > 38.3 Cel, or >= 38.0 Cel sustained for more
than an hour (``data/ctcae/febrile_neutropenia.toml``). One reading cannot show how long a fever
lasted: when ``sustained_over_1h`` is not given, a reading of 38.0-38.3 Cel is graded as if it
were sustained (the worst case, as for every "unknown" qualifier) and the result says that "no"
would give grade 0.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from trialdesk.core.analytes import analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.rules.ctcae.grading import Number, to_decimal
from trialdesk.core.rules.ctcae.intervals import plain
from trialdesk.core.rules.ctcae.results import GradeStatus, QualifierEffect, RuleHit, TermGrade
from trialdesk.core.units import canonical_unit, compare
from trialdesk.errors import ReferenceDataError

__all__ = ["grade_febrile_neutropenia"]

_FILE = "data/ctcae/febrile_neutropenia.toml"
_KEYS = {
    "term", "meddra", "grade3_text", "anc_below", "anc_unit", "single_above", "sustained_at_least",
}  # fmt: skip
_QUALIFIER = "fever_sustained_1h"


@dataclass(frozen=True, slots=True)
class _Rule:
    term: str
    meddra: str
    text: str
    anc_below: Decimal
    anc_unit: str
    single_above: dict[str, Decimal]
    sustained_at_least: dict[str, Decimal]


@lru_cache(maxsize=1)
def _rule() -> _Rule:
    table = tomllib.loads(resources.files("trialdesk.core").joinpath(_FILE).read_text("utf-8"))
    if set(table) != _KEYS:
        raise ReferenceDataError(
            "bad keys", file=_FILE, where="(top level)", expected=str(sorted(_KEYS)),
            got=str(sorted(table)),
        )  # fmt: skip

    def per_unit(key: str) -> dict[str, Decimal]:
        return {canonical_unit(u): Decimal(v) for u, v in table[key].items()}

    return _Rule(
        term=table["term"],
        meddra=table["meddra"],
        text=table["grade3_text"],
        anc_below=Decimal(table["anc_below"]),
        anc_unit=canonical_unit(table["anc_unit"]),
        single_above=per_unit("single_above"),
        sustained_at_least=per_unit("sustained_at_least"),
    )


def grade_febrile_neutropenia(
    anc: Number,
    anc_unit: str,
    temperature: Number,
    temperature_unit: str = "Cel",
    *,
    sustained_over_1h: bool | None = None,
    life_threatening: bool = False,
) -> TermGrade:
    """Grade 3 (or 4 when ``life_threatening``) when both criteria are met, else 0."""
    rule = _rule()
    neutrophils = analyte("neutrophils")
    count = convert_analyte(
        neutrophils, to_decimal(anc, where="anc"), canonical_unit(anc_unit), rule.anc_unit
    )
    t_unit = canonical_unit(temperature_unit)
    temp = to_decimal(temperature, where="temperature")
    if t_unit not in rule.single_above:
        temp = convert_analyte(analyte("temperature"), temp, t_unit, "Cel")
        t_unit = "Cel"
    single, sustained = rule.single_above[t_unit], rule.sustained_at_least[t_unit]
    shown = f"ANC {plain(count)} {rule.anc_unit}, temperature {plain(temp)} {t_unit}"

    def result(grade: int, reason: str, *effects: QualifierEffect) -> TermGrade:
        hit = None
        if grade:
            threshold = f"ANC < {rule.anc_below} {rule.anc_unit} and temperature " + (
                f"> {single} {t_unit}"
                if compare(temp, single) > 0
                else f">= {sustained} {t_unit} for > 1 h"
            )
            hit = RuleHit(rule.term, grade, rule.text, threshold, t_unit, temp)
        assumed = ((_QUALIFIER, "unknown"),) if sustained_over_1h is None else ()
        return TermGrade(
            rule.term, rule.meddra, GradeStatus.GRADED, grade, hit, reason, assumed, effects
        )

    if compare(count, rule.anc_below) >= 0:
        return result(0, f"{rule.term}: {shown}; the ANC is not below {rule.anc_below}.")
    fever_grade = 4 if life_threatening else 3
    if compare(temp, single) > 0:
        return result(fever_grade, f"{rule.term} grade {fever_grade}: {shown} meets '{rule.text}'.")
    if compare(temp, sustained) < 0:
        return result(0, f"{rule.term}: {shown}; no temperature criterion is met.")
    if sustained_over_1h is False:
        return result(0, f"{rule.term}: {shown}, not sustained for more than one hour.")
    if sustained_over_1h:
        return result(fever_grade, f"{rule.term} grade {fever_grade}: {shown}, sustained > 1 h.")
    return result(
        fever_grade,
        f"{rule.term} grade {fever_grade}: {shown}; assumed sustained for more than one hour "
        f"({_QUALIFIER}=unknown, the documented worst case; pass it to override).",
        QualifierEffect(_QUALIFIER, False, 0),
    )
