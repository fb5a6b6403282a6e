"""Synthetic on-study data for the screenshots of the on-study and safety pages.

Starts from the demo study (:func:`trialdesk.service.demo.seed_demo`: four children enrolled)
and adds, through the treatment service exactly as the pages would: a cycle start, a visit,
an antibody dose with its BSA, labs whose grade 4 neutropenia is confirmed as an AE, a serious
capillary leak syndrome (SAE clock), a pending lab suggestion and an AE whose dates raise a
query. Synthetic data only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from trialdesk.core.protocol import Protocol
from trialdesk.core.treatment.adverse_events import AdverseEventEntry
from trialdesk.core.treatment.exposure import Exposure
from trialdesk.service.storage.database import Database

__all__ = ["SCREENSHOT_TODAY", "seed_on_study"]

CHINA = timezone(timedelta(hours=8))
SCREENSHOT_TODAY = date(2026, 7, 6)  # a month after the demo's enrollments
ATTRIBUTED = {
    "Autologous NK cells": "possible",
    "Anti-GD2 monoclonal antibody": "probable",
    "Standard chemotherapy": "unlikely",
}


def _labs(day: date, anc: float, platelets: float) -> dict[str, object]:
    from trialdesk.testing.fhir import BundleBuilder

    bundle = BundleBuilder("shot", "2016-05-01", "female")
    bundle.lab("751-8", anc, "10*9/L", day.isoformat(), low=1.5, high=8.0)
    bundle.lab("777-3", platelets, "10*9/L", day.isoformat(), low=150, high=450)
    return bundle.bundle()


def seed_on_study(database: Database, protocol: Protocol) -> list[str]:
    """Seed the demo and the on-study data; returns the enrolled subjects' ids."""
    from trialdesk.adapters.fhir import record_from_bundle
    from trialdesk.service import subjects
    from trialdesk.service.demo import DEMO_EXTENSIONS, DemoStudy, seed_demo
    from trialdesk.service.treatment import adverse_events, exposure, labs, schedule
    from trialdesk.service.treatment.access import plan_of

    plan = plan_of(protocol)
    enrolled: list[str] = []

    def extend(database: Database, study: DemoStudy) -> None:
        enrolled.extend(study.enrolled)
        coordinator = study.staff["coordinator"]
        for n, subject_id in enumerate(study.enrolled[:2]):
            with database.transaction() as session:
                start = subjects.get_subject(session, coordinator, subject_id).enrolled_on
                assert start is not None
                c1 = start + timedelta(days=7)
                schedule.record_cycle_start(session, coordinator, plan, subject_id, 1, c1)
                schedule.record_visit(session, coordinator, plan, subject_id, "chemo-c1-d1", c1)
                given = Exposure(
                    product="anti_gd2", dose=Decimal("17.5"), unit="mg/m2",
                    start=datetime.combine(c1 + timedelta(days=1), time(9), CHINA), route="IV",
                    height=Decimal("118"), weight=Decimal("21"),
                )  # fmt: skip
                exposure.record_exposure(session, coordinator, plan, subject_id, given)
                record = record_from_bundle(_labs(c1 + timedelta(days=9), 0.3, 40), "labs.json")
                found = labs.ingest_labs(session, coordinator, subject_id, record)
            if n == 0:
                with database.transaction() as session:
                    for row in found[:1]:
                        labs.confirm_suggestion(
                            session, coordinator, plan, row.id,
                            {"attribution": ATTRIBUTED, "outcome": "recovering"},
                            SCREENSHOT_TODAY,
                        )  # fmt: skip
                    sae = AdverseEventEntry(
                        term="Capillary leak syndrome", grade=3, onset=c1 + timedelta(days=6),
                        serious=True, seriousness=["hospitalisation"], attribution=ATTRIBUTED,
                        aware_at=datetime.combine(c1 + timedelta(days=6), time(10), CHINA),
                    )  # fmt: skip
                    adverse_events.record_adverse_event(
                        session, coordinator, plan, subject_id, sae, SCREENSHOT_TODAY
                    )
                    pain = AdverseEventEntry.model_validate(
                        {"term": "Pain", "grade": 2, "onset": c1 + timedelta(days=9),
                         "resolved": c1 + timedelta(days=8), "attribution": ATTRIBUTED}
                    )  # fmt: skip
                    adverse_events.record_adverse_event(
                        session, coordinator, plan, subject_id, pain, SCREENSHOT_TODAY
                    )

    DEMO_EXTENSIONS.append(extend)
    try:
        seed_demo(database, protocol)
    finally:
        DEMO_EXTENSIONS.remove(extend)
    return enrolled
