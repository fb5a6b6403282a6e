"""Cytokine release syndrome grade: ASTCT 2019 consensus, with the CTCAE v5.0 grade alongside.

ASTCT: the grade is the worst of fever, hypotension and hypoxia. Fever (>= 38.0 C, no other
cause) is needed to call CRS at all, except once antipyretics or anti-cytokine therapy were
given: then hypotension and hypoxia alone decide. Vasopressin never makes "multiple
vasopressors". Organ toxicities are graded under CTCAE and do not change the CRS grade.
Tables and wording: ``data/crs/crs.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trialdesk.core.rules.crs._tables import CrsTables, crs_tables
from trialdesk.core.rules.crs.oxygen import OxygenSupport
from trialdesk.core.units import compare, convert
from trialdesk.errors import InputError

__all__ = ["CrsFindings", "CrsGrade", "OxygenSupport", "grade_crs"]


_POSITIVE_PRESSURE = frozenset(
    {OxygenSupport.CPAP, OxygenSupport.BIPAP, OxygenSupport.MECHANICAL_VENTILATION}
)


@dataclass(frozen=True, slots=True)
class CrsFindings:
    """What was seen at the worst moment of the episode."""

    temperature: Decimal | None = None
    temperature_unit: str = "Cel"
    fever: bool | None = None  # when no temperature is given
    antipyretic_or_anticytokine_given: bool = False
    hypotension: bool = False
    vasopressors: int = 0  # vasopressors other than vasopressin
    vasopressin: bool = False
    oxygen: OxygenSupport | str = OxygenSupport.NONE
    oxygen_flow_l_min: Decimal | None = None
    fio2_percent: Decimal | None = None  # only the CTCAE grade uses it
    life_threatening: bool = False  # CTCAE grade 4
    died_of_crs: bool = False


@dataclass(frozen=True, slots=True)
class CrsGrade:
    astct_grade: int
    ctcae_grade: int
    ctcae_is_lower_bound: bool  # True when more data (FiO2, clinical judgement) could raise it
    drivers: tuple[str, ...]
    rule: str
    ctcae_rule: str
    confirmation: str  # "confirmed" | "unconfirmed" (ASTCT grade 5 wording)
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "astct_grade": self.astct_grade,
            "ctcae_grade": self.ctcae_grade,
            "ctcae_is_lower_bound": self.ctcae_is_lower_bound,
            "drivers": list(self.drivers),
            "rule": self.rule,
            "ctcae_rule": self.ctcae_rule,
            "confirmation": self.confirmation,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "source": self.source,
        }


def grade_crs(findings: CrsFindings) -> CrsGrade:
    tables = crs_tables()
    _check(findings)
    oxygen = _oxygen(findings, tables)
    fever, fever_reason = _fever(findings, tables)
    astct, drivers, reasons = _astct(findings, oxygen, fever, fever_reason, tables)
    ctcae, lower_bound, ctcae_reasons = _ctcae(findings, oxygen, fever, tables)
    notes = list(_notes(findings, astct))
    confirmation = tables.astct_confirmation.get(astct, "confirmed")
    if confirmation != "confirmed":
        notes.append(f"ASTCT grade {astct} wording is unconfirmed against the primary source")
    return CrsGrade(
        astct_grade=astct,
        ctcae_grade=ctcae,
        ctcae_is_lower_bound=lower_bound,
        drivers=drivers,
        rule=f"ASTCT 2019 CRS grade {astct}: {tables.astct_text.get(astct, 'no CRS')}",
        ctcae_rule=f"CTCAE v5.0 CRS grade {ctcae}: {tables.ctcae_text.get(ctcae, 'none')}",
        confirmation=confirmation,
        reasons=tuple(reasons + ctcae_reasons),
        notes=tuple(notes),
        source=f"{tables.source_astct}; {tables.source_ctcae}",
    )


def _check(findings: CrsFindings) -> None:
    if findings.vasopressors < 0:
        raise InputError(
            "the number of vasopressors cannot be negative",
            where="vasopressors",
            expected="0 or more",
            got=str(findings.vasopressors),
        )


def _oxygen(findings: CrsFindings, tables: CrsTables) -> OxygenSupport:
    support = (
        findings.oxygen
        if isinstance(findings.oxygen, OxygenSupport)
        else OxygenSupport.parse(findings.oxygen)
    )
    cannula = (
        OxygenSupport.NASAL_CANNULA,
        OxygenSupport.LOW_FLOW_NASAL_CANNULA,
        OxygenSupport.HIGH_FLOW_NASAL_CANNULA,
    )
    flow = findings.oxygen_flow_l_min
    if support in cannula and flow is not None:
        # The flow rate, when given, decides low against high flow (ASTCT: low flow <= 6 L/min).
        low = compare(flow, tables.low_flow_max_l_min) <= 0
        return (
            OxygenSupport.LOW_FLOW_NASAL_CANNULA if low else OxygenSupport.HIGH_FLOW_NASAL_CANNULA
        )
    if support is OxygenSupport.NASAL_CANNULA:
        raise InputError(
            "a nasal cannula needs its flow rate to grade CRS",
            where="oxygen_flow_l_min",
            expected="the flow in L/min (<= 6 is low flow, > 6 is high flow)",
            hint="pass --flow, or say low-flow or high-flow",
        )
    return support


def _fever(findings: CrsFindings, tables: CrsTables) -> tuple[bool, str]:
    if findings.temperature is None:
        present = bool(findings.fever)
        return present, "fever reported" if present else "no fever reported"
    celsius = convert(findings.temperature, findings.temperature_unit, "Cel")
    present = compare(celsius, tables.fever_min_celsius) >= 0
    sign = ">=" if present else "<"
    shown = f"{celsius.quantize(Decimal('0.01')).normalize():f}"
    return present, f"temperature {shown} C {sign} {tables.fever_min_celsius} C"


def _hypotension_level(findings: CrsFindings) -> str:
    if findings.vasopressors >= 2:
        return "multiple_vasopressors"
    if findings.vasopressors == 1 or findings.vasopressin:
        return "one_vasopressor"
    return "no_vasopressor" if findings.hypotension else "none"


def _astct(
    findings: CrsFindings,
    oxygen: OxygenSupport,
    fever: bool,
    fever_reason: str,
    tables: CrsTables,
) -> tuple[int, tuple[str, ...], list[str]]:
    if findings.died_of_crs:
        return 5, ("death",), ["death due to CRS"]
    level = _hypotension_level(findings)
    parts = {
        "fever": 1 if fever else 0,
        "hypotension": tables.hypotension[level],
        "hypoxia": tables.oxygen_grade[oxygen],
    }
    reasons = [
        fever_reason,
        f"hypotension: {level.replace('_', ' ')} (grade {parts['hypotension']})",
        f"hypoxia: {tables.oxygen_label[oxygen]} (grade {parts['hypoxia']})",
    ]
    if findings.vasopressin and findings.vasopressors >= 1:
        reasons.append("vasopressin is not counted towards multiple vasopressors")
    if not fever and not findings.antipyretic_or_anticytokine_given:
        reasons.append(
            "no fever and no antipyretic or anti-cytokine therapy: ASTCT does not call this CRS"
        )
        return 0, (), reasons
    if not fever:
        reasons.append("after antipyretic or anti-cytokine therapy fever is not needed")
        parts["fever"] = 0
    grade = max(parts.values())
    drivers = tuple(name for name, value in parts.items() if value == grade and grade > 0)
    return grade, drivers, reasons


def _ctcae(
    findings: CrsFindings, oxygen: OxygenSupport, fever: bool, tables: CrsTables
) -> tuple[int, bool, list[str]]:
    if findings.died_of_crs:
        return 5, False, ["CTCAE: death"]
    if findings.life_threatening:
        return 4, False, ["CTCAE: life-threatening consequences, urgent intervention"]
    grades = [1 if fever else 0]
    lower_bound = False
    level = _hypotension_level(findings)
    if level in ("one_vasopressor", "multiple_vasopressors"):
        grades.append(3)
        lower_bound = lower_bound or level == "multiple_vasopressors"
    elif level == "no_vasopressor":
        grades.append(2)
    hypoxia, unsure = _ctcae_hypoxia(findings, oxygen, tables)
    grades.append(hypoxia)
    reasons = [f"CTCAE hypoxia grade {hypoxia}" + (" (needs FiO2 to settle)" if unsure else "")]
    return max(grades), lower_bound or unsure or oxygen in _POSITIVE_PRESSURE, reasons


def _ctcae_hypoxia(
    findings: CrsFindings, oxygen: OxygenSupport, tables: CrsTables
) -> tuple[int, bool]:
    if oxygen is OxygenSupport.NONE:
        return 0, False
    if findings.fio2_percent is None:
        return 2, True
    high = compare(findings.fio2_percent, tables.ctcae_fio2_threshold) >= 0
    return (3 if high else 2), False


def _notes(findings: CrsFindings, grade: int) -> tuple[str, ...]:
    notes = [
        "organ toxicities with CRS are graded separately under CTCAE v5.0 and do not change "
        "the CRS grade",
    ]
    if findings.hypotension or findings.vasopressors or findings.vasopressin:
        notes.append(
            "ASTCT gives no numeric threshold for hypotension; children need age-specific norms "
            "(paediatric thresholds unconfirmed)"
        )
    if grade and findings.temperature is None and findings.fever is None:
        notes.append("no temperature recorded")
    return tuple(notes)
