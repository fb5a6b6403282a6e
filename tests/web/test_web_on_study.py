"""A subject on study through the pages: calendar, cycle start, visit, dose with BSA, labs →
suggested AE with its CTCAE grade and rule → confirmed, the CTCAE picker without JavaScript, an
AE whose checks open a query (answered, then closed by the monitor), and the safety dashboard."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi import FastAPI
from on_study_helpers import ATTRIBUTED, enrolled_subject, lab_bundle
from web_helpers import TODAY, TestClient, csrf_of, sign_in


def _post(client: TestClient, path: str, data: dict[str, str], **kw: object) -> str:
    token = client.cookies.get("trialdesk_csrf") or csrf_of(client.get("/staff").text)
    response = client.post(path, data={"csrf_token": token, **data}, **kw)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text  # after the 303 back to the page
    return response.text


def test_labs_suggest_an_ae_the_coordinator_confirms(client: TestClient, app: FastAPI) -> None:
    sid = enrolled_subject(app, TODAY)
    sign_in(client, "coordinator")
    base = f"/staff/subjects/{sid}/on-study"
    html = client.get(base).text
    assert 'data-testid="visit-chemo-c1-d1"' in html
    assert "Cycle day 1" in html
    assert "In range" in html  # the antibody dose seeded, checked against the protocol
    assert "mosteller" in html.lower() or "haycock" in html.lower()  # BSA with its formula
    lab_day = TODAY - timedelta(days=2)
    files = {"bundle": ("labs.json", json.dumps(lab_bundle(lab_day)), "application/json")}
    html = _post(client, f"{base}/labs", {}, files=files)
    assert "adverse events are suggested below" in html
    row = re.search(r'<tr data-testid="suggestion">.*?</tr>', html, re.S)
    assert row
    assert "Neutrophil count decreased" in row.group(0)
    assert "grade 4" in row.group(0)
    assert "CTCAE v5.0" in row.group(0)  # the rule behind the grade
    suggestion = re.search(rf"{base}/suggestions/([0-9a-f-]+)", html)
    assert suggestion
    form = {"decision": "confirm", "outcome": "recovering"}
    form.update({f"attr:{k}": v for k, v in ATTRIBUTED.items()})
    html = _post(client, f"{base}/suggestions/{suggestion.group(1)}", form)
    assert "Confirmed: the adverse event is recorded." in html
    ae_list = re.search(r'<table data-testid="ae-list">.*?</table>', html, re.S)
    assert ae_list
    assert "Neutrophil count decreased" in ae_list.group(0)
    assert "from a lab result" in ae_list.group(0)
    # The same upload again suggests nothing new (each result once).
    html = _post(client, f"{base}/labs", {}, files=files)
    assert "nothing to suggest" in html

    dashboard = client.get("/staff/safety").text
    by_term = re.search(r'<table data-testid="ae-by-term">.*?</table>', dashboard, re.S)
    assert by_term
    assert "Neutrophil count decreased" in by_term.group(0)
    assert "1 DLT-evaluable" in dashboard or "DLT-evaluable" in dashboard
    assert 'data-testid="rule"' in dashboard


def test_picker_search_grades_and_a_query_through_its_workflow(
    client: TestClient, app: FastAPI
) -> None:
    sid = enrolled_subject(app, TODAY)
    sign_in(client, "coordinator")
    base = f"/staff/subjects/{sid}/on-study"
    found = client.get(f"{base}?q=neutro").text
    assert f'href="{base}?term=Neutrophil%20count%20decreased#ae-form"' in found
    chosen = client.get(f"{base}?term=Pain").text
    assert 'data-testid="ae-form"' in chosen
    assert "Mild pain" in chosen  # CTCAE v5.0 grade 1 definition of Pain
    assert "specific body part pain term" in chosen  # its navigational note
    assert 'value="4"' not in chosen.split('data-testid="ae-form"')[1]  # Pain has no grade 4
    fragment = client.get(f"/staff/ctcae/terms?subject={sid}&q=fever").text
    assert "Fever" in fragment
    assert "<html" not in fragment
    onset = (TODAY - timedelta(days=1)).isoformat()
    reversed_dates = {"term": "Pain", "grade": "2", "onset": onset,
                      "resolved": (TODAY - timedelta(days=3)).isoformat()}  # fmt: skip
    reversed_dates.update({f"attr:{k}": v for k, v in ATTRIBUTED.items()})
    html = _post(client, f"{base}/adverse-events", reversed_dates)
    assert "the checks opened queries" in html
    query = re.search(rf'action="{base}/queries/([0-9a-f-]+)"', html)
    assert query
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version
    html = _post(
        client,
        f"{base}/queries/{query.group(1)}",
        {"action": "answer", "text": "source: resolved day 12", "version": version.group(1)},
    )
    assert "Answered" in html
    client.post("/staff/logout", data={"csrf_token": client.cookies.get("trialdesk_csrf")})
    sign_in(client, "monitor")
    page = client.get(base).text
    assert 'action="' + base + '/labs"' not in page  # a monitor records nothing
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    html = _post(
        client,
        f"{base}/queries/{query.group(1)}",
        {"action": "close", "text": "verified", "version": version.group(1)},
    )
    assert "Closed because" in html


def test_refusals_are_shown_not_raised(client: TestClient, app: FastAPI) -> None:
    assert client.get("/staff/ctcae/terms?q=pain").status_code == 401
    assert client.get("/staff/safety", follow_redirects=False).status_code == 303
    sign_in(client, "coordinator")
    sid = enrolled_subject(app, TODAY)
    base = f"/staff/subjects/{sid}/on-study"
    bad = _post(client, f"{base}/visit", {"visit_key": "chemo-c1-d1", "on": "not a date"})
    assert "on: expected the visit date" in bad
    dose = {"product": "anti_gd2", "dose": "40", "unit": "mg/m2",
            "start": f"{TODAY.isoformat()}T09:00", "height": "118", "weight": "21"}  # fmt: skip
    flagged = _post(client, f"{base}/exposure", dose)
    assert "flagged: above_range" in flagged
    forged = client.post(f"{base}/visit", data={"csrf_token": "x"}, follow_redirects=False)
    assert forged.headers["location"] == "/staff/login"
    missing = client.get("/staff/subjects/no-such-subject/on-study")
    assert missing.status_code == 404


def test_crossed_boundary_pauses_and_the_investigator_decides(
    client: TestClient, app: FastAPI
) -> None:
    from trialdesk.service.access import SYSTEM_ACTOR
    from trialdesk.service.treatment.models import SafetyAlertRow
    from trialdesk.service.trials import get_trial, set_paused

    enrolled_subject(app, TODAY)
    with app.state.database.transaction() as session:
        # What evaluate_safety stores when a boundary is crossed (tested in the service).
        session.add(SafetyAlertRow(
            trial_id="NCT06948994", kind="stopping_rule", entity_id="dlt-bayes-30",
            message="dlt-bayes-30 crossed: 2 DLTs in 2 evaluable", detail={},
        ))  # fmt: skip
        set_paused(session, SYSTEM_ACTOR, "NCT06948994", True, "stopping boundary crossed")
    sign_in(client, "coordinator")
    page = client.get("/staff/safety").text
    assert 'data-testid="paused"' in page
    assert "Awaiting an investigator" in page  # a coordinator cannot decide
    # Treated, but no tumour assessment: disease control is unknown, never 0 %.
    assert "none with a tumour assessment yet" in page
    assert "0 of 1" not in page
    client.post("/staff/logout", data={"csrf_token": client.cookies.get("trialdesk_csrf")})
    sign_in(client, "investigator")
    page = client.get("/staff/safety").text
    alert = re.search(r'action="/staff/safety/alerts/([0-9a-f-]+)/decision"', page)
    assert alert
    html = _post(
        client,
        f"/staff/safety/alerts/{alert.group(1)}/decision",
        {"decision": "continue", "reason": "DSMB reviewed: both DLTs unrelated"},
    )
    assert "Decision recorded." in html
    assert 'data-testid="paused"' not in html
    with app.state.database.transaction() as session:
        assert get_trial(session, "NCT06948994").paused is False


def test_efficacy_figures_are_svg_for_staff_only(client: TestClient, app: FastAPI) -> None:
    enrolled_subject(app, TODAY)
    assert client.get("/staff/safety/figures/pfs.svg").status_code == 403
    sign_in(client, "monitor")
    for name in ("waterfall", "swimmer", "pfs"):
        figure = client.get(f"/staff/safety/figures/{name}.svg")
        assert figure.status_code == 200
        assert figure.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in figure.text
    assert client.get("/staff/safety/figures/other.svg").status_code == 404


def test_cycle_start_and_assessment_forms_save_or_explain(client: TestClient, app: FastAPI) -> None:
    sign_in(client, "coordinator")
    sid = enrolled_subject(app, TODAY)
    base = f"/staff/subjects/{sid}/on-study"
    bad_cycle = _post(client, f"{base}/cycle-start", {"cycle": "one", "start": "2026-06-01"})
    assert "cycle, start: expected a cycle number and a date" in bad_cycle
    later = (TODAY + timedelta(days=1)).isoformat()  # cycle 1 delayed by a day
    saved = _post(client, f"{base}/cycle-start", {"cycle": "1", "start": later, "reason": "fever"})
    assert "Cycle start saved." in saved
    not_json = _post(client, f"{base}/assessments", {"criteria": "inrc", "inputs": "{not json"})
    assert "inputs: expected the criteria (recist or inrc) and a JSON object" in not_json
    unknown = _post(client, f"{base}/assessments", {"criteria": "who", "inputs": "{}"})
    assert "inputs: expected the criteria (recist or inrc)" in unknown
    # A refusal by the service is explained with its own words, not the bad-input text.
    refused = _post(client, f"{base}/assessments", {"criteria": "recist", "inputs": "{}"})
    assert "the RECIST 1.1 inputs have no &#39;assessments&#39;" in refused
