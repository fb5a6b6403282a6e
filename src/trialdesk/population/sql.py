"""The set-based queries of a population screening, written once (DuckDB dialect) and
transpiled by sqlglot for PostgreSQL and Spark.

Reading order: ``td_person`` (sex, birth range) → lab rows of each lab leaf → the newest day in
the window → each test of each row (absolute: unit factor; ×ULN: the row's range, else every
default interval for the age and sex) → one outcome per (leaf, person) → one wide row per
person with every leaf → the combination layers → one status and reason per criterion.

The text holds identifiers, truth codes and message keys only; every value (the as-of date,
thresholds, factors, limits, windows, codes) is a row of a parameter table.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from trialdesk.population.compile_rules import Compiled

__all__ = ["REUSED_STEPS", "screening_statements", "transpile"]

#: Steps read by several later steps: engines materialise these, and inline the others.
REUSED_STEPS = frozenset(
    {"td_person", "td_lab_rows", "td_lab_newest", "td_lab_day", "td_lab_row_eval", "td_final"}
)

_PERSON = """
SELECT p.person_id,
  g.sex AS known_sex,
  COALESCE(CAST(p.birth_datetime AS DATE),
    CASE WHEN p.month_of_birth IS NOT NULL AND p.day_of_birth IS NOT NULL
           THEN MAKE_DATE(p.year_of_birth, p.month_of_birth, p.day_of_birth)
         WHEN p.month_of_birth IS NOT NULL THEN MAKE_DATE(p.year_of_birth, p.month_of_birth, 1)
         ELSE MAKE_DATE(p.year_of_birth, 1, 1) END) AS birth_earliest,
  COALESCE(CAST(p.birth_datetime AS DATE),
    CASE WHEN p.month_of_birth IS NOT NULL AND p.day_of_birth IS NOT NULL
           THEN MAKE_DATE(p.year_of_birth, p.month_of_birth, p.day_of_birth)
         WHEN p.month_of_birth IS NOT NULL
           THEN CAST(MAKE_DATE(p.year_of_birth, p.month_of_birth, 1)
                     + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
         ELSE MAKE_DATE(p.year_of_birth, 12, 31) END) AS birth_latest
FROM person p LEFT JOIN td_gender g ON g.concept_id = p.gender_concept_id
"""

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

# Completed months as dateutil's relativedelta counts them (a birthday on the 31st is reached
# on the last day of a shorter month); years are whole twelves of months.
_MONTHS = """((pr.as_of_year - YEAR({b})) * 12 + (pr.as_of_month - MONTH({b}))
  - CASE WHEN pr.as_of_day < DAY({b}) AND NOT pr.as_of_month_end THEN 1 ELSE 0 END)"""

_AGE_TEST = """
SELECT t.leaf, p.person_id, p.birth_earliest IS NULL AS no_birth,
  BOOL_AND(oe.answer) AS holds_earliest, BOOL_AND(ol.answer) AS holds_latest
FROM td_person p
CROSS JOIN td_params pr
CROSS JOIN td_age_test t
LEFT JOIN td_op oe ON oe.op = t.op AND oe.sign = SIGN(
  CASE WHEN t.months THEN {me} ELSE FLOOR({me} / 12) END - t.number)
LEFT JOIN td_op ol ON ol.op = t.op AND ol.sign = SIGN(
  CASE WHEN t.months THEN {ml} ELSE FLOOR({ml} / 12) END - t.number)
GROUP BY t.leaf, p.person_id, p.birth_earliest IS NULL
""".format(me=_MONTHS.format(b="p.birth_earliest"), ml=_MONTHS.format(b="p.birth_latest"))

_AGE_LEAF = """
SELECT leaf, person_id,
  CASE WHEN no_birth OR holds_earliest <> holds_latest THEN 'U'
       WHEN holds_latest THEN 'T' ELSE 'F' END AS t,
  CASE WHEN no_birth THEN 'age.no_birth_date' WHEN holds_earliest <> holds_latest THEN 'age.imprecise'
       WHEN holds_latest THEN 'age.meets' ELSE 'age.does_not_meet' END AS r,
  (no_birth OR holds_earliest <> holds_latest) AS n
FROM td_age_eval
"""


def _wide(compiled: Compiled, lab_leaves: set[int], age_leaves: set[int]) -> str:
    columns = ["p.person_id"]
    for leaf, _node in compiled.leaves:
        if leaf in lab_leaves or leaf in age_leaves:
            missing = (
                ("'U'", "'lab.missing'", "TRUE")
                if leaf in lab_leaves
                else ("'U'", "'age.no_birth_date'", "TRUE")
            )
            for part, default in zip(("t", "r", "n"), missing, strict=True):
                pick = "BOOL_OR" if part == "n" else "MAX"
                columns.append(
                    f"COALESCE({pick}(CASE WHEN e.leaf = {leaf} THEN e.{part} END), {default})"
                    f" AS l{leaf}_{part}"
                )
        else:  # review_always
            columns += [f"'R' AS l{leaf}_t", f"'review.always' AS l{leaf}_r", f"FALSE AS l{leaf}_n"]
    return (
        "SELECT " + ",\n  ".join(columns) + "\nFROM td_person p\n"
        "LEFT JOIN td_leaf_eval e ON e.person_id = p.person_id\nGROUP BY p.person_id"
    )


def _layers(compiled: Compiled) -> list[tuple[str, str]]:
    statements = []
    source = "td_wide"
    for number in sorted(compiled.layers):
        name = f"td_layer{number}"
        extra = ", ".join(f"{expr} AS {alias}" for alias, expr in compiled.layers[number].columns)
        statements.append((name, f"SELECT s.*, {extra} FROM {source} s"))  # noqa: S608 (identifiers only)
        source = name
    return statements


def screening_statements(
    compiled: Compiled, kinds: dict[str, str], lab_leaves: set[int], age_leaves: set[int]
) -> list[tuple[str, str]]:
    """(view name, SELECT) in dependency order; the last one is the per-criterion result."""
    leaf_parts = []
    if lab_leaves:
        leaf_parts.append("SELECT leaf, person_id, t, r, n FROM td_lab_leaf_eval")
    if age_leaves:
        leaf_parts.append("SELECT leaf, person_id, t, r, n FROM td_age_leaf_eval")
    if not leaf_parts:
        leaf_parts.append("SELECT leaf, person_id, t, r, n FROM td_no_leaf")
    statements = [("td_person", _PERSON)]
    if lab_leaves:
        statements += [
            ("td_lab_rows", _LAB_ROWS),
            ("td_lab_newest", _LAB_NEWEST),
            ("td_lab_day", _LAB_DAY),
            ("td_lab_default", _LAB_DEFAULT),
            ("td_lab_test_eval", _LAB_TEST),
            ("td_lab_row_eval", _LAB_ROW),
            ("td_lab_leaf_eval", _LAB_LEAF),
        ]
    if age_leaves:
        statements += [("td_age_eval", _AGE_TEST), ("td_age_leaf_eval", _AGE_LEAF)]
    statements.append(("td_leaf_eval", " UNION ALL ".join(leaf_parts)))
    statements.append(("td_wide", _wide(compiled, lab_leaves, age_leaves)))
    layers = _layers(compiled)
    statements += layers
    # The result reads the last step once per criterion: materialise it once.
    last = "td_final"
    previous = layers[-1][0] if layers else "td_wide"
    statements.append((last, "SELECT * FROM " + previous))  # noqa: S608 (an identifier)
    selects: list[str] = []
    for criterion_id, cols in compiled.roots.items():
        status = _status(cols.t, kinds[criterion_id])
        index = len(selects)
        # Identifiers, codes and the criterion's position only.
        select = f"SELECT s.person_id, {index} AS criterion_index, {status} AS status, "
        selects.append(select + f"{cols.r} AS reason FROM {last} s")  # noqa: S608
    statements.append(("td_result", " UNION ALL ".join(selects)))
    return statements


def _status(truth: str, kind: str) -> str:
    on_true, on_false = ("pass", "fail") if kind == "inclusion" else ("fail", "pass")
    return (
        f"CASE {truth} WHEN 'T' THEN '{on_true}' WHEN 'F' THEN '{on_false}' "
        f"WHEN 'U' THEN 'unknown' WHEN 'R' THEN 'review' ELSE 'not_applicable' END"
    )


def transpile(
    sql: str, dialect: str, rewrite: Callable[[exp.Expression], exp.Expression] | None = None
) -> str:
    """DuckDB-dialect text → the engine's dialect, with the adapter's own fix-ups."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if rewrite is not None:
        tree = tree.transform(rewrite)
    return tree.sql(dialect=dialect)
