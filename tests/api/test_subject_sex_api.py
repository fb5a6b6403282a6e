"""A subject's sex through the API: staff record and edit it (FHIR administrative gender, 422
otherwise), a screened record's Patient.gender fills it while it is not recorded, and a record
that contradicts it leaves it alone and opens a data query instead (birth date likewise)."""

from __future__ import annotations

import json

import orjson
from api_helpers import API, Clients

from trialdesk.testing.patients import eligible_maintenance

FHIR = {"content-type": "application/fhir+json"}


def _screen(team: Clients, sid: str, bundle: dict[str, object]) -> dict[str, object]:
    response = team.client.post(
        f"{API}/subjects/{sid}/screenings?as_of=2026-06-01",
        content=orjson.dumps(bundle),
        headers={**team.as_("coordinator"), **FHIR},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_staff_record_and_edit_the_sex_and_a_bad_value_is_a_422(team: Clients) -> None:
    client, C = team.client, team.as_("coordinator")
    created = client.post(f"{API}/subjects", json={"sex": "female"}, headers=C)
    assert created.status_code == 201, created.text
    subject = created.json()
    assert subject["sex"] == "female"
    assert client.post(f"{API}/subjects", json={}, headers=C).json()["sex"] is None

    edited = client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": subject["version"], "sex": "male", "reason": "typing error"},
        headers=C,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["sex"] == "male"
    # A field not sent keeps its value; null clears it.
    notes = client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": edited.json()["version"], "notes": "n", "reason": "note"},
        headers=C,
    ).json()
    assert notes["sex"] == "male"
    cleared = client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": notes["version"], "sex": None, "reason": "not confirmed"},
        headers=C,
    ).json()
    assert cleared["sex"] is None

    trail = client.get(
        f"{API}/audit", params={"entity_id": subject["id"]}, headers=team.as_("data_manager")
    ).json()["items"]
    typed = next(e for e in trail if e["reason"] == "typing error")
    assert json.loads(typed["old_value"])["sex"] == "female"
    assert json.loads(typed["new_value"])["sex"] == "male"

    # Anything but administrative gender: a 422 naming the field and the allowed values.
    refused = client.post(f"{API}/subjects", json={"sex": "F"}, headers=C)
    assert refused.status_code == 422
    [problem] = refused.json()["problems"]
    assert problem["where"] == "body.sex"
    for allowed in ("female", "male", "other", "unknown"):
        assert allowed in problem["message"]
    subject = client.post(f"{API}/subjects", json={}, headers=C).json()
    edit = client.patch(
        f"{API}/subjects/{subject['id']}",
        json={"version": subject["version"], "sex": "boy", "reason": "x"},
        headers=C,
    )
    assert edit.status_code == 422
    assert [p["where"] for p in edit.json()["problems"]] == ["body.sex"]
    assert client.get(f"{API}/subjects/{subject['id']}", headers=C).json()["version"] == 1


def test_screening_fills_a_sex_not_recorded_and_audits_it(team: Clients) -> None:
    client, C = team.client, team.as_("coordinator")
    sid = client.post(f"{API}/subjects", json={}, headers=C).json()["id"]
    screened = _screen(team, sid, eligible_maintenance(sex="female").bundle())
    assert screened["queries"] == []
    subject = client.get(f"{API}/subjects/{sid}", headers=C).json()
    assert (subject["sex"], subject["birth_date"]) == ("female", "2017-09-14")
    trail = client.get(
        f"{API}/audit", params={"entity_id": sid}, headers=team.as_("data_manager")
    ).json()["items"]
    [filled] = [e for e in trail if "Patient.gender" in (e["reason"] or "")]
    assert filled["reason"] == (
        f"screening {screened['id']}: birth_date from Patient.birthDate, sex from Patient.gender"
    )
    assert json.loads(filled["old_value"])["sex"] is None
    assert json.loads(filled["new_value"])["sex"] == "female"

    # A record without a gender (read as "unknown") fills nothing.
    blank = client.post(f"{API}/subjects", json={}, headers=C).json()["id"]
    _screen(team, blank, eligible_maintenance(sex="unknown").bundle())
    assert client.get(f"{API}/subjects/{blank}", headers=C).json()["sex"] is None
    # "unknown" entered by staff says nothing a record could contradict: the record completes it.
    unknown = client.post(f"{API}/subjects", json={"sex": "unknown"}, headers=C).json()["id"]
    assert _screen(team, unknown, eligible_maintenance(sex="male").bundle())["queries"] == []
    assert client.get(f"{API}/subjects/{unknown}", headers=C).json()["sex"] == "male"


def test_a_conflicting_record_does_not_overwrite_and_opens_a_query(team: Clients) -> None:
    client, C = team.client, team.as_("coordinator")
    sid = client.post(
        f"{API}/subjects", json={"sex": "male", "birth_date": "2017-09-15"}, headers=C
    ).json()["id"]
    screened = _screen(team, sid, eligible_maintenance(sex="female").bundle())
    assert screened["verdict"] == "eligible"  # the screening itself is stored
    queries = {q["check"]: q for q in screened["queries"]}  # type: ignore[union-attr]
    assert set(queries) == {"record_sex_conflict", "record_birth_date_conflict"}
    sex_query = queries["record_sex_conflict"]
    assert (sex_query["field"], sex_query["state"]) == ("sex", "open")
    assert "Patient.gender is female" in sex_query["message"]
    assert "keeps male" in sex_query["message"]
    assert "2017" not in queries["record_birth_date_conflict"]["message"]  # no dates in text

    subject = client.get(f"{API}/subjects/{sid}", headers=C).json()
    assert (subject["sex"], subject["birth_date"]) == ("male", "2017-09-15")
    listed = client.get(f"{API}/queries", params={"subject_id": sid}, headers=C).json()
    assert {q["check"] for q in listed} == set(queries)
    history = client.get(f"{API}/subjects/{sid}/screenings", headers=C).json()
    assert {q["check"] for q in history[0]["queries"]} == set(queries)
    # A second screening of the same record asks again: each screening carries its own query.
    again = _screen(team, sid, eligible_maintenance(sex="female").bundle())
    assert len(again["queries"]) == 2  # type: ignore[arg-type]
