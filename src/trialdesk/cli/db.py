"""``trialdesk db upgrade``, ``trialdesk backup`` and ``trialdesk restore``.

    trialdesk db upgrade                       # bring the database to the newest schema
    trialdesk backup var/backup-2026-03-10.jsonl.gz    # consistent snapshot, service may run
    trialdesk restore var/backup-2026-03-10.jsonl.gz   # into an empty database only

The database is ``TRIALDESK_DATABASE_URL`` (default: the embedded SQLite file under var/),
or ``--database-url``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.settings import Settings

if TYPE_CHECKING:
    from trialdesk.service.storage.database import Database

# The service modules (SQLAlchemy, Alembic) are imported inside the commands: every
# `trialdesk` command loads this module, and most never touch the study database.

__all__ = ["DatabaseUrl", "open_database", "register"]

db_app = typer.Typer(name="db", help="The study database: schema upgrades.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Overrides TRIALDESK_DATABASE_URL.", show_default=False),
]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.command(name="backup")(backup_command)
    app.command(name="restore")(restore_command)


def open_database(database_url: str | None) -> Database:
    from trialdesk.service.storage.database import Database

    settings = Settings()
    return Database(database_url or settings.database_url)


@db_app.command("upgrade")
def upgrade(database_url: DatabaseUrl = None) -> None:
    """Bring the database to the newest schema (safe to run again)."""
    from trialdesk.service import migrate

    database = open_database(database_url)
    try:
        before = migrate.current_revision(database)
        migrate.upgrade(database)
        after = migrate.current_revision(database)
    finally:
        database.dispose()
    typer.echo(f"database schema: {before or 'empty'} → {after}")


def backup_command(
    path: Annotated[Path, typer.Argument(help="Where to write the snapshot (.jsonl.gz).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Write a consistent snapshot of the study database (the service may keep running)."""
    from trialdesk.service import backup as backups

    database = open_database(database_url)
    try:
        counts = backups.backup(database, path)
    finally:
        database.dispose()
    typer.echo(f"backup written to {path}: {sum(counts.values())} rows in {len(counts)} tables")


def restore_command(
    path: Annotated[Path, typer.Argument(help="A snapshot written by 'trialdesk backup'.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Restore a snapshot into an empty database (all or nothing)."""
    from trialdesk.service import backup as backups

    database = open_database(database_url)
    try:
        counts = backups.restore(database, path)
    finally:
        database.dispose()
    typer.echo(f"restored {sum(counts.values())} rows from {path}")
