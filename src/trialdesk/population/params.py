"""The small tables a compiled screening joins: thresholds, unit factors, default ULNs, operators.

Every number the SQL compares against is computed here, in Python, by the same core functions
the in-memory screener calls (the units module, the analyte catalogue, the default reference
intervals), and reaches the engine as a table row, never as text inside the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria.ast import AgeCheck, LabCheck
from trialdesk.core.durations import Duration
from trialdesk.core.reference_intervals import _tables as default_interval_tables
from trialdesk.core.units import canonical_unit, conversion_factor
from trialdesk.errors import UnitError
from trialdesk.population.omop import FEMALE, MALE

__all__ = [
    "FACTOR",
    "LIMIT",
    "PLAIN_OPERATOR_CONCEPTS",
    "VALUE",
    "AgeLeaf",
    "LabLeaf",
    "build_tables",
]

VALUE = pa.decimal128(20, 6)
LIMIT = pa.decimal128(30, 18)
FACTOR = pa.decimal128(30, 18)
# OMOP "Meas Value Operator" concept for "=": a plain value. Any other operator (<, >, ...)
# makes the value unusable (unknown) rather than guessed.
PLAIN_OPERATOR_CONCEPTS = (4171756,)
_OPS = (">=", "<=", ">", "<", "=", "!=")


@dataclass(frozen=True, slots=True)
class LabLeaf:
    leaf: int
    node: LabCheck
    window_start: date


@dataclass(frozen=True, slots=True)
class AgeLeaf:
    leaf: int
    node: AgeCheck


def _answer(op: str, sign: int) -> bool:
    return {">=": sign >= 0, "<=": sign <= 0, ">": sign > 0, "<": sign < 0, "=": sign == 0}.get(
        op, sign != 0
    )


def build_tables(
    as_of: date, labs: list[LabLeaf], ages: list[AgeLeaf], unit_spellings: list[str]
) -> dict[str, pa.Table]:
    """Every parameter table of one compiled screening, given the unit spellings in the data."""
    units = _units(unit_spellings)
    return {
        "td_params": pa.table(
            {
                "as_of": pa.array([as_of], pa.date32()),
                "as_of_year": pa.array([as_of.year], pa.int32()),
                "as_of_month": pa.array([as_of.month], pa.int32()),
                "as_of_day": pa.array([as_of.day], pa.int32()),
                "as_of_month_end": [(as_of + timedelta(days=1)).month != as_of.month],
            }
        ),
        "td_gender": pa.table(
            {"concept_id": pa.array([MALE, FEMALE], pa.int32()), "sex": ["male", "female"]}
        ),
        "td_plain_operator": pa.table(
            {"concept_id": pa.array(PLAIN_OPERATOR_CONCEPTS, pa.int32())}
        ),
        "td_op": pa.table(
            {
                "op": [op for op in _OPS for _ in (-1, 0, 1)],
                "sign": pa.array([s for _ in _OPS for s in (-1, 0, 1)], pa.int32()),
                "answer": [_answer(op, s) for op in _OPS for s in (-1, 0, 1)],
            }
        ),
        "td_unit": pa.table(
            {"unit_source_value": list(units), "unit": list(units.values())},
            schema=pa.schema([("unit_source_value", pa.string()), ("unit", pa.string())]),
        ),
        "td_lab_leaf": _lab_leaves(labs),
        "td_lab_code": _lab_codes(labs),
        "td_lab_test": _lab_tests(labs),
        "td_factor": _factors(labs, set(units.values())),
        "td_default": _defaults(labs, set(units.values())),
        "td_age_test": _age_tests(ages),
    }


def _units(spellings: list[str]) -> dict[str, str]:
    readable: dict[str, str] = {}
    for written in spellings:
        if not written or not written.strip():
            continue
        try:
            readable[written] = canonical_unit(written)
        except UnitError:
            continue  # unreadable: the value is unusable (lab.no_value), as in the record reader
    return readable


def _lab_leaves(labs: list[LabLeaf]) -> pa.Table:
    return pa.table(
        {
            "leaf": pa.array([lab.leaf for lab in labs], pa.int32()),
            "window_start": pa.array([lab.window_start for lab in labs], pa.date32()),
        }
    )


def _lab_codes(labs: list[LabLeaf]) -> pa.Table:
    leaf, code, rank = [], [], []
    for lab in labs:
        for index, loinc in enumerate(lab.node.analyte.loinc):
            for written in (f"loinc:{loinc}", loinc):  # a bare code is read as LOINC
                leaf.append(lab.leaf)
                code.append(written)
                rank.append(index)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "code": pa.array(code, pa.string()),
            "code_rank": pa.array(rank, pa.int32()),
        }
    )


def _lab_tests(labs: list[LabLeaf]) -> pa.Table:
    rows: dict[str, list[object]] = {
        k: [] for k in ("leaf", "test_idx", "analyte", "op", "number", "relative", "use_high")
    }
    for lab in labs:
        for index, test in enumerate(lab.node.tests):
            rows["leaf"].append(lab.leaf)
            rows["test_idx"].append(index)
            rows["analyte"].append(lab.node.analyte.id)
            rows["op"].append(test.op)
            rows["number"].append(test.number)
            rows["relative"].append(test.reference_limit is not None)
            rows["use_high"].append(test.reference_limit != "LLN")
    schema = pa.schema(
        [
            ("leaf", pa.int32()),
            ("test_idx", pa.int32()),
            ("analyte", pa.string()),
            ("op", pa.string()),
            ("number", VALUE),
            ("relative", pa.bool_()),
            ("use_high", pa.bool_()),
        ]
    )
    return pa.table(rows, schema=schema)


def _factors(labs: list[LabLeaf], units: set[str]) -> pa.Table:
    """Row unit → the test's unit, per absolute test; no row: the unit does not convert."""
    leaf, test_idx, unit, factor = [], [], [], []
    for lab in labs:
        item: Analyte = lab.node.analyte
        for index, test in enumerate(lab.node.tests):
            if test.reference_limit is not None:
                continue
            for written in sorted(units):
                try:
                    value = conversion_factor(written, test.unit or item.unit, item.molar_mass)
                except UnitError:
                    continue
                leaf.append(lab.leaf)
                test_idx.append(index)
                unit.append(written)
                factor.append(value)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "test_idx": pa.array(test_idx, pa.int32()),
            "unit": pa.array(unit, pa.string()),
            "factor": pa.array(factor, FACTOR),
        }
    )


