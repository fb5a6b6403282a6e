"""The export endpoint: the data manager downloads SDTM, ODM and FHIR; other roles get 403.

The router is mounted on a real app here (the lead registers it in ROUTERS)."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.api import exports
from trialdesk.api.app import API_PREFIX, create_app
from trialdesk.service.access import SYSTEM_ACTOR
from trialdesk.service.storage.database import Database
from trialdesk.service.users import create_user
from trialdesk.settings import Settings
from trialdesk.testing.patients import AS_OF

with warnings.catch_warnings():
    # As in tests/api/api_helpers.py: Starlette 1.x deprecates its httpx-based TestClient.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PASSWORD = "a synthetic password for export tests"


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database.url, secret_key=SecretStr("test-secret-key-not-for-production")
    )
    app = create_app(
        settings, protocol=load_protocol("NCT06948994"), today=lambda: AS_OF, mount_web=False
    )
    if not any(getattr(r, "path", "").startswith(f"{API_PREFIX}/exports") for r in app.routes):
        app.include_router(exports.router, prefix=API_PREFIX)
    with database.transaction() as session:
        for role in ("data_manager", "monitor"):
            create_user(session, SYSTEM_ACTOR, username=role, full_name=f"Dr {role}",
                        role=role, password=PASSWORD)  # fmt: skip
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        app.state.database.dispose()


def _headers(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        f"{API_PREFIX}/auth/tokens", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.mark.slow
def test_data_manager_exports_and_monitor_is_refused(client: TestClient) -> None:
    manager = _headers(client, "data_manager")
    url = f"{API_PREFIX}/exports"
    sdtm = client.get(f"{url}/sdtm", params={"cutoff": "2026-12-01"}, headers=manager)
    assert sdtm.status_code == 200, sdtm.text
    names = set(zipfile.ZipFile(io.BytesIO(sdtm.content)).namelist())
    assert {"dm.xpt", "dm.csv", "define.xml"} <= names
    odm = client.get(f"{url}/odm", params={"cutoff": "2026-12-01"}, headers=manager)
    assert odm.status_code == 200
    assert b'ODMVersion="1.3.2"' in odm.content
    fhir = client.get(f"{url}/fhir", params={"cutoff": "2026-12-01"}, headers=manager)
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    refused = client.get(
        f"{url}/odm", params={"cutoff": "2026-12-01"}, headers=_headers(client, "monitor")
    )
    assert refused.status_code == 403
    assert client.get(f"{url}/odm", params={"cutoff": "2026-12-01"}).status_code == 401
