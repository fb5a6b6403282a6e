"""Materialised steps are dropped once their last reader has run (peak memory), never before."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population.duckdb_engine import DuckDBEngine
from trialdesk.population.engine import plan_screening
from trialdesk.population.sql import REUSED_STEPS, release_points

AS_OF = date(2026, 6, 1)


def test_a_table_is_released_after_its_last_reader_through_views() -> None:
    statements = [
        ("td_a", "SELECT 1 AS x"),  # table
        ("td_b", "SELECT x FROM td_a"),  # view: inlined where read
        ("td_c", "SELECT x FROM td_a"),  # table
        ("td_d", "SELECT x FROM td_b JOIN td_c USING (x)"),  # table, reads td_a via td_b
        ("td_e", "SELECT x FROM td_d"),  # table
        ("td_result", "SELECT x FROM td_e"),
    ]
    tables = {"td_a", "td_c", "td_d", "td_e"}
    release = release_points(statements, tables.__contains__)
    assert release == {3: ["td_a", "td_c"], 4: ["td_d"]}
    # td_e is read by the result: kept until the engine closes. Names only as whole words.
    assert release_points([("td_a", "SELECT 1"), ("td_r", "SELECT * FROM td_ab")], bool) == {
        0: ["td_a"]
    }


def test_no_step_is_read_after_its_release(protocol: Protocol) -> None:
    plan = plan_screening(protocol, AS_OF)
    release = release_points(plan.statements, REUSED_STEPS.__contains__)
    released = {name: index for index, names in release.items() for name in names}
    assert "td_meas" in released  # the largest step goes long before the end
    assert released["td_meas"] < len(plan.statements) - 5
    for index, (_name, sql) in enumerate(plan.statements):
        for name, at in released.items():
            if at < index:
                assert name not in sql.split(), (name, plan.statements[index][0])


def test_a_duckdb_screening_drops_its_large_steps(protocol: Protocol, population_dir: Path) -> None:
    engine = DuckDBEngine(threads=2)
    try:
        result = engine.screen(protocol, population_dir, AS_OF, fallback="review")
        left = {
            row[0]
            for row in engine._db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'LOCAL TEMPORARY'"
            ).fetchall()
        }
    finally:
        engine.close()
    assert result.people > 0
    assert "td_meas" not in left
    assert "td_obs_packed" not in left
    assert "td_lab_day" not in left
    assert "td_person" in left  # read by the result
