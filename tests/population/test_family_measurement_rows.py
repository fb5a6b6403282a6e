"""The shared measurement rows (``td_meas``): measurement read once, codes read as the record
reader reads them, whatever their spelling."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from population_helpers import write_protocol

from trialdesk import load_protocol
from trialdesk.core.protocol.model import RecencyWindows
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population import engine_for
from trialdesk.population.engine import plan_screening
from trialdesk.population.families import Setting
from trialdesk.population.families.measurement_rows import (
    MEAS,
    OPTIONAL,
    code_ids,
    measurement_rows_step,
    shared_tables,
    spelling_table,
)
from trialdesk.population.result import PopulationResult
from trialdesk.synth.population import synth_population, write_population

AS_OF = date(2026, 6, 1)


def _setting(spellings: dict[str, list[str]]) -> Setting:
    return Setting(AS_OF, RecencyWindows(), lambda table, column: spellings[column])


def test_every_spelling_of_a_code_gets_the_same_id_and_unwanted_codes_none() -> None:
    setting = _setting(
        {
            "measurement_source_value": [
                "loinc:718-7",
                "LOINC:718-7",
                " 718-7",
                "loinc:751-8",
                "snomed:123",
            ],
            "unit_source_value": ["g/L", "unk", " ", "10*9/L"],
        }
    )
    ids = code_ids(setting)
    assert set(ids) == {("loinc", "718-7"), ("loinc", "751-8"), ("snomed", "123")}
    table = spelling_table(setting, {("loinc", "718-7"), ("loinc", "2160-0")})
    assert sorted(table.column("code").to_pylist()) == [" 718-7", "LOINC:718-7", "loinc:718-7"]
    assert set(table.column("code_id").to_pylist()) == {ids["loinc", "718-7"]}
    units = shared_tables(setting)["td_munit"]
    # Unreadable and blank spellings have no row: their values are unusable, as in records.py.
    assert units.column("unit_source_value").to_pylist() == ["10*9/L", "g/L"]
    assert units.column("unit").to_pylist() == ["10*9/L", "g/L"]


def test_the_measurement_table_is_read_by_one_step(protocol: Protocol) -> None:
    statements = plan_screening(protocol, AS_OF).statements
    readers = [name for name, sql in statements if re.search(r"\bmeasurement\s+m\b", sql)]
    assert readers == [MEAS]
    assert sum(name == MEAS for name, _ in statements) == 1


def _meas_sql(statements: list[tuple[str, str]]) -> str:
    (sql,) = [sql for name, sql in statements if name == MEAS]
    return sql


def test_the_rows_carry_only_the_range_sides_some_test_reads(
    protocol: Protocol, tmp_path: Path
) -> None:
    """The row's own range costs two columns of every measurement row: each side is read
    only where a × ULN (upper) or × LLN (lower) test reads it, and the laboratory SQL then
    names no other side."""
    seed = plan_screening(protocol, AS_OF).statements
    assert re.search(r"\bm\.range_high\b", _meas_sql(seed))  # its × ULN liver tests
    assert not re.search(r"\brange_low\b", _meas_sql(seed))
    assert not any(re.search(r"\brange_low\b", sql) for _name, sql in seed)

    def sides(*rules: str) -> set[str]:
        criteria = [(f"inc-{i}", "inclusion", rule) for i, rule in enumerate(rules)]
        statements = plan_screening(
            load_protocol(write_protocol(criteria, tmp_path, f"Sides{len(rules)}")), AS_OF
        ).statements
        return {side for side in OPTIONAL if re.search(rf"\bm\.{side}\b", _meas_sql(statements))}

    assert sides("lab(hemoglobin) >= 80 g/L") == set()
    assert sides("lab(hemoglobin) >= 80 g/L", "lab(albumin) > 1 x LLN") == {"range_low"}
    assert sides("lab(creatinine) >= 1 x LLN", "lab(alt) <= 2.5 x ULN", "lab(ast) < 3 x ULN") == {
        "range_low",
        "range_high",
    }


def test_an_unknown_optional_column_is_refused() -> None:
    with pytest.raises(ValueError, match="optional measurement column"):
        measurement_rows_step(["lab"], ["value_as_string"])


def _respelled(folder: Path) -> None:
    """Each LOINC source value spelled one of four ways, as warehouses do."""
    path = folder / "measurement.parquet"
    table = pq.read_table(path)
    codes = table.column("measurement_source_value").to_pylist()
    ways = (
        lambda c: c,
        lambda c: c.replace("loinc:", "LOINC:"),
        lambda c: c.removeprefix("loinc:"),
        lambda c: f" {c} ",
    )
    spelled = [None if c is None else ways[i % 4](c) for i, c in enumerate(codes)]
    index = table.column_names.index("measurement_source_value")
    table = table.set_column(index, "measurement_source_value", pa.array(spelled, pa.string()))
    assert pc.any(pc.starts_with(table.column("measurement_source_value"), "LOINC:")).as_py()
    pq.write_table(table, path)


@pytest.fixture(scope="module")
def respelled(
    tmp_path_factory: pytest.TempPathFactory, protocol: Protocol
) -> tuple[Path, PopulationResult]:
    folder = tmp_path_factory.mktemp("respelled")
    write_population(synth_population(300, seed=8, as_of=AS_OF), folder)
    _respelled(folder)
    return folder, engine_for("memory").screen(protocol, folder, AS_OF)


@pytest.mark.slow
def test_codes_in_any_spelling_agree_with_the_screener_on_duckdb(
    protocol: Protocol,
    respelled: tuple[Path, PopulationResult],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    folder, reference = respelled
    result = engine_for("duckdb").screen(protocol, folder, AS_OF, fallback="review")
    agree(result, reference)
    # The respelled rows are read: laboratory values meet and fail, not only go missing.
    reasons = set(result.rows["reason"].astype(str))
    assert {"lab.meets", "lab.does_not_meet", "test.result"} <= reasons
