"""The pivot step in numpy gives exactly the SQL pivot's rows (DuckDB runs the SQL here)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.errors import TrialDeskError
from trialdesk.population.leaf_pivot import pivot_leaf_codes, positions

LEAVES = [1, 2, 4, 7]


def _sql_pivot(codes: pa.Table, persons: pa.Table) -> list[tuple[object, ...]]:
    """The SQL of ``combine_sql._leaf_wide`` (joined to the persons, as ``td_wide`` reads it)."""
    db = duckdb.connect()
    db.register("td_leaf_eval", codes)
    db.register("td_person", persons)
    cases = ", ".join(
        f"COALESCE(MAX(CASE WHEN leaf = {k} THEN code END), -1) AS c{k}" for k in LEAVES
    )
    sql = (
        f"SELECT w.* FROM (SELECT person_id, COUNT(*) AS c_rows, {cases} FROM td_leaf_eval "
        "GROUP BY person_id) w JOIN td_person p ON p.person_id = w.person_id ORDER BY 1"
    )
    return [tuple(row) for row in db.sql(sql).fetchall()]


def _rows(table: pa.Table) -> list[tuple[object, ...]]:
    return sorted(zip(*(c.to_pylist() for c in table.columns), strict=True))


rows = st.lists(
    st.tuples(st.sampled_from(LEAVES), st.integers(0, 12), st.integers(0, 5000)),
    max_size=60,
    unique_by=lambda r: (r[0], r[1]),  # at most one row per leaf and person, as the contract
)


@settings(max_examples=60, deadline=None)
@given(
    rows=rows, persons=st.sets(st.integers(0, 12), max_size=13), scale=st.sampled_from([1, 10**9])
)
def test_numpy_pivot_equals_the_sql_pivot(
    rows: list[tuple[int, int, int]], persons: set[int], scale: int
) -> None:
    # scale 10**9 spreads the ids: the hash lookup instead of the dense table.
    codes = pa.table(
        {
            "leaf": pa.array([r[0] for r in rows], pa.int32()),
            "person_id": pa.array([r[1] * scale for r in rows], pa.int64()),
            "code": pa.array([r[2] for r in rows], pa.int64()),
        }
    )
    ids = np.array(sorted(p * scale for p in persons), dtype=np.int64)
    people = pa.table({"person_id": pa.array(ids, pa.int64())})
    ours = pivot_leaf_codes(codes, ids, LEAVES)
    assert ours.column_names == ["person_id", "c_rows"] + [f"c{k}" for k in LEAVES]
    assert _rows(ours) == _sql_pivot(codes, people)


def test_two_rows_for_one_leaf_are_counted() -> None:
    codes = pa.table({"leaf": [1, 1, 2], "person_id": [5, 5, 5], "code": [3, 9, 4]})
    wide = pivot_leaf_codes(codes, np.array([5], dtype=np.int64), LEAVES)
    assert wide.column("c_rows").to_pylist() == [3]
    assert wide.column("c2").to_pylist() == [4]
    assert wide.column("c4").to_pylist() == [-1]


def test_a_null_person_is_refused() -> None:
    codes = pa.table({"leaf": [1], "person_id": pa.array([None], pa.int64()), "code": [3]})
    with pytest.raises(TrialDeskError, match="null person_id"):
        pivot_leaf_codes(codes, np.array([5], dtype=np.int64), LEAVES)


@given(st.sets(st.integers(-(2**40), 2**40), max_size=30), st.lists(st.integers(-50, 50)))
def test_positions_dense_and_sparse(known: set[int], near: list[int]) -> None:
    ids = np.array(sorted(known), dtype=np.int64)
    wanted = np.array(list(known)[:5] + near, dtype=np.int64)
    expected = [sorted(known).index(int(x)) if int(x) in known else -1 for x in wanted]
    assert positions(ids, wanted).tolist() == expected


@given(
    st.integers(-(2**40), 2**40),
    st.integers(0, 40),
    st.lists(st.integers(-50, 50)),
    st.sampled_from([np.int32, np.int64]),
)
def test_positions_of_consecutive_ids(low: int, count: int, near: list[int], kind: type) -> None:
    # Consecutive ids (the usual OMOP person ids): the position is the offset from the lowest.
    known = list(range(low, low + count))
    ids = np.array(known, dtype=np.int64)
    wanted = [*known[:3], *(low + x for x in near)]
    if kind is np.int32:  # an engine's INTEGER column
        wanted = [x for x in wanted if -(2**31) <= x < 2**31]
    expected = [x - low if x in known else -1 for x in wanted]
    assert positions(ids, np.array(wanted, dtype=kind)).tolist() == expected
