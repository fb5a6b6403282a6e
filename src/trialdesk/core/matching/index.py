"""The trial index: what can rule a trial out before its criteria are read.

Only facts that cannot be argued with prune a trial: the registry's own age limits (the patient
is outside them on every reading of a partial birth date), its sex restriction (against a
recorded male or female), its overall status (when only open trials are wanted) and its
conditions (when the search names conditions and the trial lists none of them). A trial with
no age limits, no sex restriction or no listed conditions is never pruned on that ground.
Pruning on age or sex makes a trial ineligible with the registry field as the reason; pruning on
status or condition leaves the trial out of the results (it is not about this search).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from trialdesk.core.codes import library_value_sets
from trialdesk.core.protocol import Protocol
from trialdesk.core.record import PatientRecord, Sex

__all__ = [
    "OPEN_STATUSES",
    "PatientFacts",
    "TrialFacts",
    "TrialIndex",
    "completed_age",
    "condition_terms",
    "patient_facts",
]

# "Open or about to open": a family may still be referred to a trial that is not yet recruiting.
OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day)s?\s*$", re.IGNORECASE)
_DAYS_PER = {"day": 1, "week": 7}
# Words that name no particular disease: a match on them alone means nothing.
_GENERIC = frozenset(
    """cancer cancers tumor tumors tumour tumours disease diseases syndrome carcinoma carcinomas
    neoplasm neoplasms malignant malignancy malignancies chronic acute stage advanced metastatic
    recurrent refractory relapsed solid type high risk childhood pediatric paediatric adult adults
    infection infections disorder disorders with and the newly diagnosed primary secondary other
    unspecified healthy volunteers volunteer""".split()  # noqa: SIM905
)
_TOKEN = re.compile(r"[a-z0-9]+")
_UNBOUNDED = 10**6


def condition_terms(names: Iterable[str]) -> frozenset[str]:
    """Disease words of condition names, lower-cased, without generic words."""
    words: set[str] = set()
    for name in names:
        words.update(w for w in _TOKEN.findall(name.lower()) if len(w) >= 4 and w not in _GENERIC)
    return frozenset(words)


@dataclass(frozen=True, slots=True)
class TrialFacts:
    """What the index knows about one trial; ages in days from birth (``None`` = no limit)."""

    position: int
    nct_id: str
    status: str
    sex: str  # ALL | FEMALE | MALE
    min_age: tuple[int, str] | None  # (number, unit): "1 Year" -> (1, "year")
    max_age: tuple[int, str] | None
    conditions: frozenset[str]

    @staticmethod
    def of(position: int, protocol: Protocol) -> TrialFacts:
        registry = protocol.model.registry
        eligibility = registry.eligibility
        return TrialFacts(
            position,
            protocol.nct_id,
            registry.overall_status.upper(),
            eligibility.sex,
            _limit(eligibility.min_age),
            _limit(eligibility.max_age),
            condition_terms([*registry.conditions, *registry.keywords]),
        )


def _limit(text: str | None) -> tuple[int, str] | None:
    match = _AGE.match(text or "")
    if match is None or "." in match.group(1):
        return None  # unreadable or fractional: the full screening decides, never the index
    return int(match.group(1)), match.group(2).lower()


@dataclass(frozen=True, slots=True)
class PatientFacts:
    birth_earliest: date | None
    birth_latest: date | None
    sex: Sex
    conditions: frozenset[str]


def patient_facts(record: PatientRecord, extra_terms: Sequence[str] = ()) -> PatientFacts:
    """Index facts of a patient; condition words from its codes' displays and the titles of
    the library value sets its codes belong to, plus ``extra_terms``."""
    names: list[str] = list(extra_terms)
    sets = library_value_sets().values()
    for condition in record.conditions:
        if condition.verification_status in ("refuted", "entered-in-error"):
            continue
        names.extend(c.display for c in condition.codes if c.display)
        names.extend(s.title for s in sets if s.matches(condition.codes))
    birth = record.patient.birth_date
    return PatientFacts(
        birth.earliest if birth else None,
        birth.latest if birth else None,
        record.patient.sex,
        condition_terms(names),
    )


def completed_age(unit: str, born: date, on: date) -> int:
    """Age in completed years, months, weeks or days on a day."""
    if unit in _DAYS_PER:
        return (on - born).days // _DAYS_PER[unit]
    delta = relativedelta(on, born)
    return delta.years if unit == "year" else delta.years * 12 + delta.months


class TrialIndex:
    """Facts of many trials, with an inverted index of condition words and sorted age limits."""

    def __init__(self, protocols: Sequence[Protocol]) -> None:
        self.protocols = tuple(protocols)
        self.facts = tuple(TrialFacts.of(i, p) for i, p in enumerate(self.protocols))
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._no_conditions: set[int] = set()
        for fact in self.facts:
            if not fact.conditions:
                self._no_conditions.add(fact.position)
            for word in fact.conditions:
                self._by_word[word].add(fact.position)
        # Age limits in whole years (floor for minimums, ceiling for maximums), sorted, so an age
        # query is two bisections; exact units are checked afterwards on the few that remain.
        self._min_years = sorted((self._years(f.min_age, 0), f.position) for f in self.facts)
        self._max_years = sorted(
            (self._years(f.max_age, _UNBOUNDED, ceiling=True), f.position) for f in self.facts
        )

    @staticmethod
    def _years(limit: tuple[int, str] | None, default: int, ceiling: bool = False) -> int:
        if limit is None:
            return default
        number, unit = limit
        # Conservative rounding: a minimum is read as young as it can be, a maximum as old.
        if ceiling:
            per_year = {"year": 1, "month": 12, "week": 52, "day": 365}[unit]
            return -(-number // per_year)
        return number // {"year": 1, "month": 12, "week": 53, "day": 366}[unit]

    def by_condition(self, terms: frozenset[str]) -> set[int]:
        """Trials listing one of the terms, plus trials that list no condition words."""
        found = set(self._no_conditions)
        for term in terms:
            found |= self._by_word.get(term, set())
        return found

    def by_age_years(self, youngest: int, oldest: int) -> set[int]:
        """Trials whose limits may admit someone aged ``youngest``..``oldest`` whole years."""
        admitted_low = {
            p for _, p in self._min_years[: bisect_right(self._min_years, (oldest, _UNBOUNDED))]
        }
        start = bisect_left(self._max_years, (youngest, -1))
        admitted_high = {p for _, p in self._max_years[start:]}
        return admitted_low & admitted_high

    @staticmethod
    def patient_ages(patient: PatientFacts, on: date) -> dict[str, tuple[int, int]] | None:
        """The patient's age in each unit, youngest and oldest reading; computed once."""
        if patient.birth_earliest is None or patient.birth_latest is None:
            return None
        return {
            unit: (
                completed_age(unit, patient.birth_latest, on),
                completed_age(unit, patient.birth_earliest, on),
            )
            for unit in ("year", "month", "week", "day")
        }

    @staticmethod
    def outside_age(fact: TrialFacts, ages: dict[str, tuple[int, int]] | None) -> str | None:
        """Why the patient is outside the trial's age limits on every reading, or None."""
        if ages is None:
            return None
        for limit, older in ((fact.min_age, False), (fact.max_age, True)):
            if limit is None:
                continue
            number, unit = limit
            youngest, oldest = ages[unit]
            if (older and youngest > number) or (not older and oldest < number):
                side = "maximum" if older else "minimum"
                return f"registry {side} age {number} {unit}(s); patient {youngest} {unit}(s)"
        return None

    @staticmethod
    def outside_sex(fact: TrialFacts, patient: PatientFacts) -> str | None:
        if fact.sex == "ALL" or patient.sex not in (Sex.FEMALE, Sex.MALE):
            return None
        if fact.sex.lower() != patient.sex.value:
            return f"registry sex {fact.sex}; patient {patient.sex.value}"
        return None
