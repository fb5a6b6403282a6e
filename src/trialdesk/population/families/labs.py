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
from trialdesk.population.families.measurement_rows import (
    PLAIN_OPERATOR_CONCEPTS,
    Key,
    code_ids,
    shared_tables,
    spelling_table,
)
from trialdesk.population.params import FACTOR, LIMIT, VALUE

__all__ = ["PLAIN_OPERATOR_CONCEPTS", "LabFamily"]

# The newest day of each (leaf, person) in one aggregate over the shared measurement rows of
# the wanted codes (integer joins; nothing is cast or stored per row).
_LAB_NEWEST = """
SELECT c.leaf, m.person_id, MAX(m.d) AS newest
FROM td_meas m
JOIN td_lab_code c ON c.code_id = m.code_id
GROUP BY c.leaf, m.person_id
"""

# A second pass keeps only the rows of that newest day when it is inside the window; only
# these (about one per leaf and person) are cast and evaluated.
_LAB_DAY = """
SELECT n.leaf, m.person_id, m.measurement_id, c.code_rank, n.newest AS d,
  CAST(m.v AS DECIMAL(20, 6)) AS v,
  m.unit_id,
  CAST(m.range_low AS DECIMAL(20, 6)) AS range_low,
  CAST(m.range_high AS DECIMAL(20, 6)) AS range_high,
  (m.v IS NOT NULL AND m.unit_id IS NOT NULL AND m.plain) AS usable
FROM td_meas m
JOIN td_lab_code c ON c.code_id = m.code_id
JOIN td_lab_newest n ON n.leaf = c.leaf AND n.person_id = m.person_id AND n.newest = m.d
JOIN td_lab_leaf l ON l.leaf = n.leaf
WHERE n.newest >= l.window_start
"""


def _holds(op: str, left: str, right: str) -> str:
    """``left op right`` for the test's comparison code (a CASE on the six operator codes, so
    that the decimal values are compared directly, exactly, with no join)."""
    cases = " ".join(
        f"WHEN '{code}' THEN {left} {sql} {right}"
        for code, sql in (
            (">=", ">="),
            ("<=", "<="),
            (">", ">"),
            ("<", "<"),
            ("=", "="),
            ("!=", "<>"),
        )
    )
    return f"(CASE {op} {cases} END)"


# Default limits: every interval for the youngest or oldest reading of the age on the result's
# day and for the child's sex (both sexes when it is not female or male). The ages are computed
# once per row, before the join; a row without a birth date (or with no interval) keeps one
# row with no limit (``n_limits`` 0).
_LAB_DEFAULT = """
SELECT r.leaf, r.measurement_id, r.test_idx,
  COUNT(d.analyte) AS n_limits,
  BOOL_AND(HOLDS_DEFAULT) AS all_true,
  BOOL_OR(HOLDS_DEFAULT) AS any_true,
  BOOL_AND(d.confirmed) AS confirmed,
  BOOL_OR(r.no_birth) AS no_birth
FROM (
  SELECT r.leaf, r.measurement_id, r.unit_id, r.v, t.test_idx, t.analyte, t.use_high, t.op,
    t.number, p.known_sex, p.birth_earliest IS NULL AS no_birth,
    DATE_DIFF('day', p.birth_latest, r.d) * 100 AS young,
    DATE_DIFF('day', p.birth_earliest, r.d) * 100 AS old
  FROM td_lab_day r
  JOIN td_lab_test t ON t.leaf = r.leaf AND t.relative
  JOIN td_person p ON p.person_id = r.person_id
  WHERE r.usable AND (CASE WHEN t.use_high THEN r.range_high ELSE r.range_low END) IS NULL
) r
LEFT JOIN td_default d ON d.analyte = r.analyte AND d.unit_id = r.unit_id AND d.use_high = r.use_high
  AND (d.sex IS NULL OR r.known_sex IS NULL OR d.sex = r.known_sex)
  AND ((r.young >= d.age_from AND r.young < d.age_to)
    OR (r.old >= d.age_from AND r.old < d.age_to))
GROUP BY r.leaf, r.measurement_id, r.test_idx
""".replace("HOLDS_DEFAULT", _holds("r.op", "r.v", "d.limit_value * r.number"))

