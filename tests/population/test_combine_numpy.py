"""The combination layers in numpy (``combine_numpy``) give exactly what their SQL gives
(``td_wide`` → ``td_layer<k>`` → ``td_result``, run here on DuckDB): random rules built from
every combinator over the protocol's own leaves, random leaf codes (absent, malformed truths,
no-data bits, any reason); and the streamed scatter equals the whole-table pivot."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.outcome import Truth
from trialdesk.population import engine_for
from trialdesk.population.combine_numpy import combine, numpy_combination
from trialdesk.population.combine_sql import (
    PIVOT_STEP,
    combination_statements,
    fill_codes,
    literal_reasons,
)
from trialdesk.population.compile_rules import REASON_STEP, RuleCompiler
from trialdesk.population.engine import plan_screening
from trialdesk.population.families import LeafFamily, Setting, family_of
from trialdesk.population.leaf_pivot import LeafScatter, pivot_leaf_codes
from trialdesk.population.result import PopulationResult

AS_OF = date(2026, 6, 1)


@dataclass(frozen=True)
class Case:
    rules: list[tuple[a.Rule, str]]  # (rule, kind) per criterion
    codes: list[list[int]]  # per compiled leaf (owned ones), per person: code or -1
    rows_beyond: list[int]  # per person, leaf rows beyond the present leaves
    in_wide: list[bool]  # per person: has a row in the pivot (else NULL columns in SQL)


def _leaf_pool(protocol: Protocol) -> list[a.Rule]:
    plan = plan_screening(protocol, AS_OF)
    # A few leaves of every family (their missing outcomes differ), and a review_always.
    nodes = [node for pairs in plan.leaves.values() for _leaf, node in pairs[:3]]
    return [*nodes, a.ReviewAlways("needs a clinician", nodes[0].span)]


def _rules(pool: list[a.Rule]) -> st.SearchStrategy[a.Rule]:
    span = pool[0].span
    leaves = st.sampled_from(pool)

    def grow(kids: st.SearchStrategy[a.Rule]) -> st.SearchStrategy[a.Rule]:
        several = st.lists(kids, min_size=1, max_size=4).map(tuple)
        return st.one_of(
            several.map(lambda items: a.AllOf(items, span)),
            several.map(lambda items: a.AnyOf(items, span)),
            several.map(lambda items: a.EachAvailable(items, span)),
            kids.map(lambda item: a.NotOf(item, span)),
            kids.map(lambda item: a.ReviewIf(item, span)),
            st.tuples(kids, kids, st.none() | kids).map(
                lambda parts: a.IfThen(parts[0], parts[1], parts[2], span)
            ),
        )

    return st.recursive(leaves, grow, max_leaves=10)


def cases(pool: list[a.Rule]) -> st.SearchStrategy[Case]:
    """Random criteria; leaf codes drawn by numpy from a drawn seed (drawing each of hundreds
    of codes through hypothesis cost more than the SQL it checks)."""
    rules = st.lists(
        st.tuples(_rules(pool), st.sampled_from(["inclusion", "exclusion"])),
        min_size=1,
        max_size=4,
    )
    return st.builds(_case, rules, st.integers(1, 40), st.integers(0, 2**32 - 1))


def _case(rules: list[tuple[a.Rule, str]], people: int, seed: int) -> Case:
    owned = sum(
        1 for rule, _kind in rules for node in _leaves_of(rule) if family_of(node) is not None
    )
    rng = np.random.default_rng(seed)
    # Any truth 0-7 (a family's malformed one too), the no-data bit, a reason among the first
    # keys of the dictionary, or no row (-1).
    shape = (owned, people)
    codes = rng.integers(0, 8, shape) + 8 * rng.integers(0, 2, shape)
    codes += REASON_STEP * rng.integers(1, 40, shape)
    codes[rng.random(shape) < rng.random()] = -1
    beyond = rng.integers(0, 3, people) * (rng.random(people) < 0.2)
    in_wide = rng.random(people) < 0.9
    return Case(rules, codes.tolist(), beyond.tolist(), in_wide.tolist())


def _leaves_of(rule: a.Rule) -> list[a.Rule]:
    """The leaves in the compiler's order (depth first, items in order)."""
    if isinstance(rule, (a.AllOf, a.AnyOf, a.EachAvailable)):
        return [leaf for item in rule.items for leaf in _leaves_of(item)]
    if isinstance(rule, (a.NotOf, a.ReviewIf)):
        return _leaves_of(rule.item)
    if isinstance(rule, a.IfThen):
        parts = [rule.condition, rule.then] + ([rule.otherwise] if rule.otherwise else [])
        return [leaf for part in parts for leaf in _leaves_of(part)]
    return [rule]


