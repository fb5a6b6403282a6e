"""The database engine and transactions, the same way on SQLite and PostgreSQL.

Engines hide statement parameters from their error messages: a failed INSERT must not put a
child's name or birth date into a log or a traceback.

SQLite runs in WAL mode so readers never block the writer, and every transaction starts
with ``BEGIN IMMEDIATE``: writers queue up at the start instead of failing at commit, which
is what makes the enrollment counter safe there. PostgreSQL locks the counter row with
``SELECT … FOR UPDATE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from trialdesk.errors import ConfigurationError

__all__ = ["READ_ONLY", "Database", "make_engine"]

SQLITE_BUSY_TIMEOUT_MS = 60_000
# Execution option for a read-only transaction (backups): on SQLite a deferred BEGIN.
READ_ONLY = "trialdesk_read_only"


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so that BEGIN IMMEDIATE is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a reader: WAL gives it a stable snapshot
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str) -> Engine:
    try:
        backend = make_url(url).get_backend_name()
    except Exception as exc:  # SQLAlchemy raises several types for a malformed URL
        raise ConfigurationError(
            "the database URL cannot be read",
            where="TRIALDESK_DATABASE_URL",
            expected="sqlite:///path or postgresql+psycopg://user@host/db",
            hint=str(exc),
        ) from exc
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(
            url, pool_size=10, max_overflow=30, pool_pre_ping=True, hide_parameters=True
        )
    raise ConfigurationError(
        f"unsupported database '{backend}'",
        where="TRIALDESK_DATABASE_URL",
        expected="sqlite or postgresql",
        got=backend,
    )


class Database:
    """An engine and its sessions; ``transaction()`` commits on success, rolls back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        readers = self.engine.execution_options(**{READ_ONLY: True})
        self._readers = sessionmaker(readers, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite it does not queue behind the writers."""
        with self._readers() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
