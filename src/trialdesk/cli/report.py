"""``trialdesk report``: the DSMB report and its figures, from the study database.

    trialdesk report dsmb --cutoff 2026-12-01 --out var/dsmb.pdf      # PDF (WeasyPrint)
    trialdesk report dsmb --cutoff 2026-12-01 --out var/dsmb.html     # HTML
    trialdesk report dsmb --cutoff 2026-12-01 --out r.pdf --fixture   # the synthetic study

The database is ``TRIALDESK_DATABASE_URL`` or ``--database-url``; the snapshot is read in one
read-only transaction, so the same database (or a restored backup) gives the same report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from trialdesk.cli.db import DatabaseUrl, open_database
from trialdesk.core.reporting.snapshot import StudySnapshot
from trialdesk.errors import InputError

__all__ = ["load_snapshot", "register"]

report_app = typer.Typer(name="report", help="Reports: the DSMB report.", no_args_is_help=True)

Cutoff = Annotated[
    str, typer.Option("--cutoff", help="Data cut-off date (YYYY-MM-DD); later data is left out.")
]
Fixture = Annotated[
    bool, typer.Option("--fixture", help="Use the fixed synthetic study instead of a database.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def parse_cutoff(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "the cut-off date cannot be read",
            where="--cutoff",
            expected="a date as YYYY-MM-DD",
            got=text,
        ) from None


def load_snapshot(cutoff: date, database_url: str | None, fixture: bool) -> StudySnapshot:
    if fixture:
        from trialdesk.reports.fixture_study import fixture_snapshot

        return fixture_snapshot(cutoff)
    from trialdesk.reports.snapshot_from_db import snapshot_from_database

    database = open_database(database_url)
    try:
        return snapshot_from_database(database, cutoff)
    finally:
        database.dispose()


@report_app.command("dsmb")
def dsmb(
    cutoff: Cutoff,
    out: Annotated[Path, typer.Option("--out", help="Where to write: .pdf or .html.")],
    database_url: DatabaseUrl = None,
    fixture: Fixture = False,
) -> None:
    """The data-safety-monitoring report (enrollment, safety, efficacy, stopping rules)."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise InputError(
            "unknown report format",
            where="--out",
            expected="a file name ending in .pdf or .html",
            got=out.name,
        )
    from trialdesk.reports.dsmb import render_html, write_pdf

    snapshot = load_snapshot(parse_cutoff(cutoff), database_url, fixture)
    html = render_html(snapshot)
    if suffix == ".html":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    else:
        write_pdf(html, out)
    typer.echo(
        f"DSMB report for {snapshot.trial.trial_id}, cut-off {snapshot.cutoff}, "
        f"{len(snapshot.subjects)} subjects → {out}"
    )
