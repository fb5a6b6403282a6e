"""Synthetic OMOP observations (and vital-sign/echo measurements) for the population.

Kept apart from :mod:`trialdesk.synth.population` so that the clinical observations (disease
status, treatment phase, risk group, attestations, coded test results, vital signs, echo)
have their own random stream: adding them never changes the labs or conditions drawn for the
same seed.

Every fact is drawn per child, vectorised: recorded or not, its day (inside the recency
window, exactly on its first day, one day too old, or after the as-of date) and its value
(the ones the trial asks for, others, spellings in other cases or as ``system:code``, and a
few unreadable ones). Some children get a second reading on the same day or an older one, so
that the screener's choice of the newest row, and its tie-breaking, is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trialdesk.population.records import OBSERVATION_SCHEMA

__all__ = ["OBSERVATION_SCHEMA", "synth_observations"]

_EPOCH = date(1970, 1, 1).toordinal()
_STREAM = 0x0B5  # mixed into the seed: this module's own random stream
_YES, _NO = 4188539, 4188540
CLINICAL = "trialdesk-clinical"
ATTESTATIONS = (
    "no-unresolved-toxicity-above-grade-1",
    "not-highly-allergic",
    "no-planned-systemic-anti-infective-or-immunosuppressive-therapy",
    "no-planned-organ-transplant",
    "no-other-investigator-concern",
)


@dataclass(frozen=True, slots=True)
class _Fact:
    code: str
    rate: float  # share of children with at least one row
    window: int | None  # the protocol's window in days (edges are drawn around it)
    values: tuple[str, ...]  # value_as_string choices ("" = no string value)
    weights: tuple[float, ...]


_CODED = (
    *(
        _Fact(
            f"trialdesk-attestation:{code}",
            0.7,
            30,
            ("true", "True", "false", "", "yes"),  # "" = the answer as a Yes/No concept
            (0.55, 0.1, 0.15, 0.15, 0.05),
        )
        for code in ATTESTATIONS
    ),
    _Fact(
        f"{CLINICAL}:disease-status",
        0.85,
        90,
        (
            f"{CLINICAL}:relapsed",
            "refractory",
            "Relapsed",
            f"{CLINICAL}:remission",
            "stable",
            "progressive",
        ),
        (0.3, 0.2, 0.05, 0.25, 0.1, 0.1),
    ),
    _Fact(
        f"{CLINICAL}:treatment-phase",
        0.85,
        90,
        (f"{CLINICAL}:maintenance", "maintenance", "induction", "consolidation", "off-treatment"),
        (0.35, 0.15, 0.2, 0.2, 0.1),
    ),
    _Fact(
        f"{CLINICAL}:risk-group",
        0.9,
        None,
        ("high", f"{CLINICAL}:high", "HIGH", "intermediate", "low"),
        (0.5, 0.2, 0.05, 0.15, 0.1),
    ),
    _Fact(
        f"{CLINICAL}:lv-diastolic-function",
        0.8,
        42,
        ("normal", f"{CLINICAL}:normal", "abnormal", "impaired"),
        (0.6, 0.15, 0.15, 0.1),
    ),
    _Fact(
        "loinc:56888-1",
        0.6,
        90,
        (
            "negative",
            "Non-reactive",
            "snomed:260385009",
            "positive",
            "snomed:10828004",
            "indeterminate",
        ),
        (0.5, 0.15, 0.15, 0.07, 0.05, 0.08),
    ),
    _Fact(
        "loinc:75622-1",
        0.25,
        90,
        ("not detected", "detected", "NEG", "equivocal"),
        (0.7, 0.1, 0.1, 0.1),
    ),
    _Fact(
        f"{CLINICAL}:lansky",
        0.3,
        14,
        ("",),
        (1.0,),
    ),
)
_LIFE_UNITS = ("mo", "months", "a", "wk", "d", "mmol", "later")  # the last two: unreadable
_LIFE_WEIGHTS = (0.55, 0.1, 0.12, 0.1, 0.05, 0.04, 0.04)
_TO_UNIT = {"mo": 1.0, "months": 1.0, "a": 1 / 12, "wk": 30.4375 / 7, "d": 30.4375}


def _days(rng: np.random.Generator, size: int, window: int | None) -> np.ndarray:
    """Days before the as-of date: mostly inside the window, some on its edges or after."""
    span = window if window is not None else 400
    kind = rng.random(size)
    days = rng.integers(0, span + 1, size)
    days = np.where(kind < 0.06, span, days)  # the window's first day: still inside
    days = np.where((kind >= 0.06) & (kind < 0.14), span + 1 + rng.integers(0, 60, size), days)
    return np.where(kind >= 0.97, -rng.integers(1, 10, size), days)  # after the as-of date


class _Vocab:
    """Strings as small integers while drawing (fast); one ``take`` per column at the end."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self._index: dict[str, int] = {}

    def ids(self, words: tuple[str, ...]) -> np.ndarray:
        for word in words:
            if word not in self._index:
                self._index[word] = len(self.words)
                self.words.append(word)
        return np.array([self._index[w] for w in words], dtype=np.int64)

    def column(self, ids: np.ndarray) -> pa.Array:
        return pc.take(pa.array(self.words, pa.string()), pa.array(ids, mask=ids < 0))


