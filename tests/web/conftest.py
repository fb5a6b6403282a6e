"""Fixtures for the web tests: a seeded database template, the application and a client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from web_helpers import TestClient, build_app, seed_database


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrating and hashing five passwords once per session keeps each test fast.
    path = tmp_path_factory.mktemp("web-seed") / "seed.sqlite3"
    seed_database(path)
    return path


@pytest.fixture
def app(tmp_path: Path, seeded: Path) -> Iterator[FastAPI]:
    application = build_app(tmp_path, seed=seeded)
    yield application
    application.state.database.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client
