"""What a rule sees while it is evaluated: the record (indexed once), the as-of date, windows."""

from __future__ import annotations

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

    __slots__ = ("_by_code", "_doubled")

    def __init__(self, record: PatientRecord) -> None:
        by_code: dict[tuple[str, str], list[ObservationRecord]] = {}
        doubled: set[tuple[str, str]] = set()  # codes listing an observation twice
        for observation in record.observations:
            for coding in observation.codes:
                key = (coding.system, coding.code)
                items = by_code.get(key)
                if items is None:
                    by_code[key] = [observation]
                elif items[-1] is observation:
                    doubled.add(key)  # one observation carrying the same code twice
                    items.append(observation)
                else:
                    items.append(observation)
        for items in by_code.values():
            if len(items) > 1:
                items.sort(key=_newest_first)
        self._by_code = by_code
        self._doubled = doubled

    def observations(self, codes: tuple[tuple[str, str], ...]) -> list[ObservationRecord]:
        by_code = self._by_code
        if len(codes) == 1:
            return by_code.get(codes[0], [])
        found = [(code, by_code[code]) for code in codes if code in by_code]
        if not found:
            return []
        if len(found) == 1 and found[0][0] not in self._doubled:
            # A lab is usually reported under one of its codes: that list is already sorted
            # and free of repeats, so the merge below would return it unchanged.
            return found[0][1]
        seen: dict[int, ObservationRecord] = {}
        for _, items in found:
            for observation in items:
                seen.setdefault(id(observation), observation)
        return sorted(seen.values(), key=_newest_first)


# Sort keys as day numbers: ascending keys put the latest day first, then the latest start;
# undated results sort last (with date.min). The same integers as the ordinals of
# ``date.max - (day - date.min)``, the key this replaced, without building dates.
_TOP = date.max.toordinal() + 1
_UNDATED = (_TOP - 1, _TOP - 1)


def _newest_first(observation: ObservationRecord) -> tuple[int, int]:
    effective = observation.effective
    if effective is None:
        return _UNDATED
    return (_TOP - effective.latest.toordinal(), _TOP - effective.earliest.toordinal())


class Context:
    """One screening's state: a plain slotted class (not a dataclass), because the screener
    builds one per patient and reads its attributes in every rule."""

    __slots__ = (
        "_ages",
        "_windows",
        "as_of",
        "criterion_id",
        "index",
        "label",
        "record",
        "source",
        "windows",
    )

    def __init__(
        self, record: PatientRecord, as_of: date, windows: RecencyWindows, label: str
    ) -> None:
        self.record = record
        self.as_of = as_of
        self.windows = windows
        self.label = label  # "NCT06948994 v1.0", cited as the source of every threshold
        self.criterion_id = ""
        # The text cited as the source of the current criterion's thresholds; the compiled
        # engine sets it per criterion (built once per protocol) instead of per evidence.
        self.source = ""
        self.index = RecordIndex(record)
        self._windows: dict[str, Duration] = {}
        # Per-screening memo of fractional ages by day: several lab criteria ask for the same day.
        self._ages: dict[date, tuple[Decimal, Decimal] | None] = {}

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
