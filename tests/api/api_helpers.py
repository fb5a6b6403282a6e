"""The test client and small helpers shared by the API tests."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from starlette.exceptions import StarletteDeprecationWarning

from service.study_helpers import PASSWORD
from trialdesk.service.access import SYSTEM_ACTOR
from trialdesk.service.storage.database import Database
from trialdesk.service.users import create_user

with warnings.catch_warnings():
    # Starlette 1.x deprecates its httpx-based TestClient in favour of httpx2, which is not a
    # dependency here; the client itself works unchanged. Only this import is silenced.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

__all__ = ["API", "Clients", "TestClient", "add_users", "token"]

API = "/api/v1"


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
