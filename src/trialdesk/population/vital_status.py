"""A recorded death bounds a person's verdict, as in the screener (core ``vital_status``).

OMOP keeps deaths in their own table; each row is read through the same core rule the in-memory
screener applies to a record's Patient, so the engines and the screener agree by construction.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from trialdesk.core.record import FuzzyDate, PatientInfo, Sex, SourceRef
from trialdesk.core.screening.result import Verdict
from trialdesk.core.screening.vital_status import vital_status
from trialdesk.population.leaf_pivot import positions

__all__ = ["VERDICT_SEVERITY", "death_bounds", "deceased_on"]

#: Verdict → severity code (the order of the population result's verdict labels).
VERDICT_SEVERITY = {
    Verdict.ELIGIBLE: 0,
    Verdict.NEEDS_REVIEW: 1,
    Verdict.INCOMPLETE: 2,
    Verdict.INELIGIBLE: 3,
}


def deceased_on(days: list[date | datetime | str | None]) -> FuzzyDate | None:
    """The day of death of a person's death rows: the earliest; none when a row has no date
    (a death without a date is the most binding reading)."""
    if any(day is None for day in days):
        return None
    return FuzzyDate.exact(min(_day(d) for d in days if d is not None))


def _day(value: date | datetime | str) -> date:
    # A CSV reader may leave the date as text or make it a timestamp: the calendar day counts.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def death_bounds(
    person_ids: npt.NDArray[np.int64], deaths: pa.Table | None, as_of: date
) -> npt.NDArray[np.int8]:
    """Per person (``person_ids`` sorted), the severity of the verdict a recorded death imposes
    (0: none). Rows for a person outside the person table bind no one."""
    bound = np.zeros(len(person_ids), dtype=np.int8)
    if deaths is None or not deaths.num_rows:
        return bound
    at = positions(person_ids, deaths.column("person_id").to_numpy().astype(np.int64))
    by_person: dict[int, list[date | datetime | str | None]] = {}
    for index, day in zip(at.tolist(), deaths.column("death_date").to_pylist(), strict=True):
        if index >= 0:
            by_person.setdefault(index, []).append(day)
    for index, days in by_person.items():
        ref = SourceRef("Patient", str(person_ids[index]))
        info = PatientInfo(ref, None, Sex.UNKNOWN, deceased=True, deceased_on=deceased_on(days))
        verdict, _note = vital_status(info, as_of)
        if verdict is not None:
            bound[index] = VERDICT_SEVERITY[verdict]
    return bound
