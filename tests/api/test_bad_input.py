"""Bad input gets a clear 4xx with a structured body, and nothing is half-written."""

from __future__ import annotations

from api_helpers import API, Clients, TestClient

from trialdesk.service import audit
from trialdesk.service.storage.database import Database


def _audit_size(database: Database) -> int:
    with database.transaction() as session:
        return audit.verify(session).entries


def test_malformed_json_is_a_422_naming_the_place(client: TestClient) -> None:
    response = client.post(
        f"{API}/applications",
        content=b'{"child_birth_date": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "InputError"
    assert body["problems"][0]["expected"] == "json_invalid"


def test_every_validation_problem_is_reported_at_once(client: TestClient) -> None:
    response = client.post(
        f"{API}/applications",
        json={
            "child_birth_date": "not a date",
            "contact_name": "",
            "contact_email": "no-at-sign",
            "consent_to_contact": "maybe",
            "language": "fr",
            "surprise": 1,
        },
    )
    assert response.status_code == 422
    places = {p["where"] for p in response.json()["problems"]}
    assert places == {
        "body.child_birth_date",
        "body.contact_name",
        "body.contact_email",
        "body.consent_to_contact",
        "body.language",
        "body.surprise",
    }
    assert "no-at-sign" not in response.text  # submitted values are not echoed back


def test_refused_application_writes_nothing(client: TestClient, app: object) -> None:
    database = app.state.database  # type: ignore[attr-defined]
    before = _audit_size(database)
    response = client.post(
        f"{API}/applications",
        json={
            "child_birth_date": "2017-01-01",
            "contact_name": "P",
            "consent_to_contact": False,
            "contact_email": "p@example.org",
        },
    )
    assert response.status_code == 422
    assert response.json()["where"] == "consent_to_contact"
    assert client.get(f"{API}/trial/counters").json()["applied"] == 0
    assert _audit_size(database) == before


def test_oversized_upload_is_a_413(team: Clients) -> None:
    sid = team.client.post(f"{API}/subjects", json={}, headers=team.as_("coordinator")).json()["id"]
    too_big = b"{" + b" " * (300 * 1024) + b"}"
    response = team.client.post(
        f"{API}/subjects/{sid}/screenings",
        content=too_big,
        headers={**team.as_("coordinator"), "content-type": "application/fhir+json"},
    )
    assert response.status_code == 413
    assert response.json()["where"] == "body"
    history = team.client.get(f"{API}/subjects/{sid}/screenings", headers=team.as_("coordinator"))
    assert history.json() == []


def test_chunked_oversized_upload_is_a_413_too(team: Clients) -> None:
    sid = team.client.post(f"{API}/subjects", json={}, headers=team.as_("coordinator")).json()["id"]

    def chunks():  # no Content-Length: the limit counts bytes as they arrive
        for _ in range(40):
            yield b" " * 8192

    response = team.client.post(
        f"{API}/subjects/{sid}/screenings",
        content=chunks(),
        headers={**team.as_("coordinator"), "content-type": "application/fhir+json"},
    )
    assert response.status_code == 413


def test_upload_that_is_not_fhir_is_a_422_and_stores_nothing(team: Clients) -> None:
    C = team.as_("coordinator")
    sid = team.client.post(f"{API}/subjects", json={}, headers=C).json()["id"]
    for payload in (b"not json at all", b"[1, 2]", b'{"resourceType": "Patient"}'):
        response = team.client.post(
            f"{API}/subjects/{sid}/screenings",
            content=payload,
            headers={**C, "content-type": "application/fhir+json"},
        )
        assert response.status_code == 422, (payload, response.text)
        assert response.json()["error"] == "RecordError"
    assert team.client.get(f"{API}/subjects/{sid}/screenings", headers=C).json() == []
    assert team.client.get(f"{API}/subjects/{sid}", headers=C).json()["status"] == "candidate"


def test_unknown_codes_are_refused(team: Clients) -> None:
    A, C = team.as_("administrator"), team.as_("coordinator")
    role = team.client.post(
        f"{API}/users",
        json={
            "username": "x1",
            "full_name": "X",
            "role": "chief",
            "password": "long enough password",
        },
        headers=A,
    )
    assert role.status_code == 422
    assert role.json()["where"] == "role"
    assert "coordinator" in role.json()["expected"]
    status = team.client.get(f"{API}/subjects?status=dancing", headers=C)
    assert status.status_code == 422
    assert status.json()["problems"][0]["where"] == "query.status"
    sid = team.client.post(f"{API}/subjects", json={}, headers=C).json()["id"]
    document = team.client.post(
        f"{API}/subjects/{sid}/consents",
        json={"document_id": "no-such-document", "consent_date": "2026-05-01"},
        headers=C,
    )
    assert document.status_code == 409  # a candidate cannot consent yet: the state comes first
    missing = team.client.get(f"{API}/subjects/no-such-subject", headers=C)
    assert missing.status_code == 404


def test_wrong_types_in_a_staff_edit(team: Clients) -> None:
    C = team.as_("coordinator")
    sid = team.client.post(f"{API}/subjects", json={}, headers=C).json()["id"]
    response = team.client.patch(
        f"{API}/subjects/{sid}",
        json={"version": "one", "birth_date": 2016, "reason": ["a"]},
        headers=C,
    )
    assert response.status_code == 422
    assert {p["where"] for p in response.json()["problems"]} == {
        "body.version",
        "body.birth_date",
        "body.reason",
    }


def test_stale_edit_is_refused_not_merged(team: Clients) -> None:
    C, D = team.as_("coordinator"), team.as_("data_manager")
    subject = team.client.post(f"{API}/subjects", json={}, headers=C).json()
    first = team.client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": subject["version"], "notes": "first edit", "reason": "typo"},
        headers=C,
    )
    assert first.status_code == 200
    assert first.json()["version"] == subject["version"] + 1
    stale = team.client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": subject["version"], "notes": "second edit", "reason": "mine"},
        headers=D,
    )
    assert stale.status_code == 409
    assert stale.json()["where"] == "version"
    now = team.client.get(f"{API}/subjects/{subject['id']}", headers=C).json()
    assert now["notes"] == "first edit"


def test_an_edit_changes_only_the_fields_sent(team: Clients) -> None:
    C = team.as_("coordinator")
    subject = team.client.post(
        f"{API}/subjects", json={"birth_date": "2016-04-01", "notes": "referred"}, headers=C
    ).json()
    edited = team.client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": subject["version"], "notes": "called the family", "reason": "update"},
        headers=C,
    ).json()
    assert edited["birth_date"] == "2016-04-01"
    assert edited["notes"] == "called the family"
    cleared = team.client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": edited["version"], "notes": None, "reason": "wrong note"},
        headers=C,
    ).json()
    assert cleared["notes"] is None
    assert cleared["birth_date"] == "2016-04-01"
