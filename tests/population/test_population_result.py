"""The result matrices: long table, verdicts, funnel and results.parquet, on a hand-made case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import InputError, TrialDeskError
from trialdesk.population.engine import Plan
from trialdesk.population.fallback import NOT_COMPILED
from trialdesk.population.result import COLUMNS, _check_precedence, assemble

AS_OF = date(2026, 6, 1)


def _case(protocol: Protocol) -> tuple[Plan, pa.Table]:
    ids = [c.id for c in protocol.criteria]
    compiled, rest = ids[:2], ids[2:]
    plan = Plan(protocol, AS_OF, compiled, rest, [], {})
    # Persons 30, 10, 20 (unsorted on purpose). Codes: 0 pass, 1 fail, 2 unknown, 3 review.
    sql = pa.table(
        {
            "person_id": pa.array([30, 10, 20], pa.int64()),
            "s0": [0, 0, 1],
            "r0": ["age.meets", "age.meets", "age.does_not_meet"],
            "s1": [2, 0, 0],
            "r1": ["lab.stale", "lab.meets", None],
        }
    )
    return plan, sql


def test_long_table_verdicts_and_funnel(protocol: Protocol, tmp_path: Path) -> None:
    plan, sql = _case(protocol)
    persons = pa.table({"person_id": pa.array([20, 30, 10], pa.int64())})
    result = assemble(protocol, plan, persons, sql, None, "duckdb", review_ids=plan.fallback_ids)
    width = len(protocol.criteria)
    assert result.people == 3
    assert result.row_count == 3 * width
    rows = result.rows
    assert tuple(rows.columns) == COLUMNS
    assert list(rows["person_id"][::width]) == [10, 20, 30]  # person order, protocol order
    first = rows[rows["criterion_id"] == plan.compiled_ids[0]]
    assert list(first["status"].astype(str)) == ["pass", "fail", "pass"]
    second = rows[rows["criterion_id"] == plan.compiled_ids[1]]
    assert list(second["reason"].astype(str)) == ["lab.meets", "", "lab.stale"]
    others = rows[rows["criterion_id"].isin(plan.fallback_ids)]
    assert set(others["status"].astype(str)) == {"review"}
    assert set(others["reason"].astype(str)) == {NOT_COMPILED}
    assert set(others["evaluated_by"].astype(str)) == {"not_compiled"}
    # 10: review only → needs_review; 20: a fail → ineligible; 30: unknown → incomplete.
    assert result.verdicts().to_dict() == {10: "needs_review", 20: "ineligible", 30: "incomplete"}
    assert result.verdict_counts() == {
        "eligible": 0,
        "needs_review": 1,
        "incomplete": 1,
        "ineligible": 1,
    }
    assert [n for _cid, n in result.funnel()] == [2] * width
    out = tmp_path / "results.parquet"
    result.write(out)
    written = pq.read_table(out)
    assert tuple(written.column_names) == COLUMNS
    assert written.num_rows == result.row_count
    assert written.schema.metadata[b"trialdesk.as_of"] == b"2026-06-01"


def test_duplicate_persons_are_an_input_error(protocol: Protocol) -> None:
    plan, sql = _case(protocol)
    persons = pa.table({"person_id": pa.array([10, 10, 20, 30], pa.int64())})
    with pytest.raises(InputError, match="more than once"):
        assemble(protocol, plan, persons, sql, None, "duckdb")


def test_two_sql_rows_for_one_person_are_refused(protocol: Protocol) -> None:
    plan, sql = _case(protocol)
    persons = pa.table({"person_id": pa.array([10, 30], pa.int64())})
    with pytest.raises(TrialDeskError, match="one per person"):
        assemble(protocol, plan, persons, sql, None, "duckdb")


def test_severity_table_agrees_with_the_core_verdict_rule() -> None:
    _check_precedence()
