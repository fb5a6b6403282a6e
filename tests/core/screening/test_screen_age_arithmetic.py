"""completed_years: the fast age arithmetic equals dateutil's relativedelta, 29 February included."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.core.durations import completed_years, parse_duration


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=date(1980, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=30 * 366),
)
def test_completed_years_equals_relativedelta(birth: date, days: int) -> None:
    on = birth + timedelta(days=days)
    assert completed_years(birth, on) == relativedelta(on, birth).years


def test_leap_day_birthdays() -> None:
    born = date(2008, 2, 29)
    assert completed_years(born, date(2027, 2, 27)) == 18
    assert completed_years(born, date(2027, 2, 28)) == 19  # common year: 28 February
    assert completed_years(born, date(2012, 2, 28)) == 3  # leap year: only on the 29th
    assert completed_years(born, date(2012, 2, 29)) == 4


def test_window_start_is_calendar_arithmetic() -> None:
    assert parse_duration("14 days").before(date(2026, 6, 1)) == date(2026, 5, 18)
    assert parse_duration("3 months").before(date(2026, 5, 31)) == date(2026, 2, 28)