_OWN = "(CASE WHEN t.use_high THEN r.range_high ELSE r.range_low END)"
# One outcome per test of every newest-day row (an unusable row: unknown, ``lab.no_value``).
_LAB_TEST = """
SELECT q.leaf, q.person_id, q.measurement_id, q.code_rank, q.test_idx,
  CASE
    WHEN NOT q.usable THEN 'U'
    WHEN NOT q.relative THEN CASE WHEN q.factor IS NULL THEN 'U' WHEN q.abs_answer THEN 'T' ELSE 'F' END
    WHEN q.own IS NOT NULL THEN CASE WHEN q.own_answer THEN 'T' ELSE 'F' END
    WHEN q.no_birth OR q.n_limits = 0 THEN 'U'
    WHEN q.all_true <> q.any_true OR NOT q.confirmed THEN 'R'
    WHEN q.all_true THEN 'T' ELSE 'F' END AS t,
  CASE
    WHEN NOT q.usable THEN 'lab.no_value'
    WHEN NOT q.relative THEN CASE WHEN q.factor IS NULL THEN 'lab.bad_unit'
      WHEN q.abs_answer THEN 'lab.meets' ELSE 'lab.does_not_meet' END
    WHEN q.own IS NOT NULL THEN CASE WHEN q.own_answer THEN 'lab.meets' ELSE 'lab.does_not_meet' END
    WHEN q.no_birth THEN 'lab.no_range_no_age'
    WHEN q.n_limits = 0 THEN 'lab.no_range'
    WHEN q.all_true <> q.any_true THEN 'lab.methods_disagree'
    WHEN NOT q.confirmed THEN 'lab.unconfirmed_default'
    WHEN q.all_true THEN 'lab.meets' ELSE 'lab.does_not_meet' END AS r,
  NOT q.usable AS n
FROM (
  SELECT r.leaf, r.person_id, r.measurement_id, r.code_rank, r.usable, t.test_idx, t.relative,
    f.factor, HOLDS_ABS AS abs_answer, OWN AS own, HOLDS_OWN AS own_answer,
    de.no_birth, de.n_limits, de.all_true, de.any_true, de.confirmed
  FROM td_lab_day r
  JOIN td_lab_test t ON t.leaf = r.leaf
  LEFT JOIN td_factor f ON f.leaf = t.leaf AND f.test_idx = t.test_idx AND f.unit_id = r.unit_id
  LEFT JOIN td_lab_default de
    ON de.leaf = r.leaf AND de.measurement_id = r.measurement_id AND de.test_idx = t.test_idx
) q
""".replace("HOLDS_ABS", _holds("t.op", "r.v * f.factor", "t.number"))
_LAB_TEST = _LAB_TEST.replace("HOLDS_OWN", _holds("t.op", "r.v", "OWN * t.number"))
_LAB_TEST = _LAB_TEST.replace("OWN", _OWN)

# One outcome per result row: the worst test (FALSE, then UNKNOWN, then REVIEW), its first
# reason. With one test per leaf (every leaf of the bundled protocols) it is that test's.
_LAB_ROW_ONE_TEST = (
    "SELECT leaf, person_id, measurement_id, code_rank, t, r, n FROM td_lab_test_eval"
)
_LAB_ROW_WORST_TEST = """
SELECT leaf, person_id, measurement_id, code_rank, t, r, n FROM (
  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.leaf, e.measurement_id ORDER BY
      CASE e.t WHEN 'F' THEN 1 WHEN 'U' THEN 2 WHEN 'R' THEN 3 ELSE 4 END, e.test_idx) AS k
  FROM td_lab_test_eval e
) b WHERE b.k = 1
"""

# Days with several results for a leaf (rare): the only ones that need ranking.
_LAB_MULTI = """
SELECT leaf, person_id FROM td_lab_day GROUP BY leaf, person_id HAVING COUNT(*) > 1
"""

# One outcome per (leaf, person), in three disjoint parts. Stale: the newest result is before
# the window. A single result on the newest day (nearly always): its outcome. Several: review
# when they disagree, else the first by code order, then row id.
_LAB_LEAF = """
SELECT n.leaf, n.person_id, 'U' AS t, 'lab.stale' AS r, TRUE AS n
FROM td_lab_newest n
JOIN td_lab_leaf l ON l.leaf = n.leaf
WHERE n.newest < l.window_start
UNION ALL
SELECT e.leaf, e.person_id, e.t, e.r, e.n
FROM td_lab_row_eval e
LEFT JOIN td_lab_multi x ON x.leaf = e.leaf AND x.person_id = e.person_id
WHERE x.leaf IS NULL
UNION ALL
SELECT b.leaf, b.person_id,
  CASE WHEN b.lo <> b.hi THEN 'R' ELSE b.t END AS t,
  CASE WHEN b.lo <> b.hi THEN 'lab.same_day_conflict' ELSE b.r END AS r,
  CASE WHEN b.lo <> b.hi THEN FALSE ELSE b.n END AS n
FROM (
  SELECT e.leaf, e.person_id, e.t, e.r, e.n,
    MIN(e.t) OVER (PARTITION BY e.leaf, e.person_id) AS lo,
    MAX(e.t) OVER (PARTITION BY e.leaf, e.person_id) AS hi,
    ROW_NUMBER() OVER (PARTITION BY e.leaf, e.person_id
                       ORDER BY e.code_rank, e.measurement_id) AS k
  FROM td_lab_row_eval e
  JOIN td_lab_multi x ON x.leaf = e.leaf AND x.person_id = e.person_id
) b
WHERE b.k = 1
"""


