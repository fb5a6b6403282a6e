"""A running API over a fresh database (SQLite and PostgreSQL), one signed-in client per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import Clients, TestClient, add_users, token
from fastapi import FastAPI
from pydantic import SecretStr

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.api.app import create_app
from trialdesk.core.protocol import Protocol
from trialdesk.service.access import Role
from trialdesk.service.storage.database import Database
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


@pytest.fixture
def team(client: TestClient, app: FastAPI) -> Clients:
    add_users(app.state.database, ROLES)
    return Clients(client, {role: token(client, role) for role in ROLES})
