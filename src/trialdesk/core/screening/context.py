"""What a rule sees while it is evaluated: the record (indexed once), the as-of date, windows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from trialdesk.core.durations import Duration, completed_years
from trialdesk.core.i18n import Message
from trialdesk.core.protocol.model import RecencyWindows
from trialdesk.core.record import FuzzyDate, ObservationRecord, PatientRecord
from trialdesk.core.screening.outcome import Truth

__all__ = ["USABLE_OBSERVATION_STATUSES", "Context", "RecordIndex"]

USABLE_OBSERVATION_STATUSES = frozenset({"final", "amended", "corrected", "appended"})
_DAYS_PER_YEAR = Decimal("365.25")


class RecordIndex:
    """Observations by code, newest first; built once per screening."""

    def __init__(self, record: PatientRecord) -> None:
        by_code: dict[tuple[str, str], list[ObservationRecord]] = defaultdict(list)
        for observation in record.observations:
            for coding in observation.codes:
                by_code[coding.key()].append(observation)
        for items in by_code.values():
            items.sort(key=_newest_first)
        self._by_code = by_code

    def observations(self, codes: tuple[tuple[str, str], ...]) -> list[ObservationRecord]:
        if len(codes) == 1:
            return self._by_code.get(codes[0], [])
        seen: dict[int, ObservationRecord] = {}
        for code in codes:
            for observation in self._by_code.get(code, ()):
                seen.setdefault(id(observation), observation)
        return sorted(seen.values(), key=_newest_first)


def _newest_first(observation: ObservationRecord) -> tuple[date, date]:
    effective = observation.effective
    if effective is None:
        return (date.max, date.max)  # undated results sort first and are then rejected
    return (date.max - (effective.latest - date.min), date.max - (effective.earliest - date.min))


@dataclass
class Context:
    record: PatientRecord
    as_of: date
    windows: RecencyWindows
    label: str  # "NCT06948994 v1.0", cited as the source of every threshold
    criterion_id: str = ""
    # The text cited as the source of the current criterion's thresholds; the compiled engine
    # sets it per criterion (built once per protocol) instead of formatting it per evidence.
    source: str = ""
    index: RecordIndex = field(init=False)
    _windows: dict[str, Duration] = field(init=False, default_factory=dict)
    # Per-screening memo of fractional ages by day: several lab criteria ask for the same day.
    _ages: dict[date, tuple[Decimal, Decimal] | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.index = RecordIndex(self.record)

    def window(self, category: str) -> Duration:
        if category not in self._windows:
            self._windows[category] = self.windows.window(category)
        return self._windows[category]

    def threshold_source(self) -> str:
        return self.source or f"{self.label}, criterion {self.criterion_id}"

    # -- dates ----------------------------------------------------------------------------
    def in_future(self, when: FuzzyDate | None) -> bool:
        return when is not None and when.earliest > self.as_of

    def age_years(self, on: date) -> tuple[Decimal, Decimal] | None:
        """Fractional age (youngest, oldest reading) on a day, for reference-interval bands."""
        if on in self._ages:
            return self._ages[on]
        self._ages[on] = ages = self._age_years(on)
        return ages

    def _age_years(self, on: date) -> tuple[Decimal, Decimal] | None:
        birth = self.record.patient.birth_date
        if birth is None:
            return None
        youngest = Decimal((on - birth.latest).days) / _DAYS_PER_YEAR
        oldest = Decimal((on - birth.earliest).days) / _DAYS_PER_YEAR
        return youngest, oldest

    def completed_age(self, on: date) -> tuple[int, int] | None:
        birth = self.record.patient.birth_date
        if birth is None:
            return None
        return completed_years(birth.latest, on), completed_years(birth.earliest, on)


def absent(favourable: Truth | None, reason: Message, missing: Message) -> tuple[Truth, Message]:
    """What "nothing recorded" means for a history item, given which answer helps eligibility.

    Absence counts as "none" (FALSE) where that is the safe reading for the patient
    (an exclusion's "history of X"), and as UNKNOWN where FALSE would take a chance away
    (an inclusion that needs a diagnosis recorded).
    """
    if favourable is Truth.TRUE:
        return Truth.UNKNOWN, missing
    return Truth.FALSE, reason
