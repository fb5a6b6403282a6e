"""The study team's pages: sign-in by role, screening a FHIR record, sign-off, consent, enrollment."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import TestClient, build_app, csrf_of, sign_in

from trialdesk.testing.patients import AS_OF, eligible_maintenance, without


@pytest.fixture
def staff_client(tmp_path: Path, seeded: Path) -> Iterator[TestClient]:
    app = build_app(tmp_path, today=AS_OF, seed=seeded)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.state.database.dispose()


def post(client: TestClient, path: str, data: dict[str, object], page: str = "/staff") -> str:
    token = csrf_of(client.get(page).text)
    response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)
    assert response.status_code == 200, response.text
    return response.text


def register_and_screen(client: TestClient, bundle: dict[str, object]) -> tuple[str, str]:
    html = post(client, "/staff/subjects", {}, page="/staff/subjects")
    match = re.search(r'action="/staff/subjects/([0-9a-f-]+)/screen"', html)
    assert match, html
    subject = match.group(1)
    token = csrf_of(html)
    response = client.post(
        f"/staff/subjects/{subject}/screen",
        data={"csrf_token": token},
        files={"record": ("patient.json", json.dumps(bundle).encode(), "application/json")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return subject, response.text


def test_staff_pages_need_a_sign_in(staff_client: TestClient) -> None:
    for path in ("/staff", "/staff/subjects", "/staff/audit", "/staff/screening-log"):
        response = staff_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/login"


def test_a_wrong_password_is_refused_with_one_message(staff_client: TestClient) -> None:
    token = csrf_of(staff_client.get("/staff/login").text)
    response = staff_client.post(
        "/staff/login", data={"csrf_token": token, "username": "coordinator", "password": "x" * 12}
    )
    assert response.status_code == 401
    assert "The username or the password is wrong." in response.text
    assert "trialdesk_session" not in response.headers.get("set-cookie", "")


def test_navigation_follows_the_role(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    html = staff_client.get("/staff?lang=en").text
    assert "0 of 15 children enrolled" in html
    assert 'href="/staff/subjects"' in html
    assert 'href="/staff/audit"' not in html
    assert staff_client.get("/staff/audit").status_code == 403
    sign_in(staff_client, "monitor")
    html = staff_client.get("/staff/audit?lang=en").text
    assert "hash chain is intact" in html
    assert "sign_in" in html  # account events are audited and shown
    assert "<code>role</code>：" not in html  # English page
    assert "<code>role</code>: <ins>coordinator</ins>" in html  # field by field, old → new


def test_upload_shows_the_screening_criterion_by_criterion(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    bundle = without(eligible_maintenance(), "718-7").bundle()  # no haemoglobin
    _subject, html = register_and_screen(staff_client, bundle)
    assert "The record was screened and the result stored." in html
    assert 'data-testid="verdict">Incomplete<' in html
    row = html[html.index(">inc-hemoglobin<") :]
    row = row[: row.index("</tr>")]
    assert "Unknown" in row
    assert "<ul>" in row
    # Evidence carries the value and the threshold with its source.
    albumin = html[html.index(">inc-albumin<") :]
    assert "threshold" in albumin[: albumin.index("</tr>")]
    log = staff_client.get("/staff/screening-log?lang=en").text
    assert "Incomplete" in log


def test_a_bad_upload_is_explained_and_nothing_is_stored(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    html = post(staff_client, "/staff/subjects", {}, page="/staff/subjects")
    subject = re.search(r'action="/staff/subjects/([0-9a-f-]+)/screen"', html)
    assert subject
    response = staff_client.post(
        f"/staff/subjects/{subject.group(1)}/screen",
        data={"csrf_token": csrf_of(html)},
        files={"record": ("patient.json", b"{not json", "application/json")},
        follow_redirects=True,
    )
    assert "not valid JSON" in response.text
    assert "Latest result" not in response.text


def test_coordinator_screens_consents_and_enrolls_after_the_investigator_signs(
    staff_client: TestClient,
) -> None:
    sign_in(staff_client, "data_manager")
    post(
        staff_client,
        "/staff/consent-documents",
        {
            "title": "Parent consent",
            "version": "1.0",
            "language": "zh",
            "approved_on": "2026-01-15",
            "body": "Synthetic consent text",
        },
    )
    sign_in(staff_client, "coordinator")
    review = without(eligible_maintenance(), "not-highly-allergic").bundle()
    subject, html = register_and_screen(staff_client, review)
    assert 'data-testid="verdict">Needs review<' in html
    assert "Sign: I confirm eligibility" not in html  # a coordinator cannot sign
    page = f"/staff/subjects/{subject}"

    sign_in(staff_client, "investigator")
    html = staff_client.get(page).text
    screening_id = re.search(r'name="screening_id" value="([^"]+)"', html)
    assert screening_id
    assert 'value="exc-allergic-constitution"' in html
    wrong = post(
        staff_client,
        f"{page}/signoff",
        {
            "screening_id": screening_id.group(1),
            "confirmed[]": ["exc-allergic-constitution"],
            "password": "wrong password!",
        },
        page,
    )
    assert "eligibility signed" not in wrong
    html = post(
        staff_client,
        f"{page}/signoff",
        {
            "screening_id": screening_id.group(1),
            "confirmed[]": ["exc-allergic-constitution"],
            "password": "correct horse battery",
        },
        page,
    )
    assert "Eligibility signed." in html
    assert 'data-testid="subject-status">Eligible' in html

    sign_in(staff_client, "coordinator")
    html = post(
        staff_client,
        f"{page}/consent",
        {
            "document_id": re.search(
                r'id="document_id" name="document_id">.*?<option value="([^"]+)" selected',
                staff_client.get(page).text,
            ).group(1),  # type: ignore[union-attr]
            "consent_date": AS_OF.isoformat(),
            "guardian_name": "Synthetic Guardian",
            "guardian_signed": "yes",
            "assent_signed": "yes",
        },
        page,
    )
    assert "The consent was recorded." in html
    assert "the investigator&#39;s signature" in html

    sign_in(staff_client, "investigator")
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', staff_client.get(page).text)
    assert consent_id
    html = post(
        staff_client,
        f"{page}/consent/sign",
        {"consent_id": consent_id.group(1), "password": "correct horse battery"},
        page,
    )
    assert "Consent is complete." in html
    assert 'data-testid="subject-status">Consented' in html

    sign_in(staff_client, "coordinator")
    html = post(staff_client, f"{page}/enroll", {}, page)
    assert "The subject was enrolled." in html
    assert "Enrolled as number 1." in html
    assert "1 of 15 children enrolled" in staff_client.get("/staff?lang=en").text


def test_staff_posts_need_the_csrf_token_and_the_role(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    bundle = eligible_maintenance().bundle()
    subject, html = register_and_screen(staff_client, bundle)
    assert 'data-testid="verdict">Eligible<' in html
    page = f"/staff/subjects/{subject}"
    # Without the token nothing happens, whatever the role.
    response = staff_client.post(f"{page}/enroll", data={}, follow_redirects=False)
    assert response.status_code == 303
    assert "Enrolled as number" not in staff_client.get(page).text
    # A coordinator's forged sign-off is refused by the service and explained.
    html = post(
        staff_client,
        f"{page}/signoff",
        {"screening_id": "x", "password": "correct horse battery"},
        page,
    )
    assert "may not sign eligibility" in html
    assert "eligibility signed" not in html


def test_candidates_from_families_show_their_prescreen_for_triage(staff_client: TestClient) -> None:
    token = csrf_of(staff_client.get("/prescreen").text)
    answers = {"csrf_token": token, "birth_date": "2018-05-01", "diagnosis": "no"}
    result = staff_client.post("/prescreen", data=answers)
    answers_token = re.search(r'name="answers_token" value="([^"]+)"', result.text)
    assert answers_token
    applied = staff_client.post(
        "/apply",
        data={
            "csrf_token": token,
            "answers_token": answers_token.group(1),
            "guardian_name": "Synthetic Guardian",
            "phone": "+86 138 0000 0001",
            "preferred_language": "en",
            "consent": "yes",
            "website": "",
        },
    )
    assert applied.status_code == 200
    sign_in(staff_client, "coordinator")
    listing = staff_client.get("/staff/subjects?lang=en").text
    assert "family application" in listing
    assert '<span class="badge probably_not">probably not eligible</span>' in listing
    assert "Synthetic Guardian" not in listing  # contacts only on the subject's own page
    subject = re.search(r'href="/staff/subjects/([0-9a-f-]+)"', listing)
    assert subject
    page = staff_client.get(f"/staff/subjects/{subject.group(1)}?lang=en").text
    assert "Synthetic Guardian" in page
    assert "Pre-screen: probably not eligible" in page


def test_a_recorded_death_is_ineligible_and_the_page_says_why(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    builder = eligible_maintenance()
    builder.resources[0]["deceasedDateTime"] = "2026-05-20"
    _subject, html = register_and_screen(staff_client, builder.bundle())
    assert 'data-testid="verdict">Ineligible<' in html
    notes = html[html.index('data-testid="screening-notes"') :]
    assert "died on 2026-05-20" in notes[: notes.index("</ul>")]
    # The screening log names the death as the screen-fail reason (every criterion passed).
    log = staff_client.get("/staff/screening-log?lang=en").text
    row = log[log.index("<tbody>") : log.index("</tbody>")]
    assert "<td>deceased</td>" in row
