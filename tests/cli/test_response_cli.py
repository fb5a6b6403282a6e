"""``trialdesk response``: RECIST, INRC and CRS end to end, the shipped examples pinned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from trialdesk.cli import response
from trialdesk.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "assessments"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """TrialDesk (test root)."""

    response.register(root)
    return root


def run_json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["response", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def run_table(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, ["response", *args, "--format", "table"])
    assert result.exit_code == 0, result.output
    return result.output


# --- the shipped examples, each pinned ---------------------------------------------------------


def test_recist_example_is_a_confirmed_partial_response(app: typer.Typer) -> None:
    data = run_json(app, "recist", str(EXAMPLES / "recist-partial-response.json"))
    assert data["subject"] == "SYN-0001"
    assert data["baseline"]["sum_mm"] == "85"
    assert [p["overall"] for p in data["timepoints"]] == ["PR", "PR"]
    assert data["best_overall_response"]["response"] == "PR"
    assert data["parameters"]["interval_days"] == 28


def test_inrc_partial_response_example(app: typer.Typer) -> None:
    data = run_json(app, "inrc", str(EXAMPLES / "inrc-partial-response.json"))
    parts = {c["component"]: (c["response"], c["rule"]) for c in data["components"]}
    assert parts == {
        "primary tumour": ("PR", "primary_pr"),
        "soft-tissue and bone metastases": ("PR", "metastases_pr"),
        "bone marrow": ("MD", "marrow_md"),
    }
    assert data["overall"]["response"] == "PR"
    assert data["overall"]["rule"] == "overall_pr"
    # Marrow 30 % -> 3 % (MD) counting as a response is a TrialDesk decision: flagged.
    assert data["overall"]["confirmed"] is False
    assert "decisions.minimal_disease_in_overall (decision)" in data["overall"]["not_confirmed"]


def test_inrc_minor_response_example_flags_the_equivocal_new_lesion(app: typer.Typer) -> None:
    data = run_json(app, "inrc", str(EXAMPLES / "inrc-minor-response.json"))
    parts = {c["component"]: c["response"] for c in data["components"]}
    assert parts == {
        "primary tumour": "PR",
        "soft-tissue and bone metastases": "SD",  # relative SIOPEN score 0.8
        "bone marrow": "CR",
    }
    assert data["overall"]["response"] == "MR"
    assert any("left femur" in note for note in data["notes"])


def test_every_example_file_is_pinned_by_a_test() -> None:
    pinned = {
        "recist-partial-response.json",
        "inrc-partial-response.json",
        "inrc-minor-response.json",
    }
    assert {p.name for p in EXAMPLES.glob("*.json")} == pinned


def test_tables_show_the_responses_and_the_confirmation_flag(app: typer.Typer) -> None:
    recist = run_table(app, "recist", str(EXAMPLES / "recist-partial-response.json"))
    assert "best overall response: PR" in recist
    inrc = run_table(app, "inrc", str(EXAMPLES / "inrc-partial-response.json"))
    assert "overall_pr" in inrc
    assert "not confirmed:" in inrc


# --- CRS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "grade"),
    [
        (["--fever", "38.6", "--vasopressors", "1", "--oxygen", "low-flow"], 3),
        (["--fever", "38.0"], 1),
        (["--fever", "37.9"], 0),
        (["--fever", "101.3F", "--hypotension"], 2),
        (["--fever", "no", "--antipyretics", "--oxygen", "bipap"], 4),
    ],
)
def test_crs_grades(app: typer.Typer, args: list[str], grade: int) -> None:
    assert run_json(app, "crs", *args)["astct_grade"] == grade


def test_crs_table(app: typer.Typer) -> None:
    out = run_table(app, "crs", "--fever", "38.6", "--vasopressors", "1")
    assert "ASTCT 2019 grade 3" in out
    assert "CTCAE v5.0 grade" in out


# --- bad input: a clear error naming file, path and what was expected ----------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def error_of(app: typer.Typer, *args: str) -> InputError:
    result = CliRunner().invoke(app, ["response", *args])
    assert isinstance(result.exception, InputError), result.output
    return result.exception


def test_missing_file(app: typer.Typer, tmp_path: Path) -> None:
    error = error_of(app, "inrc", str(tmp_path / "nope.json"))
    assert error.file is not None
    assert error.file.endswith("nope.json")
    assert "cannot read" in error.message


def test_broken_json_names_line_and_column(app: typer.Typer, tmp_path: Path) -> None:
    error = error_of(app, "recist", write(tmp_path, "bad.json", '{"subject": "S",\n  oops}'))
    assert error.where == "line 2, column 3"


def test_a_list_instead_of_an_object(app: typer.Typer, tmp_path: Path) -> None:
    error = error_of(app, "inrc", write(tmp_path, "list.json", "[1, 2]"))
    assert error.where == "(top level)"
    assert error.got == "list"


def test_inrc_problems_all_at_once_with_paths(app: typer.Typer, tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "inrc-partial-response.json").read_text("utf-8"))
    doc["marrow"]["percent"] = 150
    doc["primary"]["uptake"] = "gone"
    del doc["subject"]
    error = error_of(app, "inrc", write(tmp_path, "nb.json", json.dumps(doc)))
    assert {p.where for p in error.problems} >= {"marrow.percent", "primary.uptake", "subject"}
    assert str(error).startswith(f"{tmp_path / 'nb.json'}: the INRC assessment has 3 problem(s)")


def test_recist_problem_names_the_path(app: typer.Typer, tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "recist-partial-response.json").read_text("utf-8"))
    doc["timepoints"][0]["date"] = "not a date"
    error = error_of(app, "recist", write(tmp_path, "r.json", json.dumps(doc)))
    assert "timepoints[0].date" in {p.where for p in error.problems}


@pytest.mark.parametrize("fever", ["abc", "38.6K", ""])
def test_crs_bad_fever(app: typer.Typer, fever: str) -> None:
    error = error_of(app, "crs", "--fever", fever)
    assert error.where == "--fever"


def test_crs_unknown_oxygen_lists_the_choices(app: typer.Typer) -> None:
    error = error_of(app, "crs", "--fever", "39", "--oxygen", "tent")
    assert error.expected is not None
    assert "high_flow_nasal_cannula" in error.expected


@pytest.mark.slow
def test_the_installed_command_prints_the_error_and_exits_2() -> None:
    # One subprocess only: importing every command group takes seconds on a loaded machine.
    script = "from trialdesk.cli.app import main; main()"
    bad = subprocess.run(
        [sys.executable, "-c", script, "response", "recist", "/nonexistent/a.json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "Error:" in bad.stderr
    assert "/nonexistent/a.json" in bad.stderr
