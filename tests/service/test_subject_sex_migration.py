"""Migration 0004_subject_sex on SQLite and PostgreSQL: existing subjects keep their rows with
sex NULL (nothing says what it was), the database refuses a value outside FHIR administrative
gender, and the downgrade removes the column without losing the subject."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from trialdesk.service import migrate
from trialdesk.service.storage.database import Database


def _migrate(database: Database, how: str, revision: str) -> None:
    config = Config()  # as trialdesk.service.migrate builds it
    config.set_main_option("script_location", str(resources.files("trialdesk.service.migrations")))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, how)(config, revision)


def _columns(database: Database) -> set[str]:
    return {c["name"] for c in inspect(database.engine).get_columns("subjects")}


@pytest.fixture
def at_0003(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    migrate.upgrade(db, "0003_enrolled_on")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO trials (id, title, protocol_version, overall_status, target, "
                "assent_min_age_years, enrolled, paused, updated_at) VALUES ('NCT1', 't', '1', "
                "'RECRUITING', 15, 8, 0, false, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO subjects (id, trial_id, code, site, status, source, created_at, "
                "updated_at, version) VALUES ('s1', 'NCT1', 'S-OLD', 'gz', 'candidate', 'staff', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
    try:
        yield db
    finally:
        db.dispose()


def _sex_of(database: Database, subject_id: str) -> object:
    with database.engine.connect() as connection:
        return connection.execute(
            text("SELECT sex FROM subjects WHERE id = :id"), {"id": subject_id}
        ).scalar_one()


def test_upgrade_keeps_subjects_with_sex_not_recorded(at_0003: Database) -> None:
    assert "sex" not in _columns(at_0003)
    migrate.upgrade(at_0003)
    assert migrate.current_revision(at_0003) == "0004_subject_sex" == migrate.head_revision()
    assert "sex" in _columns(at_0003)
    assert _sex_of(at_0003, "s1") is None
    with at_0003.engine.begin() as connection:
        connection.execute(text("UPDATE subjects SET sex = 'female' WHERE id = 's1'"))
    assert _sex_of(at_0003, "s1") == "female"


def test_the_database_refuses_a_sex_outside_administrative_gender(at_0003: Database) -> None:
    migrate.upgrade(at_0003)
    with pytest.raises(IntegrityError), at_0003.engine.begin() as connection:
        connection.execute(text("UPDATE subjects SET sex = 'F' WHERE id = 's1'"))
    assert _sex_of(at_0003, "s1") is None


def test_downgrade_drops_the_column_and_keeps_the_subject(at_0003: Database) -> None:
    migrate.upgrade(at_0003)
    with at_0003.engine.begin() as connection:
        connection.execute(text("UPDATE subjects SET sex = 'male' WHERE id = 's1'"))
    _migrate(at_0003, "downgrade", "0003_enrolled_on")
    assert migrate.current_revision(at_0003) == "0003_enrolled_on"
    assert "sex" not in _columns(at_0003)
    with at_0003.engine.connect() as connection:
        codes = connection.execute(text("SELECT code FROM subjects")).scalars().all()
    assert codes == ["S-OLD"]
    # ... and up again: the value is gone (the downgrade said so by dropping it), the row is not.
    migrate.upgrade(at_0003)
    assert _sex_of(at_0003, "s1") is None
