"""Role × endpoint: each role reaches exactly what it should, and nothing else.

The expected matrix is written out here by hand (not derived from the code's permission
table), so a change to who may do what has to change this test too. "Reached" means the
request got past the role check: any answer but 401/403 (a 404, 409 or 422 still proves the
role was let through). Anonymous requests are refused (401) except on public endpoints.
"""

from __future__ import annotations

from typing import Any

from api_helpers import API, Clients

C, INV, D, M, A = "coordinator", "investigator", "data_manager", "monitor", "administrator"
STUDY_READERS = {C, INV, D, M}
ALL_STAFF = {C, INV, D, M, A}
PUBLIC = "public"
AE = {"term": "Anemia", "grade": 2, "onset": "2026-06-02"}

# (method, path, json body, roles that may reach it); {sid} is a real subject.
MATRIX: list[tuple[str, str, dict[str, Any] | None, set[str] | str]] = [
    ("GET", "/trial", None, PUBLIC),
    ("GET", "/trial/counters", None, PUBLIC),
    ("GET", "/auth/me", None, ALL_STAFF),
    ("GET", "/users", None, {A}),
    (
        "POST",
        "/users",
        {
            "username": "newbie",
            "full_name": "New",
            "role": "monitor",
            "password": "long enough password",
        },
        {A},
    ),
    ("PUT", "/users/{monitor_id}/role", {"role": "monitor", "reason": "matrix"}, {A}),
    ("PUT", "/users/no-such-user/active", {"active": False, "reason": "matrix"}, {A}),
    ("GET", "/applications/A-NONE-NONE", None, STUDY_READERS),
    ("GET", "/subjects", None, STUDY_READERS),
    ("POST", "/subjects", {"birth_date": "2016-01-01"}, {C, INV}),
    ("GET", "/subjects/{sid}", None, STUDY_READERS),
    ("PATCH", "/subjects/{sid}", {"version": 1, "notes": "n", "reason": "r"}, {C, INV, D}),
    (
        "POST",
        "/subjects/{sid}/status",
        {"status": "withdrawn", "reason": "r", "on": "2026-06-01", "version": 99},
        {C, INV},
    ),
    ("POST", "/subjects/{sid}/screenings", {"resourceType": "Bundle"}, {C, INV}),
    ("GET", "/subjects/{sid}/screenings", None, STUDY_READERS),
    ("GET", "/screenings/no-such-screening", None, STUDY_READERS),
    (
        "POST",
        "/subjects/{sid}/eligibility-signoff",
        {"screening_id": "x", "confirmed": [], "password": "p"},
        {INV},
    ),
    ("GET", "/consent-documents", None, STUDY_READERS),
    (
        "POST",
        "/consent-documents",
        {"version": "9", "language": "en", "title": "t", "body": "b", "approved_on": "2026-01-01"},
        {D},
    ),
    ("GET", "/subjects/{sid}/consents", None, STUDY_READERS),
    (
        "POST",
        "/subjects/{sid}/consents",
        {"document_id": "x", "consent_date": "2026-05-01"},
        {C, INV},
    ),
    ("POST", "/consents/no-such-consent/signature", {"password": "p"}, {INV}),
    ("POST", "/subjects/{sid}/enrollment", {}, {C, INV}),
    ("GET", "/waitlist", None, STUDY_READERS),
    ("PUT", "/trial/enrollment-pause", {"paused": False, "reason": "matrix"}, {INV, A}),
    ("GET", "/reports/screening-log", None, STUDY_READERS),
    ("GET", "/reports/consort", None, STUDY_READERS),
    ("GET", "/audit", None, {D, M, A}),
    ("GET", "/audit/verify", None, {D, M, A}),
    # Treatment and safety (issue 5): recording is the site team's; closing queries is data
    # review (investigator, data manager, monitor); safety decisions are the investigator's.
    ("GET", "/treatment/plan", None, STUDY_READERS),
    ("GET", "/ctcae/terms?q=neutro", None, STUDY_READERS),
    ("GET", "/subjects/{sid}/calendar", None, STUDY_READERS),
    ("PUT", "/subjects/{sid}/cycles/1/start", {"start": "2026-06-01"}, {C, INV}),
    ("POST", "/subjects/{sid}/visits", {"visit_key": "x", "on": "2026-06-01"}, {C, INV}),
    (
        "POST",
        "/subjects/{sid}/exposures",
        {"product": "x", "dose": "1", "unit": "mg", "start": "2026-06-01T10:00:00Z"},
        {C, INV},
    ),
    ("GET", "/subjects/{sid}/exposures", None, STUDY_READERS),
    ("POST", "/subjects/{sid}/labs", {"resourceType": "Bundle"}, {C, INV}),
    ("GET", "/subjects/{sid}/ae-suggestions", None, STUDY_READERS),
    ("POST", "/ae-suggestions/no-such-suggestion/confirm", {}, {C, INV}),
    ("POST", "/ae-suggestions/no-such-suggestion/reject", {"reason": "r"}, {C, INV}),
    ("POST", "/subjects/{sid}/adverse-events", AE, {C, INV}),
    ("GET", "/subjects/{sid}/adverse-events", None, STUDY_READERS),
    (
        "PUT",
        "/adverse-events/no-such-event",
        {"event": AE, "version": 1, "reason": "r"},
        {C, INV},
    ),
    (
        "POST",
        "/adverse-events/no-such-event/sae-report",
        {"reported_at": "2026-06-02T10:00:00Z"},
        {C, INV},
    ),
    ("GET", "/queries", None, STUDY_READERS),
    ("POST", "/queries/no-such-query/close", {"text": "t"}, {INV, D, M}),
    ("PUT", "/subjects/{sid}/tumour-assessments/recist", {}, {C, INV}),
    ("PUT", "/subjects/{sid}/death", {"on": "2026-06-01"}, {C, INV}),
    ("GET", "/subjects/{sid}/endpoints", None, STUDY_READERS),
    ("GET", "/safety/stopping-rules", None, STUDY_READERS),
    ("POST", "/safety/evaluate", None, {C, INV}),
    ("GET", "/safety/alerts", None, STUDY_READERS),
    (
        "POST",
        "/safety/alerts/no-such-alert/decision",
        {"decision": "continue", "reason": "r"},
        {INV},
    ),
    ("PUT", "/safety/notification-hook", {"url": "http://127.0.0.1:9/hook"}, {A}),
    # Exports carry every subject's data: the data manager's alone.
    ("GET", "/exports/odm?cutoff=2026-06-01", None, {D}),
]