class LabFamily(LeafFamily):
    name = "lab"
    reused: ClassVar[frozenset[str]] = frozenset(
        {"td_lab_newest", "td_lab_day", "td_lab_row_eval", "td_lab_multi"}
    )

    reads_measurement: ClassVar[bool] = True

    def accepts(self, node: a.Rule) -> bool:
        # Supplemental-oxygen components are not in OMOP: room-air readings stay in Python.
        return isinstance(node, a.LabCheck) and not node.room_air

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return ("'U'", "'lab.missing'", "TRUE")

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        one_test = all(isinstance(n, a.LabCheck) and len(n.tests) == 1 for _, n in leaves)
        row_eval = _LAB_ROW_ONE_TEST if one_test else _LAB_ROW_WORST_TEST
        return [
            ("td_lab_newest", _LAB_NEWEST),
            ("td_lab_day", _LAB_DAY),
            ("td_lab_default", _LAB_DEFAULT),
            ("td_lab_test_eval", _LAB_TEST),
            ("td_lab_row_eval", row_eval),
            ("td_lab_multi", _LAB_MULTI),
            (self.leaf_view, _LAB_LEAF),
        ]

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        labs = [(leaf, node) for leaf, node in leaves if isinstance(node, a.LabCheck)]
        readable = set(_units(setting.distinct("measurement", "unit_source_value")).values())
        starts = [
            (leaf, (node.window or setting.windows.window(node.category)).before(setting.as_of))
            for leaf, node in labs
        ]
        ids = code_ids(setting)
        shared = shared_tables(setting)
        spelled = shared["td_munit"]
        return {
            **shared,
            "td_lab_mcode": spelling_table(setting, self.measurement_keys(leaves)),
            "td_lab_leaf": pa.table(
                {
                    "leaf": pa.array([leaf for leaf, _ in starts], pa.int32()),
                    "window_start": pa.array([start for _, start in starts], pa.date32()),
                }
            ),
            "td_lab_code": _lab_codes(labs, ids),
            "td_lab_test": _lab_tests(labs),
            "td_factor": _by_unit_id(_factors(labs, readable), spelled),
            "td_default": _by_unit_id(_defaults(labs, readable), spelled),
        }

    def measurement_keys(self, leaves: list[tuple[int, a.Rule]]) -> set[Key]:
        """The (system, code) keys the family reads from measurement."""
        return {
            ("loinc", loinc)
            for _, node in leaves
            if isinstance(node, a.LabCheck)
            for loinc in node.analyte.loinc
        }


def _by_unit_id(table: pa.Table, spelled: pa.Table) -> pa.Table:
    """Each row (keyed by a UCUM unit) once per spelling id of that unit (``td_munit``), so
    that the row outcomes join it on the integer id the shared measurement rows carry."""
    ids: dict[str, list[int]] = {}
    for unit, unit_id in zip(
        spelled.column("unit").to_pylist(), spelled.column("unit_id").to_pylist(), strict=True
    ):
        ids.setdefault(unit, []).append(unit_id)
    rows, unit_ids = [], []
    for index, unit in enumerate(table.column("unit").to_pylist()):
        for unit_id in ids.get(unit, ()):
            rows.append(index)
            unit_ids.append(unit_id)
    return table.take(pa.array(rows, pa.int64())).append_column(
        "unit_id", pa.array(unit_ids, pa.int32())
    )


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


def _lab_codes(labs: list[tuple[int, a.LabCheck]], ids: dict[Key, int]) -> pa.Table:
    """Per leaf, the code id of each of its LOINC codes seen in the data, with its rank."""
    leaf, code_id, rank = [], [], []
    for leaf_no, node in labs:
        for index, loinc in enumerate(node.analyte.loinc):
            if ("loinc", loinc) in ids:
                leaf.append(leaf_no)
                code_id.append(ids["loinc", loinc])
                rank.append(index)
    return pa.table(
        {
            "leaf": pa.array(leaf, pa.int32()),
            "code_id": pa.array(code_id, pa.int32()),
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
