"""Time of migration 0004_subject_sex (adds subjects.sex with a CHECK) on a database that
already holds N subjects: SQLite's batch mode copies the table, PostgreSQL alters it in place.

Usage (from the repository root):

    .venv/bin/python bench/bench_subject_sex_migration.py sqlite:////tmp/bench-sex.sqlite3
    .venv/bin/python bench/bench_subject_sex_migration.py postgresql+psycopg://u@host/emptydb

The database must be empty (it is migrated to 0003 first). Synthetic rows only.
"""

from __future__ import annotations

import argparse
import time
import uuid
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from trialdesk.service import migrate
from trialdesk.service.storage.database import Database

_TRIAL = (
    "INSERT INTO trials (id, title, protocol_version, overall_status, target, "
    "assent_min_age_years, enrolled, paused, updated_at) VALUES ('NCT1', 'synthetic', '1', "
    "'RECRUITING', 15, 8, 0, false, CURRENT_TIMESTAMP)"
)
_SUBJECT = (
    "INSERT INTO subjects (id, trial_id, code, site, status, source, created_at, updated_at, "
    "version) VALUES (:id, 'NCT1', :code, 'main', 'candidate', 'staff', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, 1)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    database = Database(args.url)
    migrate.upgrade(database, "0003_enrolled_on")
    with database.engine.begin() as connection:
        connection.execute(text(_TRIAL))
        rows = [{"id": str(uuid.uuid4()), "code": f"S-{i:07d}"} for i in range(args.n)]
        connection.execute(text(_SUBJECT), rows)
    started = time.perf_counter()
    migrate.upgrade(database)
    up = time.perf_counter() - started
    config = Config()
    config.set_main_option("script_location", str(resources.files("trialdesk.service.migrations")))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        started = time.perf_counter()
        command.downgrade(config, "0003_enrolled_on")
        down = time.perf_counter() - started
    print(f"{database.dialect}, {args.n} subjects: upgrade {up:.2f} s, downgrade {down:.2f} s")
    database.dispose()


if __name__ == "__main__":
    main()
