"""A study snapshot: every fact the reports and exports read, frozen at a data cut-off.

Reports never read the database; an adapter (``trialdesk.reports.snapshot_from_db``) or a
synthetic builder (``trialdesk.reports.fixture_study``) fills this model, so the same
computations run on a live study, a restored backup or a hand-checkable fixture.

``data_available`` records, per domain, whether the source held that kind of data; an empty
list with ``available=False`` means "not captured", never "none happened".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.core.protocol.treatment import StoppingRule

__all__ = [
    "DECEASED_REASON",
    "AdverseEventFact",
    "AuditFact",
    "ConsentFact",
    "DomainAvailability",
    "ExposureFact",
    "LabFact",
    "LesionFact",
    "ResponseFact",
    "StatusChange",
    "StudySnapshot",
    "SubjectFact",
    "SurvivalFact",
    "TrialFact",
    "VitalSignFact",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrialFact(_Frozen):
    trial_id: str
    title: str
    protocol_version: str
    sponsor: str = "Guangzhou Women and Children's Medical Center"
    target_enrollment: int
    primary_response_criteria: str = "INRC 2017"
    disease_control: list[str] = Field(default_factory=lambda: ["CR", "PR", "MR", "SD"])
    interventions: list[str] = Field(default_factory=list)
    stopping_rules: list[StoppingRule] = Field(default_factory=list)
    example_parts: bool = False  # the protocol's treatment section is an example


class StatusChange(_Frozen):
    at: datetime
    from_status: str | None
    to_status: str
    reason: str | None = None


#: The screen-fail reason of a death recorded on or before the screening day: it is no
#: criterion (SDTM IE leaves it out) but the CONSORT flow counts it like one.
DECEASED_REASON = "Deceased (recorded death)"


class SubjectFact(_Frozen):
    subject_id: str  # the study code (USUBJID suffix), never a name
    site: str
    sex: Literal["M", "F", "U"] = "U"  # SDTM DM.SEX (its terminology has no "other")
    #: FHIR administrative gender as recorded (None: not recorded); kept beside ``sex`` so that
    #: a FHIR export can say "other" where SDTM can only say "U".
    gender: Literal["male", "female", "other", "unknown"] | None = None
    birth_date: date | None = None
    status: str
    history: list[StatusChange] = Field(default_factory=list)
    screened_on: date | None = None
    screen_fail_reasons: list[str] = Field(default_factory=list)
    enrolled_on: date | None = None
    ended_on: date | None = None
    end_reason: str | None = None
    death_date: date | None = None
    dlt_evaluable: bool | None = None  # None: not yet known (DLT window still open)


class ConsentFact(_Frozen):
    subject_id: str
    consent_date: date
    document_version: str
    language: str = "en"
    assent_signed: bool = False


class ExposureFact(_Frozen):
    subject_id: str
    product: str
    dose: Decimal
    unit: str  # UCUM
    route: str | None = None
    start: date
    end: date | None = None
    cycle: int | None = None


class AdverseEventFact(_Frozen):
    subject_id: str
    ae_id: str
    term: str  # CTCAE v5.0 term
    soc: str | None = None
    meddra_code: str | None = None
    grade: int = Field(ge=1, le=5)
    onset: date
    resolved: date | None = None
    serious: bool = False
    attribution: dict[str, str] = Field(default_factory=dict)  # intervention -> level
    dlt: bool | None = None  # None: not classified
    outcome: str | None = None
    action: str | None = None


class LabFact(_Frozen):
    subject_id: str
    test_code: str  # short code, e.g. HGB (SDTM LBTESTCD)
    test_name: str
    value: Decimal
    unit: str  # UCUM
    on: date
    low: Decimal | None = None
    high: Decimal | None = None
    ctcae_term: str | None = None
    ctcae_grade: int | None = Field(default=None, ge=0, le=4)  # 0: not abnormal
    baseline: bool = False


class VitalSignFact(_Frozen):
    subject_id: str
    test_code: str  # SDTM VSTESTCD, e.g. TEMP, WEIGHT
    test_name: str
    value: Decimal
    unit: str
    on: date


class LesionFact(_Frozen):
    subject_id: str
    lesion_id: str  # e.g. T01, NT01
    location: str
    target: bool
    on: date
    diameter_mm: Decimal | None = None  # targets only; None for non-targets
    visit: str


class ResponseFact(_Frozen):
    """One overall time-point response under the primary criteria."""

    subject_id: str
    on: date
    criteria: str
    response: str  # CR, PR, MR, SD, PD, NE, NON_CR_NON_PD
    visit: str
    target_sum_mm: Decimal | None = None


class SurvivalFact(_Frozen):
    """Derived time-to-event per subject (days counted from the start of treatment, day 1)."""

    subject_id: str
    best_response: str
    pfs_days: int = Field(ge=1)
    pfs_event: bool
    os_days: int = Field(ge=1)
    os_event: bool
    treatment_start: date
    last_known_alive: date | None = None


class AuditFact(_Frozen):
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    reason: str | None = None


class DomainAvailability(_Frozen):
    available: bool
    note: str


class StudySnapshot(_Frozen):
    cutoff: date
    source: str  # "database sqlite:///…" or "synthetic fixture"
    trial: TrialFact
    subjects: list[SubjectFact]
    consents: list[ConsentFact] = Field(default_factory=list)
    exposures: list[ExposureFact] = Field(default_factory=list)
    adverse_events: list[AdverseEventFact] = Field(default_factory=list)
    labs: list[LabFact] = Field(default_factory=list)
    vital_signs: list[VitalSignFact] = Field(default_factory=list)
    lesions: list[LesionFact] = Field(default_factory=list)
    responses: list[ResponseFact] = Field(default_factory=list)
    survival: list[SurvivalFact] = Field(default_factory=list)
    audit: list[AuditFact] = Field(default_factory=list)
    data_available: dict[str, DomainAvailability] = Field(default_factory=dict)

    def subject(self, subject_id: str) -> SubjectFact:
        for subject in self.subjects:
            if subject.subject_id == subject_id:
                return subject
        raise KeyError(subject_id)

    def treated_ids(self) -> list[str]:
        """Subjects with at least one exposure on or before the cut-off, in subject order."""
        dosed = {e.subject_id for e in self.exposures if e.start <= self.cutoff}
        return [s.subject_id for s in self.subjects if s.subject_id in dosed]
