"""Laboratory leaves (``lab(analyte) op threshold`` and ``× ULN/LLN``) in SQL.

Reading order: the lab rows of each leaf (codes as LOINC, unit spelling → UCUM, the as-of
cut) → the newest day in the window → each test of each row (absolute: the unit factor; ×ULN:
the row's own range, else every default interval for the age and sex on the result's day) →
one outcome per row → one per (leaf, person): stale, same-day conflict, or the first code's row.
The thresholds, factors and default limits are rows of parameter tables computed by the core's
units, analytes and reference-interval code, exactly as the in-memory screener computes them.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria import ast as a
from trialdesk.core.reference_intervals import _tables as default_interval_tables
from trialdesk.core.units import canonical_unit, conversion_factor
from trialdesk.errors import UnitError
from trialdesk.population.families.base import LeafFamily, Setting
from trialdesk.population.params import FACTOR, LIMIT, VALUE

__all__ = ["PLAIN_OPERATOR_CONCEPTS", "LabFamily"]

# OMOP "Meas Value Operator" concept for "=": a plain value. Any other operator (<, >, ...)
# makes the value unusable (unknown) rather than guessed.
PLAIN_OPERATOR_CONCEPTS = (4171756,)

_LAB_ROWS = """
SELECT c.leaf, m.person_id, m.measurement_id, c.code_rank,
  CAST(m.measurement_date AS DATE) AS d,
  CAST(m.value_as_number AS DECIMAL(20, 6)) AS v,
  u.unit,
  CAST(m.range_low AS DECIMAL(20, 6)) AS range_low,
  CAST(m.range_high AS DECIMAL(20, 6)) AS range_high,
  (m.operator_concept_id IS NULL OR po.concept_id IS NOT NULL) AS plain
FROM measurement m
JOIN td_lab_code c ON c.code = m.measurement_source_value
CROSS JOIN td_params pr
LEFT JOIN td_unit u ON u.unit_source_value = m.unit_source_value
LEFT JOIN td_plain_operator po ON po.concept_id = m.operator_concept_id
WHERE CAST(m.measurement_date AS DATE) <= pr.as_of
"""

_LAB_NEWEST = """
SELECT r.leaf, r.person_id, MAX(r.d) AS newest
FROM td_lab_rows r GROUP BY r.leaf, r.person_id
"""

_LAB_DAY = """
SELECT r.*, (r.v IS NOT NULL AND r.unit IS NOT NULL AND r.plain) AS usable
FROM td_lab_rows r
JOIN td_lab_newest n ON n.leaf = r.leaf AND n.person_id = r.person_id AND n.newest = r.d
JOIN td_lab_leaf l ON l.leaf = r.leaf
WHERE r.d >= l.window_start
"""

# Default limits: every interval for the youngest or oldest reading of the age on the result's
# day and for the child's sex (both sexes when it is not female or male).
_LAB_DEFAULT = """
SELECT r.leaf, r.measurement_id, t.test_idx,
  COUNT(*) AS n_limits,
  BOOL_AND(o.answer) AS all_true,
  BOOL_OR(o.answer) AS any_true,
  BOOL_AND(d.confirmed) AS confirmed
FROM td_lab_day r
JOIN td_lab_test t ON t.leaf = r.leaf AND t.relative
JOIN td_person p ON p.person_id = r.person_id
JOIN td_default d ON d.analyte = t.analyte AND d.unit = r.unit AND d.use_high = t.use_high
  AND (d.sex IS NULL OR p.known_sex IS NULL OR d.sex = p.known_sex)
  AND ((DATE_DIFF('day', p.birth_latest, r.d) * 100 >= d.age_from
        AND DATE_DIFF('day', p.birth_latest, r.d) * 100 < d.age_to)
    OR (DATE_DIFF('day', p.birth_earliest, r.d) * 100 >= d.age_from
        AND DATE_DIFF('day', p.birth_earliest, r.d) * 100 < d.age_to))
