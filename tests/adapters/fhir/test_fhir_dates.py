"""FHIR dates: partial dates become ranges of days; times keep their own calendar date."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.adapters.fhir.dates import parse_fhir_date


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2025-03", date(2025, 3, 1), date(2025, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        ("2025-03-07", date(2025, 3, 7), date(2025, 3, 7)),
    ],
)
def test_partial_dates_span_every_day_they_can_mean(
    text: str, earliest: date, latest: date
) -> None:
    parsed = parse_fhir_date(text)
    assert (parsed.earliest, parsed.latest, parsed.text) == (earliest, latest, text)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-03-01T23:30:00-05:00", date(2025, 3, 1)),  # 04:30 UTC on 2 March
        ("2025-03-02T00:30:00+08:00", date(2025, 3, 2)),  # 16:30 UTC on 1 March
        ("2025-03-02T00:30:00.123Z", date(2025, 3, 2)),
        ("2025-03-02T00:30+14:00", date(2025, 3, 2)),
        ("2025-03-02T10:00:00", date(2025, 3, 2)),
    ],
)
def test_date_times_keep_the_calendar_date_of_their_own_offset(text: str, day: date) -> None:
    parsed = parse_fhir_date(text)
    assert parsed.is_exact
    assert parsed.earliest == day
    assert parsed.text == day.isoformat()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "25",
        "2025-3",
        "2025-13",
        "2025-00",
        "2025-02-30",
        "0000",
        "2025/03/01",
        "01-03-2025",
        "2025-03-01T25:00:00Z",
        "2025-03-01T10:00:00+15:00",
        "2025-03-01 10:00:00",
        "2025-03-01T",
    ],
)
def test_invalid_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a FHIR date"):
        parse_fhir_date(text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_partial_form_of_a_day_contains_that_day(day: date) -> None:
    for text in (day.isoformat()[:4], day.isoformat()[:7], day.isoformat()):
        parsed = parse_fhir_date(text)
        assert parsed.earliest <= day <= parsed.latest
        assert parsed.text == text


@given(
    st.datetimes(min_value=datetime(1950, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_a_date_time_is_read_as_the_day_written(moment: datetime, offset_minutes: int) -> None:
    written = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    assert parse_fhir_date(written.isoformat()).earliest == written.date()
