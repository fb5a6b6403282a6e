"""``trialdesk report dsmb`` end to end: from the synthetic fixture, and from a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialdesk.cli.app import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_dsmb_html_from_the_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dsmb.html"
    code, stdout, _ = run(
        ["report", "dsmb", "--cutoff", "2026-12-01", "--out", str(out), "--fixture"], capsys
    )
    assert code == 0
    assert "cut-off 2026-12-01" in stdout
    assert "Stopping-rule status" in out.read_text()


def test_bad_cutoff_and_format_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["report", "dsmb", "--cutoff", "1 Dec", "--out", str(tmp_path / "r.pdf"), "--fixture"],
        capsys,
    )
    assert code == 2
    assert "--cutoff" in err
    assert "YYYY-MM-DD" in err
    code, _, err = run(
        [
            "report",
            "dsmb",
            "--cutoff",
            "2026-12-01",
            "--out",
            str(tmp_path / "r.docx"),
            "--fixture",
        ],
        capsys,
    )
    assert code == 2
    assert ".pdf or .html" in err


@pytest.mark.slow
def test_dsmb_pdf_from_the_demo_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialdesk.adapters.protocol_files import load_protocol
    from trialdesk.service import migrate
    from trialdesk.service.demo import seed_demo
    from trialdesk.service.storage.database import Database

    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    database = Database(url)
    try:
        migrate.upgrade(database)
        seed_demo(database, load_protocol("NCT06948994"))
    finally:
        database.dispose()
    out = tmp_path / "dsmb.pdf"
    code, stdout, _ = run(
        ["report", "dsmb", "--cutoff", "2026-12-31", "--out", str(out), "--database-url", url],
        capsys,
    )
    assert code == 0, stdout
    assert out.read_bytes()[:5] == b"%PDF-"
    html_out = tmp_path / "dsmb.html"
    run(["report", "dsmb", "--cutoff", "2026-12-31", "--out", str(html_out),
         "--database-url", url], capsys)  # fmt: skip
    html = html_out.read_text()
    # The demo enrolls 4 of 16 candidates (tests/service/test_demo.py); two are treated.
    assert "enrolled 4" in html
    assert "lesion measurements stay in the criteria documents" in html  # data-available note
