"""The measurement rows every measurement-reading family shares: the table scanned once.

The laboratory, room-air and observation families all read ``measurement``. Instead of each
scanning it with its own join on the source-code text, one step, ``td_meas``, reads it once:
the rows whose code some family wants, not after the as-of date, with the code and the unit
spelling replaced by small integers and the date cast once. Every later step joins this narrow
table on integers; the decimal casts happen only on the few rows a family keeps.

Codes are read as the record reader reads them (:func:`trialdesk.population.omop.split_code`:
``loinc:718-7``, ``LOINC:718-7`` and a bare ``718-7`` are the same key). Each (system, code) key
seen in the data has one ``code_id`` (its place among the sorted keys), the same in every
family, so each family's own code table joins ``td_meas`` by ``code_id``. A family that reads
measurement sets ``reads_measurement`` and returns, beside its own tables, its spellings
(``td_<name>_mcode``: spelling → code_id) and :func:`shared_tables`; the ``td_meas`` step
joins the union of the families' spellings (:func:`measurement_rows_step`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from trialdesk.population.families.base import Setting
from trialdesk.population.omop import PLAIN_OPERATOR_CONCEPTS, split_code
from trialdesk.population.records import readable_unit

__all__ = [
    "MEAS",
    "OPTIONAL",
    "PLAIN_OPERATOR_CONCEPTS",
    "Key",
    "code_ids",
    "measurement_rows_step",
    "shared_tables",
    "spelling_table",
]

MEAS = "td_meas"

#: (system, code) as :func:`split_code` reads a source value.
Key = tuple[str, str]


#: Columns of ``td_meas`` present only when a family reads them (``LeafFamily.
#: measurement_columns``): the row's own reference range, read by × ULN/LLN tests alone. At a
#: million people each costs ≈ 0.25 s of the step's 1.8 s, even written as a constant NULL.
OPTIONAL = ("range_low", "range_high")

# One scan: the wanted codes only (the join to the small spelling table filters the scan),
# integer code and unit ids, the date cast once; values stay DOUBLE until a family keeps a row.
_MEAS = """
SELECT m.person_id, m.measurement_id, c.code_id, CAST(m.measurement_date AS DATE) AS d,
  m.value_as_number AS v, u.unit_id,{optional}
  (m.operator_concept_id IS NULL OR po.concept_id IS NOT NULL) AS plain
FROM measurement m
JOIN ({codes}) c ON c.code = m.measurement_source_value
CROSS JOIN td_params pr
LEFT JOIN td_munit u ON u.unit_source_value = m.unit_source_value
LEFT JOIN td_plain_operator po ON po.concept_id = m.operator_concept_id
WHERE CAST(m.measurement_date AS DATE) <= pr.as_of
"""


def measurement_rows_step(families: Iterable[str], columns: Iterable[str]) -> tuple[str, str]:
    """The ``td_meas`` step over the union of the named families' spelling tables, with the
    :data:`OPTIONAL` columns among ``columns``."""
    # Family names and column names are identifiers of this package, never data.
    union = " UNION ".join(
        f"SELECT code, code_id FROM td_{name}_mcode"  # noqa: S608
        for name in families
    )
    wanted = set(columns)
    unknown = wanted - set(OPTIONAL)
    if unknown:
        raise ValueError(f"not an optional measurement column: {sorted(unknown)}")
    optional = "".join(f" m.{name}," for name in OPTIONAL if name in wanted)
    return MEAS, _MEAS.format(codes=union, optional=optional)


def code_ids(setting: Setting) -> dict[Key, int]:
    """Every (system, code) key of the measurement table's spellings → its code id."""
    keys = {split_code(text, "loinc") for text in setting.distinct("measurement", _SOURCE)}
    return {key: index for index, key in enumerate(sorted(k for k in keys if k is not None))}


def spelling_table(setting: Setting, wanted: Iterable[Key]) -> pa.Table:
    """``td_<family>_mcode``: each spelling in the data of a wanted key → the key's code id."""
    ids = code_ids(setting)
    keep = {key for key in wanted if key in ids}
    code, code_id = [], []
    for text in setting.distinct("measurement", _SOURCE):
        key = split_code(text, "loinc")
        if key in keep:
            code.append(text)
            code_id.append(ids[key])
    return pa.table({"code": pa.array(code, pa.string()), "code_id": pa.array(code_id, pa.int32())})


def shared_tables(setting: Setting) -> dict[str, pa.Table]:
    """The tables ``td_meas`` joins besides the spellings: readable units, plain operators.

    ``td_munit`` has one row per readable unit spelling (its id, its UCUM unit); a spelling
    that is not readable UCUM has no row, so its rows carry no unit id (no usable value).
    """
    units = [
        (text, unit)
        for text in sorted(setting.distinct("measurement", "unit_source_value"))
        if (unit := readable_unit(text)) is not None
    ]
    return {
        "td_munit": pa.table(
            {
                "unit_source_value": pa.array([t for t, _ in units], pa.string()),
                "unit_id": pa.array(range(len(units)), pa.int32()),
                "unit": pa.array([u for _, u in units], pa.string()),
            }
        ),
        "td_plain_operator": pa.table(
            {"concept_id": pa.array(PLAIN_OPERATOR_CONCEPTS, pa.int32())}
        ),
    }


_SOURCE = "measurement_source_value"
