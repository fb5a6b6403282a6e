"""OMOP CDM v5.4 tables on disk: find them, read them, and the conventions TrialDesk relies on.

Real OMOP vocabularies (Athena) are not bundled, so TrialDesk reads the *source* codes:
``measurement_source_value``, ``condition_source_value`` etc. hold ``system:code`` with the
short system names of the criteria language (``loinc:718-7``, ``snomed:432328008``,
``icd10:C74.9``). A bare code in ``measurement_source_value`` is read as LOINC. Units are read
from ``unit_source_value`` (any spelling the units module knows); ``unit_concept_id`` is
ignored. See docs/population.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from trialdesk.errors import InputError

__all__ = [
    "PLAIN_OPERATOR_CONCEPTS",
    "REQUIRED_COLUMNS",
    "TABLES",
    "ConceptRow",
    "concept_map",
    "find_tables",
    "gender_of",
    "read_table",
    "split_code",
]

TABLES = (
    "person",
    "measurement",
    "condition_occurrence",
    "observation",
    "procedure_occurrence",
    "drug_exposure",
    "visit_occurrence",
    "death",
)
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "gender_concept_id", "year_of_birth"),
    "measurement": (
        "measurement_id",
        "person_id",
        "measurement_date",
        "value_as_number",
        "range_low",
        "range_high",
        "measurement_source_value",
        "unit_source_value",
    ),
}
MALE, FEMALE = 8507, 8532
# OMOP "Meas Value Operator" concept for "=": a plain value. Any other operator (<, >, ...)
# makes the value unusable (unknown) rather than guessed: the FHIR converter writes 0 for a
# censored result, whose bound it cannot keep.
PLAIN_OPERATOR_CONCEPTS = (4171756,)


def gender_of(concept_id: int | None) -> str:
    """OMOP Gender concept → FHIR administrative gender (anything else is unknown)."""
    return {MALE: "male", FEMALE: "female"}.get(concept_id or 0, "unknown")


def split_code(source_value: str | None, default_system: str) -> tuple[str, str] | None:
    """``"loinc:718-7"`` → ("loinc", "718-7"); a bare ``"718-7"`` takes ``default_system``."""
    if not source_value:
        return None
    system, sep, code = source_value.strip().partition(":")
    if not sep:
        return (default_system, system)
    return (system.lower(), code)


def find_tables(folder: Path) -> dict[str, Path]:
    """``folder/<table>.parquet`` or ``.csv`` for every OMOP table present; person is required."""
    if not folder.is_dir():
        raise InputError(
            "the OMOP data folder does not exist",
            file=str(folder),
            expected="a folder with person.parquet, measurement.parquet, ... (or .csv)",
            hint="Make one with 'trialdesk synth population --out DIR'.",
        )
    found: dict[str, Path] = {}
    for name in TABLES:
        for suffix in (".parquet", ".csv"):
            path = folder / f"{name}{suffix}"
            if path.exists():
                found[name] = path
                break
    for name in REQUIRED_COLUMNS:
        if name not in found:
            raise InputError(
                f"OMOP table {name!r} is missing",
                file=str(folder),
                expected=f"{name}.parquet or {name}.csv",
                hint="See docs/population.md for the tables and columns TrialDesk reads.",
            )
    return found


def read_table(path: Path) -> pa.Table:
    """One OMOP table, checked for the columns TrialDesk needs."""
    table = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
    name = path.stem
    missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in table.column_names]
    if missing:
        raise InputError(
            f"OMOP table {name!r} lacks columns {missing}",
            file=str(path),
            expected=", ".join(REQUIRED_COLUMNS[name]),
            got=", ".join(table.column_names),
        )
    return table


@dataclass(frozen=True, slots=True)
class ConceptRow:
    concept_id: int
    vocabulary: str
    code: str
    name: str


def concept_map() -> Iterator[ConceptRow]:
    """The small local concept map shipped as data (``population/data/concept_map.csv``)."""
    text = resources.files("trialdesk.population").joinpath("data/concept_map.csv")
    with text.open("r", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            yield ConceptRow(int(row["concept_id"]), row["vocabulary"], row["code"], row["name"])
