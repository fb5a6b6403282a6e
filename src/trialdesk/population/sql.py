"""The set-based queries of a population screening, written once (DuckDB dialect) and
transpiled by sqlglot for PostgreSQL and Spark.

Reading order: ``td_person`` (sex, birth range) → each leaf family's statements
(:mod:`trialdesk.population.families`), ending in one outcome per (leaf, person) → one wide
row per person with every leaf → the combination layers → one status and reason per criterion.

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

__all__ = ["REUSED_STEPS", "screening_statements", "transpile"]

#: Steps read by several later steps: engines materialise these, and inline the others.
REUSED_STEPS = frozenset({"td_person", "td_final"}).union(*(f.reused for f in FAMILIES))

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
    columns = ["p.person_id"]
    for leaf, node in compiled.leaves:
        family = owner.get(leaf)
        if family is None:  # review_always
            columns += [f"'R' AS l{leaf}_t", f"'review.always' AS l{leaf}_r", f"FALSE AS l{leaf}_n"]
            continue
        for part, default in zip(("t", "r", "n"), family.missing(node), strict=True):
            pick = "BOOL_OR" if part == "n" else "MAX"
            columns.append(
                f"COALESCE({pick}(CASE WHEN e.leaf = {leaf} THEN e.{part} END), {default})"
                f" AS l{leaf}_{part}"
            )
    return (
        "SELECT " + ",\n  ".join(columns) + "\nFROM td_person p\n"
        "LEFT JOIN td_leaf_eval e ON e.person_id = p.person_id\nGROUP BY p.person_id"
    )


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
