"""A synthetic study in progress for ``trialdesk serve --demo`` (synthetic data only).

Families apply, children are screened from synthetic FHIR records through the real
screening engine, an investigator signs eligibility and consents, and a few children are
enrolled — every step through the same service functions (and audit trail) as real use.
The study is set on the screening day of :mod:`trialdesk.testing.patients` (2026-06-01).

Other areas extend the demo by appending a function to :data:`DEMO_EXTENSIONS`; each gets
the database and the :class:`DemoStudy` (who is who, which subjects are enrolled) after the
base study is seeded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import orjson
from sqlalchemy import func, select

from trialdesk.core.protocol import Protocol
from trialdesk.core.screening.engine import screen
from trialdesk.service import consent, enrollment, screening, signoff
from trialdesk.service.access import SYSTEM_ACTOR, Actor, Role
from trialdesk.service.applications import ApplicationInput, submit_application
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import SubjectRow, UserRow
from trialdesk.service.trials import TrialFacts, ensure_trial
from trialdesk.service.users import actor_of, create_user
from trialdesk.synth.fhir_patients import synth_patient
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import AS_OF, eligible_maintenance, eligible_relapsed, without

__all__ = ["DEMO_EXTENSIONS", "DEMO_PASSWORD", "DemoStudy", "seed_demo"]

DEMO_PASSWORD = "trialdesk-demo-only"  # noqa: S105 (printed on start; demo databases only)
SITE = "main"


@dataclass
class DemoStudy:
    trial_id: str
    as_of: date
    staff: dict[str, Actor]
    password: str
    enrolled: list[str] = field(default_factory=list)  # subject ids
    subjects: list[str] = field(default_factory=list)


DEMO_EXTENSIONS: list[Callable[[Database, DemoStudy], None]] = []

# (builder, birth date, Patient.gender of the record, how far the demo takes the child). The
# screening fills the subject's sex from the record's gender (families are not asked it).
_ELIGIBLE: list[tuple[Callable[..., BundleBuilder], str, str, str]] = [
    (eligible_maintenance, "2017-09-14", "female", "enrolled"),
    (eligible_relapsed, "2015-02-03", "male", "enrolled"),
    (eligible_maintenance, "2020-04-22", "male", "enrolled"),
    (eligible_relapsed, "2012-07-30", "female", "enrolled"),
    (eligible_maintenance, "2018-12-05", "female", "consented"),
    (eligible_relapsed, "2016-01-19", "male", "signed_off"),
    (eligible_maintenance, "2013-05-27", "female", "withdrawn"),
]


def _staff(session: object, existing: set[str]) -> dict[str, Actor]:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    actors: dict[str, Actor] = {}
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        user = session.execute(select(UserRow).where(UserRow.username == username)).scalar()
        if user is None and username not in existing:
            user = create_user(
                session,
                SYSTEM_ACTOR,
                username=username,
                full_name=f"Demo {role.value.replace('_', ' ').title()}",
                role=role.value,
                password=DEMO_PASSWORD,
            )
        assert user is not None
        actors[role.value] = actor_of(user)
    return actors


def _apply(database: Database, trial_id: str, n: int, birth: date) -> str:
    data = ApplicationInput(
        child_birth_date=birth,
        contact_name=f"Synthetic Parent {n}",
        contact_email=f"family{n}@example.org",
        contact_phone=None,
        consent_to_contact=True,
        answers={"diagnosis": "neuroblastoma", "age_ok": True},
        language="zh" if n % 3 == 0 else "en",
    )
    with database.transaction() as session:
        row, _duplicate = submit_application(session, trial_id=trial_id, site=SITE, data=data)
        return row.subject_id


def _screen(
    database: Database, protocol: Protocol, actor: Actor, subject_id: str, bundle: dict[str, object]
) -> str:
    screener = screening.record_screener(lambda record, day: screen(protocol, record, day))
    screened = screener(orjson.dumps(bundle), AS_OF)
    with database.transaction() as session:
        return screening.store_screening(session, actor, subject_id, screened).id


def _sign_off(database: Database, study: DemoStudy, subject_id: str, screening_id: str) -> None:
    with database.transaction() as session:
        signoff.sign_eligibility(
            session,
            study.staff["investigator"],
            subject_id,
            screening_id=screening_id,
            confirmed=[],
            password=study.password,
            today=AS_OF,
        )


def _consent(database: Database, study: DemoStudy, subject_id: str, document_id: str) -> None:
    day = AS_OF + timedelta(days=1)
    with database.transaction() as session:
        row = consent.record_consent(
            session,
            study.staff["coordinator"],
            subject_id,
            consent.ConsentInput(
                document_id=document_id,
                consent_date=day,
                guardian_name="Synthetic Guardian",
                guardian_signed=True,
                assent_signed=True,
            ),
            day,
        )
        consent.sign_consent(session, study.staff["investigator"], row.id, study.password, day)


def _documents(database: Database, study: DemoStudy) -> str:
    with database.transaction() as session:
        ids = [
            consent.add_document(
                session,
                study.staff["data_manager"],
                trial_id=study.trial_id,
                version="1.0",
                language=language,
                title=title,
                body=f"Synthetic consent form ({language}), demo only.",
                approved_on=date(2026, 1, 15),
            ).id
            for language, title in (
                ("en", "Parent/guardian informed consent, version 1.0"),
                ("zh", "监护人知情同意书 1.0 版"),
            )
        ]
    return ids[0]


def _walk(database: Database, protocol: Protocol, study: DemoStudy, document_id: str) -> None:
    coordinator = study.staff["coordinator"]
    for n, (make, born, sex, stage) in enumerate(_ELIGIBLE, start=1):
        subject_id = _apply(database, study.trial_id, n, date.fromisoformat(born))
        study.subjects.append(subject_id)
        bundle = make(patient_id=f"demo-{n:02d}", birth_date=born, sex=sex).bundle()
        screening_id = _screen(database, protocol, coordinator, subject_id, bundle)
        _sign_off(database, study, subject_id, screening_id)
        if stage == "signed_off":
            continue
        if stage == "withdrawn":
            _withdraw(database, study, subject_id)
            continue
        _consent(database, study, subject_id, document_id)
        if stage == "enrolled":
            with database.transaction() as session:
                enrollment.enroll(session, coordinator, subject_id, AS_OF + timedelta(days=3))
            study.enrolled.append(subject_id)


def _withdraw(database: Database, study: DemoStudy, subject_id: str) -> None:
    from trialdesk.core.study.states import SubjectStatus
    from trialdesk.service.subjects import end_participation, get_subject

    with database.transaction() as session:
        subject = get_subject(session, study.staff["coordinator"], subject_id)
        end_participation(
            session,
            study.staff["coordinator"],
            subject_id,
            target=SubjectStatus.WITHDRAWN,
            reason="family chose another treatment (synthetic)",
            on=AS_OF + timedelta(days=2),
            expected_version=subject.version,
        )


def _screen_fails_and_waiting(
    database: Database, protocol: Protocol, study: DemoStudy, start: int
) -> None:
    rng = random.Random(20260601)  # noqa: S311 (synthetic data, not cryptography)
    for n in range(start, start + 5):
        bundle = synth_patient(rng, patient_id=f"demo-{n:02d}", as_of=AS_OF)
        birth = date.fromisoformat(bundle["entry"][0]["resource"]["birthDate"])
        subject_id = _apply(database, study.trial_id, n, birth)
        study.subjects.append(subject_id)
        _screen(database, protocol, study.staff["coordinator"], subject_id, bundle)
    review = without(eligible_maintenance(patient_id="demo-review"), "not-highly-allergic")
    subject_id = _apply(database, study.trial_id, start + 5, date(2017, 9, 14))
    study.subjects.append(subject_id)
    _screen(database, protocol, study.staff["coordinator"], subject_id, review.bundle())
    for n in range(start + 6, start + 9):  # applied, not yet screened
        study.subjects.append(_apply(database, study.trial_id, n, date(2014 + n % 6, 3, 1 + n)))


def seed_demo(database: Database, protocol: Protocol) -> str:
    """Seed the demo study into a database without subjects; returns a one-line summary."""
    with database.transaction() as session:
        ensure_trial(session, SYSTEM_ACTOR, TrialFacts.from_protocol(protocol))
        if session.execute(select(func.count()).select_from(SubjectRow)).scalar_one():
            return "demo: the database has subjects already; nothing seeded"
        staff = _staff(session, set())
    study = DemoStudy(protocol.nct_id, AS_OF, staff, DEMO_PASSWORD)
    # Importing registers the built-in extensions (they import this module: no import cycle).
    import trialdesk.service.treatment.demo  # noqa: F401

    document_id = _documents(database, study)
    _walk(database, protocol, study, document_id)
    _screen_fails_and_waiting(database, protocol, study, start=len(_ELIGIBLE) + 1)
    for extend in DEMO_EXTENSIONS:
        extend(database, study)
    return (
        f"demo: {len(study.subjects)} synthetic candidates, {len(study.enrolled)} enrolled; "
        f"sign in as demo-coordinator, demo-investigator, demo-data-manager, demo-monitor or "
        f"demo-administrator with the password '{DEMO_PASSWORD}'"
    )
