"""Seed a subject on study through the service layer (not by clicking), for the on-study and
safety page tests: screened eligible, signed off, consented, enrolled, cycle 1 started and the
antibody given, so lab results after that are graded and suggested as AEs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from service.study_helpers import Staff, consented_subject, with_document
from trialdesk.core.treatment.exposure import Exposure
from trialdesk.service import enrollment
from trialdesk.service.storage.models import UserRow
from trialdesk.service.treatment import exposure, schedule
from trialdesk.service.treatment.access import plan_of
from trialdesk.service.users import actor_of
from trialdesk.testing.fhir import BundleBuilder

__all__ = ["ATTRIBUTED", "CHINA", "enrolled_subject", "lab_bundle", "staff_of"]

CHINA = timezone(timedelta(hours=8))
ATTRIBUTED = {
    "Autologous NK cells": "possible",
    "Anti-GD2 monoclonal antibody": "probable",
    "Standard chemotherapy": "unlikely",
}


def staff_of(app: FastAPI) -> Staff:
    with app.state.database.transaction() as session:
        users = {u.username: actor_of(u) for u in session.execute(select(UserRow)).scalars()}
    return Staff(**{role: users[role] for role in Staff.__dataclass_fields__})


def enrolled_subject(app: FastAPI, today: date, *, dosed_on: date | None = None) -> str:
    """A subject enrolled ``today - 14`` days, cycle 1 on day 7, the antibody on day 8."""
    staff = staff_of(app)
    database = app.state.database
    start = today - timedelta(days=14)
    with database.transaction() as session:
        document_id = with_document(session, staff.data_manager, start - timedelta(days=30)).id
    subject_id = consented_subject(database, staff, document_id=document_id, on=start)
    plan = plan_of(app.state.study.protocol)
    c1 = start + timedelta(days=7)
    given = dosed_on or c1 + timedelta(days=1)
    with database.transaction() as session:
        enrollment.enroll(session, staff.coordinator, subject_id, start)
        schedule.record_cycle_start(session, staff.coordinator, plan, subject_id, 1, c1, None)
        dose = Exposure(
            product="anti_gd2", dose=Decimal("17.5"), unit="mg/m2",
            start=datetime.combine(given, time(9), CHINA), route="IV",
            height=Decimal("118"), weight=Decimal("21"),
        )  # fmt: skip
        exposure.record_exposure(session, staff.coordinator, plan, subject_id, dose)
    return subject_id


def lab_bundle(on: date) -> dict[str, Any]:
    """ANC 0.3 ×10⁹/L (CTCAE grade 4 neutrophil count decreased) and a normal haemoglobin."""
    bundle = BundleBuilder("p1", "2016-05-01", "female")
    bundle.lab("751-8", 0.3, "10*9/L", on.isoformat(), low=1.5, high=8.0)
    bundle.lab("718-7", 125, "g/L", on.isoformat(), low=110, high=145)
    return bundle.bundle()