_Part = dict[str, np.ndarray]


def _pick(
    rng: np.random.Generator, ids: np.ndarray, weights: tuple[float, ...], size: int
) -> np.ndarray:
    return ids[rng.choice(len(ids), size=size, p=np.array(weights) / sum(weights))]


def _coded(rng: np.random.Generator, fact: _Fact, n: int, vocab: _Vocab) -> _Part:
    people = np.flatnonzero(rng.random(n) < fact.rate) + 1
    # A second row for some: on the same day (a tie) or older (the newest must win).
    again = people[rng.random(len(people)) < 0.15]
    people_all = np.concatenate([people, again])
    days = _days(rng, len(people), fact.window)
    same_day = rng.random(len(again)) < 0.5
    first_of = np.searchsorted(people, again)
    again_days = np.where(
        same_day, days[first_of], days[first_of] + rng.integers(1, 200, len(again))
    )
    days_all = np.concatenate([days, again_days])
    size = len(people_all)
    text = _pick(rng, vocab.ids(fact.values), fact.weights, size)
    number = np.full(size, np.nan)
    unit = np.full(size, -1, dtype=np.int64)
    concept = np.zeros(size, dtype=np.int64)
    empty = vocab.ids(("",))[0]
    if fact.code.startswith("trialdesk-attestation:"):
        as_concept = text == empty
        concept = np.where(as_concept, np.where(rng.random(size) < 0.8, _YES, _NO), 0)
        text = np.where(as_concept, -1, text)
    elif fact.values == ("",):  # a score: a number with its unit, a few unreadable
        scores = rng.choice(np.arange(0, 101, 10), size).astype(np.float64)
        number = np.where(rng.random(size) < 0.1, 50.0, scores)  # on the usual cut-off
        unit = _pick(rng, vocab.ids(("{score}", "%", "points")), (0.8, 0.1, 0.1), size)
        text = np.full(size, -1, dtype=np.int64)
    return _part(people_all, days_all, vocab.ids((fact.code,))[0], text, number, unit, concept)


def _life(rng: np.random.Generator, n: int, vocab: _Vocab) -> _Part:
    people = np.flatnonzero(rng.random(n) < 0.65) + 1
    size = len(people)
    days = _days(rng, size, 30)
    months = np.round(rng.uniform(1, 36, size), 1)
    months = np.where(rng.random(size) < 0.2, 6.0, months)  # exactly the trial's 6 months
    unit_index = rng.choice(len(_LIFE_UNITS), size=size, p=np.array(_LIFE_WEIGHTS))
    factors = np.array([_TO_UNIT.get(u, 1.0) for u in _LIFE_UNITS])[unit_index]
    values = np.round(months * factors, 2)
    unit = vocab.ids(_LIFE_UNITS)[unit_index]
    # Some estimates are only text ("more than 6 months"): not a quantity.
    as_text = rng.random(size) < 0.05
    text = np.where(as_text, vocab.ids(("more than 6 months",))[0], -1)
    number = np.where(as_text, np.nan, values)
    code = vocab.ids((f"{CLINICAL}:life-expectancy",))[0]
    return _part(people, days, code, text, number, unit, np.zeros(size, dtype=np.int64))


def _part(
    people: np.ndarray,
    days: np.ndarray,
    code: int,
    text: np.ndarray,
    number: np.ndarray,
    unit: np.ndarray,
    concept: np.ndarray,
) -> _Part:
    return {
        "person": people.astype(np.int64),
        "day": days.astype(np.int64),
        "code": np.full(len(people), code, dtype=np.int64),
        "text": text.astype(np.int64),
        "number": number.astype(np.float64),
        "unit": unit.astype(np.int64),
        "concept": concept.astype(np.int64),
    }


