"""The PFS rule on missed assessments through the service: the planned windows come from the
subject's own calendar (the bundled EXAMPLE plan assesses before cycles 3 and 5, window 7 days
before day 1, and at the end of treatment), following the recorded cycle starts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from treatment_service_helpers import enrolled_subject, plan

from service.study_helpers import TODAY, Staff
from trialdesk.core.treatment.exposure import Exposure
from trialdesk.service.storage.database import Database
from trialdesk.service.treatment import exposure, response, schedule


def _point(c1: date, day: int, mm: str) -> dict[str, object]:
    return {
        "subject": "S", "baseline_date": (c1 - timedelta(days=3)).isoformat(),
        "date": (c1 + timedelta(days=day)).isoformat(),
        "primary": {"baseline_longest_diameter_mm": "50", "longest_diameter_mm": mm},
        "metastases": {"bone": {"method": "mibg_curie", "baseline_score": "10", "score": "8"}},
        "marrow": {"baseline_percent": "20", "percent": "20"},
    }  # fmt: skip


def test_progression_found_after_both_planned_assessments_were_missed_is_censored(
    study: Database, staff: Staff
) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    c1 = enrolled + timedelta(days=7)
    with study.transaction() as s:
        schedule.record_cycle_start(s, staff.coordinator, plan(), sid, 1, c1)
        exposure.record_exposure(
            s, staff.coordinator, plan(), sid,
            Exposure(product="anti_gd2", dose=Decimal("17.5"), unit="mg/m2",
                     start=datetime.combine(c1 + timedelta(days=1), time(9), tzinfo=UTC),
                     height=Decimal(120), weight=Decimal(22), route="IV"),
        )  # fmt: skip
        windows = schedule.assessment_windows(
            s, plan(), schedule.on_study_subject(s, staff.monitor, sid)
        )
    # Cycles of 21 days: response windows end on cycle 3 and 5 day 1 (c1 + 42, c1 + 84).
    assert [w[1] for w in windows[:2]] == [c1 + timedelta(days=42), c1 + timedelta(days=84)]
    first = c1 + timedelta(days=1)

    with study.transaction() as s:
        # Nothing at cycle 3 or 5; progression (+40 % primary) found at c1 + 100.
        _, summary = response.put_assessments(
            s, staff.coordinator, plan(), sid, "inrc", {"timepoints": [_point(c1, 100, "70")]}
        )
        assert [p.overall for p in summary.timepoints] == ["PD"]
        missed = response.endpoints(s, staff.monitor, plan(), sid)
    assert not missed.pfs.event
    assert (missed.pfs.date, missed.pfs.days) == (first, 1)
    assert "2 missed tumour assessments" in missed.pfs.reason

    with study.transaction() as s:
        # Assessed at cycle 3 (stable): only cycle 5 was missed, the progression counts.
        response.put_assessments(
            s, staff.coordinator, plan(), sid, "inrc",
            {"timepoints": [_point(c1, 40, "50"), _point(c1, 100, "70")]},
        )  # fmt: skip
        counted = response.endpoints(s, staff.monitor, plan(), sid)
    assert counted.pfs.event
    assert counted.pfs.date == c1 + timedelta(days=100)
    assert counted.pfs.days == (c1 + timedelta(days=100) - first).days + 1
