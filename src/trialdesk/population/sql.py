"""The set-based queries of a population screening, written once (DuckDB dialect) and
transpiled by sqlglot for PostgreSQL and Spark.

Reading order: ``td_person`` (sex, birth range) → ``td_meas``, the measurement rows the
families want, read once (:mod:`trialdesk.population.families.measurement_rows`) → each leaf
family's statements
(:mod:`trialdesk.population.families`), ending in one outcome per (leaf, person) → the
combination (:mod:`trialdesk.population.combine_sql`): one wide row per person with every
leaf, the combination layers, per person one status code and reason per criterion.

The text holds identifiers, truth codes and message keys only; every value (the as-of date,
thresholds, factors, limits, windows, codes) is a row of a parameter table.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from trialdesk.core.criteria import ast as a
from trialdesk.population.combine_sql import (
    COMBINATION_REUSED,
    combination_statements,
    literal_reasons,
    resolve_outcomes,
)
from trialdesk.population.compile_rules import Compiled
from trialdesk.population.families import FAMILIES, LeafFamily, family_of
from trialdesk.population.families.measurement_rows import MEAS, measurement_rows_step

__all__ = [
    "REUSED_STEPS",
    "leaves_by_family",
    "release_points",
    "screening_statements",
    "transpile",
]

#: Steps read by several later steps: engines materialise these, and inline the others.
REUSED_STEPS = (
    frozenset({"td_person", MEAS}).union(COMBINATION_REUSED).union(*(f.reused for f in FAMILIES))
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


def leaves_by_family(compiled: Compiled) -> dict[str, list[tuple[int, a.Rule]]]:
    """The compiled leaves each family evaluates (families without leaves left out)."""
    out: dict[str, list[tuple[int, a.Rule]]] = {}
    for leaf, node in compiled.leaves:
        family = family_of(node)
        if family is not None:
            out.setdefault(family.name, []).append((leaf, node))
    return out


def screening_statements(
    compiled: Compiled, kinds: dict[str, str], keys: list[str] | None = None
) -> list[tuple[str, str]]:
    """(view name, SELECT) in dependency order; the last one is the per-criterion result.
    ``keys``: the reason dictionary's literal part (``literal_reasons``), if already known."""
    grouped = leaves_by_family(compiled)
    statements = [("td_person", _PERSON)]
    # The measurement table is read once, for every family that reads it.
    readers = [f for f in FAMILIES if f.reads_measurement and grouped.get(f.name)]
    if readers:
        columns = frozenset().union(*(f.measurement_columns(grouped[f.name]) for f in readers))
        statements.append(measurement_rows_step([f.name for f in readers], columns))
    owner: dict[int, LeafFamily] = {}
    for family in FAMILIES:
        owner.update(dict.fromkeys((leaf for leaf, _ in grouped.get(family.name, [])), family))
    # The families that emit integer outcomes wrote them as placeholders: now that the
    # reason dictionary's literal part is fixed, they become integer literals.
    if keys is None:
        keys = literal_reasons(compiled, owner)
    for family in FAMILIES:
        leaves = grouped.get(family.name)
        if leaves:
            statements += [(n, resolve_outcomes(q, keys)) for n, q in family.statements(leaves)]
    return statements + combination_statements(compiled, owner, kinds, keys)


_STEP_NAME = re.compile(r"\btd_\w+\b")


def release_points(
    statements: list[tuple[str, str]], materialised: Callable[[str], bool]
) -> dict[int, list[str]]:
    """Statement index → the materialised steps no later statement reads (directly, or
    through views, which the engine inlines): the engine may drop them once that statement has
    run, so that a screening holds only the steps still to be read. The last statement (the
    result, fetched) releases nothing: the engine is closed after it."""
    index = {name: i for i, (name, _sql) in enumerate(statements)}
    readers: dict[str, list[int]] = {name: [] for name in index}
    for i, (name, sql) in enumerate(statements):
        for used in set(_STEP_NAME.findall(sql)):
            if used in index and used != name:
                readers[used].append(i)
    last_use: dict[str, int] = {}
    for name, _sql in reversed(statements):
        ends = [index[name]]
        for i in readers[name]:
            reader = statements[i][0]
            ends.append(i if materialised(reader) else max(i, last_use[reader]))
        last_use[name] = max(ends)
    out: dict[int, list[str]] = {}
    final = len(statements) - 1
    for name, _sql in statements:
        if materialised(name) and last_use[name] < final:
            out.setdefault(last_use[name], []).append(name)
    return out


def transpile(
    sql: str, dialect: str, rewrite: Callable[[exp.Expression], exp.Expression] | None = None
) -> str:
    """DuckDB-dialect text → the engine's dialect, with the adapter's own fix-ups."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if rewrite is not None:
        tree = tree.transform(rewrite)
    return tree.sql(dialect=dialect)
