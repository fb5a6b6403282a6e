"""FHIR bulk export (NDJSON, Bundles or folders) → the OMOP tables population screening reads.

Reuses the FHIR adapter's readers (one :class:`PatientRecord` per patient), then writes each
fact in the conventions of docs/population.md. What OMOP cannot hold is dropped *towards
unknown*, never towards eligible:

* results with a comparator (``<5``) get ``operator_concept_id = 0`` (no plain value: unused);
* results whose status the screener would not use, or with unknown modifierExtensions, are
  left out (the screener would not use the former and would ask for review for the latter:
  screen such patients one by one with ``trialdesk screen``);
* a result with no effective date (OMOP requires one) and one with unknown modifierExtensions
  are left out *and listed* (:class:`LeftOut`): the screener reads the former as possibly the
  newest (unknown) and the latter as review, which no OMOP row can say, so those children are
  screened from their FHIR records one by one;
* a date known only to a month or year is written as its earliest day (older: more likely
  stale, never fresher than it was);
* only reference ranges without age or sex restriction are kept (else the default interval
  for the child's age and sex is used);
* a resolved condition or a finished medication without an end date ends on its start date;
* a yes/no answer (an attestation) is ``value_as_string`` ``true``/``false`` with the OMOP
  Yes/No concept in ``value_as_concept_id``;
* an inhaled-oxygen component (flow, FiO2) becomes its own measurement row on the same day
  (read back as a component of that day's measurements); other components and
  interpretation codes are not written, so a test known only by its interpretation is
  inconclusive (review), never negative.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from trialdesk.adapters.fhir import read_records
from trialdesk.core.record import Coding, FuzzyDate, ObservationRecord, PatientRecord, Quantity, Sex
from trialdesk.core.screening.context import USABLE_OBSERVATION_STATUSES
from trialdesk.population.omop import FEMALE, MALE
from trialdesk.population.records import ANSWER_CONCEPTS, INHALED_OXYGEN

__all__ = ["LEFT_OUT_FILE", "Conversion", "LeftOut", "fhir_to_omop", "records_to_omop"]

#: The list of what the conversion left out, beside the tables (not an OMOP table: the
#: population engines do not read it).
LEFT_OUT_FILE = "trialdesk_left_out.csv"
_NO_DATE = "no effective date (OMOP requires one; the screener reads it as possibly the newest)"
_MODIFIER = "unknown modifierExtension (the screener asks a clinician to review it)"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A FHIR fact the OMOP tables cannot hold without changing a verdict."""

    person_source_value: str
    resource: str
    reason: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """Rows written per table, and what was left out (also in ``LEFT_OUT_FILE``)."""

    rows: dict[str, int]
    left_out: list[LeftOut]

    def people_left_out(self) -> list[str]:
        return sorted({item.person_source_value for item in self.left_out})


_GENDER = {Sex.MALE: MALE, Sex.FEMALE: FEMALE}
_RESOLVED = {"resolved", "inactive", "remission"}
_DATE = pa.date32()


def fhir_to_omop(source: Path, out: Path) -> Conversion:
    """Convert and write ``out/<table>.parquet`` (and ``LEFT_OUT_FILE`` when something was
    left out; an old one is removed, so the folder never lists another run's facts)."""
    left_out: list[LeftOut] = []
    tables = records_to_omop(read_records(source), left_out)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")
    listed = out / LEFT_OUT_FILE
    listed.unlink(missing_ok=True)
    if left_out:
        with listed.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["person_source_value", "resource", "reason"])
            writer.writerows((i.person_source_value, i.resource, i.reason) for i in left_out)
    return Conversion({name: table.num_rows for name, table in tables.items()}, left_out)


def _code(codes: Iterable[Coding], prefer: str | None = None) -> str | None:
    items = list(codes)
    chosen = next((c for c in items if c.system == prefer), items[0] if items else None)
    return f"{chosen.system}:{chosen.code}" if chosen else None


def _day(value: FuzzyDate | None) -> date | None:
    return value.earliest if value is not None else None