def _both(
    case: Case, keys: list[str], workers: int = 1, block: int | None = None
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    return _both_with(case, keys, None, workers, block)


def _both_with(
    case: Case,
    keys: list[str],
    families: dict[int, LeafFamily] | None,
    workers: int = 1,
    block: int | None = None,
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """The SQL's rows and numpy's, per person: extra_rows, then (status, reason) per root.
    ``keys``: the protocol's reason dictionary, which holds every leaf's missing reason (the
    dictionary of these rules alone would too, but tokenizing the families' SQL per example
    costs ~0.1 s)."""
    compiler = RuleCompiler()
    kinds = {}
    for index, (rule, kind) in enumerate(case.rules):
        compiler.criterion(f"c{index}", rule, kind)
        kinds[f"c{index}"] = kind
    compiled = compiler.out
    owner = families or {
        leaf: f for leaf, node in compiled.leaves if (f := family_of(node)) is not None
    }
    owned = sorted(owner)
    people = len(case.rows_beyond)
    ids = np.arange(people, dtype=np.int64) * 3 + 7
    matrix = np.array(case.codes, dtype=np.int32).reshape(len(owned), people)
    present = (matrix >= 0).sum(axis=0)
    rows = present + np.array(case.rows_beyond, dtype=np.int64)
    rows[~np.array(case.in_wide)] = 0  # no pivot row: no leaf rows at all
    matrix[:, ~np.array(case.in_wide)] = -1

    db = duckdb.connect()
    db.register("td_person", pa.table({"person_id": ids}))
    wide = {"person_id": ids, "c_rows": rows}
    wide.update({f"c{leaf}": matrix[i] for i, leaf in enumerate(owned)})
    keep = np.array(case.in_wide)
    db.register(PIVOT_STEP, pa.table({k: v[keep] for k, v in wide.items()}))
    statements = combination_statements(compiled, owner, kinds, keys)
    start = [name for name, _sql in statements].index(PIVOT_STEP) + 1
    for name, sql in statements[start:-1]:
        db.execute(f"CREATE TABLE {name} AS {sql}")
    result = db.sql(statements[-1][1] + " ORDER BY person_id").fetchall()
    sql_rows = [tuple(int(x) for x in row[1:]) for row in result]

    plan = numpy_combination(
        compiled, fill_codes(compiled, owner, keys), owned, [kinds[c] for c in compiled.roots]
    )
    out = (
        combine(plan, matrix, rows, workers)
        if block is None
        else combine(plan, matrix, rows, workers, block)
    )
    ours = []
    for person in range(people):
        row: list[int] = [int(out.extra_rows[person])]
        for status, reason in zip(out.statuses, out.reasons, strict=True):
            row += [int(status[person]), int(reason[person])]
        ours.append(tuple(row))
    return sql_rows, ours


@pytest.fixture(scope="module")
def pool(protocol: Protocol) -> list[a.Rule]:
    return _leaf_pool(protocol)


@pytest.fixture(scope="module")
def keys(protocol: Protocol) -> list[str]:
    return plan_screening(protocol, AS_OF).reasons


def test_numpy_layers_equal_the_sql_layers(pool: list[a.Rule], keys: list[str]) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases(pool))
    def check(case: Case) -> None:
        sql_rows, ours = _both(case, keys)
        assert ours == sql_rows

    check()


def test_the_protocols_own_criteria_give_the_same_rows(protocol: Protocol) -> None:
    """NCT06948994's compiled criteria on random leaf codes, several blocks of persons, on
    several threads (blocks of uneven sizes: the last one is short)."""
    plan = plan_screening(protocol, AS_OF)
    rng = np.random.default_rng(5)
    rules = [
        (c.rule, c.kind)
        for c in protocol.criteria
        if c.id in plan.compiled_ids  # in protocol order, as the plan compiles them
    ]
    owned = sum(1 for pairs in plan.leaves.values() for _pair in pairs)
    people = 70_000  # several blocks of 9,000 and a short last one
    codes = rng.integers(0, 5, (owned, people)) + 8 * rng.integers(0, 2, (owned, people))
    codes += REASON_STEP * rng.integers(1, 40, (owned, people))
    codes[rng.random((owned, people)) < 0.3] = -1
    case = Case(
        rules,
        codes.tolist(),
        rng.integers(0, 2, people).tolist(),
        (rng.random(people) < 0.95).tolist(),
    )
    for workers in (1, 3):
        sql_rows, ours = _both(case, plan.reasons, workers=workers, block=9_000)
        assert ours == sql_rows


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from([1, 2, 4, 7, 9]), st.integers(0, 12), st.integers(0, 5000)),
        max_size=60,
    ),
    persons=st.sets(st.integers(0, 12), max_size=13),
    cuts=st.lists(st.integers(0, 60), max_size=4),
)
def test_streamed_batches_scatter_as_the_whole_table(
    rows: list[tuple[int, int, int]], persons: set[int], cuts: list[int]
) -> None:
    # Leaf 9 is not among the leaves: its rows are left out, as are rows of unknown persons;
    # two rows for one leaf and person are counted in the person's rows.
    leaves = [1, 2, 4, 7]
    table = pa.table(
        {
            "leaf": pa.array([r[0] for r in rows], pa.int32()),
            "person_id": pa.array([r[1] for r in rows], pa.int64()),
            "code": pa.array([r[2] for r in rows], pa.int32()),
        }
    )
    ids = np.array(sorted(persons), dtype=np.int64)
    scatter = LeafScatter(ids, leaves)
    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    for low, high in itertools.pairwise(bounds):
        for batch in table.slice(low, high - low).to_batches():
            scatter.add(batch)
    whole = pivot_leaf_codes(table, ids, leaves)
    seen = scatter.rows > 0
    assert whole.column("person_id").to_pylist() == ids[seen].tolist()
    assert whole.column("c_rows").to_pylist() == scatter.rows[seen].tolist()
    # Which of two rows for one leaf and person is kept is the engine's choice (refused
    # anyway); with one row each, the codes are the same.
    single = len({(r[0], r[1]) for r in rows}) == len(rows)
    if single:
        for index, leaf in enumerate(leaves):
            assert whole.column(f"c{leaf}").to_pylist() == scatter.matrix[index][seen].tolist()


