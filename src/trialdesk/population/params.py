"""The parameter tables every compiled screening joins (as-of date, sex codes, operators).

Each leaf family (:mod:`trialdesk.population.families`) adds its own: thresholds, unit
factors, default ULNs, code sets.

Every number the SQL compares against is computed here, in Python, by the same core functions
the in-memory screener calls (the units module, the analyte catalogue, the default reference
intervals), and reaches the engine as a table row, never as text inside the SQL.
"""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa

from trialdesk.population.omop import FEMALE, MALE

__all__ = ["FACTOR", "LIMIT", "VALUE", "common_tables"]

VALUE = pa.decimal128(20, 6)
LIMIT = pa.decimal128(30, 18)
FACTOR = pa.decimal128(30, 18)
_OPS = (">=", "<=", ">", "<", "=", "!=")


def _answer(op: str, sign: int) -> bool:
    return {">=": sign >= 0, "<=": sign <= 0, ">": sign > 0, "<": sign < 0, "=": sign == 0}.get(
        op, sign != 0
    )


def common_tables(as_of: date) -> dict[str, pa.Table]:
    """The as-of date (and its parts), OMOP's sex concepts, and the comparison truth table."""
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
        "td_op": pa.table(
            {
                "op": [op for op in _OPS for _ in (-1, 0, 1)],
                "sign": pa.array([s for _ in _OPS for s in (-1, 0, 1)], pa.int32()),
                "answer": [_answer(op, s) for op in _OPS for s in (-1, 0, 1)],
            }
        ),
    }
