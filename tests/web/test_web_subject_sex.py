"""The staff subject page shows the sex and edits it (round trip through the form, audited
with the reason); a screened record that contradicts it leaves it alone and the page says so."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import TestClient, build_app, csrf_of, sign_in

from trialdesk.testing.patients import AS_OF, eligible_maintenance


@pytest.fixture
def staff_client(tmp_path: Path, seeded: Path) -> Iterator[TestClient]:
    app = build_app(tmp_path, today=AS_OF, seed=seeded)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.state.database.dispose()


def _register(client: TestClient) -> tuple[str, str]:
    token = csrf_of(client.get("/staff/subjects").text)
    page = client.post("/staff/subjects", data={"csrf_token": token}, follow_redirects=True).text
    match = re.search(r'action="/staff/subjects/([0-9a-f-]+)/details"', page)
    assert match, page
    return match.group(1), page


def _sex_shown(page: str) -> str:
    match = re.search(r'data-testid="subject-sex">([^<]*)<', page)
    assert match, page
    return html_lib.unescape(match.group(1))


def _save(client: TestClient, subject: str, page: str, sex: str, reason: str) -> str:
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version, page
    response = client.post(
        f"/staff/subjects/{subject}/details",
        data={"csrf_token": csrf_of(page), "version": version.group(1), "sex": sex,
              "reason": reason},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code == 200
    return response.text


def test_the_form_records_and_corrects_the_sex(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    subject, page = _register(staff_client)
    assert _sex_shown(page) == "Not recorded"
    page = _save(staff_client, subject, page, "female", "from the referral letter")
    assert "The subject's details were saved." in html_lib.unescape(page)
    assert _sex_shown(page) == "Female"
    assert '<option value="female" selected>' in page
    page = _save(staff_client, subject, page, "", "not confirmed")
    assert _sex_shown(page) == "Not recorded"
    zh = staff_client.get(f"/staff/subjects/{subject}?lang=zh").text
    assert _sex_shown(zh) == "未记录"


def test_a_bad_value_or_a_stale_version_is_refused(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    subject, page = _register(staff_client)
    refused = _save(staff_client, subject, page, "F", "typo")
    assert "sex: expected one of female, male, other, unknown" in html_lib.unescape(refused)
    assert _sex_shown(refused) == "Not recorded"
    _save(staff_client, subject, page, "male", "first edit")
    stale = _save(staff_client, subject, page, "female", "edit on an old page")  # old version
    assert "changed since you read it" in stale
    assert _sex_shown(stale) == "Male"


def test_a_conflicting_record_keeps_the_sex_and_shows_the_query(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    subject, page = _register(staff_client)
    page = _save(staff_client, subject, page, "male", "from the referral letter")
    response = staff_client.post(
        f"/staff/subjects/{subject}/screen",
        data={"csrf_token": csrf_of(page)},
        files={"record": ("p.json", json.dumps(eligible_maintenance(sex="female").bundle()),
                          "application/json")},
        follow_redirects=True,
    )  # fmt: skip
    page = response.text
    assert "a data query was opened" in page
    assert _sex_shown(page) == "Male"
    queries = page[page.index('data-testid="record-queries"') :]
    assert "Patient.gender is female" in queries[: queries.index("</div>")]


def test_a_monitor_sees_the_sex_but_no_form(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    subject, page = _register(staff_client)
    _save(staff_client, subject, page, "other", "as recorded by the hospital")
    staff_client.cookies.clear()
    sign_in(staff_client, "monitor")
    page = staff_client.get(f"/staff/subjects/{subject}?lang=en").text
    assert _sex_shown(page) == "Other"
    assert "/details" not in page
    staff_client.cookies.clear()
    sign_in(staff_client, "data_manager")
    trail = staff_client.get(f"/staff/audit?entity_id={subject}&lang=en").text
    assert "as recorded by the hospital" in trail


def test_the_edit_needs_the_csrf_token_and_the_permission(staff_client: TestClient) -> None:
    sign_in(staff_client, "coordinator")
    subject, page = _register(staff_client)
    response = staff_client.post(
        f"/staff/subjects/{subject}/details",
        data={"version": "1", "sex": "male", "reason": "no token"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _sex_shown(staff_client.get(f"/staff/subjects/{subject}").text) == "Not recorded"
    staff_client.cookies.clear()
    sign_in(staff_client, "monitor")
    page = staff_client.get(f"/staff/subjects/{subject}?lang=en").text
    refused = staff_client.post(
        f"/staff/subjects/{subject}/details",
        data={"csrf_token": csrf_of(page), "version": "1", "sex": "male", "reason": "forged"},
        follow_redirects=True,
    ).text
    assert 'name="version"' not in page  # no form for a monitor
    assert 'class="flash bad"' in refused
    assert _sex_shown(refused) == "Not recorded"
