"""``trialdesk export``: CDISC SDTM, CDISC ODM 1.3.2 and a FHIR R4 Bundle of the study.

    trialdesk export sdtm --out var/sdtm          # dm.xpt … rs.xpt (SAS v5), CSVs, define.xml
    trialdesk export odm --out var/odm            # odm.xml: metadata, data, audit trail
    trialdesk export fhir --out var/fhir          # bundle.json, validated (FHIR R4B models)
    trialdesk export sdtm --out x --cutoff 2026-12-01 --fixture   # the synthetic study

The database is ``TRIALDESK_DATABASE_URL`` or ``--database-url``; ``--cutoff`` defaults to
today (UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from trialdesk.cli.db import DatabaseUrl
from trialdesk.cli.report import Fixture, load_snapshot, parse_cutoff
from trialdesk.core.reporting.snapshot import StudySnapshot

__all__ = ["register"]

export_app = typer.Typer(
    name="export", help="Exports: CDISC SDTM and ODM, FHIR R4.", no_args_is_help=True
)
Out = Annotated[Path, typer.Option("--out", help="Directory to write into (created).")]
CutoffOption = Annotated[
    str | None, typer.Option("--cutoff", help="Data cut-off (YYYY-MM-DD); default today (UTC).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


def _snapshot(cutoff: str | None, database_url: str | None, fixture: bool) -> StudySnapshot:
    day = parse_cutoff(cutoff) if cutoff else datetime.now(UTC).date()
    return load_snapshot(day, database_url, fixture)


@export_app.command("sdtm")
def sdtm(
    out: Out,
    cutoff: CutoffOption = None,
    database_url: DatabaseUrl = None,
    fixture: Fixture = False,
) -> None:
    """SDTM DM, IE, DS, EX, AE, LB, VS, TU, TR, RS as SAS transport v5 and CSV, with define.xml."""
    from trialdesk.exports.sdtm import write_sdtm

    written = write_sdtm(_snapshot(cutoff, database_url, fixture), out)
    typer.echo(f"SDTM: {len(written)} files → {out}")


@export_app.command("odm")
def odm(
    out: Out,
    cutoff: CutoffOption = None,
    database_url: DatabaseUrl = None,
    fixture: Fixture = False,
) -> None:
    """CDISC ODM 1.3.2: study metadata, clinical data and the audit trail."""
    from trialdesk.exports.odm import write_odm

    path = write_odm(_snapshot(cutoff, database_url, fixture), out / "odm.xml")
    typer.echo(f"ODM 1.3.2 → {path}")


@export_app.command("fhir")
def fhir(
    out: Out,
    cutoff: CutoffOption = None,
    database_url: DatabaseUrl = None,
    fixture: Fixture = False,
) -> None:
    """A FHIR R4 Bundle (validated with the R4B models of fhir.resources)."""
    from trialdesk.exports.fhir_bundle import write_bundle

    path = write_bundle(_snapshot(cutoff, database_url, fixture), out / "bundle.json")
    typer.echo(f"FHIR Bundle → {path}")
