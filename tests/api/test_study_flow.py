"""A family's application to an enrolled child, through the API, with a real FHIR upload."""

from __future__ import annotations

import orjson
from api_helpers import API, Clients

from service.study_helpers import PASSWORD
from trialdesk.testing.patients import eligible_maintenance

APPLICATION = {
    "child_birth_date": "2017-09-14",
    "contact_name": "Synthetic Parent",
    "contact_email": "parent@example.org",
    "consent_to_contact": True,
    "answers": {"diagnosis": "neuroblastoma"},
}


def test_application_to_enrollment(team: Clients) -> None:
    client, C, INV, D = (
        team.client,
        team.as_("coordinator"),
        team.as_("investigator"),
        team.as_("data_manager"),
    )
    applied = client.post(f"{API}/applications", json=APPLICATION)
    assert applied.status_code == 201, applied.text
    code = applied.json()["reference_code"]
    assert code.startswith("A-")
    assert applied.json()["duplicate"] is False
    again = client.post(f"{API}/applications", json={**APPLICATION, "contact_name": "Same family"})
    assert again.json()["duplicate"] is True
    assert client.get(f"{API}/trial/counters").json() == {"applied": 1, "enrolled": 0, "target": 15}

    looked_up = client.get(f"{API}/applications/{code.lower()}", headers=C).json()
    assert looked_up["contact"]["email"] == "parent@example.org"
    [subject] = client.get(f"{API}/subjects", headers=C).json()["items"]
    assert looked_up["subject_id"] == subject["id"]
    sid = subject["id"]
    assert subject["status"] == "candidate"
    assert subject["source"] == "application"

    bundle = orjson.dumps(eligible_maintenance().bundle())
    screened = client.post(
        f"{API}/subjects/{sid}/screenings?as_of=2026-06-01",
        content=bundle,
        headers={**C, "content-type": "application/fhir+json"},
    )
    assert screened.status_code == 201, screened.text
    body = screened.json()
    assert body["verdict"] == "eligible"
    assert body["protocol_version"] == "1.0"
    assert body["as_of"] == "2026-06-01"
    assert len(body["input_sha256"]) == 64
    assert body["fail_reasons"] == []

    signed = client.post(
        f"{API}/subjects/{sid}/eligibility-signoff",
        json={"screening_id": body["id"], "confirmed": [], "password": PASSWORD},
        headers=INV,
    )
    assert signed.status_code == 201, signed.text
    assert signed.json()["meaning"] == "I confirm eligibility"
    assert signed.json()["signer_name"] == "Dr Investigator"

    refused = client.post(f"{API}/subjects/{sid}/enrollment", json={}, headers=C)
    assert refused.status_code == 409
    assert "only a consented subject" in refused.json()["problems"][0]["message"]

    document = client.post(
        f"{API}/consent-documents",
        json={
            "version": "1.0",
            "language": "en",
            "title": "Consent",
            "body": "Synthetic text",
            "approved_on": "2026-01-15",
        },
        headers=D,
    ).json()
    consent = client.post(
        f"{API}/subjects/{sid}/consents",
        json={
            "document_id": document["id"],
            "consent_date": "2026-06-01",
            "guardian_name": "Synthetic Parent",
            "guardian_signed": True,
        },
        headers=C,
    )
    assert consent.status_code == 201, consent.text
    # The child is 8: assent is missing, and the investigator has not signed yet.
    assert consent.json()["gaps"] == ["child_assent_missing", "investigator_signature_missing"]
    wrong_password = client.post(
        f"{API}/consents/{consent.json()['id']}/signature", json={"password": "nope"}, headers=INV
    )
    assert wrong_password.status_code == 403
    signed_consent = client.post(
        f"{API}/consents/{consent.json()['id']}/signature", json={"password": PASSWORD}, headers=INV
    )
    assert signed_consent.json()["gaps"] == ["child_assent_missing"]
    assert client.get(f"{API}/subjects/{sid}", headers=C).json()["status"] == "eligible"

    with_assent = client.post(
        f"{API}/subjects/{sid}/consents",
        json={
            "document_id": document["id"],
            "consent_date": "2026-06-01",
            "guardian_name": "Synthetic Parent",
            "guardian_signed": True,
            "assent_signed": True,
        },
        headers=C,
    ).json()
    client.post(
        f"{API}/consents/{with_assent['id']}/signature", json={"password": PASSWORD}, headers=INV
    )
    assert client.get(f"{API}/subjects/{sid}", headers=C).json()["status"] == "consented"

    enrolled = client.post(f"{API}/subjects/{sid}/enrollment", json={"on": "2026-06-03"}, headers=C)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["outcome"] == "enroll"
    assert enrolled.json()["subject"]["enrollment_number"] == 1
    assert client.get(f"{API}/trial/counters").json() == {"applied": 1, "enrolled": 1, "target": 15}

    consort = client.get(f"{API}/reports/consort", headers=C).json()
    assert (consort["candidates"], consort["assessed"], consort["enrolled"]) == (1, 1, 1)
    log = client.get(f"{API}/reports/screening-log", headers=C).json()
    assert [line["verdict"] for line in log] == ["eligible"]
    assert client.get(f"{API}/audit/verify", headers=team.as_("monitor")).json()["intact"] is True


def test_rescreen_is_a_new_entry_and_fail_reasons_come_from_failed_criteria(team: Clients) -> None:
    client, C = team.client, team.as_("coordinator")
    sid = client.post(f"{API}/subjects", json={}, headers=C).json()["id"]
    hiv = eligible_maintenance()
    hiv.condition("snomed:86406008")
    headers = {**C, "content-type": "application/fhir+json"}
    first = client.post(
        f"{API}/subjects/{sid}/screenings?as_of=2026-06-01",
        content=orjson.dumps(hiv.bundle()),
        headers=headers,
    ).json()
    assert first["verdict"] == "ineligible"
    assert [r["criterion_id"] for r in first["fail_reasons"]] == ["exc-hiv"]
    second = client.post(
        f"{API}/subjects/{sid}/screenings?as_of=2026-06-01",
        content=orjson.dumps(eligible_maintenance().bundle()),
        headers=headers,
    )
    assert second.json()["verdict"] == "eligible"
    history = client.get(f"{API}/subjects/{sid}/screenings", headers=C).json()
    assert [s["verdict"] for s in history] == ["ineligible", "eligible"]
    assert history[0]["input_sha256"] != history[1]["input_sha256"]
    again = client.get(f"{API}/screenings/{first['id']}", headers=C).json()
    assert again["result"]["verdict"] == "ineligible"  # stored as computed, not recomputed
