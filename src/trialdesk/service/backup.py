"""Backup and restore as a portable, consistent snapshot (JSON lines, gzip).

The snapshot is read in one transaction, so it is consistent while the service keeps
writing: PostgreSQL reads at REPEATABLE READ, SQLite in WAL mode gives the reader a stable
view. Restore goes into an empty database at the same schema revision, in one transaction,
so the result is all-or-nothing; the audit chain comes back intact and still verifies.
"""

from __future__ import annotations

import gzip
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Date, DateTime, func, insert, select, text

from trialdesk.errors import ConfigurationError, InputError
from trialdesk.service import migrate
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import Base
from trialdesk.service.storage.types import UTCDateTime

__all__ = ["FORMAT", "backup", "restore"]

FORMAT = "trialdesk.backup/1"


def _tables() -> list[Any]:
    return list(Base.metadata.sorted_tables)  # parents before children


def _encode(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, option=orjson.OPT_PASSTHROUGH_DATETIME, default=_iso)


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _dump(connection: Connection, out: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in _tables():
        rows = connection.execute(select(table)).mappings()
        counts[table.name] = 0
        for row in rows:
            out.write(_encode({"table": table.name, "row": dict(row)}) + b"\n")
            counts[table.name] += 1
    return counts


def backup(database: Database, path: Path) -> dict[str, int]:
    """Write a snapshot of every table; returns the row count per table."""
    revision = migrate.current_revision(database)
    tmp = path.with_suffix(path.suffix + ".partial")
    options = {"isolation_level": "REPEATABLE READ"} if database.dialect == "postgresql" else {}
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
        if isinstance(column.type, UTCDateTime | DateTime):
            row[column.name] = datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            row[column.name] = date.fromisoformat(value)
    return row


def _ensure_empty(connection: Connection) -> None:
    for table in _tables():
        if table.name == "audit_head":
            continue
        if connection.execute(select(func.count()).select_from(table)).scalar_one():
            raise ConfigurationError(
                f"the target database is not empty (table {table.name})",
                hint="restore into a new, freshly upgraded database",
            )


def _reset_sequences(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in ("status_events",):
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (fixed names)
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )
        )


def restore(database: Database, path: Path) -> dict[str, int]:
    """Load a snapshot into an empty database (brought to the backup's revision first)."""
    tables = {t.name: t for t in _tables()}
    with gzip.open(path, "rb") as source:
        lines = iter(source)
        revision = _read_header(lines, path)
        migrate.upgrade(database, revision)
        counts: dict[str, int] = dict.fromkeys(tables, 0)
        with database.engine.begin() as connection:
            _ensure_empty(connection)
            connection.execute(tables["audit_head"].delete())
            for line in lines:
                item = orjson.loads(line)
                table = tables[item["table"]]
                connection.execute(insert(table), [_coerce(table, item["row"])])
                counts[table.name] += 1
            _reset_sequences(connection)
    return counts