def _defaults(labs: list[LabLeaf], units: set[str]) -> pa.Table:
    """Default ULN/LLN per analyte, band and method, already in each unit seen in the data."""
    names = ("analyte", "unit", "use_high", "sex", "age_from", "age_to", "limit_value", "confirmed")
    rows: dict[str, list[object]] = {k: [] for k in (*names, "interval_key")}
    analytes = {lab.node.analyte.id: lab.node.analyte for lab in labs}
    key = 0
    for analyte_id, item in sorted(analytes.items()):
        for interval in default_interval_tables().get(analyte_id, ()):
            key += 1
            for written in sorted(units):
                for use_high in (True, False):
                    bound = interval.high if use_high else interval.low
                    try:
                        limit = convert_analyte(item, bound, interval.unit, written)
                    except UnitError:
                        continue
                    rows["analyte"].append(analyte_id)
                    rows["unit"].append(written)
                    rows["use_high"].append(use_high)
                    rows["sex"].append(None if interval.sex == "any" else interval.sex)
                    # Ages compare as days × 100 against years × 36525 (exact, no division).
                    rows["age_from"].append(interval.age_from * 36525)
                    rows["age_to"].append(interval.age_to * 36525)
                    rows["limit_value"].append(limit)
                    rows["confirmed"].append(interval.confirmed)
                    rows["interval_key"].append(key)
    schema = pa.schema(
        [
            ("analyte", pa.string()),
            ("unit", pa.string()),
            ("use_high", pa.bool_()),
            ("sex", pa.string()),
            ("age_from", LIMIT),
            ("age_to", LIMIT),
            ("limit_value", LIMIT),
            ("confirmed", pa.bool_()),
            ("interval_key", pa.int32()),
        ]
    )
    return pa.table(rows, schema=schema)


def _age_tests(ages: list[AgeLeaf]) -> pa.Table:
    leaf, test_idx, months, op, number = [], [], [], [], []
    for age in ages:
        for index, test in enumerate(age.node.tests):
            leaf.append(age.leaf)
            test_idx.append(index)
            months.append((test.unit or "a") != "a")
            op.append(test.op)
            number.append(test.number)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "test_idx": pa.array(test_idx, pa.int32()),
            "months": pa.array(months, pa.bool_()),
            "op": pa.array(op, pa.string()),
            "number": pa.array(number, VALUE),
        }
    )


def window_start(window: Duration, as_of: date) -> date:
    return window.before(as_of)
