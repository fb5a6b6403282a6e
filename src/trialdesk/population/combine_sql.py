"""The combination half of a population screening (DuckDB dialect): every family's outcome per
(leaf, person) → one wide row per person → the combination layers of the compiled criteria →
per person, one status code and one reason code per criterion.

Everything after the families' leaf views is integer: each leaf outcome ``(t, r, n)`` becomes
one code ``truth + 8 * no_data + REASON_STEP * reason`` (the reason's index in the reason
dictionary, a parameter table ``td_reason_key``), one row per person holds every leaf's code
(``PIVOT_STEP``: an aggregate per leaf in SQL, or a scatter in numpy where the engine hands the
codes over cheaply), and the layers compare and pick integers. Moving ~24 M text rows through
one join per leaf cost ~11 s at a million people.

The reason dictionary holds every string the leaf families' SQL could put in ``r``: the string
literals of their statements and of their ``missing`` outcomes (fixed when the screening is
planned, so the SQL text can name their codes) and the strings of the parameter tables
(appended when those are built). A reason outside it gets code 0 and is refused when the result
is assembled, never shown as another key.

The text holds identifiers, truth codes and reason codes only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyarrow as pa
import sqlglot
from sqlglot import TokenType

from trialdesk.core.criteria import ast as a
from trialdesk.population.compile_rules import REASON_STEP, TRUTH_CODES, Compiled, truth_code
from trialdesk.population.families import LeafFamily
from trialdesk.population.families.base import OUTCOME_CALL

__all__ = [
    "COMBINATION_REUSED",
    "NO_REASON",
    "PIVOT_STEP",
    "REVIEW_ALWAYS",
    "UNLISTED_REASON",
    "combination_statements",
    "fill_codes",
    "literal_reasons",
    "reason_table",
    "resolve_outcomes",
    "status_code",
]

#: The step from leaf rows to one row per person (see ``_leaf_wide``).
PIVOT_STEP = "td_leaf_wide"
#: Steps worth materialising (engines make tables of these): the pivot ends a long pipeline.
COMBINATION_REUSED = frozenset({PIVOT_STEP})
#: Reason codes with a fixed meaning: 0 a reason missing from the dictionary (refused when the
#: result is assembled), 1 no reason (NULL, shown as an empty key as the screener's none).
UNLISTED_REASON, NO_REASON = 0, 1
REVIEW_ALWAYS = "review.always"
_NO_DATA_BIT = 8
#: The two fixed entries in front of every dictionary (the first is never a message key).
_FIXED = ("\x00unlisted", "")


def _families(
    compiled: Compiled, owner: Mapping[int, LeafFamily]
) -> dict[LeafFamily, list[tuple[int, a.Rule]]]:
    grouped: dict[LeafFamily, list[tuple[int, a.Rule]]] = {}
    for leaf, node in compiled.leaves:
        family = owner.get(leaf)
        if family is not None:
            grouped.setdefault(family, []).append((leaf, node))
    return grouped


def _unquote(literal: str) -> str:
    """The value of a SQL string literal as ``family.missing`` writes it (``'lab.missing'``)."""
    tokens = sqlglot.tokenize(literal, read="duckdb")
    if len(tokens) != 1 or tokens[0].token_type != TokenType.STRING:
        raise ValueError(f"not a SQL string literal: {literal!r}")
    return tokens[0].text


def literal_reasons(compiled: Compiled, owner: Mapping[int, LeafFamily]) -> list[str]:
    """The dictionary's part fixed at planning: the two fixed entries, then every string
    literal of the families' statements and missing outcomes (sorted: the same plan always
    gives the same codes)."""
    found = {REVIEW_ALWAYS}
    for family, leaves in _families(compiled, owner).items():
        for _name, sql in family.statements(leaves):
            found.update(
                t.text
                for t in sqlglot.tokenize(sql, read="duckdb")
                if t.token_type == TokenType.STRING
            )
        for leaf, node in leaves:
            found.add(_unquote(family.missing_for(node, compiled.favourable.get(leaf))[1]))
    return list(_FIXED) + sorted(found.difference(_FIXED))


def reason_table(fixed: list[str], tables: Mapping[str, pa.Table]) -> tuple[list[str], pa.Table]:
    """The whole dictionary: ``fixed`` (:func:`literal_reasons`) then the parameter tables'
    other strings; and the table ``td_reason_key(reason, code)`` the SQL joins."""
    keys = list(fixed)
    seen = set(keys)
    for table in tables.values():
        for column in table.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                for value in column.unique().to_pylist():
                    if value is not None and value not in seen:
                        seen.add(value)
                        keys.append(value)
    listed = keys[len(_FIXED) :]
    table = pa.table(
        {
            "reason": pa.array(listed, pa.string()),
            "code": pa.array(range(len(_FIXED), len(keys)), pa.int32()),
        }
    )
    return keys, table


#: ``td_outcome('T', 'lab.meets', FALSE)`` as :func:`families.base.outcome` writes it.
_OUTCOME = re.compile(
    OUTCOME_CALL + r"\(\s*'([A-Z])'\s*,\s*'([^']*)'\s*,\s*(TRUE|FALSE)\s*\)", re.IGNORECASE
)


def resolve_outcomes(sql: str, keys: list[str]) -> str:
    """Each :func:`families.base.outcome` placeholder → its integer code (``keys``: the reason
    dictionary, which holds every string literal of the families' SQL, so every key written
    in a placeholder; an empty key is no reason)."""

    def code(match: re.Match[str]) -> str:
        letter, reason, nodata = match.group(1), match.group(2), match.group(3).upper()
        if letter not in TRUTH_CODES:
            raise ValueError(f"{match.group(0)}: truth letter not in {TRUTH_CODES}")
        if reason and reason not in keys:
            raise ValueError(f"{match.group(0)}: reason key not in the reason dictionary")
        index = NO_REASON if reason == "" else keys.index(reason)
        bit = _NO_DATA_BIT if nodata == "TRUE" else 0
        return str(TRUTH_CODES.index(letter) + bit + REASON_STEP * index)

    resolved = _OUTCOME.sub(code, sql)
    if OUTCOME_CALL in resolved.lower():
        raise ValueError(f"a {OUTCOME_CALL} placeholder not written as outcome() writes it")
    return resolved


def _leaf_codes(owner: Mapping[int, LeafFamily]) -> str:
    """Every leaf outcome as one integer (see the module's docstring): families that emit
    codes give them as they are; the others' text outcomes are turned into codes here."""
    families = list(dict.fromkeys(owner.values()))
    coded = [
        f"SELECT leaf, person_id, code FROM {family.leaf_view}"  # noqa: S608
        for family in families
        if family.emits_codes
    ]
    parts = [
        f"SELECT leaf, person_id, t, r, n FROM {family.leaf_view}"  # noqa: S608
        for family in families
        if not family.emits_codes
    ]
    if not parts and not coded:  # only review_always leaves: an empty outcome table
        coded.append("SELECT 0 AS leaf, person_id, 0 AS code FROM td_person WHERE FALSE")
    if parts:
        # An unexpected letter reads as not applicable, as the status mapping always did.
        truth = " ".join(f"WHEN '{x}' THEN {code}" for code, x in enumerate(TRUTH_CODES[:-1]))
        coded.append(
            f"SELECT e.leaf, e.person_id, CASE e.t {truth} ELSE {truth_code('N')} END"
            f" + CASE WHEN e.n THEN {_NO_DATA_BIT} ELSE 0 END"
            f" + {REASON_STEP} * CASE WHEN e.r IS NULL THEN {NO_REASON}"
            f" ELSE COALESCE(k.code, {UNLISTED_REASON}) END AS code\n"
            f"FROM ({' UNION ALL '.join(parts)}) e\n"
            "LEFT JOIN td_reason_key k ON k.reason = e.r"
        )
    return "\nUNION ALL\n".join(coded)


def _packed(truth: str, reason: str, nodata: str, keys: list[str]) -> int:
    """The code of a constant outcome given as SQL literals (``family.missing``)."""
    letter = _unquote(truth)
    bit = {"TRUE": _NO_DATA_BIT, "FALSE": 0}[nodata.strip().upper()]
    return TRUTH_CODES.index(letter) + bit + REASON_STEP * keys.index(_unquote(reason))


def fill_codes(
    compiled: Compiled, owner: Mapping[int, LeafFamily], keys: list[str]
) -> dict[int, int]:
    """Leaf number → the packed code ``td_wide`` gives it without a leaf row: the family's
    ``missing_for`` outcome at the leaf's place, or for a ``review_always`` leaf (no family) its constant; the same
    codes as the SQL text of :func:`_wide`, for the numpy twin of the layers."""
    out = {}
    for leaf, node in compiled.leaves:
        family = owner.get(leaf)
        if family is None:
            out[leaf] = TRUTH_CODES.index("R") + REASON_STEP * keys.index(REVIEW_ALWAYS)
        else:
            out[leaf] = _packed(*family.missing_for(node, compiled.favourable.get(leaf)), keys)
    return out


def _leaf_wide(compiled: Compiled, owner: Mapping[int, LeafFamily]) -> str:
    """``PIVOT_STEP``: one row per person with a leaf row, ``c_rows`` (how many rows) and the
    packed outcome ``c<k>`` of each leaf (-1 without a row). Engines that can do better than
    an aggregate per leaf (DuckDB: :mod:`trialdesk.population.leaf_pivot`) replace this step."""
    pivot = ["COUNT(*) AS c_rows"]
    for leaf, _node in compiled.leaves:
        if leaf in owner:
            # The leaf number is the compiler's own integer, not a value from the data.
            pivot.append(f"COALESCE(MAX(CASE WHEN leaf = {leaf} THEN code END), -1) AS c{leaf}")
    return f"SELECT person_id, {', '.join(pivot)} FROM td_leaf_eval GROUP BY person_id"  # noqa: S608


def _wide(compiled: Compiled, owner: Mapping[int, LeafFamily], keys: list[str]) -> str:
    """One row per person: each leaf's packed outcome (a missing row gets the family's
    ``missing`` outcome) unpacked into ``l<k>_t``, ``l<k>_r``, ``l<k>_n``; and ``extra_rows``,
    the rows beyond one per leaf (a family breaking its contract; refused by the result)."""
    packed, unpacked, present = [], [], []
    fill = fill_codes(compiled, owner, keys)
    for leaf, _node in compiled.leaves:
        if leaf not in owner:  # review_always
            packed.append(f"{fill[leaf]} AS x{leaf}")
        else:
            # w.c<k> is -1 without a row, NULL for a person without any leaf row.
            present.append(f"CASE WHEN w.c{leaf} >= 0 THEN 1 ELSE 0 END")
            packed.append(
                f"CASE WHEN w.c{leaf} >= 0 THEN w.c{leaf} ELSE {fill[leaf]} END AS x{leaf}"
            )
        unpacked += [
            f"x{leaf} % 8 AS l{leaf}_t",
            f"x{leaf} - x{leaf} % {REASON_STEP} AS l{leaf}_r",
            f"x{leaf} % {REASON_STEP} >= {_NO_DATA_BIT} AS l{leaf}_n",
        ]
    extra = f"COALESCE(w.c_rows, 0) - ({' + '.join(present) or '0'}) AS extra_rows"
    inner = (
        f"SELECT p.person_id, {extra}, {', '.join(packed)}\n"
        f"FROM td_person p LEFT JOIN {PIVOT_STEP} w ON w.person_id = p.person_id"
    )
    return f"SELECT person_id, extra_rows, {', '.join(unpacked)} FROM ({inner}) q"  # noqa: S608


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
    compiled: Compiled,
    owner: Mapping[int, LeafFamily],
    kinds: dict[str, str],
    keys: list[str] | None = None,
) -> list[tuple[str, str]]:
    """From the families' leaf views (``owner``: leaf number → its family) to ``td_result``:
    per person ``extra_rows``, and ``s<i>``/``r<i>`` the status code and reason code (times
    ``REASON_STEP``) of the i-th compiled criterion."""
    if keys is None:  # tokenizing every family's SQL costs ~0.1 s: callers pass it if known
        keys = literal_reasons(compiled, owner)
    statements = [
        ("td_leaf_eval", _leaf_codes(owner)),
        (PIVOT_STEP, _leaf_wide(compiled, owner)),
        ("td_wide", _wide(compiled, owner, keys)),
    ]
    layers = _layers(compiled)
    statements += layers
    last = layers[-1][0] if layers else "td_wide"
    columns = ["s.person_id", "s.extra_rows"]
    for index, (criterion_id, cols) in enumerate(compiled.roots.items()):
        columns.append(f"{status_code(cols.t, kinds[criterion_id])} AS s{index}")
        columns.append(f"{cols.r} AS r{index}")
    statements.append(("td_result", "SELECT " + ", ".join(columns) + f" FROM {last} s"))  # noqa: S608
    return statements


def status_code(truth: str, kind: str) -> str:
    """Truth code → the index of the criterion's status in ``result.STATUS_CODES`` (pass, fail,
    unknown, review, not_applicable): the same index for an inclusion, which passes on TRUE;
    an exclusion fails on TRUE and passes on FALSE."""
    if kind == "inclusion":
        return truth
    return f"CASE {truth} WHEN 0 THEN 1 WHEN 1 THEN 0 ELSE {truth} END"
