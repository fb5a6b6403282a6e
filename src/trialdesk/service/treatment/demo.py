"""The demo study in treatment: doses, labs, adverse events and tumour assessments.

A :data:`trialdesk.service.demo.DEMO_EXTENSIONS` hook, registered when this module is imported
(``seed_demo`` imports it). For the first two enrolled children it records, through the
treatment service exactly as the on-study pages would: a cycle start, a visit, an antibody dose
with its BSA, labs whose grade 4 neutropenia is confirmed as an AE (the first child), a serious
capillary leak syndrome (SAE clock), a pending lab suggestion, an AE whose dates raise a query,
and an INRC 2017 assessment three weeks into cycle 1 (a partial response and a stable disease).
The other enrolled children have not started treatment. Synthetic data only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from trialdesk.core.protocol import Protocol
from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.treatment.adverse_events import AdverseEventEntry
from trialdesk.core.treatment.exposure import Exposure
from trialdesk.service.demo import DEMO_EXTENSIONS, DemoStudy
from trialdesk.service.storage.database import Database

__all__ = ["DEMO_TODAY", "seed_treatment", "treatment_extension"]

CHINA = timezone(timedelta(hours=8))
DEMO_TODAY = date(2026, 7, 6)  # a month after the demo's enrollments: everything is dated before
ATTRIBUTED = {
    "Autologous NK cells": "possible",
    "Anti-GD2 monoclonal antibody": "probable",
    "Standard chemotherapy": "unlikely",
}
# Per child, baseline -> three weeks into cycle 1: primary tumour longest diameter (mm), MIBG
# Curie score, bone-marrow tumour infiltration (%).
_INRC_CHANGES = (
    (("50", "20"), ("10", "2"), ("20", "0")),
    (("50", "48"), ("10", "9"), ("20", "15")),
)


def _labs(day: date, anc: float, platelets: float) -> dict[str, object]:
    from trialdesk.testing.fhir import BundleBuilder

    bundle = BundleBuilder("demo-labs", "2016-05-01", "female")
    bundle.lab("751-8", anc, "10*9/L", day.isoformat(), low=1.5, high=8.0)
    bundle.lab("777-3", platelets, "10*9/L", day.isoformat(), low=150, high=450)
    return bundle.bundle()


def _inrc(first_cycle: date, n: int) -> dict[str, Any]:
    (base_mm, mm), (base_score, score), (base_marrow, marrow) = _INRC_CHANGES[n]
    point = {
        "subject": f"demo-{n + 1}",
        "baseline_date": (first_cycle - timedelta(days=3)).isoformat(),
        "date": (first_cycle + timedelta(days=21)).isoformat(),
        "primary": {"baseline_longest_diameter_mm": base_mm, "longest_diameter_mm": mm},
        "metastases": {
            "bone": {"method": "mibg_curie", "baseline_score": base_score, "score": score}
        },
        "marrow": {"baseline_percent": base_marrow, "percent": marrow},
    }
    return {"timepoints": [point]}


def seed_treatment(database: Database, study: DemoStudy, plan: TreatmentPlan) -> None:
    from trialdesk.adapters.fhir import record_from_bundle
    from trialdesk.service import subjects
    from trialdesk.service.treatment import adverse_events, exposure, labs, response, schedule

    coordinator = study.staff["coordinator"]
    for n, subject_id in enumerate(study.enrolled[:2]):
        with database.transaction() as session:
            start = subjects.get_subject(session, coordinator, subject_id).enrolled_on
            assert start is not None  # enrolled by the base demo
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
            inputs = _inrc(c1, n)
            response.put_assessments(session, coordinator, plan, subject_id, "inrc", inputs)
        if n == 0:
            with database.transaction() as session:
                for row in found[:1]:
                    labs.confirm_suggestion(
                        session, coordinator, plan, row.id,
                        {"attribution": ATTRIBUTED, "outcome": "recovering"}, DEMO_TODAY,
                    )  # fmt: skip
                sae = AdverseEventEntry(
                    term="Capillary leak syndrome", grade=3, onset=c1 + timedelta(days=6),
                    serious=True, seriousness=["hospitalisation"], attribution=ATTRIBUTED,
                    aware_at=datetime.combine(c1 + timedelta(days=6), time(10), CHINA),
                )  # fmt: skip
                adverse_events.record_adverse_event(
                    session, coordinator, plan, subject_id, sae, DEMO_TODAY
                )
                pain = AdverseEventEntry.model_validate(
                    {
                        "term": "Pain",
                        "grade": 2,
                        "onset": c1 + timedelta(days=9),
                        "resolved": c1 + timedelta(days=8),
                        "attribution": ATTRIBUTED,
                    }
                )  # fmt: skip  (resolved before onset on purpose: the edit check raises a query)
                adverse_events.record_adverse_event(
                    session, coordinator, plan, subject_id, pain, DEMO_TODAY
                )


def _protocol(trial_id: str) -> Protocol | None:
    from trialdesk.adapters.protocol_files import load_protocol
    from trialdesk.errors import TrialDeskError

    try:
        return load_protocol(trial_id)
    except (TrialDeskError, OSError):
        return None  # a trial without a bundled protocol file: no treatment data to seed


def treatment_extension(database: Database, study: DemoStudy) -> None:
    """The registered hook: seeds treatment data when the trial's protocol has a plan."""
    protocol = _protocol(study.trial_id)
    if protocol is not None and protocol.model.treatment is not None:
        seed_treatment(database, study, protocol.model.treatment)


if treatment_extension not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(treatment_extension)
