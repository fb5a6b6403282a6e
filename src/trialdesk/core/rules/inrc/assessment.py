"""The INRC assessment input (docs/clinical-rules/inrc.md, "Input"), validated strictly.

One document compares one reassessment with the baseline: the primary tumour, the soft-tissue
and bone metastases, and the bone marrow. A component left out (``null``) was not assessed.
Unknown fields are refused and every problem is reported at once with its JSON path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trialdesk.core.rules.recist.assessment import validation_problems
from trialdesk.errors import InputError

__all__ = [
    "BoneIn",
    "InrcAssessment",
    "MarrowIn",
    "MetastasesIn",
    "NewLesionIn",
    "PrimaryIn",
    "SoftTissueIn",
    "parse_inrc_assessment",
]

# Uptake at a site now, against baseline, on MIBG (or FDG-PET for MIBG-non-avid tumour).
Uptake = Literal["resolved", "decreased", "stable", "increased"]
NonTargets = Literal["absent", "stable_or_smaller", "progression", "none_at_baseline"]
Evidence = Literal["mibg_avid", "fdg_avid", "biopsy_proven", "anatomic_only", "equivocal"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrimaryIn(_Strict):
    """Longest diameter (LD) of the primary tumour, RECIST-style, in mm."""

    present_at_baseline: bool = True
    baseline_longest_diameter_mm: Decimal | None = Field(default=None, ge=0)
    # Smallest LD on study before now, baseline included; defaults to the baseline LD.
    nadir_longest_diameter_mm: Decimal | None = Field(default=None, ge=0)
    longest_diameter_mm: Decimal | None = Field(default=None, ge=0)
    uptake: Uptake | None = None

    @model_validator(mode="after")
    def _baseline_when_present(self) -> PrimaryIn:
        if self.present_at_baseline and self.baseline_longest_diameter_mm is None:
            raise ValueError("baseline_longest_diameter_mm is needed when present_at_baseline")
        return self


class SoftTissueIn(_Strict):
    """Non-primary soft-tissue disease: targets as a RECIST sum of diameters, in mm."""

    baseline_sum_mm: Decimal = Field(ge=0)
    nadir_sum_mm: Decimal | None = Field(default=None, ge=0)
    sum_mm: Decimal | None = Field(default=None, ge=0)
    # True when every non-primary lesion is < 10 mm (nodes: short axis < 10 mm).
    all_lesions_below_10_mm: bool | None = None
    non_targets: NonTargets = "none_at_baseline"
    uptake: Uptake | None = None


# Curie: 10 regions scored 0-3; SIOPEN: 12 skeletal segments scored 0-6 (clinical-rules.md §3).
_MAX_SCORE = {"mibg_curie": 30, "mibg_siopen": 72}


class BoneIn(_Strict):
    """Bone (osteomedullary) disease: MIBG score (Curie or SIOPEN) or FDG-avid lesion count."""

    method: Literal["mibg_curie", "mibg_siopen", "fdg_pet"]
    baseline_score: Decimal | None = Field(default=None, ge=0)
    score: Decimal | None = Field(default=None, ge=0)
    baseline_avid_lesions: int | None = Field(default=None, ge=0)
    avid_lesions: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _fields_of_method(self) -> BoneIn:
        if self.method == "fdg_pet":
            if self.baseline_avid_lesions is None:
                raise ValueError("fdg_pet needs baseline_avid_lesions")
            if self.baseline_score is not None or self.score is not None:
                raise ValueError("fdg_pet counts avid lesions; leave baseline_score/score out")
        else:
            if self.baseline_score is None:
                raise ValueError(f"{self.method} needs baseline_score")
            if self.baseline_avid_lesions is not None or self.avid_lesions is not None:
                raise ValueError("MIBG is scored; leave baseline_avid_lesions/avid_lesions out")
            top = _MAX_SCORE[self.method]
            too_high = [s for s in (self.baseline_score, self.score) if s is not None and s > top]
            if too_high:
                raise ValueError(f"{self.method} scores run from 0 to {top}; got {too_high[0]}")
        return self


class NewLesionIn(_Strict):
    site: Literal["soft_tissue", "bone"]
    evidence: Evidence
    description: str | None = None


class MetastasesIn(_Strict):
    soft_tissue: SoftTissueIn | None = None
    bone: BoneIn | None = None
    new_lesions: list[NewLesionIn] = Field(default_factory=list)


class MarrowIn(_Strict):
    """Percent tumour infiltration (histology/IHC and cytology/immunocytology; the worst)."""

    baseline_percent: Decimal | None = Field(default=None, ge=0, le=100)
    percent: Decimal | None = Field(default=None, ge=0, le=100)
    method: str | None = None
    # INRC CR asks for no tumour in two biopsies and two aspirates taken at one time point.
    two_biopsies_two_aspirates: bool | None = None


class InrcAssessment(_Strict):
    subject: str = Field(min_length=1)
    baseline_date: date
    date: date
    mibg_avid: bool = True
    primary: PrimaryIn | None = None
    metastases: MetastasesIn | None = None
    marrow: MarrowIn | None = None

    @model_validator(mode="after")
    def _reassessment_after_baseline(self) -> InrcAssessment:
        if self.date <= self.baseline_date:
            raise ValueError("date (the reassessment) must come after baseline_date")
        return self


def parse_inrc_assessment(data: Mapping[str, Any], *, file: str | None = None) -> InrcAssessment:
    """Validate an INRC assessment; every problem is reported at once (InputError)."""
    try:
        return InrcAssessment.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise InputError(
            f"the INRC assessment has {len(problems)} problem(s)",
            file=file,
            expected="the INRC assessment format (docs/clinical-rules/inrc.md, 'Input')",
            hint="fix every problem listed, then run again",
            problems=problems,
        ) from None