def _call(team: Clients, method: str, path: str, body: Any, headers: dict[str, str]) -> int:
    return team.client.request(method, f"{API}{path}", json=body, headers=headers).status_code


def test_every_role_reaches_exactly_its_endpoints(team: Clients) -> None:
    created = team.client.post(f"{API}/subjects", json={}, headers=team.as_(C))
    assert created.status_code == 201, created.text
    ids = {
        "sid": created.json()["id"],
        "monitor_id": team.client.get(f"{API}/auth/me", headers=team.as_(M)).json()["id"],
    }
    wrong: list[str] = []
    for method, template, body, allowed in MATRIX:
        path = template.format(**ids)
        anonymous = _call(team, method, path, body, {})
        if allowed == PUBLIC:
            if anonymous in (401, 403):
                wrong.append(f"anonymous {method} {path}: {anonymous}, expected public")
            continue
        if anonymous != 401:
            wrong.append(f"anonymous {method} {path}: {anonymous}, expected 401")
        for role in ALL_STAFF:
            status = _call(team, method, path, body, team.as_(role))
            reached = status not in (401, 403)
            if reached != (role in allowed):
                expected = "reach" if role in allowed else "403"
                wrong.append(f"{role} {method} {path}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_matrix_covers_every_api_route(team: Clients) -> None:
    paths = team.client.get(f"{API}/openapi.json").json()["paths"]
    operations = {(m.upper(), p) for p, item in paths.items() for m in item}
    covered = {(m, API + t.split("/no-such")[0]) for m, t, _b, _r in MATRIX}
    placeholders = {
        "{sid}": "{subject_id}",
        "{monitor_id}": "{user_id}",
        "/cycles/1/": "/cycles/{cycle}/",
        "/tumour-assessments/recist": "/tumour-assessments/{criteria}",
        "?q=neutro": "",
        "/exports/odm?cutoff=2026-06-01": "/exports/{kind}",
    }
    normalised = set()
    for method, path in covered:
        for old, new in placeholders.items():
            path = path.replace(old, new)
        normalised.add((method, path))
    normalised |= {
        ("GET", f"{API}/screenings/{{screening_id}}"),
        ("POST", f"{API}/consents/{{consent_id}}/signature"),
        ("GET", f"{API}/applications/{{reference_code}}"),
        ("PUT", f"{API}/users/{{user_id}}/active"),
        ("POST", f"{API}/ae-suggestions/{{suggestion_id}}/confirm"),
        ("POST", f"{API}/ae-suggestions/{{suggestion_id}}/reject"),
        ("PUT", f"{API}/adverse-events/{{event_id}}"),
        ("POST", f"{API}/adverse-events/{{event_id}}/sae-report"),
        ("POST", f"{API}/queries/{{query_id}}/{{action}}"),
        ("POST", f"{API}/safety/alerts/{{alert_id}}/decision"),
    }
    # Sign-in and sign-out are tested on their own (test_auth.py), the application form too.
    exempt = {
        ("POST", f"{API}/auth/session"),
        ("DELETE", f"{API}/auth/session"),
        ("POST", f"{API}/auth/tokens"),
        ("POST", f"{API}/applications"),
    }
    missing = operations - normalised - exempt
    assert not missing, f"routes without a row in the access matrix: {sorted(missing)}"
