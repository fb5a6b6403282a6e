"""``trialdesk audit verify``: recompute the audit trail's hash chain.

Exits 0 when the chain is intact, 1 with every break listed when an entry was altered,
removed or inserted.
"""

from __future__ import annotations

import typer

from trialdesk.cli.db import DatabaseUrl, open_database
from trialdesk.service import audit as trail

__all__ = ["register"]

audit_app = typer.Typer(name="audit", help="The audit trail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(database_url: DatabaseUrl = None) -> None:
    """Check that no audit entry was altered, removed or inserted."""
    database = open_database(database_url)
    try:
        with database.transaction() as session:
            report = trail.verify(session)
    finally:
        database.dispose()
    if report.intact:
        typer.echo(f"audit trail intact: {report.entries} entries")
        return
    typer.echo(f"audit trail BROKEN: {len(report.problems)} problem(s)", err=True)
    for problem in report.problems:
        typer.echo(f"  - {problem.render()}", err=True)
    raise typer.Exit(1)
