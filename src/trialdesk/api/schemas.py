"""API models: what goes over the wire. Separate from the storage rows on purpose, so a
column can change without changing the API, and secrets never leave by accident."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SEX_DESCRIPTION",
    "ActiveChangeIn",
    "ApplicationDetailOut",
    "ApplicationIn",
    "ApplicationOut",
    "AuditEntryOut",
    "AuditVerifyOut",
    "ConsentDocumentIn",
    "ConsentDocumentOut",
    "ConsentIn",
    "ConsentOut",
    "ConsortOut",
    "CountersOut",
    "EndParticipationIn",
    "EnrollIn",
    "EnrollmentOut",
    "LoginIn",
    "Page",
    "PauseIn",
    "RoleChangeIn",
    "ScreeningOut",
    "ScreeningQueryOut",
    "SexValue",
    "SignIn",
    "SignoffIn",
    "SignoffOut",
    "SubjectIn",
    "SubjectOut",
    "SubjectUpdateIn",
    "TokenOut",
    "TrialOut",
    "UserIn",
    "UserOut",
]

T = TypeVar("T")

# FHIR administrative gender; SDTM DM.SEX takes F / M from it, U for the rest.
SexValue = Literal["female", "male", "other", "unknown"]
SEX_DESCRIPTION = (
    "The child's sex as FHIR administrative gender (female, male, other, unknown); null: not "
    "recorded. Lab grading uses it to pick sex-specific default reference intervals."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Out, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class TrialOut(Out):
    nct_id: str
    title: str
    protocol_version: str
    overall_status: str
    target: int
    enrolled: int
    paused: bool
    assent_min_age_years: int


class CountersOut(Out):
    """The public counter: children who applied, children enrolled, of the target."""

    applied: int
    enrolled: int
    target: int


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(Out):
    token: str
    kind: Literal["session", "token"]
    expires_at: datetime


class UserIn(Strict):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    role: str
    password: str = Field(min_length=1, max_length=1024)
    site: str | None = Field(default=None, max_length=64)


class UserOut(Out):
    id: str
    username: str
    full_name: str
    role: str
    site: str | None
    active: bool
    version: int


class RoleChangeIn(Strict):
    role: str
    reason: str = Field(min_length=1, max_length=2000)


class ActiveChangeIn(Strict):
    active: bool
    reason: str = Field(min_length=1, max_length=2000)


class ApplicationIn(Strict):
    """What a family submits from the public pre-screen."""

    child_birth_date: date
    contact_name: str = Field(min_length=1, max_length=200)
    contact_email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )
    contact_phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9 +()\-]+$")
    consent_to_contact: bool
    answers: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=100
    )
    language: Literal["en", "zh"] = "en"


class ApplicationOut(Out):
    reference_code: str
    duplicate: bool
    message: str


class ApplicationDetailOut(Out):
    """An application as the study team sees it (contact details included: staff only)."""

    reference_code: str
    subject_id: str
    duplicate_of: str | None
    language: str
    answers: dict[str, Any]
    contact: dict[str, Any]
    consent_to_contact: bool
    submitted_at: datetime


class SubjectIn(Strict):
    site: str | None = Field(default=None, max_length=64)
    birth_date: date | None = None
    sex: SexValue | None = Field(default=None, description=SEX_DESCRIPTION)
    notes: str | None = Field(default=None, max_length=5000)


class SubjectUpdateIn(Strict):
    version: int = Field(ge=1, description="The version you read; a stale one is refused (409).")
    birth_date: date | None = None
    sex: SexValue | None = Field(default=None, description=SEX_DESCRIPTION)
    notes: str | None = Field(default=None, max_length=5000)
    reason: str = Field(min_length=1, max_length=2000)


class SubjectOut(Out):
    id: str
    code: str
    trial_id: str
    site: str
    status: str
    source: str
    birth_date: date | None
    sex: SexValue | None
    notes: str | None
    waitlisted_at: datetime | None
    enrolled_at: datetime | None
    enrolled_on: date | None
    enrollment_number: int | None
    ended_on: date | None
    end_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class EndParticipationIn(Strict):
    status: Literal["withdrawn", "follow-up", "off-study"]
    reason: str = Field(min_length=1, max_length=2000)
    on: date
    version: int = Field(ge=1)


class ScreeningQueryOut(Out):
    """A data query the screening opened: its record contradicts what the subject records."""

    id: str
    check: str
    field: str
    message: str
    state: str


class ScreeningOut(Out):
    id: str
    subject_id: str
    protocol_version: str
    as_of: date
    verdict: str
    input_sha256: str
    fail_reasons: list[dict[str, Any]]
    created_by: str
    created_at: datetime
    result: dict[str, Any] | None = None
    queries: list[ScreeningQueryOut] = Field(
        default_factory=list,
        description="Data queries opened because the record contradicts the subject's "
        "recorded birth date or sex (the subject keeps its values).",
    )


class SignIn(Strict):
    password: str = Field(min_length=1, max_length=1024, description="Re-authentication.")


class SignoffIn(SignIn):
    screening_id: str
    confirmed: list[str] = Field(default_factory=list, max_length=200)


class SignoffOut(Out):
    id: str
    subject_id: str
    screening_id: str
    confirmed: list[str]
    signature_id: str
    signer_name: str
    meaning: str
    signed_at: datetime


class ConsentDocumentIn(Strict):
    version: str = Field(min_length=1, max_length=32)
    language: Literal["en", "zh"]
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=500_000)
    approved_on: date


class ConsentDocumentOut(Out):
    id: str
    trial_id: str
    version: str
    language: str
    title: str
    body_sha256: str
    approved_on: date


class ConsentIn(Strict):
    document_id: str
    consent_date: date
    guardian_name: str | None = Field(default=None, max_length=200)
    guardian_signed: bool = False
    participant_signed: bool = False
    assent_signed: bool = False
    witness_required: bool = False
    witness_name: str | None = Field(default=None, max_length=200)
    witness_signed: bool = False


class ConsentOut(Out):
    id: str
    subject_id: str
    document_id: str
    consent_date: date
    guardian_name: str | None
    guardian_signed: bool
    participant_signed: bool
    assent_signed: bool
    witness_required: bool
    witness_name: str | None
    witness_signed: bool
    investigator_signature_id: str | None
    version: int
    gaps: list[str] = Field(default_factory=list)
    complete: bool = False


class EnrollIn(Strict):
    on: date | None = Field(default=None, description="Enrollment day (default: today).")


class EnrollmentOut(Out):
    outcome: Literal["enroll", "waitlist"]
    reasons: list[str]
    subject: SubjectOut


class PauseIn(Strict):
    paused: bool
    reason: str = Field(min_length=1, max_length=2000)


class ConsortOut(Out):
    candidates: int
    assessed: int
    excluded_ineligible: int
    excluded_withdrew_before_enrollment: int
    screen_fail_reasons: dict[str, int]
    awaiting: int
    waitlisted: int
    enrolled: int
    on_study: int
    follow_up: int
    completed: int
    withdrawn_after_enrollment: int


class AuditEntryOut(Out):
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    old_value: str | None
    new_value: str | None
    reason: str | None
    hash: str


class AuditVerifyOut(Out):
    intact: bool
    entries: int
    problems: list[dict[str, str | None]]
