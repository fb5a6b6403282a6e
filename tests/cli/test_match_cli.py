"""``trialdesk match`` end to end, and the round trip from a registry record to a verdict:
import the NCT06948994 ClinicalTrials.gov record, load it as a protocol, screen patients."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trialdesk.adapters.ctgov import import_paths
from trialdesk.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "ctgov"
PATIENTS = ROOT / "examples" / "patients"
AS_OF = "2026-06-01"  # the date the example patients' verdicts hold on


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trials")
    outcomes = list(import_paths([FIXTURES / "NCT06948994.json", FIXTURES / "NCT99000001.json",
                                  FIXTURES / "NCT99000002.json"], folder))  # fmt: skip
    assert all(o.error is None for o in outcomes)
    shutil.copy(ROOT / "protocols" / "NCT06948994.yaml", folder / "NCT06948994-hand.yaml")
    return folder


def _match(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["match", *argv])
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def _json(trials: Path, patient: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = _match(
        [str(PATIENTS / patient), "--trials", str(trials), "--as-of", AS_OF, "--format", "json"],
        capsys,
    )
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_round_trip_eligible_child_needs_review_only_where_the_text_was_not_read(
    trials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _json(trials, "eligible-maintenance.json", capsys)
    matches = {(m["nct_id"], m["score"]): m for m in report["matches"]}  # type: ignore[attr-defined]
    verdicts = sorted(m["verdict"] for m in matches.values())
    # The hand-written protocol is eligible; the imported one passes every translated rule and
    # leaves the untranslated text (diagnosis, "severe" disease, allergy…) to a clinician.
    assert verdicts == ["eligible", "needs_review"]
    imported = next(m for m in matches.values() if m["verdict"] == "needs_review")
    assert {c["status"] for c in imported["criteria"]} == {"review"}
    # The adult colorectal and breast cancer trials are not about neuroblastoma: left out.
    assert report["left_out"] == {"other_conditions": 2}


def test_round_trip_low_platelets_make_the_imported_protocol_ineligible(
    trials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _json(trials, "ineligible-low-platelets.json", capsys)
    for match in report["matches"]:  # type: ignore[attr-defined]
        assert match["verdict"] == "ineligible"
    imported = next(
        m for m in report["matches"] if any(c["id"] == "inc-4-1" for c in m["criteria"])
    )  # type: ignore[attr-defined]
    failed = [c for c in imported["criteria"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["inc-4-1"]
    assert "platelet" in json.dumps(failed[0]["evidence"]).lower()


def test_table_output_and_timing_on_stderr(
    trials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _match(
        [str(PATIENTS / "eligible-maintenance.json"), "--trials", str(trials), "--as-of", AS_OF,
         "--any-condition", "--top", "3"],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "NCT06948994" in out
    assert "4 trials" in out
    assert "matched in" in err


def test_a_protocol_that_does_not_load_is_named_and_skipped(
    trials: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(trials, folder)
    (folder / "bad.yaml").write_text("schema: trialdesk.protocol/1\ncriteria: []\n")
    code, _, err = _match(
        [str(PATIENTS / "eligible-maintenance.json"), "--trials", str(folder), "--as-of", AS_OF],
        capsys,
    )
    assert code == 0
    assert "skipped" in err
    assert "bad.yaml" in err


def test_bad_options_are_usage_errors(trials: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = str(PATIENTS / "eligible-maintenance.json")
    code, _, err = _match([patient, "--trials", str(trials), "--format", "xml"], capsys)
    assert code == 2
    assert "--format" in err
    code, _, err = _match([patient, "--trials", str(trials / "nope")], capsys)
    assert code == 2
    assert "not a folder" in err