def _measurement_rows(rng: np.random.Generator, n: int, as_of: date, schema: pa.Schema) -> pa.Table:
    """Echo LVEF (42-day window) and SpO2 (14 days), some with the oxygen given that day."""
    parts: list[tuple[np.ndarray, np.ndarray, str, np.ndarray, str | None]] = []
    for code, rate, window, mean, sd, edge in (
        ("loinc:10230-1", 0.8, 42, 60.0, 8.0, 50.0),
        ("loinc:59408-5", 0.85, 14, 96.0, 3.0, 92.0),
    ):
        people = np.flatnonzero(rng.random(n) < rate) + 1
        days = _days(rng, len(people), window)
        values = np.round(np.clip(rng.normal(mean, sd, len(people)), 10, 100), 0)
        values = np.where(rng.random(len(people)) < 0.1, edge, values)
        parts.append((people, days, code, values, "%"))
        if code == "loinc:59408-5":  # inhaled oxygen flow on the same day, for some
            o2 = rng.random(len(people)) < 0.12
            flow = np.where(
                rng.random(int(o2.sum())) < 0.25, 0.0, rng.choice([1.0, 2.0, 4.0], int(o2.sum()))
            )
            parts.append((people[o2], days[o2], "loinc:3151-8", flow, "L/min"))
    # A few HIV tests recorded in the measurement table without a value (a lab feed): the
    # record reader reads both tables, so these compete with the coded results.
    hiv = np.flatnonzero(rng.random(n) < 0.03) + 1
    parts.append((hiv, _days(rng, len(hiv), 90), "loinc:56888-1", np.full(len(hiv), np.nan), None))
    people = np.concatenate([p[0] for p in parts])
    days = np.concatenate([p[1] for p in parts])
    codes = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in parts])
    values = np.concatenate([p[3] for p in parts]).astype(np.float64)
    units = np.concatenate([np.full(len(p[0]), p[4], dtype=object) for p in parts])
    order = np.lexsort((days, people))
    count = len(people)
    dates = (as_of.toordinal() - days[order] - _EPOCH).astype(np.int32)
    columns = {
        "measurement_id": pa.array(np.arange(1, count + 1, dtype=np.int64)),
        "person_id": pa.array(people[order].astype(np.int64)),
        "measurement_date": pa.array(dates, pa.date32()),
        "value_as_number": pa.array(values[order], mask=np.isnan(values[order])),
        "measurement_source_value": pa.array(codes[order], pa.string()),
        "unit_source_value": pa.array(units[order], pa.string()),
    }
    arrays = [columns[f.name] if f.name in columns else pa.nulls(count, f.type) for f in schema]
    return pa.Table.from_arrays(
        [arr.cast(f.type) for arr, f in zip(arrays, schema, strict=True)], schema=schema
    )


def synth_observations(
    seed: int, patients: int, as_of: date, birth_days: np.ndarray, measurement_schema: pa.Schema
) -> dict[str, pa.Table]:
    """``observation`` rows, and extra ``measurement`` rows (ids from 1; the caller offsets)."""
    rng = np.random.default_rng([seed, _STREAM])
    vocab = _Vocab()
    parts = [_coded(rng, fact, patients, vocab) for fact in _CODED] + [_life(rng, patients, vocab)]
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    # By child, oldest first: one stable integer sort (days before as-of are within +-4096).
    order = np.argsort(merged["person"] * 8192 + (4096 - merged["day"]), kind="stable")
    merged = {key: value[order] for key, value in merged.items()}
    count = len(order)
    dates = (as_of.toordinal() - merged["day"] - _EPOCH).astype(np.int32)
    concept = merged["concept"].astype(np.int32)
    number = merged["number"]
    observation = pa.table(
        {
            "observation_id": pa.array(np.arange(1, count + 1, dtype=np.int64)),
            "person_id": pa.array(merged["person"]),
            "observation_date": pa.array(dates, pa.date32()),
            "observation_source_value": vocab.column(merged["code"]),
            "value_as_string": vocab.column(merged["text"]),
            "value_as_number": pa.array(number, mask=np.isnan(number)),
            "unit_source_value": vocab.column(merged["unit"]),
            "value_as_concept_id": pa.array(concept, mask=concept == 0),
        },
        schema=OBSERVATION_SCHEMA,
    )
    return {
        "observation": observation,
        "measurement": _measurement_rows(rng, patients, as_of, measurement_schema),
    }
