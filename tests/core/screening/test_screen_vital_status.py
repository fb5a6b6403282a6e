"""A recorded death bounds the verdict whatever the criteria say (docs/decisions/eligibility.md, decision 7).

Every case starts from the eligible child and changes only the Patient's ``deceased[x]``, so the
death alone explains the verdict.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.record import FuzzyDate, PatientInfo, Sex, SourceRef
from trialdesk.core.screening.result import Status, Verdict, verdict_of
from trialdesk.core.screening.vital_status import vital_status
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import Screen, eligible_maintenance


def _dead(**fields: Any) -> BundleBuilder:
    builder = eligible_maintenance()
    builder.resources[0].update(fields)
    return builder


def test_eligible_child_stays_eligible_when_alive(run: Screen) -> None:
    result = run(_dead(deceasedBoolean=False))
    assert result.verdict is Verdict.ELIGIBLE
    assert not [n for n in result.notes if n.key.startswith("record.deceased")]


@pytest.mark.parametrize(
    ("fields", "verdict", "note"),
    [
        ({"deceasedBoolean": True}, Verdict.INELIGIBLE, "record.deceased"),
        ({"deceasedDateTime": "2026-05-20"}, Verdict.INELIGIBLE, "record.deceased_on"),
        ({"deceasedDateTime": "2026-06-01"}, Verdict.INELIGIBLE, "record.deceased_on"),  # that day
        (
            {"deceasedDateTime": "2026-06-01T23:10:00+08:00"},
            Verdict.INELIGIBLE,
            "record.deceased_on",
        ),
        ({"deceasedDateTime": "2026-05"}, Verdict.INELIGIBLE, "record.deceased_on"),  # all before
        ({"deceasedDateTime": "2026-06"}, Verdict.NEEDS_REVIEW, "record.deceased_uncertain"),
        ({"deceasedDateTime": "2026"}, Verdict.NEEDS_REVIEW, "record.deceased_uncertain"),
        ({"deceasedDateTime": "2026-06-02"}, Verdict.ELIGIBLE, "record.deceased_after"),
        ({"deceasedDateTime": "2027"}, Verdict.ELIGIBLE, "record.deceased_after"),
    ],
)
def test_recorded_death_bounds_the_verdict(
    run: Screen, fields: dict[str, Any], verdict: Verdict, note: str
) -> None:
    result = run(_dead(**fields))
    assert result.verdict is verdict
    assert result.notes[0].key == note
    # The criteria themselves are untouched: every one still passes on its own evidence.
    assert {c.status for c in result.criteria} <= {Status.PASS, Status.NOT_APPLICABLE}


def test_the_note_says_why_and_what_to_do_in_both_languages(run: Screen) -> None:
    data = run(_dead(deceasedDateTime="2026-05-20")).to_dict("en")
    assert data["verdict"] == "ineligible"
    assert "died on 2026-05-20" in data["notes"][0]
    assert "correct the record" in data["notes"][0]
    zh = run(_dead(deceasedDateTime="2026-05-20")).to_dict("zh")["notes"][0]
    assert "2026-05-20" in zh
    assert "去世" in zh


def test_death_never_softens_a_worse_verdict(run: Screen) -> None:
    """A recorded death of uncertain date (review) does not hide a failed criterion."""
    builder = _dead(deceasedDateTime="2026")
    builder.resources[0]["birthDate"] = "2005-01-01"  # 21: fails inc-age
    assert run(builder).verdict is Verdict.INELIGIBLE


_SEVERITY = [Verdict.ELIGIBLE, Verdict.NEEDS_REVIEW, Verdict.INCOMPLETE, Verdict.INELIGIBLE]
_statuses = st.lists(st.sampled_from(list(Status)), max_size=8)


@given(_statuses, st.sampled_from([None, *Verdict]))
def test_verdict_is_the_more_severe_of_criteria_and_bound(
    statuses: list[Status], bound: Verdict | None
) -> None:
    plain = verdict_of(statuses)
    bounded = verdict_of(statuses, bound)
    expected = plain if bound is None else max(plain, bound, key=_SEVERITY.index)
    assert bounded is expected


@given(
    st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.dates(date(2000, 1, 1), date(2040, 12, 31))
)
def test_exact_death_date_ineligible_exactly_from_that_day(died: date, as_of: date) -> None:
    info = PatientInfo(
        SourceRef("Patient", "p", None), None, Sex.UNKNOWN, True, FuzzyDate.exact(died)
    )
    bound, note = vital_status(info, as_of)
    assert note is not None
    assert (bound is Verdict.INELIGIBLE) == (died <= as_of)
    assert bound in (None, Verdict.INELIGIBLE)
