"""PFS after missed tumour assessments (FDA 2018 guidance on cancer trial endpoints, Table:
"death or progression after more than one missed visit" → censored at the last adequate
assessment). Hand derivations: treatment starts 3 Mar 2025 (day 1); assessments are planned
every 56 days with a ±7-day window (days 57, 113, 169: windows day 50–64, 106–120, 162–176,
counting the start as day 1 and the window from the target date)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from treatment_builders import START, single_target

from trialdesk.core.treatment.endpoints import derive_endpoints
from trialdesk.core.treatment.response import summarise_recist

CONTROL = ["CR", "PR", "MR", "SD", "NON_CR_NON_PD"]


def _windows(*offsets: int, half: int = 7) -> list[tuple[date, date]]:
    return [(START + timedelta(days=o - half), START + timedelta(days=o + half)) for o in offsets]


PLANNED = _windows(56, 112, 168)


def test_progression_after_two_missed_assessments_is_censored_at_the_last_adequate_one() -> None:
    # PR at offset 56, confirmed at 84 (an extra visit); nothing at 112 or 168; PD at 190.
    summary = summarise_recist(single_target("50", (56, "30"), (84, "30"), (190, "45")))
    assert summary.progression_date == START + timedelta(days=190)
    assert summary.best_response == "PR"
    ends = derive_endpoints(summary, START, disease_control=CONTROL, assessment_windows=PLANNED)
    assert not ends.pfs.event
    assert ends.pfs.date == START + timedelta(days=84)
    assert ends.pfs.days == 85
    assert "2 missed tumour assessments" in ends.pfs.reason
    assert "FDA 2018" in ends.pfs.reason
    # Duration of response is censored the same way: from the first PR (offset 56) to 84.
    dor = ends.duration_of_response
    assert dor is not None
    assert (dor.event, dor.days) == (False, 29)
    # Without the planned windows the rule cannot apply: the progression stands.
    plain = derive_endpoints(summary, START, disease_control=CONTROL)
    assert plain.pfs.event
    assert plain.pfs.days == 191


def test_one_missed_assessment_keeps_the_event() -> None:
    # PD found inside the day-168 window: only the day-112 assessment was missed.
    summary = summarise_recist(single_target("50", (56, "30"), (170, "45")))
    ends = derive_endpoints(summary, START, disease_control=CONTROL, assessment_windows=PLANNED)
    assert ends.pfs.event
    assert ends.pfs.days == 171


def test_an_assessment_early_in_its_window_is_not_missed() -> None:
    # Assessed at offset 106 (first day of the day-112 window), PD at 190: one window missed.
    summary = summarise_recist(single_target("50", (56, "30"), (106, "30"), (190, "45")))
    ends = derive_endpoints(summary, START, disease_control=CONTROL, assessment_windows=PLANNED)
    assert ends.pfs.event


def test_a_not_evaluable_assessment_counts_as_missed() -> None:
    summary = summarise_recist(single_target("50", (56, "30"), (112, None), (190, "45")))
    assert [p.overall for p in summary.timepoints] == ["PR", "NE", "PD"]
    ends = derive_endpoints(summary, START, disease_control=CONTROL, assessment_windows=PLANNED)
    assert not ends.pfs.event
    assert ends.pfs.days == 57


def test_death_after_every_assessment_was_missed_is_censored_at_the_start() -> None:
    summary = summarise_recist(single_target("50"))
    death = START + timedelta(days=200)
    ends = derive_endpoints(
        summary, START, disease_control=CONTROL, death=death, assessment_windows=PLANNED
    )
    assert not ends.pfs.event
    assert (ends.pfs.date, ends.pfs.days) == (START, 1)
    assert "death" in ends.pfs.reason
    assert "start" in ends.pfs.reason
    # Death before the second window closes: one missed assessment, the death is the event.
    early = derive_endpoints(
        summary,
        START,
        disease_control=CONTROL,
        death=START + timedelta(days=100),
        assessment_windows=PLANNED,
    )
    assert early.pfs.event


@given(
    offsets=st.lists(st.integers(20, 400), min_size=0, max_size=6, unique=True),
    event_at=st.integers(21, 420),
    planned=st.lists(st.integers(14, 420), max_size=8, unique=True),
    half=st.integers(0, 14),
)
def test_the_rule_only_ever_censors_an_event_earlier(
    offsets: list[int], event_at: int, planned: list[int], half: int
) -> None:
    assessments = [(o, "30") for o in sorted(offsets) if o < event_at]
    summary = summarise_recist(single_target("50", *assessments))
    death = START + timedelta(days=event_at)
    windows = _windows(*planned, half=half)
    plain = derive_endpoints(summary, START, disease_control=CONTROL, death=death)
    ruled = derive_endpoints(
        summary, START, disease_control=CONTROL, death=death, assessment_windows=windows
    )
    assert plain.pfs.event
    assert ruled.pfs.date <= plain.pfs.date
    if not ruled.pfs.event:
        # Censored at the start or at an adequate assessment before the death.
        assert ruled.pfs.date == START or ruled.pfs.date in {p.date for p in summary.timepoints}
        passed = [w for w in windows if w[0] > ruled.pfs.date and w[1] < death]
        assert len(passed) >= 2
