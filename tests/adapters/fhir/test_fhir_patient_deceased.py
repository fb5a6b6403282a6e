"""Patient.deceased[x] is read with its date; a malformed date is an input error naming the path."""

from __future__ import annotations

from datetime import date

import pytest

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.record import PatientRecord
from trialdesk.errors import RecordError
from trialdesk.testing.fhir import BundleBuilder


def _record(**fields: object) -> PatientRecord:
    builder = BundleBuilder("p1", "2016-04-02", "male")
    builder.resources[0].update(fields)
    return record_from_bundle(builder.bundle(), "p1.json")


def test_deceased_date_time_keeps_the_calendar_day_written() -> None:
    info = _record(deceasedDateTime="2026-03-01T23:30:00-05:00").patient
    assert info.deceased
    assert info.deceased_on is not None
    assert (info.deceased_on.earliest, info.deceased_on.latest) == (date(2026, 3, 1),) * 2


def test_partial_deceased_date_is_the_range_of_days() -> None:
    died = _record(deceasedDateTime="2026-02").patient.deceased_on
    assert died is not None
    assert (died.earliest, died.latest) == (date(2026, 2, 1), date(2026, 2, 28))


def test_deceased_boolean_has_no_date() -> None:
    info = _record(deceasedBoolean=True).patient
    assert info.deceased
    assert info.deceased_on is None


def test_malformed_deceased_date_names_file_and_path() -> None:
    with pytest.raises(RecordError) as caught:
        _record(deceasedDateTime="01/03/2026")
    message = str(caught.value)
    assert "p1.json" in message
    assert "deceasedDateTime" in message
