"""RECIST 1.1 for one subject: baseline, every time point, and the best overall response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trialdesk.core.rules.recist.assessment import Assessments, parse_assessments
from trialdesk.core.rules.recist.baseline import Baseline, classify_baseline
from trialdesk.core.rules.recist.best_response import BestResponse, best_overall_response
from trialdesk.core.rules.recist.tables import Confirmation, response_tables
from trialdesk.core.rules.recist.timepoint import TimePointResult, evaluate_timepoints

__all__ = ["RecistResult", "evaluate_recist"]

# RECIST §3: baseline imaging never more than 4 weeks before the start of treatment.
_BASELINE_WINDOW_DAYS = 28


@dataclass(frozen=True, slots=True)
class RecistResult:
    subject: str
    baseline: Baseline
    timepoints: tuple[TimePointResult, ...]
    best_overall_response: BestResponse  # as the protocol's confirmation setting asks
    best_confirmed: BestResponse
    best_unconfirmed: BestResponse
    confirmation: Confirmation
    warnings: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "criteria": "RECIST 1.1",
            "source": self.source,
            "confirmation_status": "confirmed",
            "subject": self.subject,
            "baseline": {
                "sum_mm": _text(self.baseline.sum_mm),
                "targets_chosen_by": self.baseline.chosen_by,
                "lesions": [lesion.to_dict() for lesion in self.baseline.lesions],
            },
            "timepoints": [point.to_dict() for point in self.timepoints],
            "best_overall_response": self.best_overall_response.to_dict(),
            "best_overall_response_confirmed": self.best_confirmed.to_dict(),
            "best_overall_response_unconfirmed": self.best_unconfirmed.to_dict(),
            "parameters": self.confirmation.to_dict(),
            "warnings": list(self.warnings),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def evaluate_recist(
    assessments: Assessments | Mapping[str, Any], *, file: str | None = None
) -> RecistResult:
    """RECIST 1.1 response of one subject; a mapping is validated first (InputError on problems)."""
    if not isinstance(assessments, Assessments):
        assessments = parse_assessments(assessments, file=file)
    baseline = classify_baseline(assessments.baseline, file=file)
    points = evaluate_timepoints(assessments, baseline)
    c = assessments.confirmation
    confirmation = Confirmation(
        c.required, c.interval_days, c.min_sd_days, c.max_ne_between, c.accept_sd_between
    )
    non_target_only = not baseline.targets
    confirmed = best_overall_response(
        points, _with(confirmation, True), non_target_only=non_target_only
    )
    unconfirmed = best_overall_response(
        points, _with(confirmation, False), non_target_only=non_target_only
    )
    return RecistResult(
        subject=assessments.subject,
        baseline=baseline,
        timepoints=points,
        best_overall_response=confirmed if confirmation.required else unconfirmed,
        best_confirmed=confirmed,
        best_unconfirmed=unconfirmed,
        confirmation=confirmation,
        warnings=_warnings(assessments, baseline),
        source=response_tables().source,
    )


def _with(confirmation: Confirmation, required: bool) -> Confirmation:
    c = confirmation
    return Confirmation(
        required, c.interval_days, c.min_sd_days, c.max_ne_between, c.accept_sd_between
    )


def _warnings(assessments: Assessments, baseline: Baseline) -> tuple[str, ...]:
    warnings: list[str] = []
    lead = (assessments.treatment_start - assessments.baseline.date).days
    if lead > _BASELINE_WINDOW_DAYS:
        warnings.append(
            f"baseline imaging was {lead} days before the start of treatment; RECIST asks for "
            f"no more than 4 weeks ({_BASELINE_WINDOW_DAYS} days)"
        )
    if lead < 0:
        warnings.append("baseline imaging is after the start of treatment")
    if not baseline.targets:
        warnings.append("no measurable target lesion: non-target disease only (RECIST Table 2)")
    warnings.extend(f"{lesion.id}: {lesion.note}" for lesion in baseline.lesions if lesion.note)
    return tuple(warnings)
