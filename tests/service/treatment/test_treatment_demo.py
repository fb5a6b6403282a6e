"""The demo study is in treatment: its database yields exposures, AEs, labs and responses,
and the DSMB report from it has data (``trialdesk serve --demo`` shows the same)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.cli.app import app
from trialdesk.reports.snapshot_from_db import snapshot_from_database
from trialdesk.service import migrate
from trialdesk.service.demo import DEMO_EXTENSIONS, seed_demo
from trialdesk.service.storage.database import Database
from trialdesk.service.treatment.demo import DEMO_TODAY, treatment_extension


def test_the_demo_seed_records_treatment_and_responses(database: Database) -> None:
    seed_demo(database, load_protocol("NCT06948994"))
    assert DEMO_EXTENSIONS.count(treatment_extension) == 1
    snapshot = snapshot_from_database(database, DEMO_TODAY)

    assert [(e.product, e.dose) for e in snapshot.exposures] == [
        ("anti_gd2", Decimal("17.5")),
        ("anti_gd2", Decimal("17.5")),
    ]
    assert {"Capillary leak syndrome", "Pain", "Neutrophil count decreased"} <= {
        a.term for a in snapshot.adverse_events
    }
    assert [a.serious for a in snapshot.adverse_events if a.term == "Capillary leak syndrome"] == [
        True
    ]
    assert {(lab.test_code, lab.ctcae_grade) for lab in snapshot.labs} == {
        ("NEUTROPH", 4),  # ANC 0.3 x10^9/L: CTCAE v5.0 grade 4 (< 0.5)
        ("PLATELET", 3),  # 40 x10^9/L: grade 3 (25 to < 50)
    }
    # INRC 2017 (Park 2017): primary 50 -> 20 mm (-60 %), MIBG Curie 10 -> 2, marrow 20 -> 0 %
    # is a PR (the service test's example); primary -4 %, Curie 10 -> 9, marrow 20 -> 15 % is SD.
    assert sorted(r.response for r in snapshot.responses) == ["PR", "SD"]
    assert sorted(s.best_response for s in snapshot.survival) == ["PR", "SD"]
    assert sorted((lesion.visit, lesion.diameter_mm) for lesion in snapshot.lesions) == [
        ("ASSESSMENT 1", Decimal("20")),
        ("ASSESSMENT 1", Decimal("48")),
        ("BASELINE", Decimal("50")),
        ("BASELINE", Decimal("50")),
    ]
    assert all(lesion.on <= DEMO_TODAY for lesion in snapshot.lesions)


@pytest.mark.slow
def test_dsmb_html_from_the_demo_database_has_treatment_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    database = Database(url)
    try:
        migrate.upgrade(database)
        seed_demo(database, load_protocol("NCT06948994"))
    finally:
        database.dispose()
    out = tmp_path / "dsmb.html"
    result = CliRunner().invoke(
        app,
        ["report", "dsmb", "--cutoff", date(2026, 12, 31).isoformat(), "--out", str(out),
         "--database-url", url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = out.read_text()
    for expected in ("enrolled 4; treated 2", "Capillary leak syndrome", "(NEUTROPH)"):
        assert expected in html
