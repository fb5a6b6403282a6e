"""Shared steps for service tests: a screening result made by hand, and a subject walked
through screening, sign-off and consent up to the point where it can be enrolled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from trialdesk.core.i18n import Message
from trialdesk.core.screening.result import CriterionResult, ScreeningResult, Status, verdict_of
from trialdesk.service import consent, screening, signoff, subjects
from trialdesk.service.access import Actor
from trialdesk.service.screening import Screened
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import ConsentDocumentRow
from trialdesk.service.trials import TrialFacts

__all__ = [
    "ELIGIBLE",
    "PASSWORD",
    "TODAY",
    "TRIAL",
    "Staff",
    "consented_subject",
    "registered",
    "screened",
    "with_document",
]

TRIAL = TrialFacts(
    nct_id="NCT06948994",
    title="Autologous NK cells with anti-GD2 antibody for neuroblastoma",
    protocol_version="1.0",
    overall_status="NOT_YET_RECRUITING",
    target=15,
    assent_min_age_years=8,
)
PASSWORD = "correct horse battery"
TODAY = date(2026, 3, 10)


@dataclass(frozen=True)
class Staff:
    coordinator: Actor
    investigator: Actor
    data_manager: Actor
    monitor: Actor
    administrator: Actor


def registered(session: Session, actor: Actor, birth_date: date = date(2016, 5, 1)) -> str:
    """A new subject of the trial, registered by staff at the main site: its id."""
    return subjects.register_subject(
        session, actor, trial_id=TRIAL.nct_id, site="main", source="staff", birth_date=birth_date
    ).id


def screened(
    statuses: dict[str, Status],
    *,
    as_of: date,
    protocol_version: str = "1.0",
    digest: str = "0" * 64,
) -> Screened:
    criteria = tuple(
        CriterionResult(
            id=cid,
            kind="inclusion" if cid.startswith("inc") else "exclusion",
            status=status,
            reasons=(Message.of("synthetic.status", status=str(status)),),
        )
        for cid, status in statuses.items()
    )
    result = ScreeningResult(
        trial="NCT06948994",
        protocol_version=protocol_version,
        patient="synthetic",
        as_of=as_of,
        verdict=verdict_of([c.status for c in criteria]),
        criteria=criteria,
    )
    return Screened(result=result, birth_date=None, input_sha256=digest)


def with_document(
    session: Session, actor: Actor, approved_on: date, version: str = "1.0"
) -> ConsentDocumentRow:
    return consent.add_document(
        session,
        actor,
        trial_id="NCT06948994",
        version=version,
        language="en",
        title=f"Parent consent v{version}",
        body=f"Synthetic consent text v{version}",
        approved_on=approved_on,
    )


ELIGIBLE = {"inc-age": Status.PASS, "inc-diagnosis": Status.PASS, "exc-hiv": Status.PASS}


def consented_subject(
    database: Database,
    staff: Staff,
    *,
    document_id: str,
    birth_date: date = date(2016, 5, 1),
    on: date = TODAY,
) -> str:
    """A subject screened eligible, signed off, consented (guardian + assent) and signed."""
    with database.transaction() as session:
        subject_id = registered(session, staff.coordinator, birth_date)
        row = screening.store_screening(
            session, staff.coordinator, subject_id, screened(ELIGIBLE, as_of=on)
        )
        signoff.sign_eligibility(
            session,
            staff.investigator,
            subject_id,
            screening_id=row.id,
            confirmed=[],
            password=PASSWORD,
            today=on,
        )
        given = consent.record_consent(
            session,
            staff.coordinator,
            subject_id,
            consent.ConsentInput(
                document_id, on, guardian_name="Guardian", guardian_signed=True, assent_signed=True
            ),
            on,
        )
        consent.sign_consent(session, staff.investigator, given.id, PASSWORD, on)
        return subject_id