def records_to_omop(
    records: Iterable[PatientRecord], left_out: list[LeftOut] | None = None
) -> dict[str, pa.Table]:
    """The OMOP tables of ``records``; what they cannot hold is appended to ``left_out``."""
    skipped: list[LeftOut] = [] if left_out is None else left_out
    rows: dict[str, list[dict[str, Any]]] = {
        "person": [],
        "measurement": [],
        "observation": [],
        "condition_occurrence": [],
        "procedure_occurrence": [],
        "drug_exposure": [],
        "death": [],
    }
    for person_id, record in enumerate(records, start=1):
        _person(rows, person_id, record)
        for observation in record.observations:
            reason = _observation(rows, person_id, observation)
            if reason is not None:
                skipped.append(LeftOut(record.patient.ref.id, str(observation.ref), reason))
        for condition in record.conditions:
            resolved = (condition.clinical_status or "") in _RESOLVED
            start = _day(condition.onset) or _day(condition.recorded)
            end = _day(condition.abatement) or (start if resolved else None)
            rows["condition_occurrence"].append(
                {
                    "condition_occurrence_id": len(rows["condition_occurrence"]) + 1,
                    "person_id": person_id,
                    "condition_start_date": start,
                    "condition_end_date": end,
                    "condition_source_value": _code(condition.codes, "snomed"),
                }
            )
        for procedure in record.procedures:
            rows["procedure_occurrence"].append(
                {
                    "procedure_occurrence_id": len(rows["procedure_occurrence"]) + 1,
                    "person_id": person_id,
                    "procedure_date": _day(procedure.performed),
                    "procedure_source_value": _code(procedure.codes, "snomed"),
                }
            )
        for medication in record.medications:
            start = _day(medication.start)
            finished = medication.status in ("completed", "stopped", "cancelled", "not-taken")
            rows["drug_exposure"].append(
                {
                    "drug_exposure_id": len(rows["drug_exposure"]) + 1,
                    "person_id": person_id,
                    "drug_exposure_start_date": start,
                    "drug_exposure_end_date": _day(medication.end) or (start if finished else None),
                    "drug_source_value": _code(medication.codes, "atc"),
                }
            )
    return {name: _table(name, items) for name, items in rows.items()}


def _person(rows: dict[str, list[dict[str, Any]]], person_id: int, record: PatientRecord) -> None:
    birth = record.patient.birth_date
    exact = birth is not None and birth.is_exact
    month_known = birth is not None and birth.earliest.month == birth.latest.month
    rows["person"].append(
        {
            "person_id": person_id,
            "gender_concept_id": _GENDER.get(record.patient.sex, 0),
            "year_of_birth": birth.earliest.year if birth else None,
            "month_of_birth": birth.earliest.month if birth and month_known else None,
            "day_of_birth": birth.earliest.day if birth and exact else None,
            "birth_datetime": birth.earliest if birth and exact else None,
            "person_source_value": record.patient.ref.id,
            "gender_source_value": record.patient.sex.value,
        }
    )
    if record.patient.deceased:
        # OMOP's convention for an imprecise date: its first day.
        died = record.patient.deceased_on
        rows["death"].append(
            {"person_id": person_id, "death_date": died.earliest if died else None}
        )


