"""``trialdesk grade``: lab grading and the term pick-list, end to end."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from trialdesk.cli import grade
from trialdesk.errors import InputError, ReferenceDataError, UnitError


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """TrialDesk (test root)."""

    grade.register(root)
    return root


def run(app: typer.Typer, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["grade", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_the_issue_example_alt_130_uln_40_is_grade_2_with_its_rule(app: typer.Typer) -> None:
    data = run(app, "lab", "--analyte", "ALT", "--value", "130", "--unit", "U/L", "--uln", "40")
    assert data["grade"] == 2
    assert data["term"] == "Alanine aminotransferase increased"
    rule = data["rule"]
    assert isinstance(rule, dict)
    assert rule["threshold"] == "(120, 200] U/L"
    assert rule["band"] == ">3.0 - 5.0 x ULN if baseline was normal"


def test_range_in_another_unit_and_a_baseline(app: typer.Typer) -> None:
    data = run(
        app, "lab", "--analyte", "creatinine", "--value", "0.93", "--unit", "mg/dL",
        "--uln", "54", "--range-unit", "umol/L", "--baseline", "30", "--baseline-unit", "umol/L",
    )  # fmt: skip
    assert data["grade"] == 2  # 0.93 mg/dL = 82.2 umol/L = 2.7 x baseline


def test_qualifier_changes_the_grade_and_the_default_says_what_would(app: typer.Typer) -> None:
    common = ("lab", "--analyte", "Na", "--value", "128", "--unit", "mmol/L", "--lln", "135")
    unknown = run(app, *common, "--uln", "145")
    assert unknown["grade"] == 3
    assert "symptomatic=no would give grade 2" in unknown["would_change"]  # type: ignore[operator]
    assert run(app, *common, "--uln", "145", "--qualifier", "symptomatic=no")["grade"] == 2


def test_age_and_sex_pick_the_default_paediatric_range_and_say_so(app: typer.Typer) -> None:
    data = run(app, "lab", "--analyte", "ALP", "--value", "1000", "--unit", "U/L", "--age", "5")
    assert data["grade"] == 2  # ULN 369 (CALIPER 1-<10 y): 1000 = 2.7 x ULN
    assert "default paediatric interval" in " ".join(data["notes"])  # type: ignore[arg-type]


def test_table_output_shows_grade_rule_and_reason(app: typer.Typer) -> None:
    result = CliRunner().invoke(
        app, ["grade", "lab", "--analyte", "Hgb", "--value", "7.99", "--unit", "g/dL",
              "--lln", "11.5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "grade 3" in result.output
    assert "(-inf, 8) g/dL" in result.output


def test_glucose_says_hyperglycemia_is_not_lab_gradable(app: typer.Typer) -> None:
    data = run(app, "lab", "--analyte", "glucose", "--value", "15", "--unit", "mmol/L",
               "--lln", "3.5", "--uln", "6.1")  # fmt: skip
    terms = {t["term"]: t for t in data["terms"]}  # type: ignore[attr-defined]
    assert terms["Hyperglycemia"]["status"] == "not_gradable"
    assert "not lab-gradable" in terms["Hyperglycemia"]["reason"]


def test_phosphate_is_not_gradable(app: typer.Typer) -> None:
    data = run(app, "lab", "--analyte", "phosphate", "--value", "0.5", "--unit", "mmol/L",
               "--lln", "1.0")  # fmt: skip
    assert data["status"] == "not_gradable"
    assert data["grade"] is None


def test_febrile_neutropenia(app: typer.Typer) -> None:
    data = run(app, "febrile", "--anc", "800", "--anc-unit", "/uL", "--temperature", "38.4")
    assert data["grade"] == 3
    assert run(app, "febrile", "--anc", "1.0", "--temperature", "39")["grade"] == 0


def test_terms_search_is_a_pick_list(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["grade", "terms", "--search", "neutro", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found[0]["term"] == "Neutrophil count decreased"
    assert found[0]["allowed_grades"] == [1, 2, 3, 4]
    assert "Febrile neutropenia" in [t["term"] for t in found]


def test_term_shows_every_grade_and_marks_unavailable_ones(app: typer.Typer) -> None:
    data = run(app, "term", "Febrile neutropenia")
    assert data["allowed_grades"] == [3, 4, 5]
    assert data["grades"]["1"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--analyte", "XYZ", "--value", "1", "--unit", "U/L"], ReferenceDataError),
        (["--analyte", "LDH", "--value", "900", "--unit", "U/L", "--uln", "300"],
         ReferenceDataError),
        (["--analyte", "ALT", "--value", "130", "--unit", "U/L"], ReferenceDataError),
        (["--analyte", "ALT", "--value", "abc", "--unit", "U/L", "--uln", "40"], InputError),
        (["--analyte", "ALT", "--value", "130", "--unit", "g/L", "--uln", "40"], UnitError),
        (["--analyte", "Na", "--value", "130", "--unit", "mmol/L", "--lln", "145",
          "--uln", "135"], InputError),
        (["--analyte", "Na", "--value", "128", "--unit", "mmol/L", "--lln", "135",
          "--uln", "145", "--qualifier", "symptomatc=yes"], InputError),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error_never_grade_0(
    app: typer.Typer, args: list[str], error: type[Exception]
) -> None:
    result = CliRunner().invoke(app, ["grade", "lab", *args])
    assert isinstance(result.exception, error), result.output


@pytest.mark.slow
def test_the_trialdesk_command_prints_the_error_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from trialdesk.cli.app import main  # the real entry point: every command group registered

    with pytest.raises(SystemExit) as exit_info:
        main(["grade", "lab", "--analyte", "ALT", "--value", "130", "--unit", "U/L"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "cannot be graded without the ULN" in err
    assert "--uln" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", "lab", "--analyte", "ALT", "--value", "130", "--unit", "U/L", "--uln",
              "40", "--format", "json"])  # fmt: skip
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out)["grade"] == 2
