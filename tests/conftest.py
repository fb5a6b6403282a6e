"""Shared fixtures: real databases. Each test gets its own fresh SQLite file or PostgreSQL
database, so tests run in parallel (``pytest -n 2``) without seeing each other's rows.

PostgreSQL comes from ``TRIALDESK_TEST_POSTGRES_URL`` (scripts/test.sh starts a server and
exports it). Without it the PostgreSQL cases are skipped locally, and fail on CI (CI=true).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trialdesk.service import migrate
from trialdesk.service.storage.database import Database
from trialdesk.service.users import set_password_hasher

# Property tests: no per-example deadline (a loaded 2-core CI machine is slow, not wrong), and
# on CI a fixed example sequence, so a submission's result does not depend on the draw.
# Locally the draw stays random, which is where new counterexamples are found.
settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """argon2 at production cost takes ~0.5 s per hash here; tests need the logic, not the cost."""
    set_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("TRIALDESK_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("TRIALDESK_TEST_POSTGRES_URL is not set on CI: start the server first")
    pytest.skip("no PostgreSQL server (set TRIALDESK_TEST_POSTGRES_URL)")


@pytest.fixture
def fresh_postgres_url(postgres_admin_url: str) -> Iterator[str]:
    name = f"td_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trialdesk.sqlite3'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
def second_database_url(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """Another empty database on the same engine as ``database_url`` (restore targets)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    name = f"td_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A database at the newest schema, migrated the way ``trialdesk db upgrade`` does."""
    db = Database(database_url)
    migrate.upgrade(db)
    try:
        yield db
    finally:
        db.dispose()
