"""``trialdesk protocol validate|lint|show|analytes`` end to end, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialdesk.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "protocols" / "NCT06948994.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["protocol", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.mark.parametrize("name", ["NCT06948994", str(BUNDLED)])
def test_validate_ok(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = run(capsys, "validate", name)
    assert code == 0
    assert "OK NCT06948994 v1.0: 24 criteria checked" in out


def test_validate_reports_every_problem_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = BUNDLED.read_text("utf-8")
    text = text.replace("rule: lab(albumin) >= 28 g/L", "rule: lab(albumen) >= 28 g/L")
    text = text.replace("rule: lab(platelets) >= 75 10*9/L", "rule: lab(platelets) >= 75")
    text = text.replace(
        "schema: trialdesk.protocol/1", "schema: trialdesk.protocol/1\nsponsor_notes: x"
    )
    path = tmp_path / "broken.yaml"
    path.write_text(text, "utf-8")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert out == ""
    assert f"{path}: the protocol has" in err
    assert "sponsor_notes (line 8): Extra inputs are not permitted" in err
    lines = text.splitlines()
    for fragment in ("unknown analyte 'albumen'", "the threshold 75 has no unit"):
        problem = next(line for line in err.splitlines() if fragment in line)
        number = int(problem.split("(line ")[1].split(")")[0])
        assert "rule:" in lines[number - 1] or "id:" in lines[number - 1]


def test_lint_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", "NCT06948994", "--format", "json")
    assert code == 0
    findings = json.loads(out)
    assert {f["severity"] for f in findings} <= {"info", "warning"}
    assert any(
        f["where"] == "inc-coagulation-inr-pt" and "UNCONFIRMED" in f["message"] for f in findings
    )


def test_show_json_round_trips_the_registry_facts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "NCT06948994", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["registry"]["nct_id"] == "NCT06948994"
    assert data["registry"]["enrollment"]["target"] == 15
    assert [c["id"] for c in data["criteria"]][-1] == "exc-investigator-judgement"


def test_show_table_and_analytes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "NCT06948994")
    assert code == 0
    assert "inc-age" in out
    code, out, _ = run(capsys, "analytes")
    assert code == 0
    assert "718-7" in out


def test_missing_protocol_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "none.yaml"))
    assert code == 2
    assert "protocol file not found" in err
