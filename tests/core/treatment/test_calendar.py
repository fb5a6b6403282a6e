"""The visit calendar: windows from the enrollment date, statuses, and re-planning after a delay.

Bundled EXAMPLE schedule: cycle 1 day 1 is planned 7 days after enrollment, 21-day cycles, six
cycles; response assessments on day 1 of cycles 3 and 5 (7 days before allowed) and the
end-of-treatment visit on "cycle 7 day 1" (window -7/+14).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from treatment_builders import bundled_plan

from trialdesk.core.treatment.calendar import (
    VisitStatus,
    cycle_start_report,
    cycle_starts,
    plan_calendar,
)
from trialdesk.errors import InputError

ENROLLED = date(2026, 3, 2)
C1D1 = date(2026, 3, 9)


def by_key(visits: tuple, key: str):  # type: ignore[no-untyped-def, type-arg]
    return next(v for v in visits if v.key == key)


def test_planned_cycle_starts_from_enrollment() -> None:
    starts = cycle_starts(bundled_plan(), ENROLLED)
    assert starts[1] == C1D1
    assert starts[2] == C1D1 + timedelta(days=21)
    assert starts[7] == C1D1 + timedelta(days=6 * 21)


def test_windows_and_statuses() -> None:
    visits = plan_calendar(
        bundled_plan(), ENROLLED, as_of=date(2026, 3, 17),
        done={"chemo-c1-d1": C1D1, "nk-infusion-c1-d6": date(2026, 3, 16)},
    )  # fmt: skip
    nk = by_key(visits, "nk-infusion-c1-d6")
    assert (nk.target, nk.earliest, nk.latest) == (
        date(2026, 3, 14),
        date(2026, 3, 14),
        date(2026, 3, 15),
    )
    assert nk.status is VisitStatus.OUT_OF_WINDOW
    assert nk.deviation_days == 2
    assert by_key(visits, "chemo-c1-d1").status is VisitStatus.DONE
    assert by_key(visits, "chemo-c1-d2").status is VisitStatus.MISSED
    labs = by_key(visits, "safety-labs-c1-d8")  # target 16 Mar, window 15-17 Mar
    assert labs.status is VisitStatus.DUE
    assert by_key(visits, "response-c3-d1").status is VisitStatus.UPCOMING
    assert by_key(visits, "response-c3-d1").earliest == C1D1 + timedelta(days=42 - 7)


def test_delay_replans_every_later_visit() -> None:
    delayed = C1D1 + timedelta(days=21 + 7)  # cycle 2 starts a week late
    visits = plan_calendar(
        bundled_plan(), ENROLLED, as_of=date(2026, 4, 3), actual_starts={1: C1D1, 2: delayed}
    )
    assert by_key(visits, "chemo-c2-d1").target == delayed
    assert by_key(visits, "chemo-c2-d1").shifted_days == 7
    assert by_key(visits, "response-c3-d1").target == delayed + timedelta(days=21)
    assert by_key(visits, "end-of-treatment-c7-d1").target == delayed + timedelta(days=5 * 21)
    assert by_key(visits, "chemo-c1-d1").shifted_days == 0
    # Without re-planning cycle 2 day 1 (30 Mar) would be missed on 3 Apr; moved, it is not.
    assert by_key(visits, "chemo-c2-d1").status is VisitStatus.UPCOMING
    unplanned = plan_calendar(bundled_plan(), ENROLLED, date(2026, 4, 3), actual_starts={1: C1D1})
    assert by_key(unplanned, "chemo-c2-d1").status is VisitStatus.MISSED


def test_a_cycle_cannot_start_before_the_previous_one_ends() -> None:
    with pytest.raises(InputError, match="before cycle 1 ends"):
        cycle_starts(bundled_plan(), ENROLLED, {1: C1D1, 2: C1D1 + timedelta(days=20)})


def test_unknown_cycles_and_visit_keys_are_refused() -> None:
    with pytest.raises(InputError, match="does not have"):
        cycle_starts(bundled_plan(), ENROLLED, {9: C1D1})
    with pytest.raises(InputError, match="schedule does not have"):
        plan_calendar(bundled_plan(), ENROLLED, C1D1, done={"chemo-c9-d1": C1D1})


def test_every_visit_of_the_schedule_is_planned_once() -> None:
    visits = plan_calendar(bundled_plan(), ENROLLED, ENROLLED)
    keys = [v.key for v in visits]
    assert len(keys) == len(set(keys))
    # 6 cycles × (5 chemo + 4 antibody + 1 NK + 3 labs) + 2 response + 1 end of treatment
    assert len(keys) == 6 * 13 + 2 + 1
    assert all(v.earliest <= v.target <= v.latest for v in visits)
    assert [v.target for v in visits] == sorted(v.target for v in visits)


def test_cycle_start_report_flags_a_late_first_cycle_and_reports_delays() -> None:
    late_c2 = C1D1 + timedelta(days=7 + 21 + 5)  # cycle 1 began a week late, cycle 2 5 more
    report = cycle_start_report(bundled_plan(), ENROLLED, {1: C1D1 + timedelta(days=7), 2: late_c2})
    first, second = report
    assert (first.delay_days, first.deviation) == (7, None)  # the 7-day start window holds
    assert second.planned == C1D1 + timedelta(days=7 + 21)
    assert (second.delay_days, second.deviation) == (5, None)  # a re-plan, not a deviation
    too_late = cycle_start_report(bundled_plan(), ENROLLED, {1: C1D1 + timedelta(days=8)})
    assert too_late[0].deviation is not None
    assert "allows 0 to 7" in too_late[0].deviation


@given(delays=st.lists(st.integers(min_value=0, max_value=30), min_size=6, max_size=6))
def test_replanning_only_ever_moves_visits_later(delays: list[int]) -> None:
    """Invariant: recording delayed cycle starts never pulls a visit earlier than first
    planned, and every window still contains its target."""
    plan = bundled_plan()
    original = {v.key: v.target for v in plan_calendar(plan, ENROLLED, ENROLLED)}
    starts: dict[int, date] = {}
    day1 = C1D1
    for cycle, delay in enumerate(delays, start=1):
        day1 = day1 + timedelta(days=delay)
        starts[cycle] = day1
        day1 = day1 + timedelta(days=21)
    replanned = plan_calendar(plan, ENROLLED, ENROLLED, actual_starts=starts)
    assert all(v.target >= original[v.key] for v in replanned)
    assert all(v.earliest <= v.target <= v.latest for v in replanned)
    assert all(v.shifted_days == (v.target - original[v.key]).days for v in replanned)