def _observation(
    rows: dict[str, list[dict[str, Any]]], person_id: int, observation: ObservationRecord
) -> str | None:
    """Write the observation's rows; the reason it was left out where the screener would read
    it and OMOP cannot say how (an unusable status is left out silently: no one reads it)."""
    if observation.status not in USABLE_OBSERVATION_STATUSES:
        return None
    if observation.unknown_modifiers:
        return _MODIFIER
    value = observation.value
    day = _day(observation.effective)
    if day is None:
        return _NO_DATE
    if isinstance(value, Quantity) or value is None:
        low = high = None
        for reference in observation.reference_ranges:
            restricted = reference.age_low_years is not None or reference.age_high_years is not None
            if reference.kind not in (None, "normal") or restricted or reference.sex is not None:
                continue
            unit = value.unit if isinstance(value, Quantity) else None
            if reference.high is not None and reference.high.unit == unit:
                high = float(reference.high.value)
            if reference.low is not None and reference.low.unit == unit:
                low = float(reference.low.value)
            break
        rows["measurement"].append(
            {
                "measurement_id": len(rows["measurement"]) + 1,
                "person_id": person_id,
                "measurement_date": day,
                "operator_concept_id": 0
                if isinstance(value, Quantity) and value.comparator
                else None,
                "value_as_number": float(value.value) if isinstance(value, Quantity) else None,
                "range_low": low,
                "range_high": high,
                "measurement_source_value": _code(observation.codes, "loinc"),
                "unit_source_value": value.unit if isinstance(value, Quantity) else None,
            }
        )
        _oxygen(rows, person_id, observation, day)
        return None
    concept = None
    if isinstance(value, bool):
        text = "true" if value else "false"
        concept = next(c for c, answer in ANSWER_CONCEPTS.items() if answer is value)
    else:
        text = f"{value.system}:{value.code}" if isinstance(value, Coding) else str(value)
    rows["observation"].append(
        {
            "observation_id": len(rows["observation"]) + 1,
            "person_id": person_id,
            "observation_date": day,
            "observation_source_value": _code(observation.codes),
            "value_as_string": text,
            "value_as_number": None,
            "unit_source_value": None,
            "value_as_concept_id": concept,
        }
    )
    return None


def _oxygen(
    rows: dict[str, list[dict[str, Any]]], person_id: int, observation: ObservationRecord, day: date
) -> None:
    for component in observation.components:
        code = next((c for c in component.codes if c.key() in INHALED_OXYGEN), None)
        if code is None or not isinstance(component.value, Quantity):
            continue
        rows["measurement"].append(
            {
                "measurement_id": len(rows["measurement"]) + 1,
                "person_id": person_id,
                "measurement_date": day,
                "operator_concept_id": 0 if component.value.comparator else None,
                "value_as_number": float(component.value.value),
                "range_low": None,
                "range_high": None,
                "measurement_source_value": f"{code.system}:{code.code}",
                "unit_source_value": component.value.unit,
            }
        )


_SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    "person": [
        ("person_id", pa.int64()),
        ("gender_concept_id", pa.int32()),
        ("year_of_birth", pa.int32()),
        ("month_of_birth", pa.int32()),
        ("day_of_birth", pa.int32()),
        ("birth_datetime", _DATE),
        ("person_source_value", pa.string()),
        ("gender_source_value", pa.string()),
    ],
    "measurement": [
        ("measurement_id", pa.int64()),
        ("person_id", pa.int64()),
        ("measurement_date", _DATE),
        ("operator_concept_id", pa.int32()),
        ("value_as_number", pa.float64()),
        ("range_low", pa.float64()),
        ("range_high", pa.float64()),
        ("measurement_source_value", pa.string()),
        ("unit_source_value", pa.string()),
    ],
    "observation": [
        ("observation_id", pa.int64()),
        ("person_id", pa.int64()),
        ("observation_date", _DATE),
        ("observation_source_value", pa.string()),
        ("value_as_string", pa.string()),
        ("value_as_number", pa.float64()),
        ("unit_source_value", pa.string()),
        ("value_as_concept_id", pa.int32()),
    ],
    "condition_occurrence": [
        ("condition_occurrence_id", pa.int64()),
        ("person_id", pa.int64()),
        ("condition_start_date", _DATE),
        ("condition_end_date", _DATE),
        ("condition_source_value", pa.string()),
    ],
    "procedure_occurrence": [
        ("procedure_occurrence_id", pa.int64()),
        ("person_id", pa.int64()),
        ("procedure_date", _DATE),
        ("procedure_source_value", pa.string()),
    ],
    "drug_exposure": [
        ("drug_exposure_id", pa.int64()),
        ("person_id", pa.int64()),
        ("drug_exposure_start_date", _DATE),
        ("drug_exposure_end_date", _DATE),
        ("drug_source_value", pa.string()),
    ],
    "death": [("person_id", pa.int64()), ("death_date", _DATE)],
}


def _table(name: str, items: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema(_SCHEMAS[name])
    return pa.Table.from_pylist(items, schema=schema)
