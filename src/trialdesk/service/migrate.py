"""Bring a database to the newest schema with the packaged Alembic migrations."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from trialdesk.service.storage.database import Database

__all__ = ["current_revision", "head_revision", "upgrade"]


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("trialdesk.service.migrations")))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> None:
    config = _config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
