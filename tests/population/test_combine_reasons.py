"""Reason codes: the dictionary the SQL joins, and how the result reads (or refuses) codes."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import TrialDeskError
from trialdesk.population.combine_sql import (
    NO_REASON,
    REVIEW_ALWAYS,
    UNLISTED_REASON,
    reason_table,
    status_code,
)
from trialdesk.population.compile_rules import REASON_STEP, TRUTH_CODES
from trialdesk.population.engine import Plan, plan_screening
from trialdesk.population.families import FAMILIES
from trialdesk.population.result import STATUS_CODES, assemble

AS_OF = date(2026, 6, 1)


def test_every_missing_outcome_and_sql_literal_is_in_the_dictionary(protocol: Protocol) -> None:
    plan = plan_screening(protocol, AS_OF)
    keys = plan.reasons
    assert keys[UNLISTED_REASON] != ""
    assert keys[NO_REASON] == ""
    assert len(set(keys)) == len(keys)
    assert REVIEW_ALWAYS in keys
    for family in FAMILIES:
        for _leaf, node in plan.leaves.get(family.name, []):
            assert family.missing(node)[1].strip("'") in keys
    # Keys every population run shows (docs/population.md) are literals of the SQL.
    for key in ("lab.meets", "lab.stale", "age.imprecise", "lab.same_day_conflict"):
        assert key in keys
    # The same plan gives the same codes: the SQL text names them.
    assert plan_screening(protocol, AS_OF).reasons == keys


def test_parameter_strings_come_after_the_literals_without_repeats() -> None:
    fixed = ["\x00unlisted", "", "a.b", "c.d"]
    tables = {"t": pa.table({"x": ["c.d", "e.f", None, "e.f"], "n": [1, 2, 3, 4]})}
    keys, table = reason_table(fixed, tables)
    assert keys == [*fixed, "e.f"]
    assert table.column("reason").to_pylist() == ["a.b", "c.d", "e.f"]
    assert table.column("code").to_pylist() == [2, 3, 4]


def test_status_codes_follow_the_truth_codes() -> None:
    # An inclusion's status index is its truth index: T pass, F fail, U unknown, R review, N n/a.
    assert [STATUS_CODES[i] for i, _ in enumerate(TRUTH_CODES)] == [
        "pass",
        "fail",
        "unknown",
        "review",
        "not_applicable",
    ]
    assert status_code("x", "inclusion") == "x"
    assert "WHEN 0 THEN 1 WHEN 1 THEN 0" in status_code("x", "exclusion")


def test_no_value_enters_the_combination_sql(protocol: Protocol) -> None:
    plan = plan_screening(protocol, AS_OF)
    names = [name for name, _sql in plan.statements]
    start = names.index("td_leaf_eval")
    for _name, sql in plan.statements[start:]:
        # Only identifiers, integer codes and the truth letters: no reason key in the text.
        assert "lab." not in sql, sql[:200]
        assert "age." not in sql, sql[:200]


def _sql_rows(reason: list[int], extra: list[int] | None = None) -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array([1, 2], pa.int64()),
            "extra_rows": pa.array(extra or [0, 0], pa.int64()),
            "s0": [0, 1],
            "r0": pa.array([REASON_STEP * r for r in reason], pa.int64()),
        }
    )


def _plan(protocol: Protocol) -> Plan:
    ids = [c.id for c in protocol.criteria]
    return Plan(protocol, AS_OF, ids[:1], ids[1:], [], {})


def test_codes_are_read_back_as_keys(protocol: Protocol) -> None:
    keys = ["\x00unlisted", "", "age.meets", "age.does_not_meet"]
    persons = pa.table({"person_id": pa.array([2, 1], pa.int64())})
    plan = _plan(protocol)
    result = assemble(protocol, plan, persons, _sql_rows([2, 3]), None, "duckdb", reason_keys=keys)
    first = result.rows[result.rows["criterion_id"] == plan.compiled_ids[0]]
    assert list(first["reason"].astype(str)) == ["age.meets", "age.does_not_meet"]
    assert list(first["status"].astype(str)) == ["pass", "fail"]
    assert "\x00unlisted" not in result.reasons


def test_an_unlisted_reason_is_refused_not_shown(protocol: Protocol) -> None:
    keys = ["\x00unlisted", "", "age.meets"]
    persons = pa.table({"person_id": pa.array([1, 2], pa.int64())})
    with pytest.raises(TrialDeskError, match="not in the reason dictionary"):
        assemble(
            protocol, _plan(protocol), persons, _sql_rows([2, 0]), None, "duckdb", reason_keys=keys
        )
    with pytest.raises(TrialDeskError, match="outside its dictionary"):
        assemble(
            protocol, _plan(protocol), persons, _sql_rows([2, 9]), None, "duckdb", reason_keys=keys
        )


def test_two_rows_for_one_leaf_are_refused(protocol: Protocol) -> None:
    keys = ["\x00unlisted", "", "age.meets"]
    persons = pa.table({"person_id": pa.array([1, 2], pa.int64())})
    with pytest.raises(TrialDeskError, match="two rows for one leaf"):
        assemble(
            protocol,
            _plan(protocol),
            persons,
            _sql_rows([2, 2], extra=[0, 1]),
            None,
            "duckdb",
            reason_keys=keys,
        )
