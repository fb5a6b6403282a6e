"""The application's shape: public facts, sign-in, structured errors, app.state for the web."""

from __future__ import annotations

from api_helpers import API, TestClient
from fastapi import FastAPI

from trialdesk.api.app import create_app
from trialdesk.core.protocol import Protocol
from trialdesk.settings import Settings


def test_public_trial_facts_and_counter_need_no_sign_in(client: TestClient) -> None:
    trial = client.get(f"{API}/trial")
    assert trial.status_code == 200
    assert trial.json()["nct_id"] == "NCT06948994"
    assert trial.json()["target"] == 15
    assert client.get(f"{API}/trial/counters").json() == {"applied": 0, "enrolled": 0, "target": 15}


def test_app_state_holds_what_the_web_layer_reads(app: FastAPI) -> None:
    for name in ("settings", "database", "protocol", "protocols", "study", "resolve_actor"):
        assert hasattr(app.state, name), name
    assert app.state.protocols["NCT06948994"] is app.state.protocol


def test_unknown_route_is_a_structured_404(client: TestClient) -> None:
    response = client.get(f"{API}/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "TrialDeskError"
    assert response.json()["message"] == "Not Found"


def test_create_app_mounts_the_web_pages_last(settings: Settings, protocol: Protocol) -> None:
    application = create_app(settings, protocol=protocol)
    try:
        with TestClient(application) as client:
            assert client.get(f"{API}/trial").status_code == 200
            assert client.get("/").status_code == 200  # the web's public trial page
        assert hasattr(application.state, "web")
    finally:
        application.state.database.dispose()
