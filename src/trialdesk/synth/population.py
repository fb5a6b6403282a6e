"""A synthetic paediatric-oncology population as OMOP CDM v5.4 tables (never real patients).

Vectorised with numpy so that a million patients (about 30 measurements each) take seconds.
The mix is chosen to exercise every path of population screening against NCT06948994:

* ages mostly 1-10 years (neuroblastoma is a disease of young children), some 10-20 and some
  under 1, with birthdays falling exactly on the screening date (1st and 19th), 29 February
  births and a few year-and-month-only births (OMOP ``day_of_birth`` empty);
* two to three lab panels per child: the newest within the 14-day window, or stale (older);
  analytes missing at random, values empty, unknown unit spellings, future-dated results,
  two results of one analyte on one day that disagree, and about one result in 331 censored
  (``operator_concept_id`` "<" or ">": the number is a bound, never read as the value);
* values drawn around every limit, and a share placed exactly on it (in the trial's unit, or in
  a unit where the conversion is exact), so that ``>=`` and ``<=`` are tested at the boundary;
* the lab's own reference range (``range_low``/``range_high``) on most results, missing on the
  others so that the default age/sex interval is used;
* several unit spellings per analyte (g/L, g/dL, g/dl; 10*9/L, /uL, K/uL; U/L, IU/L; ...);
* coded history (infections, arrhythmia, lung and kidney disease, HIV, transplants; HSCT and
  other procedures; anti-infectives, immunosuppressants and other drugs) from
  :mod:`trialdesk.synth.population_history`, on its own random stream.

Codes are kept as ``system:code`` in the ``*_source_value`` columns (see docs/population.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trialdesk.synth.fhir_labs import LAB_PANEL, LabSpec
from trialdesk.synth.population_history import CONDITION_SCHEMA, synth_history
from trialdesk.synth.population_observations import synth_observations

__all__ = ["DEFAULT_POPULATION_AS_OF", "OMOP_TABLES", "synth_population", "write_population"]

DEFAULT_POPULATION_AS_OF = date(2026, 6, 1)
MALE, FEMALE, UNKNOWN_GENDER = 8507, 8532, 8551  # OMOP Gender concepts
LAB_RESULT_TYPE = 32856  # OMOP Type Concept "Lab"
OMOP_TABLES = (
    "person",
    "measurement",
    "condition_occurrence",
    "observation",
    "procedure_occurrence",
    "drug_exposure",
    "visit_occurrence",
    "death",
)
# Extra analytes (not in the trial's criteria) so that a child has about 30 results, as in a
# real warehouse: the engine must skip them cheaply.
_EXTRA = (
    ("loinc:6690-2", "10*9/L", 7.0, 2.5),
    ("loinc:731-0", "10*9/L", 3.0, 1.2),
    ("loinc:2951-2", "mmol/L", 139.0, 3.0),
    ("loinc:2823-3", "mmol/L", 4.2, 0.4),
)
_EXTRA_UNIT_TYPOS = ("gm/dl", "cells per uL", "unk")  # no UCUM reading: the value is unusable
# A UCUM unit of the wrong kind, only for absolute limits (lab.bad_unit). Not for ×ULN limits:
# there the core screener cannot convert the default interval and stops (reported as a bug).
_WRONG_KIND = "mmol"
_NEUROBLASTOMA = "snomed:432328008"
_EPOCH = date(1970, 1, 1).toordinal()
_OTHER_CONDITIONS = ("snomed:302849000", "snomed:91857003", "snomed:195967001")


@dataclass(frozen=True, slots=True)
class _Panel:
    person: np.ndarray
    day: np.ndarray  # days before as_of (negative: in the future)


def synth_population(
    patients: int, seed: int, as_of: date = DEFAULT_POPULATION_AS_OF
) -> dict[str, pa.Table]:
    """Every OMOP table of ``patients`` synthetic children, deterministic from ``seed``."""
    rng = np.random.default_rng(seed)
    person, birth_days = _persons(rng, patients, as_of)
    measurement = _measurements(rng, patients, as_of, birth_days)
    conditions = _conditions(rng, patients, as_of, birth_days)
    visits = _visits(rng, patients, as_of)
    deaths = _deaths(rng, patients, as_of)
    history = synth_history(seed, patients, as_of, birth_days, conditions.num_rows + 1)
    conditions = pa.concat_tables(
        [conditions.cast(CONDITION_SCHEMA), history["condition_occurrence"]]
    )
    clinical = synth_observations(seed, patients, as_of, birth_days, measurement.schema)
    extra = clinical["measurement"]
    if extra.num_rows:
        ids = pc.add(extra.column("measurement_id"), measurement.num_rows)
        extra = extra.set_column(
            extra.schema.get_field_index("measurement_id"), "measurement_id", ids
        )
        measurement = pa.concat_tables([measurement, extra])
    return {
        "person": person,
        "measurement": measurement,
        "condition_occurrence": conditions,
        "observation": clinical["observation"],
        "visit_occurrence": visits,
        "death": deaths,
        "procedure_occurrence": history["procedure_occurrence"],
        "drug_exposure": history["drug_exposure"],
    }


def write_population(tables: dict[str, pa.Table], out: Path) -> None:
    """One Parquet file per table: ``out/person.parquet``, ``out/measurement.parquet``..."""
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet", row_group_size=1_000_000)


def _persons(rng: np.random.Generator, n: int, as_of: date) -> tuple[pa.Table, np.ndarray]:
    kind = rng.random(n)
    age_days = np.where(
        kind < 0.70,
        rng.integers(365, 11 * 365, n),
        np.where(kind < 0.92, rng.integers(10 * 365, 20 * 365, n), rng.integers(30, 365, n)),
    )
    birth = np.array([as_of.toordinal()] * n, dtype=np.int64) - age_days
    # Edge cases: the 1st and the 19th birthday exactly on the as-of date, the day after the
    # 19th birthday's eve, and 29 February.
    edges = [
        _years_before(as_of, 1),
        _years_before(as_of, 19),
        _years_before(as_of, 19) + 1,
        _years_before(as_of, 1) + 1,
        date(2016, 2, 29).toordinal(),
        date(2008, 2, 29).toordinal(),
    ]
    edge_rows = rng.random(n) < 0.03
    birth[edge_rows] = rng.choice(edges, int(edge_rows.sum()))
    births = (birth - _EPOCH).astype("datetime64[D]")
    years = births.astype("datetime64[Y]").astype(np.int32) + 1970
    months = (births.astype("datetime64[M]").astype(np.int32) % 12 + 1).astype(np.int32)
    days = ((births - births.astype("datetime64[M]")).astype(np.int32) + 1).astype(np.int32)
    # Year and month only; more often on the edge births, where the missing day decides the age.
    partial = (rng.random(n) < 0.03) | (edge_rows & (rng.random(n) < 0.3))
    gender = rng.choice(
        [MALE, FEMALE, MALE, FEMALE, UNKNOWN_GENDER], n, p=[0.26, 0.26, 0.22, 0.22, 0.04]
    )
    source = np.where(gender == MALE, "M", np.where(gender == FEMALE, "F", "U"))
    person_ids = np.arange(1, n + 1, dtype=np.int64)
    table = pa.table(
        {
            "person_id": person_ids,
            "gender_concept_id": pa.array(gender, pa.int32()),
            "year_of_birth": pa.array(years),
            "month_of_birth": pa.array(months),
            "day_of_birth": pa.array(np.where(partial, 0, days), mask=partial),
            "birth_datetime": pa.array(
                (birth - _EPOCH).astype(np.int32), pa.date32(), mask=partial
            ),
            "race_concept_id": pa.array(np.zeros(n, dtype=np.int32)),
            "ethnicity_concept_id": pa.array(np.zeros(n, dtype=np.int32)),
            "person_source_value": pc.binary_join_element_wise(
                "synth-", pc.utf8_lpad(pa.array(person_ids).cast(pa.string()), 7, "0"), ""
            ),
            "gender_source_value": pa.array(source),
        }
    )
    return table, birth


def _years_before(day: date, years: int) -> int:
    try:
        return day.replace(year=day.year - years).toordinal()
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28).toordinal()


def _panels(rng: np.random.Generator, n: int) -> list[_Panel]:
    """The newest panel (recent, stale or, rarely, future-dated) and one or two older ones."""
    kind = rng.random(n)
    newest = np.where(
        kind < 0.84,
        rng.integers(0, 15, n),  # day 14 is the edge of a 14-day window
        np.where(kind < 0.98, rng.integers(15, 90, n), -rng.integers(1, 10, n)),
    )
    people = np.arange(1, n + 1, dtype=np.int64)
    panels = [_Panel(people, newest)]
    panels.append(_Panel(people, newest + rng.integers(20, 120, n)))
    third = rng.random(n) < 0.15
    panels.append(_Panel(people[third], newest[third] + rng.integers(120, 400, int(third.sum()))))
    if (kind >= 0.98).any():  # a child whose future-dated result hides nothing: add a recent one
        future = kind >= 0.98
        panels.append(_Panel(people[future], rng.integers(0, 14, int(future.sum()))))
    return panels


def _measurements(rng: np.random.Generator, n: int, as_of: date, birth: np.ndarray) -> pa.Table:
    parts: list[dict[str, np.ndarray]] = []
    panels = _panels(rng, n)
    for panel in panels:
        for spec in LAB_PANEL:
            keep = rng.random(len(panel.person)) >= 0.06
            parts.append(_lab_rows(rng, spec, panel.person[keep], panel.day[keep]))
    newest = panels[0]
    for code, unit, mean, sd in _EXTRA:
        values = np.round(np.abs(rng.normal(mean, sd, n)), 1)
        parts.append(_rows(newest.person, newest.day, code, values, np.full(n, unit)))

    # Two results of one analyte on one day that disagree (a repeat sample).
    repeat = rng.random(n) < 0.01
    people = np.arange(1, n + 1, dtype=np.int64)[repeat]
    days = rng.integers(0, 10, len(people))
    hb = LAB_PANEL[0]
    for values in (np.full(len(people), 70.0), np.full(len(people), 95.0)):
        parts.append(_rows(people, days, f"loinc:{hb.loinc}", values, np.full(len(people), "g/L")))
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((columns["day"], columns["person_id"]))
    columns = {key: value[order] for key, value in columns.items()}
    count = len(columns["person_id"])
    dates = np.array([as_of.toordinal()] * count, dtype=np.int64) - columns["day"]
    epoch = date(1970, 1, 1).toordinal()
    value = columns["value"]
    return pa.table(
        {
            "measurement_id": np.arange(1, count + 1, dtype=np.int64),
            "person_id": columns["person_id"],
            "measurement_concept_id": pa.array(np.zeros(count, dtype=np.int32)),
            "measurement_date": pa.array((dates - epoch).astype(np.int32), pa.date32()),
            "measurement_type_concept_id": pa.array(np.full(count, LAB_RESULT_TYPE, np.int32)),
            "operator_concept_id": _operators(count),
            "value_as_number": pa.array(value, mask=np.isnan(value)),
            "unit_concept_id": pa.array(np.zeros(count, dtype=np.int32)),
            "range_low": pa.array(columns["low"], mask=np.isnan(columns["low"])),
            "range_high": pa.array(columns["high"], mask=np.isnan(columns["high"])),
            "measurement_source_value": pa.array(columns["code"]),
            "unit_source_value": pa.array(columns["unit"]),
        }
    )


#: OMOP "Meas Value Operator" concepts "<" and ">".
_LESS, _GREATER = 4172703, 4172704
#: One result in this many is censored. Chosen by its id, not drawn: the other columns stay as
#: the same seed always gave them.
_CENSORED_EVERY = 331


def _operators(count: int) -> pa.Array:
    ids = np.arange(1, count + 1, dtype=np.int64)
    censored = ids % _CENSORED_EVERY == 0
    which = np.where((ids // _CENSORED_EVERY) % 2 == 0, _LESS, _GREATER).astype(np.int32)
    return pa.array(which, pa.int32(), mask=~censored)


def _rows(
    people: np.ndarray,
    days: np.ndarray,
    code: str,
    values: np.ndarray,
    units: np.ndarray,
    low: np.ndarray | None = None,
    high: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    size = len(people)
    nan = np.full(size, np.nan)
    return {
        "person_id": people,
        "day": days,
        "code": np.full(size, code, dtype=object),
        "value": values.astype(np.float64),
        "unit": units.astype(object),
        "low": nan if low is None else low,
        "high": nan if high is None else high,
    }


def _lab_rows(
    rng: np.random.Generator, spec: LabSpec, people: np.ndarray, days: np.ndarray
) -> dict[str, np.ndarray]:
    size = len(people)
    uln = spec.uln * rng.uniform(0.85, 1.15, size) if spec.uln else None
    uln = np.round(uln, 1) if uln is not None else None
    limit = spec.limit * uln if uln is not None else np.full(size, spec.limit)
    low, high = spec.spread
    canonical = limit * rng.triangular(low, 1.05, high, size)
    at_edge = rng.random(size) < 0.08  # exactly on the limit
    canonical = np.where(at_edge, limit, canonical)
    if spec.cap is not None:
        canonical = np.minimum(canonical, spec.cap)
    choice = rng.integers(0, len(spec.spellings), size)
    # On the edge, use the first spelling: the canonical unit, where the limit is exact.
    choice = np.where(at_edge, 0, choice)
    factors = np.array([s.factor for s in spec.spellings])[choice]
    decimals = np.array([s.decimals for s in spec.spellings])[choice]
    units = np.array([s.unit for s in spec.spellings], dtype=object)[choice]
    values = _round_each(canonical * factors, decimals)
    if uln is not None:
        high_col = _round_each(uln * factors, np.maximum(decimals, 1))
        own_range = (rng.random(size) < 0.6) | at_edge
        high_col = np.where(own_range, high_col, np.nan)
        # On the edge with the lab's own range, the value is exactly limit x range_high.
        values = np.where(at_edge & own_range, np.round(high_col * spec.limit, 6), values)
        low_col = np.where(own_range, _round_each((spec.lln or 0) * factors, decimals), np.nan)
    else:
        high_col = low_col = np.full(size, np.nan)
    empty = rng.random(size) < 0.01
    values = np.where(empty, np.nan, values)
    typo = rng.random(size) < 0.005
    units = np.where(typo, rng.choice(_EXTRA_UNIT_TYPOS, size), units)
    if spec.uln is None:
        units = np.where(rng.random(size) < 0.003, _WRONG_KIND, units)
    return _rows(people, days, f"loinc:{spec.loinc}", values, units, low_col, high_col)


def _round_each(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    out = np.empty_like(values, dtype=np.float64)
    for places in np.unique(decimals):
        rows = decimals == places
        out[rows] = np.round(values[rows], int(places))
    return out


def _conditions(rng: np.random.Generator, n: int, as_of: date, birth: np.ndarray) -> pa.Table:
    people = np.arange(1, n + 1, dtype=np.int64)
    has_nb = rng.random(n) < 0.85
    other = ~has_nb | (rng.random(n) < 0.1)
    codes = np.concatenate(
        [
            np.full(int(has_nb.sum()), _NEUROBLASTOMA, dtype=object),
            rng.choice(np.array(_OTHER_CONDITIONS, dtype=object), int(other.sum())),
        ]
    )
    who = np.concatenate([people[has_nb], people[other]])
    span = np.maximum(as_of.toordinal() - birth[who - 1], 1)
    start = birth[who - 1] + (rng.random(len(who)) * span).astype(np.int64)
    epoch = date(1970, 1, 1).toordinal()
    count = len(who)
    return pa.table(
        {
            "condition_occurrence_id": np.arange(1, count + 1, dtype=np.int64),
            "person_id": who,
            "condition_concept_id": pa.array(np.zeros(count, dtype=np.int32)),
            "condition_start_date": pa.array((start - epoch).astype(np.int32), pa.date32()),
            "condition_end_date": pa.nulls(count, pa.date32()),
            "condition_type_concept_id": pa.array(np.full(count, 32817, np.int32)),  # EHR
            "condition_status_source_value": pa.array(np.full(count, "active", dtype=object)),
            "condition_source_value": pa.array(codes),
        }
    )


def _visits(rng: np.random.Generator, n: int, as_of: date) -> pa.Table:
    people = np.arange(1, n + 1, dtype=np.int64)
    days = rng.integers(0, 30, n)
    start = as_of.toordinal() - days - date(1970, 1, 1).toordinal()
    return pa.table(
        {
            "visit_occurrence_id": people,
            "person_id": people,
            "visit_concept_id": pa.array(np.full(n, 9202, np.int32)),  # Outpatient Visit
            "visit_start_date": pa.array(start.astype(np.int32), pa.date32()),
            "visit_end_date": pa.array(start.astype(np.int32), pa.date32()),
            "visit_type_concept_id": pa.array(np.full(n, 32817, np.int32)),
        }
    )


def _deaths(rng: np.random.Generator, n: int, as_of: date) -> pa.Table:
    dead = np.flatnonzero(rng.random(n) < 0.002) + 1
    days = as_of.toordinal() - rng.integers(1, 300, len(dead)) - date(1970, 1, 1).toordinal()
    return pa.table(
        {
            "person_id": dead.astype(np.int64),
            "death_date": pa.array(days.astype(np.int32), pa.date32()),
            "death_type_concept_id": pa.array(np.full(len(dead), 32817, np.int32)),
        }
    )