JOIN td_op o ON o.op = t.op AND o.sign = SIGN(r.v - d.limit_value * t.number)
WHERE r.usable AND (CASE WHEN t.use_high THEN r.range_high ELSE r.range_low END) IS NULL
GROUP BY r.leaf, r.measurement_id, t.test_idx
"""

_OWN = "(CASE WHEN t.use_high THEN r.range_high ELSE r.range_low END)"
_LAB_TEST = """
SELECT q.leaf, q.person_id, q.measurement_id, q.test_idx,
  CASE
    WHEN NOT q.relative THEN CASE WHEN q.factor IS NULL THEN 'U' WHEN q.abs_answer THEN 'T' ELSE 'F' END
    WHEN q.own IS NOT NULL THEN CASE WHEN q.own_answer THEN 'T' ELSE 'F' END
    WHEN q.no_birth OR q.n_limits IS NULL THEN 'U'
    WHEN q.all_true <> q.any_true OR NOT q.confirmed THEN 'R'
    WHEN q.all_true THEN 'T' ELSE 'F' END AS t,
  CASE
    WHEN NOT q.relative THEN CASE WHEN q.factor IS NULL THEN 'lab.bad_unit'
      WHEN q.abs_answer THEN 'lab.meets' ELSE 'lab.does_not_meet' END
    WHEN q.own IS NOT NULL THEN CASE WHEN q.own_answer THEN 'lab.meets' ELSE 'lab.does_not_meet' END
    WHEN q.no_birth THEN 'lab.no_range_no_age'
    WHEN q.n_limits IS NULL THEN 'lab.no_range'
    WHEN q.all_true <> q.any_true THEN 'lab.methods_disagree'
    WHEN NOT q.confirmed THEN 'lab.unconfirmed_default'
    WHEN q.all_true THEN 'lab.meets' ELSE 'lab.does_not_meet' END AS r
FROM (
  SELECT r.leaf, r.person_id, r.measurement_id, t.test_idx, t.relative, f.factor,
    oa.answer AS abs_answer, OWN AS own, ob.answer AS own_answer,
    p.birth_earliest IS NULL AS no_birth,
    de.n_limits, de.all_true, de.any_true, de.confirmed
  FROM td_lab_day r
  JOIN td_lab_test t ON t.leaf = r.leaf
  JOIN td_person p ON p.person_id = r.person_id
  LEFT JOIN td_factor f ON f.leaf = t.leaf AND f.test_idx = t.test_idx AND f.unit = r.unit
  LEFT JOIN td_op oa ON oa.op = t.op AND oa.sign = SIGN(r.v * f.factor - t.number)
  LEFT JOIN td_op ob ON ob.op = t.op AND ob.sign = SIGN(r.v - OWN * t.number)
  LEFT JOIN td_lab_default de
    ON de.leaf = r.leaf AND de.measurement_id = r.measurement_id AND de.test_idx = t.test_idx
  WHERE r.usable
) q
""".replace("OWN", _OWN)

# One outcome per result row: the worst test (FALSE, then UNKNOWN, then REVIEW), its first reason.
_LAB_ROW = """
SELECT r.leaf, r.person_id, r.measurement_id, r.code_rank,
  CASE WHEN r.usable THEN b.t ELSE 'U' END AS t,
  CASE WHEN r.usable THEN b.r ELSE 'lab.no_value' END AS r,
  NOT r.usable AS n
FROM td_lab_day r
LEFT JOIN (
  SELECT e.leaf, e.measurement_id, e.t, e.r,
    ROW_NUMBER() OVER (PARTITION BY e.leaf, e.measurement_id ORDER BY
      CASE e.t WHEN 'F' THEN 1 WHEN 'U' THEN 2 WHEN 'R' THEN 3 ELSE 4 END, e.test_idx) AS k
  FROM td_lab_test_eval e
) b ON b.leaf = r.leaf AND b.measurement_id = r.measurement_id AND b.k = 1
"""

_LAB_LEAF = """
SELECT n.leaf, n.person_id,
  CASE WHEN n.newest < l.window_start THEN 'U' WHEN s.truths > 1 THEN 'R' ELSE f.t END AS t,
  CASE WHEN n.newest < l.window_start THEN 'lab.stale'
       WHEN s.truths > 1 THEN 'lab.same_day_conflict' ELSE f.r END AS r,
  CASE WHEN n.newest < l.window_start THEN TRUE WHEN s.truths > 1 THEN FALSE ELSE f.n END AS n
