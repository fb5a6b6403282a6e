"""When is consent complete, and when must it be given again?

Consent for a child is the guardian's consent plus the child's own assent from the protocol's
assent age, a witness where the reader needs one (e.g. a guardian who cannot read the form),
and the investigator's signature. A participant who is 18 on the consent date consents for
themselves. Re-consent is needed when a newer document version is approved, or when a child
who was consented through a guardian turns 18.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "ADULT_AGE_YEARS",
    "ConsentFacts",
    "ConsentGap",
    "age_in_years",
    "consent_gaps",
    "reconsent_reasons",
]

ADULT_AGE_YEARS = 18


class ConsentGap(StrEnum):
    BIRTH_DATE_UNKNOWN = "birth_date_unknown"
    GUARDIAN_CONSENT = "guardian_consent_missing"
    PARTICIPANT_CONSENT = "participant_consent_missing"
    CHILD_ASSENT = "child_assent_missing"
    WITNESS = "witness_missing"
    INVESTIGATOR_SIGNATURE = "investigator_signature_missing"
    NEWER_VERSION = "newer_version_approved"
    TURNED_ADULT = "participant_turned_18"


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """What was signed, on which document version, for a child born when."""

    document_version: str
    current_version: str
    consent_date: date
    on: date  # the day the question is asked (e.g. the enrollment day)
    birth_date: date | None
    assent_min_age_years: int
    guardian_signed: bool = False
    participant_signed: bool = False
    assent_signed: bool = False
    witness_required: bool = False
    witness_signed: bool = False
    investigator_signed: bool = False


def age_in_years(birth_date: date, on: date) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def reconsent_reasons(facts: ConsentFacts) -> list[ConsentGap]:
    reasons: list[ConsentGap] = []
    if facts.document_version != facts.current_version:
        reasons.append(ConsentGap.NEWER_VERSION)
    if facts.birth_date is not None:
        adult_at_consent = age_in_years(facts.birth_date, facts.consent_date) >= ADULT_AGE_YEARS
        adult_now = age_in_years(facts.birth_date, facts.on) >= ADULT_AGE_YEARS
        if adult_now and not adult_at_consent:
            reasons.append(ConsentGap.TURNED_ADULT)
    return reasons


def _signature_gaps(facts: ConsentFacts, age: int) -> list[ConsentGap]:
    gaps: list[ConsentGap] = []
    if age >= ADULT_AGE_YEARS:
        if not facts.participant_signed:
            gaps.append(ConsentGap.PARTICIPANT_CONSENT)
    else:
        if not facts.guardian_signed:
            gaps.append(ConsentGap.GUARDIAN_CONSENT)
        if age >= facts.assent_min_age_years and not facts.assent_signed:
            gaps.append(ConsentGap.CHILD_ASSENT)
    if facts.witness_required and not facts.witness_signed:
        gaps.append(ConsentGap.WITNESS)
    if not facts.investigator_signed:
        gaps.append(ConsentGap.INVESTIGATOR_SIGNATURE)
    return gaps


def consent_gaps(facts: ConsentFacts) -> list[ConsentGap]:
    """Everything that stands between this consent and enrollment; empty means complete."""
    if facts.birth_date is None:
        # Without the age we cannot tell whose signature and whether assent is needed.
        return [ConsentGap.BIRTH_DATE_UNKNOWN]
    age = age_in_years(facts.birth_date, facts.consent_date)
    return _signature_gaps(facts, age) + reconsent_reasons(facts)
