"""INRC 2017 overall response of one reassessment: the three components combined.

Park 2017 Table 5 could not be read; the combination below follows the overall criteria as the
NCI PDQ summary states them (CR, PR, MR, SD, PD), plus the decisions in docs/decisions/response.md.
Every result says which rule decided it and lists the items behind it that are not confirmed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.core.rules.inrc.assessment import InrcAssessment, parse_inrc_assessment
from trialdesk.core.rules.inrc.components import (
    ComponentResult,
    Response,
    evaluate_marrow,
    evaluate_metastases,
    evaluate_primary,
)
from trialdesk.core.rules.inrc.tables import InrcTables, inrc_tables

__all__ = ["InrcResult", "combine", "evaluate_inrc"]

# Overall responses that the minimal-disease decision can change (docs/decisions/response.md).
_MD_MATTERS = frozenset({Response.PR, Response.MR, Response.SD})


@dataclass(frozen=True, slots=True)
class InrcResult:
    subject: str
    date: datetime.date
    baseline_date: datetime.date
    components: tuple[ComponentResult, ...]
    overall: Response
    rule: str
    rule_text: str
    reasons: tuple[str, ...]
    not_confirmed: tuple[str, ...]  # the overall rule's items plus every component's
    notes: tuple[str, ...]
    source: str
    version: str

    @property
    def confirmed(self) -> bool:
        return not self.not_confirmed

    @property
    def confirmation(self) -> str:
        return "confirmed" if self.confirmed else "unconfirmed: " + ", ".join(self.not_confirmed)

    def component(self, name: str) -> ComponentResult:
        return next(c for c in self.components if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "criteria": self.version,
            "source": self.source,
            "subject": self.subject,
            "baseline_date": self.baseline_date.isoformat(),
            "date": self.date.isoformat(),
            "components": [c.to_dict() for c in self.components],
            "overall": {
                "response": str(self.overall),
                "rule": self.rule,
                "rule_text": self.rule_text,
                "confirmed": self.confirmed,
                "not_confirmed": list(self.not_confirmed),
                "reasons": list(self.reasons),
            },
            "notes": list(self.notes),
        }


def evaluate_inrc(
    assessment: InrcAssessment | Mapping[str, Any], *, file: str | None = None
) -> InrcResult:
    """INRC 2017 response at one reassessment; a mapping is validated first (InputError)."""
    if not isinstance(assessment, InrcAssessment):
        assessment = parse_inrc_assessment(assessment, file=file)
    tables = inrc_tables()
    components = (
        evaluate_primary(assessment.primary, tables),
        evaluate_metastases(assessment.metastases, assessment.mibg_avid, tables),
        evaluate_marrow(assessment.marrow, tables),
    )
    overall, rule, reasons = combine(components)
    decided: list[str] = []
    md = tables.decisions["minimal_disease_in_overall"]
    if overall in _MD_MATTERS and any(c.response is Response.MD for c in components):
        decided.append(f"decisions.{md.name} ({md.status})")
    not_confirmed = _unique(
        (*tables.basis(rule), *decided, *(item for c in components for item in c.not_confirmed))
    )
    return InrcResult(
        subject=assessment.subject,
        date=assessment.date,
        baseline_date=assessment.baseline_date,
        components=components,
        overall=overall,
        rule=rule,
        rule_text=tables.rules[rule].text,
        reasons=reasons,
        not_confirmed=not_confirmed,
        notes=_notes(components, tables),
        source=tables.source,
        version=tables.version,
    )


def combine(components: tuple[ComponentResult, ...]) -> tuple[Response, str, tuple[str, ...]]:
    """The overall response, the rule that decided it, and why."""
    involved = [c for c in components if c.response is not Response.NI]
    named = tuple(f"{c.name}: {c.response}" for c in components)
    if any(c.response is Response.PD for c in involved):
        return Response.PD, "overall_pd", named
    if any(c.response is Response.NE for c in involved):
        return Response.NE, "overall_ne", named
    if not involved:
        # Nothing involved at baseline and nothing now: no disease to respond.
        return Response.NE, "overall_ne", (*named, "no component was involved at baseline")
    if all(c.response is Response.CR for c in involved):
        return Response.CR, "overall_cr", named
    responding = [c for c in involved if _responds(c)]
    stable = [c for c in involved if c.response is Response.SD]
    if not stable:
        if responding and not any(c.response is Response.PR for c in involved):
            # Every involved component CR except marrow MD: no component is PR.
            return Response.PR, "overall_pr_cr_with_marrow_md", named
        if responding:
            return Response.PR, "overall_pr", named
        # Only marrow MD from a baseline <= 5 %: no component improved.
        return Response.SD, "overall_sd", named
    if responding:
        return Response.MR, "overall_mr", named
    return Response.SD, "overall_sd", named


def _responds(c: ComponentResult) -> bool:
    return c.response in (Response.CR, Response.PR) or (
        c.response is Response.MD and c.improved_into_md
    )


def _notes(components: tuple[ComponentResult, ...], tables: InrcTables) -> tuple[str, ...]:
    notes = [f"{c.name}: {line}" for c in components for line in c.review]
    notes.append(
        f"{tables.version}: {tables.confirmation_status}. Any result with 'confirmed': false "
        "depends on an unconfirmed threshold or on a TrialDesk decision; have a "
        "clinician check it (docs/clinical-rules/inrc.md)."
    )
    return tuple(notes)


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
