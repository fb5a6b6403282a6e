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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from trialdesk.errors import InputError

__all__ = [
    "PLAIN_OPERATOR_CONCEPTS",
    "READ_COLUMNS",
    "REQUIRED_COLUMNS",
    "TABLES",
    "ConceptRow",
    "check_columns",
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
#: Every OMOP CDM v5.4 column a screening reads, per table: a table that is present must have
#: them all (a column may be empty). Checked before any statement runs, so that a file without
#: one gets an error naming it, not an engine's binder error halfway through.
READ_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": (
        "person_id",
        "gender_concept_id",
        "year_of_birth",
        "month_of_birth",
        "day_of_birth",
        "birth_datetime",
    ),
    "measurement": (
        *REQUIRED_COLUMNS["measurement"],
        "operator_concept_id",
    ),
    "observation": (
        "observation_id",
        "person_id",
        "observation_date",
        "observation_source_value",
        "value_as_string",
        "value_as_number",
        "unit_source_value",
        "value_as_concept_id",
    ),
    "condition_occurrence": (
        "person_id",
        "condition_start_date",
        "condition_end_date",
        "condition_source_value",
    ),
    "procedure_occurrence": ("person_id", "procedure_date", "procedure_source_value"),
    "drug_exposure": (
        "person_id",
        "drug_exposure_start_date",
        "drug_exposure_end_date",
        "drug_source_value",
    ),
    "death": ("person_id", "death_date"),
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
    check_columns(path.stem, table.column_names, file=str(path))
    return table


def check_columns(
    name: str, have: Iterable[str], *, file: str | None = None, where: str | None = None
) -> None:
    """Refuse an OMOP table without a column the screening reads (:data:`READ_COLUMNS`)."""
    present = set(have)
    wanted = READ_COLUMNS.get(name, ())
    missing = [c for c in wanted if c not in present]
    if missing:
        raise InputError(
            f"OMOP table {name!r} lacks columns {missing}",
            file=file,
            where=where,
            expected="the OMOP CDM v5.4 columns TrialDesk reads: " + ", ".join(wanted),
            got=", ".join(sorted(present)),
            hint="Add the missing columns (they may be empty), as OMOP CDM v5.4 defines them.",
        )


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
