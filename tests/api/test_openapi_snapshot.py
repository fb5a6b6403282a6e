"""The published OpenAPI document is a contract: any change to it shows up here.

After an intended API change, regenerate the snapshot and review the diff:

    TRIALDESK_UPDATE_SNAPSHOT=1 uv run pytest tests/api/test_openapi_snapshot.py -k sqlite
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from api_helpers import API, TestClient

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def _render(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_openapi_document_matches_the_snapshot(client: TestClient, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the document does not depend on the database; checked once")
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    current = _render(response.json())
    if os.environ.get("TRIALDESK_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with TRIALDESK_UPDATE_SNAPSHOT=1"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "the OpenAPI document changed; if intended, regenerate the snapshot (see module doc)"
    )


def test_docs_page_is_published(client: TestClient, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("checked once")
    assert client.get(f"{API}/docs").status_code == 200
