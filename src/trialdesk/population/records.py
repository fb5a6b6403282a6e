"""OMOP tables → one :class:`PatientRecord` per person, for the in-memory screener.

This is the reference reading of the OMOP conventions (docs/population.md): the SQL engines
must agree with the screener run over these records. It is also the fallback for criteria the
SQL compiler does not translate.

Readings that OMOP forces on us, each chosen to be the conservative one:

* ``value_as_number`` is read to 6 decimal places (as the SQL engines cast it);
* an empty or unreadable ``unit_source_value`` makes the value unusable (``lab.no_value``), and so
  does an ``operator_concept_id`` other than "=" (a censored ``<5``: its bound is not a value);
* ``range_low``/``range_high`` are in the row's unit and carry no age or sex restriction;
* the tables are read as of the screening date: a condition whose ``condition_end_date`` is
  on or before it is resolved, one without an end date or ending later is still active; a
  drug exposure ending before it is completed, one without an end date or ending on or after
  it is active (a course planned to run past the screening date is current treatment);
* a birth date with no day (or no month) is a range of days, as FHIR partial dates are;
* an observation's value is read from ``value_as_string`` (``system:code`` is a coded value,
  ``true``/``false`` a yes/no answer, anything else text), else ``value_as_number`` with its
  unit, else ``value_as_concept_id`` Yes (4188539) / No (4188540); the two tables are read
  alike, so a code recorded in ``measurement`` counts as in ``observation``;
* an inhaled-oxygen measurement (LOINC 3151-8 flow, 3150-0 concentration) is also a
  component of every other measurement of that person on that day: OMOP keeps no time of
  day, so an SpO2 taken on oxygen and one on room air the same day are both "on oxygen"
  (a room-air rule then ignores both: towards unknown, never towards eligible);
* OMOP v5.4 has no consent, adverse-event, allergy-intolerance or tumour-lesion table: none
  is read (consent and toxicity history are then unknown; see docs/population/observations.md).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from trialdesk.core.record import (
    Coding,
    Component,
    ConditionRecord,
    FuzzyDate,
    MedicationRecord,
    ObservationRecord,
    PatientInfo,
    PatientRecord,
    ProcedureRecord,
    Quantity,
    ReferenceRange,
    Sex,
    SourceRef,
)
from trialdesk.core.units import canonical_unit
from trialdesk.errors import UnitError
from trialdesk.population.omop import (
    PLAIN_OPERATOR_CONCEPTS,
    find_tables,
    gender_of,
    read_table,
    split_code,
)
from trialdesk.population.vital_status import deceased_on

__all__ = [
    "ANSWER_CONCEPTS",
    "INHALED_OXYGEN",
    "OBSERVATION_SCHEMA",
    "VALUE_SCALE",
    "observation_value",
    "read_omop_records",
    "readable_unit",
    "records_from_tables",
]

VALUE_SCALE = Decimal("0.000001")  # value_as_number is read as DECIMAL(20, 6)
#: OMOP "Yes"/"No" answer concepts (LOINC answers LA33-6/LA32-8 in the OMOP vocabulary).
ANSWER_CONCEPTS = {4188539: True, 4188540: False}
_ANSWER_TEXT = {"true": True, "false": False}
#: The observation columns TrialDesk reads (OMOP v5.4), for tables it writes or stands in.
OBSERVATION_SCHEMA = pa.schema(
    [
        ("observation_id", pa.int64()),
        ("person_id", pa.int64()),
        ("observation_date", pa.date32()),
        ("observation_source_value", pa.string()),
        ("value_as_string", pa.string()),
        ("value_as_number", pa.float64()),
        ("unit_source_value", pa.string()),
        ("value_as_concept_id", pa.int32()),
    ]
)
#: Inhaled oxygen flow and concentration: components of the same day's other measurements.
INHALED_OXYGEN = (("loinc", "3151-8"), ("loinc", "3150-0"))
Row = dict[str, Any]


def read_omop_records(folder: Path, as_of: date) -> Iterator[PatientRecord]:
    """Every person of an OMOP folder (Parquet or CSV tables), in person_id order."""
    paths = find_tables(folder)
    tables = {name: read_table(path) for name, path in paths.items()}
    return records_from_tables(tables, source=str(folder), as_of=as_of)


def records_from_tables(
    tables: Mapping[str, pa.Table], source: str, as_of: date
) -> Iterator[PatientRecord]:
    """One record per person, read as of ``as_of`` (which decides whether a dated end has
    happened yet)."""
    by_person: dict[str, dict[int, list[Row]]] = {}
    for name, table in tables.items():
        if name == "person":
            continue
        grouped: dict[int, list[Row]] = defaultdict(list)
        order = _id_column(name, table)
        rows = table.sort_by(order).to_pylist() if order else table.to_pylist()
        for row in rows:
            grouped[int(row["person_id"])].append(row)
        by_person[name] = grouped
    people = tables["person"].sort_by("person_id").to_pylist()
    for person in people:
        pid = int(person["person_id"])
        rows_of = {name: rows.get(pid, []) for name, rows in by_person.items()}
        yield _record(person, rows_of, source, as_of)


def _id_column(name: str, table: pa.Table) -> str | None:
    candidate = f"{name}_id"
    return candidate if candidate in table.column_names else None


def _record(person: Row, rows: dict[str, list[Row]], source: str, as_of: date) -> PatientRecord:
    pid = str(person["person_id"])
    info = PatientInfo(
        ref=SourceRef("Patient", pid, source),
        birth_date=_birth(person),
        sex=Sex(gender_of(person.get("gender_concept_id"))),
        deceased=bool(rows.get("death")),
        deceased_on=deceased_on([r.get("death_date") for r in rows.get("death", [])])
        if rows.get("death")
        else None,
    )
    measurements = rows.get("measurement", [])
    oxygen = _oxygen_by_day(measurements)
    return PatientRecord(
        patient=info,
        # OMOP requires measurement_date and observation_date; a row without one is left out,
        # as every SQL engine leaves it out (a FHIR result with no effective date, read
        # directly, is named instead: ``lab.undated``).
        observations=tuple(
            [
                _measurement(r, source, oxygen)
                for r in measurements
                if r.get("measurement_date") is not None
            ]
            + [
                _observation(r, source)
                for r in rows.get("observation", [])
                if r.get("observation_date") is not None
            ]
        ),
        conditions=tuple(
            _condition(r, source, as_of) for r in rows.get("condition_occurrence", [])
        ),
        procedures=tuple(_procedure(r, source) for r in rows.get("procedure_occurrence", [])),
        medications=tuple(_drug(r, source, as_of) for r in rows.get("drug_exposure", [])),
        source=source,
    )


def _birth(person: Row) -> FuzzyDate | None:
    exact = person.get("birth_datetime")
    if isinstance(exact, datetime):
        return FuzzyDate.exact(exact.date())
    if isinstance(exact, date):
        return FuzzyDate.exact(exact)
    year, month, day = (person.get(k) for k in ("year_of_birth", "month_of_birth", "day_of_birth"))
    if not year:
        return None
    if month and day:
        return FuzzyDate.exact(date(year, month, day))
    if month:
        last = calendar.monthrange(year, month)[1]
        return FuzzyDate(date(year, month, 1), date(year, month, last), f"{year}-{month:02d}")
    return FuzzyDate(date(year, 1, 1), date(year, 12, 31), str(year))


def _day(value: Any) -> FuzzyDate | None:
    if isinstance(value, datetime):
        return FuzzyDate.exact(value.date())
    if isinstance(value, date):
        return FuzzyDate.exact(value)
    return None


def readable_unit(written: Any) -> str | None:
    if not isinstance(written, str) or not written.strip():
        return None
    try:
        return canonical_unit(written)
    except UnitError:
        return None


def decimal_of(value: Any) -> Decimal | None:
    """A DOUBLE as the engines cast it to DECIMAL(20, 6): its shortest decimal text, a tie at
    the 7th decimal rounded away from zero (DuckDB, PostgreSQL and Spark alike; Python's
    default, half to even, read 1.0000005 as 1.000000 where they read 1.000001)."""
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(VALUE_SCALE, rounding=ROUND_HALF_UP)


def _oxygen_by_day(rows: list[Row]) -> dict[Any, tuple[Component, ...]]:
    """The inhaled-oxygen rows of each day, as components (usually none at all)."""
    by_day: dict[Any, list[Component]] = defaultdict(list)
    for row in rows:
        code = split_code(row.get("measurement_source_value"), "loinc")
        if code in INHALED_OXYGEN and row.get("measurement_date") is not None:
            value = _quantity(row)
            by_day[row["measurement_date"]].append(Component((Coding(*code),), value))
    return {day: tuple(items) for day, items in by_day.items()}


def _quantity(row: Row) -> Quantity | None:
    unit = readable_unit(row.get("unit_source_value"))
    number = decimal_of(row.get("value_as_number"))
    return (
        Quantity(number, unit, None, row.get("unit_source_value"))
        if number is not None and unit
        else None
    )


def _measurement(
    row: Row, source: str, oxygen: dict[Any, tuple[Component, ...]] | None = None
) -> ObservationRecord:
    code = split_code(row.get("measurement_source_value"), "loinc")
    unit = readable_unit(row.get("unit_source_value"))
    number = decimal_of(row.get("value_as_number"))
    operator = row.get("operator_concept_id")
    plain = operator is None or int(operator) in PLAIN_OPERATOR_CONCEPTS
    value = (
        Quantity(number, unit, None, row.get("unit_source_value"))
        if number is not None and unit and plain
        else None
    )
    absent = None
    if number is not None and not plain:
        absent = f"operator_concept_id {operator} is not '=': the number is a bound, not a value"
    elif number is not None and unit is None:
        absent = f"unit {row.get('unit_source_value')!r} is not a readable UCUM unit"
    ranges: tuple[ReferenceRange, ...] = ()
    low, high = decimal_of(row.get("range_low")), decimal_of(row.get("range_high"))
    if unit and (low is not None or high is not None):
        ranges = (
            ReferenceRange(
                low=Quantity(low, unit) if low is not None else None,
                high=Quantity(high, unit) if high is not None else None,
            ),
        )
    return ObservationRecord(
        ref=SourceRef("Measurement", str(row["measurement_id"]), source),
        codes=(Coding(*code),) if code else (),
        status="final",
        effective=_day(row.get("measurement_date")),
        value=value,
        reference_ranges=ranges,
        components=()
        if oxygen is None or code in INHALED_OXYGEN
        else oxygen.get(row.get("measurement_date"), ()),
        data_absent_reason=absent,
    )


def observation_value(text: Any, number: Any, unit_text: Any, concept: Any) -> Any:
    """One observation row's value, as the screener sees it (the SQL reads the same way)."""
    if isinstance(text, str) and text:
        answer = _ANSWER_TEXT.get(text.strip().casefold())
        if answer is not None:
            return answer
        coded = split_code(text, "") if ":" in text else None
        return Coding(*coded) if coded else text
    if number is not None:
        unit = readable_unit(unit_text)
        value = decimal_of(number)
        return Quantity(value, unit) if unit and value is not None else None
    if concept is not None:
        return ANSWER_CONCEPTS.get(int(concept))
    return None


