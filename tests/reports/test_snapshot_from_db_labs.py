"""The snapshot of a study recorded through the treatment service carries its doses, AEs and
graded labs, so the SDTM EX/AE/LB exports of a real database are not empty."""

from __future__ import annotations

from decimal import Decimal

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.reports.snapshot_from_db import snapshot_from_database
from trialdesk.service.storage.database import Database
from trialdesk.web.screenshot_study import SCREENSHOT_TODAY, seed_on_study


def test_snapshot_has_the_services_exposures_adverse_events_and_graded_labs(
    database: Database,
) -> None:
    seed_on_study(database, load_protocol("NCT06948994"))
    snapshot = snapshot_from_database(database, SCREENSHOT_TODAY)

    assert len(snapshot.exposures) == 2
    assert {(e.product, e.dose, e.unit) for e in snapshot.exposures} == {
        ("anti_gd2", Decimal("17.5"), "mg/m2")
    }
    terms = {a.term for a in snapshot.adverse_events}
    assert {"Capillary leak syndrome", "Pain"} <= terms
    # ANC 0.3 x10^9/L: CTCAE v5.0 grade 4 (< 0.5); platelets 40 x10^9/L: grade 3 (25 to < 50).
    graded = sorted((lab.test_code, lab.value, lab.unit, lab.ctcae_grade) for lab in snapshot.labs)
    assert graded == sorted(
        [
            ("NEUTROPH", Decimal("0.3"), "10*9/L", 4),
            ("PLATELET", Decimal("40"), "10*9/L", 3),
        ]
        * 2
    )
    assert not any(lab.baseline for lab in snapshot.labs)
    assert snapshot.data_available["labs"].available
    # No baseline grade is stored: the shift tables count the subjects as missing a baseline.
    from trialdesk.core.reporting.safety import lab_shift_tables

    shifts = {s.test_code: s for s in lab_shift_tables(snapshot)}
    assert set(shifts) == {"NEUTROPH", "PLATELET"}
    assert all(s.missing_baseline == 2 for s in shifts.values())
