"""A running API over a fresh database (SQLite and PostgreSQL), one signed-in client per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from api_helpers import API, TestClient
from fastapi import FastAPI
from pydantic import SecretStr

from service.study_helpers import PASSWORD
from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.api.app import create_app
from trialdesk.core.protocol import Protocol
from trialdesk.service.access import SYSTEM_ACTOR, Role
from trialdesk.service.storage.database import Database
from trialdesk.service.users import create_user
from trialdesk.settings import Settings
from trialdesk.testing.patients import AS_OF

ROLES = [r.value for r in Role]


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol("NCT06948994")  # seconds to load: once per worker


@pytest.fixture
def settings(database: Database, tmp_path: object) -> Settings:
    return Settings(
        database_url=database.url,
        secret_key=SecretStr("test-secret-key-not-for-production"),
        max_upload_bytes=256 * 1024,
    )


@pytest.fixture
def app(settings: Settings, protocol: Protocol) -> Iterator[FastAPI]:
    application = create_app(settings, protocol=protocol, today=lambda: AS_OF, mount_web=False)
    yield application
    application.state.database.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Clients:
    """A bearer-token header per role, plus the anonymous client."""

    client: TestClient
    headers: dict[str, dict[str, str]]

    def as_(self, role: str) -> dict[str, str]:
        return self.headers[role]


def add_users(database: Database, roles: list[str], site: str | None = None) -> None:
    with database.transaction() as session:
        for role in roles:
            create_user(
                session,
                SYSTEM_ACTOR,
                username=role if site is None else f"{role}-{site}",
                full_name=f"Dr {role.title()}",
                role=role,
                password=PASSWORD,
                site=site,
            )


def token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(f"{API}/auth/tokens", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def team(client: TestClient, app: FastAPI) -> Clients:
    add_users(app.state.database, ROLES)
    return Clients(client, {role: token(client, role) for role in ROLES})


def screening_day() -> date:
    return AS_OF
