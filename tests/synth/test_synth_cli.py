"""``trialdesk synth patients`` writes files the FHIR adapter reads back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from trialdesk.adapters.fhir import read_record, read_records
from trialdesk.cli import synth
from trialdesk.errors import InputError


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """TrialDesk (test root)."""

    synth.register(root)
    return root


def test_ndjson_output_holds_every_patient(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "cohort.ndjson"
    result = CliRunner().invoke(
        app, ["synth", "patients", "--count", "25", "--seed", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "25 synthetic patients" in result.output
    assert len(list(read_records(out))) == 25


def test_folder_output_has_one_bundle_per_patient(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    args = [
        "synth",
        "patients",
        "-n",
        "3",
        "--seed",
        "5",
        "--out",
        str(out),
        "--as-of",
        "2026-01-15",
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["synth-00001.json", "synth-00002.json", "synth-00003.json"]
    record = read_record(files[0])
    assert record.patient.ref.id == "synth-00001"
    assert all(o.effective and o.effective.latest <= date(2026, 1, 15) for o in record.observations)


def test_same_seed_writes_the_same_bytes(app: typer.Typer, tmp_path: Path) -> None:
    for name in ("a.ndjson", "b.ndjson"):
        CliRunner().invoke(app, ["synth", "patients", "--seed", "9", "--out", str(tmp_path / name)])
    assert (tmp_path / "a.ndjson").read_bytes() == (tmp_path / "b.ndjson").read_bytes()


def test_a_bad_as_of_date_is_an_input_error(app: typer.Typer, tmp_path: Path) -> None:
    args = ["synth", "patients", "--out", str(tmp_path / "x.ndjson"), "--as-of", "15/01/2026"]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, InputError)
    assert result.exception.exit_code == 2
    assert result.exception.where == "--as-of"


def test_out_that_is_an_existing_file_is_an_input_error(app: typer.Typer, tmp_path: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("x")
    result = CliRunner().invoke(app, ["synth", "patients", "--out", str(existing)])
    assert isinstance(result.exception, InputError)


def test_count_must_be_positive(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["synth", "patients", "--count", "0", "--out", str(tmp_path / "x.ndjson")]
    )
    assert result.exit_code == 2
