"""The combination half of a population screening (DuckDB dialect): every family's outcome per
(leaf, person) → one wide row per person → the combination layers of the compiled criteria →
per person, one status code and one reason per criterion.

The text holds identifiers, truth codes and message keys only.
"""

from __future__ import annotations

from trialdesk.population.compile_rules import Compiled
from trialdesk.population.families import LeafFamily

__all__ = ["COMBINATION_REUSED", "combination_statements", "status_code"]

#: Steps read by several later steps (engines materialise these).
COMBINATION_REUSED = frozenset({"td_leaf_eval"})


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


def _layers(compiled: Compiled) -> list[tuple[str, str]]:
    statements = []
    source = "td_wide"
    for number in sorted(compiled.layers):
        name = f"td_layer{number}"
        extra = ", ".join(f"{expr} AS {alias}" for alias, expr in compiled.layers[number].columns)
        statements.append((name, f"SELECT s.*, {extra} FROM {source} s"))  # noqa: S608 (identifiers only)
        source = name
    return statements


def combination_statements(
    compiled: Compiled, owner: dict[int, LeafFamily], kinds: dict[str, str]
) -> list[tuple[str, str]]:
    """From the families' leaf views (``owner``: leaf number → its family) to ``td_result``."""
    leaf_parts = [
        f"SELECT leaf, person_id, t, r, n FROM {family.leaf_view}"  # noqa: S608
        for family in dict.fromkeys(owner.values())
    ]
    if not leaf_parts:
        # Only review_always leaves: an empty outcome table of the right shape.
        leaf_parts.append(
            "SELECT 0 AS leaf, person_id, 'N' AS t, '' AS r, FALSE AS n FROM td_person WHERE FALSE"
        )
    statements = [("td_leaf_eval", " UNION ALL ".join(leaf_parts))]
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