def test_duckdb_numpy_and_sql_combinations_agree(
    protocol: Protocol, population_dir: Path, reference: PopulationResult
) -> None:
    """The whole screening with the numpy pivot and layers, and with DuckDB's SQL for both."""
    results = []
    for in_arrow in (True, False):
        engine = engine_for("duckdb", threads=2)
        engine.pivot_in_arrow = in_arrow
        try:
            results.append(engine.screen(protocol, population_dir, AS_OF, fallback="review"))
        finally:
            engine.close()
    numpy_way, sql_way = results
    assert np.array_equal(numpy_way.person_ids, sql_way.person_ids)
    assert np.array_equal(numpy_way.status, sql_way.status)
    ours = np.array(numpy_way.reasons, dtype=object)[numpy_way.reason]
    theirs = np.array(sql_way.reasons, dtype=object)[sql_way.reason]
    assert (ours == theirs).all()
    assert numpy_way.criteria == sql_way.criteria


class _PlaceAware(LeafFamily):
    """A family whose "no row" is UNKNOWN where TRUE helps eligibility, FALSE elsewhere."""

    name = "place_aware"

    def accepts(self, node: a.Rule) -> bool:
        return isinstance(node, a.SexCheck)

    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        return ("'F'", "'place.none'", "FALSE")

    def missing_for(self, node: a.Rule, favourable: Truth | None) -> tuple[str, str, str]:
        if favourable is Truth.TRUE:
            return ("'U'", "'place.unknown'", "TRUE")
        return self.missing(node)

    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        return {}

    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        return [(self.leaf_view, "SELECT 1 AS leaf, 1 AS person_id, 0 AS code WHERE FALSE")]


def test_a_missing_outcome_may_depend_on_the_leafs_place(pool: list[a.Rule]) -> None:
    span = pool[0].span
    sex = a.SexCheck(("female",), span)
    compiler = RuleCompiler()
    compiler.criterion("inc", sex, "inclusion")  # leaf 1: TRUE helps
    compiler.criterion("exc", sex, "exclusion")  # leaf 2: FALSE helps
    compiled = compiler.out
    family = _PlaceAware()
    owner = {1: family, 2: family}
    keys = literal_reasons(compiled, owner)
    assert {"place.unknown", "place.none"} <= set(keys)
    fill = fill_codes(compiled, owner, keys)
    assert fill[1] == 2 + 8 + REASON_STEP * keys.index("place.unknown")
    assert fill[2] == 1 + REASON_STEP * keys.index("place.none")
    # Neither person has a row: each leaf takes its own place's outcome, in SQL and numpy.
    case = Case(
        [(sex, "inclusion"), (sex, "exclusion")], [[-1, -1], [-1, -1]], [0, 0], [True, False]
    )
    sql_rows, ours = _both_with(case, keys, owner)
    assert ours == sql_rows
    assert [row[1] for row in ours] == [2, 2]  # unknown
    assert [row[3] for row in ours] == [0, 0]  # the exclusion's FALSE: pass
