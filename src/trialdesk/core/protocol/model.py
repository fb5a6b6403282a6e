"""The protocol as data: registry facts, eligibility criteria, recency windows, study parameters.

Validated strictly (unknown keys are errors). An amendment is a new ``protocol_version`` that
names the version it ``supersedes``; a version is never edited in place.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trialdesk.core.durations import Duration, parse_duration
from trialdesk.core.protocol.treatment import TreatmentPlan

__all__ = [
    "Arm",
    "Contact",
    "CriterionSpec",
    "Eligibility",
    "Enrollment",
    "Intervention",
    "Location",
    "Outcome",
    "Outcomes",
    "ProtocolModel",
    "RecencyWindows",
    "Registry",
    "RegistryDates",
    "Sponsor",
    "StudyParameters",
    "Summary",
    "ValueSetSpec",
]

CRITERION_ID = re.compile(r"^(inc|exc)-[a-z0-9][a-z0-9-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sponsor(Strict):
    name: str
    class_: str | None = Field(default=None, alias="class")
    about: str | None = None


class RegistryDates(Strict):
    first_submitted: date | None = None
    first_posted: date | None = None
    start: date | None = None
    start_type: Literal["ACTUAL", "ESTIMATED"] | None = None
    primary_completion: date | None = None
    primary_completion_type: Literal["ACTUAL", "ESTIMATED"] | None = None
    completion: date | None = None
    completion_type: Literal["ACTUAL", "ESTIMATED"] | None = None
    last_update: date | None = None
    current_as_of: date | None = None


class Enrollment(Strict):
    target: Annotated[int, Field(gt=0)]
    type: Literal["ACTUAL", "ESTIMATED"] | None = None


class Eligibility(Strict):
    min_age: str | None = None
    max_age: str | None = None
    sex: Literal["ALL", "FEMALE", "MALE"] = "ALL"
    healthy_volunteers: bool | None = None
    criteria_text: str | None = None


class Contact(Strict):
    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    affiliation: str | None = None


class Location(Strict):
    facility: str
    city: str | None = None
    state: str | None = None
    country: str | None = None
    status: str | None = None


class Outcome(Strict):
    measure: str
    time_frame: str | None = None
    description: str | None = None


class Outcomes(Strict):
    primary: list[Outcome] = Field(default_factory=list)
    secondary: list[Outcome] = Field(default_factory=list)


class Arm(Strict):
    label: str
    type: str | None = None
    description: str | None = None
    interventions: list[str] = Field(default_factory=list)


class Intervention(Strict):
    type: str | None = None
    name: str
    description: str | None = None


class Summary(Strict):
    brief: str | None = None
    detailed: str | None = None


class Registry(Strict):
    nct_id: Annotated[str, Field(pattern=r"^NCT\d{8}$")]
    brief_title: str
    official_title: str | None = None
    acronym: str | None = None
    sponsor: Sponsor
    collaborators: list[str] = Field(default_factory=list)
    phases: list[str] = Field(default_factory=list)
    overall_status: str
    study_type: str | None = None
    dates: RegistryDates = Field(default_factory=RegistryDates)
    enrollment: Enrollment
    eligibility: Eligibility = Field(default_factory=Eligibility)
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    arms: list[Arm] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    field_sources: dict[str, str] = Field(default_factory=dict)


_WINDOW_CATEGORIES = (
    "lab",
    "vital",
    "echo",
    "imaging",
    "test",
    "attestation",
    "performance",
    "disease_status",
    "treatment_phase",
    "life_expectancy",
)


class RecencyWindows(Strict):
    """How old a datum may be on the as-of date, per kind of datum."""

    lab: str = "14 days"
    vital: str = "14 days"
    echo: str = "42 days"
    imaging: str = "28 days"
    test: str = "90 days"
    attestation: str = "30 days"
    performance: str = "14 days"
    disease_status: str = "90 days"
    treatment_phase: str = "90 days"
    life_expectancy: str = "30 days"

    @field_validator(*_WINDOW_CATEGORIES)
    @classmethod
    def _is_duration(cls, value: str) -> str:
        duration = parse_duration(value)
        if duration.amount <= 0:
            raise ValueError("a recency window must be longer than zero")
        return value

    def window(self, category: str) -> Duration:
        return _cached_duration(str(getattr(self, category)))


@lru_cache(maxsize=256)
def _cached_duration(text: str) -> Duration:
    return parse_duration(text)


class ValueSetSpec(Strict):
    title: str
    codes: Annotated[list[str], Field(min_length=1)]
    source: str | None = None
    note: str | None = None


class CriterionSpec(Strict):
    id: Annotated[str, Field(pattern=CRITERION_ID.pattern)]
    kind: Literal["inclusion", "exclusion"]
    text: str
    rule: str
    interpretation: str | None = None
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None
    source_span: tuple[int, int] | None = None
    plain: dict[str, str] | None = None  # plain-language wording per language, for families

    @model_validator(mode="after")
    def _prefix_matches_kind(self) -> CriterionSpec:
        if self.id[:3] != self.kind[:3]:
            raise ValueError(
                f"id {self.id!r} must start with '{self.kind[:3]}-' for an {self.kind}"
            )
        return self


class StudyParameters(Strict):
    """Parameters of running the study (consent, assent); schedule and safety rules come later."""

    assent_min_age_years: Annotated[int, Field(ge=0, le=18)] = 8
    consent_languages: list[str] = Field(default_factory=lambda: ["en", "zh"])
    age_reference: Literal["as_of", "consent", "enrollment"] = "as_of"


class ProtocolModel(Strict):
    schema_: Literal["trialdesk.protocol/1"] = Field(alias="schema")
    protocol_version: str
    version_date: date
    supersedes: str | None = None
    status_note: str | None = None
    registry: Registry
    recency_windows: RecencyWindows = Field(default_factory=RecencyWindows)
    value_sets: dict[str, ValueSetSpec] = Field(default_factory=dict)
    criteria: Annotated[list[CriterionSpec], Field(min_length=1)]
    study: StudyParameters = Field(default_factory=StudyParameters)
    treatment: TreatmentPlan | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> ProtocolModel:
        seen: set[str] = set()
        for criterion in self.criteria:
            if criterion.id in seen:
                raise ValueError(f"criterion id {criterion.id!r} appears twice")
            seen.add(criterion.id)
        if self.supersedes == self.protocol_version:
            raise ValueError("a protocol version cannot supersede itself")
        return self
