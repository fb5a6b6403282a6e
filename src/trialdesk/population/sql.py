"""The set-based queries of a population screening, written once (DuckDB dialect) and
transpiled by sqlglot for PostgreSQL and Spark.

Reading order: ``td_person`` (sex, birth range) → each leaf family's statements
(:mod:`trialdesk.population.families`), ending in one outcome per (leaf, person) → one wide
row per person with every leaf → the combination layers → per person, one status code and
reason per criterion.

The text holds identifiers, truth codes and message keys only; every value (the as-of date,
thresholds, factors, limits, windows, codes) is a row of a parameter table.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from trialdesk.core.criteria import ast as a
from trialdesk.population.compile_rules import Compiled
from trialdesk.population.families import FAMILIES, LeafFamily, family_of

__all__ = ["REUSED_STEPS", "screening_statements", "status_code", "transpile"]

#: Steps read by several later steps: engines materialise these, and inline the others.
REUSED_STEPS = frozenset({"td_person", "td_leaf_eval"}).union(*(f.reused for f in FAMILIES))

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


def _wide(compiled: Compiled, owner: dict[int, LeafFamily]) -> str:
    """One row per person, three columns per leaf. Each leaf's outcomes are joined on
    person_id (a family gives at most one row per leaf and person): hash joins on integers,
    much cheaper than grouping millions of rows with MAX over text columns."""
    columns = ["p.person_id"]
    joins = []
    for leaf, node in compiled.leaves:
        family = owner.get(leaf)
        if family is None:  # review_always
            columns += [f"'R' AS l{leaf}_t", f"'review.always' AS l{leaf}_r", f"FALSE AS l{leaf}_n"]
            continue
        alias = f"e{leaf}"
        for part, default in zip(("t", "r", "n"), family.missing(node), strict=True):
            columns.append(f"COALESCE({alias}.{part}, {default}) AS l{leaf}_{part}")
        # The leaf number is the compiler's own integer, not a value from the data.
        joins.append(
            f"LEFT JOIN td_leaf_eval {alias} ON {alias}.person_id = p.person_id"
            f" AND {alias}.leaf = {leaf}"
        )
    return "SELECT " + ",\n  ".join(columns) + "\nFROM td_person p\n" + "\n".join(joins)


def leaves_by_family(compiled: Compiled) -> dict[str, list[tuple[int, a.Rule]]]:
    """The compiled leaves each family evaluates (families without leaves left out)."""
    out: dict[str, list[tuple[int, a.Rule]]] = {}
    for leaf, node in compiled.leaves:
        family = family_of(node)
        if family is not None:
            out.setdefault(family.name, []).append((leaf, node))
    return out


def _layers(compiled: Compiled) -> list[tuple[str, str]]:
    statements = []
    source = "td_wide"
    for number in sorted(compiled.layers):
        name = f"td_layer{number}"
        extra = ", ".join(f"{expr} AS {alias}" for alias, expr in compiled.layers[number].columns)
        statements.append((name, f"SELECT s.*, {extra} FROM {source} s"))  # noqa: S608 (identifiers only)
        source = name
    return statements


def screening_statements(compiled: Compiled, kinds: dict[str, str]) -> list[tuple[str, str]]:
    """(view name, SELECT) in dependency order; the last one is the per-criterion result."""
    grouped = leaves_by_family(compiled)
    statements = [("td_person", _PERSON)]
    leaf_parts = []
    owner: dict[int, LeafFamily] = {}
    for family in FAMILIES:
        leaves = grouped.get(family.name)
        if not leaves:
            continue
        statements += family.statements(leaves)
        leaf_parts.append(f"SELECT leaf, person_id, t, r, n FROM {family.leaf_view}")  # noqa: S608
        owner.update(dict.fromkeys((leaf for leaf, _ in leaves), family))
    if not leaf_parts:
        # Only review_always leaves: an empty outcome table of the right shape.
        leaf_parts.append(
            "SELECT 0 AS leaf, person_id, 'N' AS t, '' AS r, FALSE AS n FROM td_person WHERE FALSE"
        )
    statements.append(("td_leaf_eval", " UNION ALL ".join(leaf_parts)))
    statements.append(("td_wide", _wide(compiled, owner)))
    layers = _layers(compiled)
    statements += layers
    # The result: one row per person, a status code and a reason per compiled criterion, read
    # straight from the last layer (nothing wide is stored; the long form is built in Arrow).
    last = layers[-1][0] if layers else "td_wide"
    columns = ["s.person_id"]
    for index, (criterion_id, cols) in enumerate(compiled.roots.items()):
        columns.append(f"{status_code(cols.t, kinds[criterion_id])} AS s{index}")
        columns.append(f"{cols.r} AS r{index}")
    statements.append(("td_result", "SELECT " + ", ".join(columns) + f" FROM {last} s"))  # noqa: S608
    return statements


def status_code(truth: str, kind: str) -> str:
    """Truth → the index of the criterion's status in ``result.STATUS_CODES`` (pass, fail,
    unknown, review, not_applicable): an inclusion passes on TRUE, an exclusion fails."""
    on_true, on_false = (0, 1) if kind == "inclusion" else (1, 0)
    return (
        f"CASE {truth} WHEN 'T' THEN {on_true} WHEN 'F' THEN {on_false} "
        f"WHEN 'U' THEN 2 WHEN 'R' THEN 3 ELSE 4 END"
    )


def transpile(
    sql: str, dialect: str, rewrite: Callable[[exp.Expression], exp.Expression] | None = None
) -> str:
    """DuckDB-dialect text → the engine's dialect, with the adapter's own fix-ups."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if rewrite is not None:
        tree = tree.transform(rewrite)
    return tree.sql(dialect=dialect)
