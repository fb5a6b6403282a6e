"""``trialdesk ctgov import`` and ``trialdesk ctgov parse-criteria``, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.cli.app import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_import_one_study_writes_a_loadable_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["ctgov", "import", str(FIXTURES / "NCT06948994.json"), "--out", str(tmp_path)], capsys
    )
    assert code == 0, err
    assert "1 imported, 0 failed" in err
    protocol = load_protocol(tmp_path / "NCT06948994.yaml")
    assert protocol.nct_id == "NCT06948994"


def test_bulk_import_names_each_failed_study_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        ["ctgov", "import", str(FIXTURES), "--out", str(tmp_path), "--format", "json"], capsys
    )
    assert code == 1
    report = json.loads(out)
    failed = {
        Path(r["source"].split(" (")[-1].rstrip(")")).name: r["error"] for r in report if r["error"]
    }
    assert set(failed) == {"broken.json", "NCT99000003-withdrawn.json"}
    assert "enrollment" in failed["NCT99000003-withdrawn.json"]
    assert len(list(tmp_path.glob("*.yaml"))) == 3


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _run(
        [
            "ctgov",
            "import",
            str(FIXTURES / "NCT99000002.json"),
            "--out",
            str(tmp_path),
            "--dry-run",
        ],
        capsys,
    )
    assert code == 0
    assert list(tmp_path.iterdir()) == []


def test_parse_criteria_json_lists_items_constraints_and_spans(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = FIXTURES / "NCT06948994-criteria.md"
    code, out, _ = _run(["ctgov", "parse-criteria", "--text", str(source), "--rules"], capsys)
    assert code == 0
    data = json.loads(out)
    raw = source.read_text("utf-8")
    organ = next(i for i in data["items"] if i["number"] == "4.1")
    hemoglobin = organ["constraints"][0]
    assert hemoglobin["analyte"] == "hemoglobin"
    assert hemoglobin["loinc"] == "718-7"
    assert (hemoglobin["operator"], hemoglobin["value"], hemoglobin["unit"]) == (">=", "80", "g/L")
    start, end = hemoglobin["source_span"]
    assert raw[start:end] == r"hemoglobin \>= 80 g/L"
    assert "lab(hemoglobin) >= 80 g/L" in organ["rule"]
    assert all(i["text"] for i in data["items"])


def test_parse_criteria_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "c.txt"
    source.write_text("Exclusion Criteria:\n1. HIV infection\n2. Highly allergic constitution\n")
    code, out, _ = _run(
        ["ctgov", "parse-criteria", "--text", str(source), "--format", "table"], capsys
    )
    assert code == 0
    assert "condition" in out
    assert "review" in out


def test_parse_criteria_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["ctgov", "parse-criteria", "--text", "/nonexistent/x.txt"], capsys)
    assert code == 2
    assert "Error:" in err
    assert "file not found" in err


def test_a_hand_written_protocol_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hand = tmp_path / "NCT06948994.yaml"
    hand.write_text("# hand-written\nschema: trialdesk.protocol/1\n", "utf-8")
    study = str(FIXTURES / "NCT06948994.json")
    code, out, _ = _run(
        ["ctgov", "import", study, "--out", str(tmp_path), "--format", "json"], capsys
    )
    assert code == 1
    assert "--force" in json.loads(out)[0]["error"]
    assert hand.read_text("utf-8").startswith("# hand-written")
    code, _, _ = _run(["ctgov", "import", study, "--out", str(tmp_path)], capsys)
    assert code == 1
    code, _, _ = _run(["ctgov", "import", study, "--out", str(tmp_path), "--force"], capsys)
    assert code == 0
    # Once imported, the file is the importer's own and may be refreshed without --force.
    code, _, _ = _run(["ctgov", "import", study, "--out", str(tmp_path)], capsys)
    assert code == 0
