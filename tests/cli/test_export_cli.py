"""``trialdesk export sdtm|odm|fhir`` end to end on the synthetic fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialdesk.cli.app import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_export_each_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--cutoff", "2026-12-01", "--fixture", "--out"]
    assert run(["export", "sdtm", *base, str(tmp_path / "sdtm")], capsys)[0] == 0
    assert {p.name for p in (tmp_path / "sdtm").iterdir()} >= {
        "dm.xpt", "ae.xpt", "lb.xpt", "rs.xpt", "tr.xpt", "define.xml", "dm.csv",
    }  # fmt: skip
    assert run(["export", "odm", *base, str(tmp_path / "odm")], capsys)[0] == 0
    assert b'ODMVersion="1.3.2"' in (tmp_path / "odm" / "odm.xml").read_bytes()
    assert run(["export", "fhir", *base, str(tmp_path / "fhir")], capsys)[0] == 0
    assert b'"resourceType": "Bundle"' in (tmp_path / "fhir" / "bundle.json").read_bytes()
