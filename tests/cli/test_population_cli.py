"""End to end through the CLI: synth population → population screen → results.parquet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trialdesk.cli.app import app
from trialdesk.errors import TrialDeskError
from trialdesk.population.from_fhir import LEFT_OUT_FILE
from trialdesk.testing.patients import eligible_maintenance

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


def test_from_fhir_lists_what_omop_cannot_hold(tmp_path: Path) -> None:
    """An undated result and one with an unknown modifier extension are left out of the OMOP
    tables, named on stderr and listed beside them; a clean conversion removes the list."""
    builder = eligible_maintenance("undated-child")
    builder.lab("718-7", 70, "g/L", "2026-05-30")
    del builder.resources[-1]["effectiveDateTime"]
    builder.lab("751-8", 0.2, "10*9/L", "2026-05-30")
    builder.resources[-1]["modifierExtension"] = [
        {"url": "https://example.org/unknown", "valueBoolean": True}
    ]
    source = tmp_path / "child.json"
    source.write_text(json.dumps(builder.bundle()), "utf-8")
    data = tmp_path / "omop"
    runner = CliRunner()
    converted = runner.invoke(app, ["population", "from-fhir", str(source), "--out", str(data)])
    assert converted.exit_code == 0, converted.output
    assert "Left out 2 observations" in converted.stderr
    assert "undated-child" in converted.stderr
    with (data / LEFT_OUT_FILE).open(encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    assert [row["person_source_value"] for row in listed] == ["undated-child"] * 2
    assert all(row["resource"].startswith("Observation/") for row in listed)
    assert "no effective date" in listed[0]["reason"]
    assert "modifierExtension" in listed[1]["reason"]
    values = pq.read_table(data / "measurement.parquet").column("value_as_number").to_pylist()
    assert 70 not in values
    assert 0.2 not in values

    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(eligible_maintenance("dated-child").bundle()), "utf-8")
    again = runner.invoke(app, ["population", "from-fhir", str(clean), "--out", str(data)])
    assert again.exit_code == 0, again.output
    assert "Left out" not in again.stderr
    assert not (data / LEFT_OUT_FILE).exists()
