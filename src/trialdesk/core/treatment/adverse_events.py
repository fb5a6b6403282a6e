"""Adverse-event entry by CTCAE v5.0 term, and the edit checks that raise data queries.

One record is one grade episode of one CTCAE term (a change of grade is a new record), so a
duration in the DLT definition is the time spent at that grade. Seriousness criteria are the
ICH E2A ones. Attribution is recorded per intervention of the protocol (NK cells, anti-GD2
antibody, standard chemotherapy) on the usual five-step scale.

Edit checks never change the data: each finding becomes a query for the coordinator
(core.study.data_queries has the workflow).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.core.protocol.treatment import Attribution, TreatmentPlan
from trialdesk.core.rules.ctcae import CtcaeTerm, term
from trialdesk.core.study.data_queries import QueryDraft
from trialdesk.errors import ReferenceDataError

__all__ = [
    "ACTIONS",
    "OUTCOMES",
    "SERIOUSNESS_CRITERIA",
    "AdverseEventEntry",
    "edit_checks",
    "interventions_of",
    "resolve_term",
]

# ICH E2A (1994), "Serious adverse event or reaction".
SERIOUSNESS_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)
Seriousness = Literal[
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
]
ACTIONS = ("none", "dose_reduced", "interrupted", "delayed", "withdrawn", "not_applicable")
Action = Literal["none", "dose_reduced", "interrupted", "delayed", "withdrawn", "not_applicable"]
OUTCOMES = (
    "recovered",
    "recovering",
    "not_recovered",
    "recovered_with_sequelae",
    "fatal",
    "unknown",
)
Outcome = Literal[
    "recovered", "recovering", "not_recovered", "recovered_with_sequelae", "fatal", "unknown"
]


class AdverseEventEntry(BaseModel):
    """What the coordinator records; checks run on it before and after it is saved."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: Annotated[str, Field(min_length=1)]  # CTCAE v5.0 term name or MedDRA code
    grade: Annotated[int, Field(ge=1, le=5)]
    onset: date
    resolved: date | None = None
    serious: bool = False
    seriousness: list[Seriousness] = Field(default_factory=list)
    attribution: dict[str, Attribution] = Field(default_factory=dict)  # intervention -> level
    action: Action | None = None
    outcome: Outcome | None = None
    aware_at: datetime | None = None  # when the site learnt of it (starts the SAE clock)
    description: str | None = None


def interventions_of(plan: TreatmentPlan) -> tuple[str, ...]:
    """The interventions that need an attribution, in protocol order, each once."""
    seen: list[str] = []
    for product in plan.products:
        if product.intervention not in seen:
            seen.append(product.intervention)
    return tuple(seen)


def resolve_term(name_or_code: str) -> CtcaeTerm | None:
    try:
        return term(name_or_code)
    except ReferenceDataError:
        return None


def edit_checks(entry: AdverseEventEntry, plan: TreatmentPlan) -> tuple[QueryDraft, ...]:
    found: list[QueryDraft] = []
    if entry.resolved is not None and entry.resolved < entry.onset:
        found.append(
            QueryDraft(
                "resolution_before_onset",
                "resolved",
                f"The resolution date {entry.resolved} is before the onset {entry.onset}. "
                "Please correct either date.",
            )
        )
    found.extend(_term_checks(entry))
    found.extend(
        QueryDraft(
            "missing_attribution",
            f"attribution.{name}",
            f"Attribution to {name} is missing: record unrelated, unlikely, possible, "
            "probable or definite.",
        )
        for name in interventions_of(plan)
        if name not in entry.attribution
    )
    unknown = sorted(set(entry.attribution) - set(interventions_of(plan)))
    if unknown:
        found.append(
            QueryDraft(
                "unknown_intervention",
                "attribution",
                f"Attribution names {unknown}, which are not interventions of this protocol "
                f"({', '.join(interventions_of(plan))}).",
            )
        )
    found.extend(_seriousness_checks(entry))
    found.extend(_outcome_checks(entry))
    return tuple(found)


def _term_checks(entry: AdverseEventEntry) -> list[QueryDraft]:
    known = resolve_term(entry.term)
    if known is None:
        return [
            QueryDraft(
                "unknown_term",
                "term",
                f"{entry.term!r} is not a CTCAE v5.0 term. Pick the term from the list "
                "(search by name or MedDRA code).",
            )
        ]
    if entry.grade not in known.allowed_grades:
        allowed = ", ".join(str(g) for g in known.allowed_grades)
        return [
            QueryDraft(
                "grade_not_allowed",
                "grade",
                f"Grade {entry.grade} does not exist for {known.name!r} in CTCAE v5.0 "
                f"(allowed grades: {allowed}). Please check the grade.",
            )
        ]
    return []


def _seriousness_checks(entry: AdverseEventEntry) -> list[QueryDraft]:
    found: list[QueryDraft] = []
    if entry.serious and not entry.seriousness:
        found.append(
            QueryDraft(
                "serious_without_criterion",
                "seriousness",
                "The event is marked serious but no seriousness criterion is ticked.",
            )
        )
    if entry.seriousness and not entry.serious:
        found.append(
            QueryDraft(
                "criterion_without_serious",
                "serious",
                f"Seriousness criteria {sorted(entry.seriousness)} are ticked but the event is "
                "not marked serious.",
            )
        )
    if entry.grade == 5 and "death" not in entry.seriousness:
        found.append(
            QueryDraft(
                "grade5_not_serious",
                "seriousness",
                "A grade 5 event (death) must be serious with the criterion 'death'.",
            )
        )
    return found


def _outcome_checks(entry: AdverseEventEntry) -> list[QueryDraft]:
    found: list[QueryDraft] = []
    if (entry.grade == 5) != (entry.outcome == "fatal") and entry.outcome is not None:
        found.append(
            QueryDraft(
                "grade5_outcome_mismatch",
                "outcome",
                f"Grade {entry.grade} with outcome {entry.outcome!r}: grade 5 and a fatal "
                "outcome go together.",
            )
        )
    if entry.outcome in ("recovered", "recovered_with_sequelae") and entry.resolved is None:
        found.append(
            QueryDraft(
                "recovered_without_date",
                "resolved",
                "The outcome says recovered but the resolution date is missing.",
            )
        )
    if entry.resolved is not None and entry.outcome in ("not_recovered", "recovering"):
        found.append(
            QueryDraft(
                "resolved_but_ongoing",
                "outcome",
                f"A resolution date is recorded but the outcome is {entry.outcome!r}.",
            )
        )
    return found
