"""The RECIST assessment input (docs/clinical-rules/recist.md, "Input"), validated strictly.

One document per subject: the treatment start, the baseline lesions, each follow-up time point
and the confirmation parameters. Unknown fields are refused, so a typo fails loudly; every
problem is reported at once with its JSON path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trialdesk.core.rules.recist.measurability import Lesion, LesionKind
from trialdesk.errors import InputError, Problem

__all__ = [
    "Assessments",
    "BaselineIn",
    "ConfirmationIn",
    "LesionIn",
    "Measurement",
    "NewLesionIn",
    "NonTargetStatus",
    "TimePointIn",
    "parse_assessments",
    "validation_problems",
]

NonTargetStatus = Literal["present", "absent", "progression", "not_evaluated"]
# A size in mm, "too_small" (RECIST: record 5 mm), "absent" (0 mm) or null (not assessed).
Measurement = Decimal | Literal["too_small", "absent"] | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LesionIn(_Strict):
    id: str = Field(min_length=1)
    organ: str = Field(min_length=1)
    nodal: bool = False
    method: str = "CT"
    slice_thickness_mm: Decimal | None = Field(default=None, gt=0)
    longest_diameter_mm: Decimal | None = Field(default=None, ge=0)
    short_axis_mm: Decimal | None = Field(default=None, ge=0)
    kind: LesionKind = LesionKind.SOLID
    previously_irradiated: bool = False
    progression_since_local_treatment: bool | None = None
    target: bool | None = None  # None: TrialDesk chooses the targets

    def as_lesion(self) -> Lesion:
        return Lesion(
            longest_diameter_mm=self.longest_diameter_mm,
            short_axis_mm=self.short_axis_mm,
            is_nodal=self.nodal,
            method=self.method,
            slice_thickness_mm=self.slice_thickness_mm,
            kind=self.kind,
            previously_irradiated=self.previously_irradiated,
            progression_since_local_treatment=self.progression_since_local_treatment,
            id=self.id,
            organ=self.organ,
        )


class BaselineIn(_Strict):
    date: date
    lesions: list[LesionIn] = Field(min_length=1)
    tumour_markers_normal: bool | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> BaselineIn:
        ids = [lesion.id for lesion in self.lesions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"lesion ids must be unique; repeated: {duplicates}")
        return self


class NewLesionIn(_Strict):
    id: str = Field(min_length=1)
    site: str | None = None
    # RECIST §4.3.5: an equivocal lesion is followed; once confirmed, PD dates from the first scan.
    equivocal: bool = False


class TimePointIn(_Strict):
    date: date
    measurements: dict[str, Measurement] = Field(default_factory=dict)
    non_targets: dict[str, NonTargetStatus] = Field(default_factory=dict)
    new_lesions: list[NewLesionIn] = Field(default_factory=list)
    tumour_markers_normal: bool | None = None


class ConfirmationIn(_Strict):
    required: bool = True
    interval_days: int = Field(default=28, ge=1)
    min_sd_days: int = Field(default=42, ge=0)
    max_ne_between: int = Field(default=1, ge=0)
    accept_sd_between: bool = False


class Assessments(_Strict):
    subject: str = Field(min_length=1)
    treatment_start: date
    baseline: BaselineIn
    timepoints: list[TimePointIn] = Field(default_factory=list)
    confirmation: ConfirmationIn = Field(default_factory=ConfirmationIn)

    @model_validator(mode="after")
    def _known_lesions_in_date_order(self) -> Assessments:
        known = {lesion.id for lesion in self.baseline.lesions}
        for index, point in enumerate(self.timepoints):
            unknown = sorted((set(point.measurements) | set(point.non_targets)) - known)
            if unknown:
                raise ValueError(
                    f"timepoints[{index}] names lesions not seen at baseline: {unknown}"
                )
        dates = [p.date for p in self.timepoints]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("timepoints must be in date order, one per date")
        if dates and dates[0] <= self.baseline.date:
            raise ValueError("every time point must come after the baseline date")
        return self


def parse_assessments(data: Mapping[str, Any], *, file: str | None = None) -> Assessments:
    """Validate a decoded JSON document; raises InputError listing every problem with its path."""
    try:
        return Assessments.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise InputError(
            f"the RECIST assessment has {len(problems)} problem(s)",
            file=file,
            where=problems[0].where,
            problems=problems,
            hint="See docs/clinical-rules/recist.md (Input) for the format and an example.",
        ) from None


def validation_problems(exc: ValidationError) -> list[Problem]:
    """Pydantic's errors as Problems whose ``where`` is a JSON path (``timepoints[0].date``)."""
    return [_problem(error) for error in exc.errors(include_url=False)]


def _problem(error: Mapping[str, Any]) -> Problem:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
    got = error.get("input")
    got_text = None if isinstance(got, dict | list) else repr(got)
    return Problem(where=where or "(document)", message=str(error["msg"]), got=got_text)