FROM td_lab_newest n
JOIN td_lab_leaf l ON l.leaf = n.leaf
LEFT JOIN (
  SELECT leaf, person_id, COUNT(DISTINCT t) AS truths FROM td_lab_row_eval GROUP BY leaf, person_id
) s ON s.leaf = n.leaf AND s.person_id = n.person_id
LEFT JOIN (
  SELECT leaf, person_id, t, r, n,
    ROW_NUMBER() OVER (PARTITION BY leaf, person_id ORDER BY code_rank, measurement_id) AS k
  FROM td_lab_row_eval
) f ON f.leaf = n.leaf AND f.person_id = n.person_id AND f.k = 1
"""


class LabFamily(LeafFamily):
    name = "lab"
    reused: ClassVar[frozenset[str]] = frozenset(
        {"td_lab_rows", "td_lab_newest", "td_lab_day", "td_lab_row_eval"}
    )

    def accepts(self, node: a.Rule) -> bool:
        # Supplemental-oxygen components are not in OMOP: room-air readings stay in Python.
        return isinstance(node, a.LabCheck) and not node.room_air

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return ("'U'", "'lab.missing'", "TRUE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        return [
            ("td_lab_rows", _LAB_ROWS),
            ("td_lab_newest", _LAB_NEWEST),
            ("td_lab_day", _LAB_DAY),
            ("td_lab_default", _LAB_DEFAULT),
            ("td_lab_test_eval", _LAB_TEST),
            ("td_lab_row_eval", _LAB_ROW),
            (self.leaf_view, _LAB_LEAF),
        ]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        labs = [(leaf, node) for leaf, node in leaves if isinstance(node, a.LabCheck)]
        units = _units(setting.distinct("measurement", "unit_source_value"))
        readable = set(units.values())
        starts = [
            (leaf, (node.window or setting.windows.window(node.category)).before(setting.as_of))
            for leaf, node in labs
        ]
        return {
            "td_plain_operator": pa.table(
                {"concept_id": pa.array(PLAIN_OPERATOR_CONCEPTS, pa.int32())}
            ),
            "td_unit": pa.table(
                {"unit_source_value": list(units), "unit": list(units.values())},
                schema=pa.schema([("unit_source_value", pa.string()), ("unit", pa.string())]),
            ),
            "td_lab_leaf": pa.table(
                {
                    "leaf": pa.array([leaf for leaf, _ in starts], pa.int32()),
                    "window_start": pa.array([start for _, start in starts], pa.date32()),
                }
            ),
            "td_lab_code": _lab_codes(labs),
            "td_lab_test": _lab_tests(labs),
            "td_factor": _factors(labs, readable),
            "td_default": _defaults(labs, readable),
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


def _lab_codes(labs: list[tuple[int, a.LabCheck]]) -> pa.Table:
    leaf, code, rank = [], [], []
    for leaf_no, node in labs:
        for index, loinc in enumerate(node.analyte.loinc):
            for written in (f"loinc:{loinc}", loinc):  # a bare code is read as LOINC
                leaf.append(leaf_no)
                code.append(written)
                rank.append(index)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "code": pa.array(code, pa.string()),
            "code_rank": pa.array(rank, pa.int32()),
        }
    )


def _lab_tests(labs: list[tuple[int, a.LabCheck]]) -> pa.Table:
    rows: dict[str, list[object]] = {
        k: [] for k in ("leaf", "test_idx", "analyte", "op", "number", "relative", "use_high")
    }
    for leaf_no, node in labs:
        for index, test in enumerate(node.tests):
            rows["leaf"].append(leaf_no)
            rows["test_idx"].append(index)
            rows["analyte"].append(node.analyte.id)
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


def _factors(labs: list[tuple[int, a.LabCheck]], units: set[str]) -> pa.Table:
    """Row unit → the test's unit, per absolute test; no row: the unit does not convert."""
    leaf, test_idx, unit, factor = [], [], [], []
    for leaf_no, node in labs:
        item: Analyte = node.analyte
        for index, test in enumerate(node.tests):
            if test.reference_limit is not None:
                continue
            for written in sorted(units):
                try:
                    value = conversion_factor(written, test.unit or item.unit, item.molar_mass)
                except UnitError:
                    continue
                leaf.append(leaf_no)
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


def _defaults(labs: list[tuple[int, a.LabCheck]], units: set[str]) -> pa.Table:
    """Default ULN/LLN per analyte, band and method, already in each unit seen in the data."""
    names = ("analyte", "unit", "use_high", "sex", "age_from", "age_to", "limit_value", "confirmed")
    rows: dict[str, list[object]] = {k: [] for k in (*names, "interval_key")}
    analytes = {node.analyte.id: node.analyte for _, node in labs}
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
