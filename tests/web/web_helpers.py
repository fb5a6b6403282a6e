"""Helpers for the web tests: a real application (API + web pages) on a fresh SQLite file with
one user per role, and small form helpers. (Not in conftest.py: test modules import these, and
a module named ``conftest`` would clash with the other test folders' conftest files.)

The web pages are mounted by ``trialdesk.api.app.create_app`` exactly as ``trialdesk serve``
does; the clock is fixed so that dates in pages and screenings are stable.
"""

from __future__ import annotations

import re
import shutil
import warnings
from datetime import date
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.core.protocol import Protocol
from trialdesk.service import migrate
from trialdesk.service.access import SYSTEM_ACTOR, Role
from trialdesk.service.storage.database import Database
from trialdesk.service.users import create_user
from trialdesk.settings import Settings

__all__ = ["PASSWORD", "TODAY", "TestClient", "build_app", "csrf_of", "seed_database", "sign_in"]

with warnings.catch_warnings():
    # Starlette deprecates its httpx-based TestClient for httpx2, which is not a dependency.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

TODAY = date(2026, 3, 10)
PASSWORD = "correct horse battery"  # a synthetic test password


def seed_database(path: Path) -> None:
    """A migrated database with one user per role (username = role name)."""
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    with database.transaction() as session:
        for role in Role:
            create_user(
                session,
                SYSTEM_ACTOR,
                username=role.value,
                full_name=f"Dr {role.value.title()}",
                role=role.value,
                password=PASSWORD,
            )
    database.dispose()


@lru_cache(maxsize=1)
def seed_protocol() -> Protocol:
    return load_protocol("NCT06948994")


def build_app(
    tmp_path: Path, today: date = TODAY, seed: Path | None = None, *, cookie_secure: bool = False
) -> FastAPI:
    """The application on a fresh copy of ``seed`` (or a newly seeded database)."""
    from trialdesk.api.app import create_app

    path = tmp_path / "web.sqlite3"
    if seed is None:
        seed_database(path)
    else:
        shutil.copyfile(seed, path)
    url = f"sqlite:///{path}"
    settings = Settings(
        database_url=url,
        secret_key=SecretStr("test-secret-key-for-web-tests-only-0123456789"),
        secret_key_file=tmp_path / "secret_key",
        cookie_secure=cookie_secure,
    )
    return create_app(settings, protocol=seed_protocol(), today=lambda: today)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str) -> None:
    page = client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