def _observation(row: Row, source: str) -> ObservationRecord:
    code = split_code(row.get("observation_source_value"), "loinc")
    value = observation_value(
        row.get("value_as_string"),
        row.get("value_as_number"),
        row.get("unit_source_value"),
        row.get("value_as_concept_id"),
    )
    return ObservationRecord(
        ref=SourceRef("Observation", str(row["observation_id"]), source),
        codes=(Coding(*code),) if code else (),
        status="final",
        effective=_day(row.get("observation_date")),
        value=value,
    )


def _condition(row: Row, source: str, as_of: date) -> ConditionRecord:
    code = split_code(row.get("condition_source_value"), "snomed")
    end = _day(row.get("condition_end_date"))
    resolved = end is not None and end.latest <= as_of
    return ConditionRecord(
        ref=SourceRef("Condition", str(row["condition_occurrence_id"]), source),
        codes=(Coding(*code),) if code else (),
        clinical_status="resolved" if resolved else "active",
        verification_status="confirmed",
        onset=_day(row.get("condition_start_date")),
        abatement=end if resolved else None,
    )


def _procedure(row: Row, source: str) -> ProcedureRecord:
    code = split_code(row.get("procedure_source_value"), "snomed")
    return ProcedureRecord(
        ref=SourceRef("Procedure", str(row["procedure_occurrence_id"]), source),
        codes=(Coding(*code),) if code else (),
        status="completed",
        performed=_day(row.get("procedure_date")),
    )


def _drug(row: Row, source: str, as_of: date) -> MedicationRecord:
    code = split_code(row.get("drug_source_value"), "rxnorm")
    end = _day(row.get("drug_exposure_end_date"))
    return MedicationRecord(
        ref=SourceRef("MedicationStatement", str(row["drug_exposure_id"]), source),
        codes=(Coding(*code),) if code else (),
        status="completed" if end is not None and end.latest < as_of else "active",
        start=_day(row.get("drug_exposure_start_date")),
        end=end,
    )
