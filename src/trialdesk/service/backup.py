"""Backup and restore as a portable, consistent snapshot (JSON lines, gzip).

The snapshot is read in one transaction, so it is consistent while the service keeps
writing: PostgreSQL reads at REPEATABLE READ, SQLite in WAL mode gives the reader a stable
view. Restore goes into an empty database at the same schema revision, in one transaction,
so the result is all-or-nothing; the audit chain comes back intact and still verifies.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Date, DateTime, MetaData, Table, func, insert, select, text

from trialdesk.errors import ConfigurationError, InputError
from trialdesk.service import migrate
from trialdesk.service.storage.database import READ_ONLY, Database

__all__ = ["FORMAT", "backup", "restore"]

FORMAT = "trialdesk.backup/1"


_SKIP = frozenset({"alembic_version"})  # restore recreates the schema at the same revision


def _tables(connection: Connection) -> list[Table]:
    """Every table in the database, parents before children.

    Reflected from the database rather than taken from the ORM's metadata, so that tables
    added by other areas' migrations are backed up even when their models are not imported.
    """
    metadata = MetaData()
    metadata.reflect(connection)
    return [t for t in metadata.sorted_tables if t.name not in _SKIP]


def _encode(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, option=orjson.OPT_PASSTHROUGH_DATETIME, default=_iso)


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _dump(connection: Connection, out: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in _tables(connection):
        rows = connection.execute(select(table)).mappings()
        counts[table.name] = 0
        for row in rows:
            # Reflected names are quoted_name (a str subclass); orjson wants plain str keys.
            plain = {str(key): value for key, value in row.items()}
            out.write(_encode({"table": str(table.name), "row": plain}) + b"\n")
            counts[table.name] += 1
    return counts


def backup(database: Database, path: Path) -> dict[str, int]:
    """Write a snapshot of every table; returns the row count per table."""
    revision = migrate.current_revision(database)
    tmp = path.with_suffix(path.suffix + ".partial")
    # PostgreSQL: one REPEATABLE READ snapshot. SQLite: a deferred read transaction, which WAL
    # keeps on one snapshot while writers go on (not BEGIN IMMEDIATE, which would stop them).
    options: dict[str, Any] = (
        {"isolation_level": "REPEATABLE READ"}
        if database.dialect == "postgresql"
        else {READ_ONLY: True}
    )
    with gzip.open(tmp, "wb") as out, database.engine.connect().execution_options(**options) as c:
        out.write(_encode({"format": FORMAT, "revision": revision}) + b"\n")
        with c.begin():
            counts = _dump(c, out)
    tmp.replace(path)  # a half-written backup never carries the final name
    return counts


def _read_header(lines: Any, path: Path) -> str:
    header = orjson.loads(next(lines, b"{}"))
    if header.get("format") != FORMAT:
        raise InputError(
            "not a TrialDesk backup", file=str(path), expected=FORMAT, got=str(header.get("format"))
        )
    return str(header["revision"])


def _coerce(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    """JSON lines carry dates and datetimes as ISO text; give the columns their types back."""
    for column in table.columns:
        value = row.get(column.name)
        if not isinstance(value, str):
            continue
        if isinstance(column.type, DateTime):
            moment = datetime.fromisoformat(value)
            # Every TrialDesk timestamp is UTC; SQLite hands them out without a zone.
            row[column.name] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        elif isinstance(column.type, Date):
            row[column.name] = date.fromisoformat(value)
    return row


def _ensure_empty(connection: Connection, tables: list[Table]) -> None:
    for table in tables:
        if table.name == "audit_head":
            continue
        if connection.execute(select(func.count()).select_from(table)).scalar_one():
            raise ConfigurationError(
                f"the target database is not empty (table {table.name})",
                hint="restore into a new, freshly upgraded database",
            )


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL serial columns continue after the restored rows, not at 1."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if sequence is None:
                continue
            highest = connection.execute(select(func.max(column))).scalar() or 0
            connection.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": sequence, "v": max(highest, 1), "called": highest > 0},
            )


def restore(database: Database, path: Path) -> dict[str, int]:
    """Load a snapshot into an empty database (brought to the backup's revision first)."""
    with gzip.open(path, "rb") as source:
        lines = iter(source)
        revision = _read_header(lines, path)
        migrate.upgrade(database, revision)
        with database.engine.begin() as connection:
            reflected = _tables(connection)
            tables = {t.name: t for t in reflected}
            counts: dict[str, int] = dict.fromkeys(tables, 0)
            _ensure_empty(connection, reflected)
            connection.execute(tables["audit_head"].delete())
            for number, line in enumerate(lines, start=2):
                item = orjson.loads(line)
                table = tables.get(item.get("table"))
                if table is None:
                    raise InputError(
                        f"the backup holds a table this schema does not have: {item.get('table')}",
                        file=str(path),
                        where=f"line {number}",
                        hint="restore with the TrialDesk version that wrote the backup",
                    )
                connection.execute(insert(table), [_coerce(table, item["row"])])
                counts[table.name] += 1
            _reset_sequences(connection, reflected)
    return counts
