"""Migrations from 0002_treatment on go down to 0001 and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from trialdesk.service import migrate
from trialdesk.service.storage.database import Database

TABLES = {
    "adverse_events",
    "ae_suggestions",
    "data_queries",
    "notification_hooks",
    "safety_alerts",
    "treatment_cycle_starts",
    "treatment_exposures",
    "treatment_subjects",
    "treatment_visits",
    "tumour_assessments",
}


def _tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def test_downgrade_and_upgrade_again(database: Database) -> None:
    assert migrate.current_revision(database) == migrate.head_revision()
    assert _tables(database) >= TABLES
    config = Config()  # as trialdesk.service.migrate builds it
    config.set_main_option("script_location", str(resources.files("trialdesk.service.migrations")))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert migrate.current_revision(database) == "0001"
    assert not TABLES & _tables(database)
    migrate.upgrade(database)
    assert _tables(database) >= TABLES
