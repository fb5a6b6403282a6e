"""End to end through the CLI: synth population → population screen → results.parquet."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trialdesk.cli.app import app
from trialdesk.errors import TrialDeskError

pytestmark = pytest.mark.slow


def test_synth_then_screen_with_duckdb_writes_results_and_a_summary(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "omop"
    made = runner.invoke(
        app, ["synth", "population", "--patients", "120", "--seed", "4", "--out", str(data)]
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "results.parquet"
    args = ["population", "screen", "--trial", "NCT06948994", "--as-of", "2026-06-01"]
    args += ["--data", str(data), "--engine", "duckdb", "--fallback", "review", "--out", str(out)]
    ran = runner.invoke(app, args)
    assert ran.exit_code == 0, ran.output
    assert "Attrition funnel" in ran.output
    assert "inc-hemoglobin" in ran.output
    table = pq.read_table(out)
    assert table.num_rows == 120 * 24
    assert set(table.column_names) >= {"person_id", "criterion_id", "status", "reason", "verdict"}


def test_unknown_engine_is_a_usage_error_listing_the_engines(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "omop"
    runner.invoke(app, ["synth", "population", "--patients", "5", "--out", str(data)])
    ran = runner.invoke(
        app,
        [
            "population",
            "screen",
            "--data",
            str(data),
            "--engine",
            "oracle",
            "--out",
            str(tmp_path / "r.parquet"),
        ],
    )
    assert isinstance(ran.exception, TrialDeskError)
    assert ran.exception.exit_code == 2
    assert "duckdb" in str(ran.exception)
    assert "spark" in str(ran.exception)


def test_missing_data_folder_says_how_to_make_one(tmp_path: Path) -> None:
    ran = CliRunner().invoke(
        app,
        [
            "population",
            "screen",
            "--data",
            str(tmp_path / "none"),
            "--out",
            str(tmp_path / "r.parquet"),
        ],
    )
    assert isinstance(ran.exception, TrialDeskError)
    assert ran.exception.exit_code == 2
    assert "synth population" in str(ran.exception)


def test_fhir_bulk_export_converts_to_omop_and_screens(tmp_path: Path) -> None:
    runner = CliRunner()
    export = tmp_path / "export.ndjson"
    made = runner.invoke(
        app, ["synth", "patients", "--count", "40", "--seed", "2", "--out", str(export)]
    )
    assert made.exit_code == 0, made.output
    data = tmp_path / "omop"
    converted = runner.invoke(app, ["population", "from-fhir", str(export), "--out", str(data)])
    assert converted.exit_code == 0, converted.output
    person = pq.read_table(data / "person.parquet")
    assert person.num_rows == 40
    measurement = pq.read_table(data / "measurement.parquet")
    codes = set(measurement.column("measurement_source_value").to_pylist())
    assert "loinc:718-7" in codes  # haemoglobin, as system:code
    out = tmp_path / "results.parquet"
    args = ["population", "screen", "--as-of", "2025-06-01", "--data", str(data)]
    ran = runner.invoke(app, [*args, "--fallback", "review", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    results = pq.read_table(out).to_pandas()
    assert results["person_id"].nunique() == 40
    hb = results[results["criterion_id"] == "inc-hemoglobin"]
    assert {"pass", "fail"} <= set(hb["status"])
