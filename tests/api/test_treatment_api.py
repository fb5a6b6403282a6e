"""A subject on study through /api/v1 on SQLite and PostgreSQL: enrol, calendar, doses, labs →
auto-suggested AEs (confirmed, never created silently), AE queries, a DLT, an SAE to a real
webhook on 127.0.0.1, scans → progression → PFS; and the role checks of these routes.
The bundled treatment plan is an EXAMPLE (labelled so in every answer that shows it)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from api_helpers import API, Clients, TestClient
from fastapi import FastAPI
from sqlalchemy import select

from service.study_helpers import Staff, consented_subject, with_document
from trialdesk.service.storage.models import UserRow
from trialdesk.service.users import actor_of
from trialdesk.testing.fhir import BundleBuilder

ATTRIBUTED = {
    "Autologous NK cells": "possible",
    "Anti-GD2 monoclonal antibody": "probable",
    "Standard chemotherapy": "unlikely",
}


def staff_of(app: FastAPI) -> Staff:
    with app.state.database.transaction() as session:
        users = {u.username: actor_of(u) for u in session.execute(select(UserRow)).scalars()}
    return Staff(**{role: users[role] for role in Staff.__dataclass_fields__})


def consented(app: FastAPI) -> str:
    staff = staff_of(app)
    with app.state.database.transaction() as session:
        document_id = with_document(session, staff.data_manager, date(2026, 1, 1)).id
    return consented_subject(
        app.state.database, staff, document_id=document_id, on=date(2026, 6, 1)
    )


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        self.server.received.append(json.loads(self.rfile.read(length)))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def hook_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_subject_on_study_end_to_end(team: Clients, app: FastAPI) -> None:
    client: TestClient = team.client
    C, INV, A, M = (
        team.as_(r) for r in ("coordinator", "investigator", "administrator", "monitor")
    )
    sid = consented(app)
    enrolled = ok(
        client.post(f"{API}/subjects/{sid}/enrollment", json={"on": "2026-06-01"}, headers=C)
    )
    assert enrolled["outcome"] == "enroll"
    e = date.fromisoformat(enrolled["subject"]["enrolled_on"])
    assert e == date(2026, 6, 1)  # the date given, whatever day it was recorded
    c1 = e + timedelta(days=7)

    plan = ok(client.get(f"{API}/treatment/plan", headers=M))
    assert plan["plan"]["example"] is True
    assert plan["boundaries"]["dlt-bayes-30"][0] == {"treated": 2, "stop_at_dlts": 2}
    terms = ok(client.get(f"{API}/ctcae/terms?q=neutro", headers=C))
    assert terms[0]["term"] == "Neutrophil count decreased"
    assert terms[0]["grades"]["5"] is None

    ok(
        client.put(
            f"{API}/subjects/{sid}/cycles/1/start", json={"start": c1.isoformat()}, headers=C
        )
    )
    ok(
        client.post(
            f"{API}/subjects/{sid}/visits",
            json={"visit_key": "chemo-c1-d1", "on": c1.isoformat()},
            headers=C,
        ),
        201,
    )
    cal = ok(
        client.get(
            f"{API}/subjects/{sid}/calendar?as_of={(c1 + timedelta(days=1)).isoformat()}", headers=M
        )
    )
    status = {v["key"]: v["status"] for v in cal["visits"]}
    assert status["chemo-c1-d1"] == "done"
    assert status["antibody-c1-d2"] == "due"
    assert cal["example"] is True
    assert cal["cycle_starts"] == [
        {"cycle": 1, "planned": c1.isoformat(), "actual": c1.isoformat(), "delay_days": 0,
         "deviation": None}
    ]  # fmt: skip

    for product, amount, unit, day in (
        ("anti_gd2", "17.5", "mg/m2", 1),
        ("nk_cells", "50", "10*6/kg", 5),
    ):
        given = ok(client.post(
            f"{API}/subjects/{sid}/exposures",
            json={"product": product, "dose": amount, "unit": unit,
                  "start": f"{(c1 + timedelta(days=day)).isoformat()}T09:00:00+08:00",
                  "height": "118", "weight": "21", "route": "IV"},
            headers=C,
        ), 201)  # fmt: skip
        assert given["dose_check"]["status"] == "in_range"

    # Labs: the ANC 0.3 result is suggested as grade 4 neutropenia, the normal Hb not at all.
    bundle = BundleBuilder("p1", "2016-05-01", "female")
    lab_day = (c1 + timedelta(days=9)).isoformat()
    bundle.lab("751-8", 0.3, "10*9/L", lab_day, low=1.5, high=8.0)
    bundle.lab("718-7", 125, "g/L", lab_day, low=110, high=145)
    suggested = ok(client.post(f"{API}/subjects/{sid}/labs", json=bundle.bundle(), headers=C), 201)
    assert [(s["term"], s["grade"], s["status"]) for s in suggested] == [
        ("Neutrophil count decreased", 4, "pending")
    ]
    assert ok(client.get(f"{API}/subjects/{sid}/adverse-events", headers=M)) == []
    confirmed = ok(client.post(
        f"{API}/ae-suggestions/{suggested[0]['id']}/confirm",
        json={"attribution": ATTRIBUTED, "resolved": (c1 + timedelta(days=12)).isoformat(),
              "outcome": "recovered"},
        headers=C,
    ))  # fmt: skip
    assert confirmed["event"]["source"] == "lab"
    assert confirmed["event"]["dlt"]["verdict"] == "not_dlt"  # grade 4 for 3 days only

    # An AE typed with its dates reversed raises a query; the coordinator answers, the
    # monitor closes.
    bad = {"term": "Pain", "grade": 2, "onset": lab_day, "resolved": (c1 + timedelta(days=8)).isoformat(),
           "attribution": ATTRIBUTED}  # fmt: skip
    saved = ok(client.post(f"{API}/subjects/{sid}/adverse-events", json=bad, headers=C), 201)
    [query] = saved["queries"]
    assert query["check"] == "resolution_before_onset"
    refused = client.post(f"{API}/queries/{query['id']}/close", json={"text": "x"}, headers=C)
    assert refused.status_code == 403
    ok(
        client.post(
            f"{API}/queries/{query['id']}/answer", json={"text": "source says day 12"}, headers=C
        )
    )
    closed = ok(
        client.post(f"{API}/queries/{query['id']}/close", json={"text": "verified"}, headers=M)
    )
    assert closed["state"] == "closed"
    again = client.post(f"{API}/queries/{query['id']}/answer", json={"text": "late"}, headers=C)
    assert again.status_code == 409
    assert again.json()["error"] == "IllegalTransitionError"

    # An SAE and a DLT: the investigators' alerts, the hook gets the SAE with its deadline.
    with hook_server() as (url, received):
        ok(client.put(f"{API}/safety/notification-hook", json={"url": url}, headers=A))
        sae = {"term": "Capillary leak syndrome", "grade": 3, "onset": (c1 + timedelta(days=6)).isoformat(),
               "resolved": (c1 + timedelta(days=10)).isoformat(), "serious": True,
               "seriousness": ["hospitalisation"], "attribution": ATTRIBUTED, "outcome": "recovered",
               "aware_at": f"{(c1 + timedelta(days=6)).isoformat()}T10:00:00+08:00"}  # fmt: skip
        saved = ok(client.post(f"{API}/subjects/{sid}/adverse-events", json=sae, headers=C), 201)
    assert sorted(a["kind"] for a in saved["alerts"]) == ["dlt", "sae"]
    assert [r["term"] for r in received] == ["Capillary leak syndrome"]
    deadline = datetime.fromisoformat(received[0]["report_deadline"])
    assert deadline == datetime.fromisoformat(sae["aware_at"]) + timedelta(hours=24)
    listed = ok(client.get(f"{API}/subjects/{sid}/adverse-events", headers=M))
    clock = next(a["sae_clock"] for a in listed if a["serious"])
    assert clock["status"] in ("running", "overdue")
    rules = ok(client.get(f"{API}/safety/stopping-rules", headers=INV))
    assert (rules["evaluable"], rules["dlts"]) == (1, 1)
    assert rules["rules"][0]["crossed"] is False  # 1 of 1: P = 0.784 under the example rule
    assert ok(client.post(f"{API}/safety/evaluate", headers=C)) == []  # nothing new
    assert client.post(f"{API}/safety/evaluate", headers=M).status_code == 403

    # Scans (INRC, the example's primary criteria) show PR then progression.
    def point(day: int, mm: str) -> dict[str, Any]:
        return {"subject": "p1", "baseline_date": (c1 - timedelta(days=3)).isoformat(),
                "date": (c1 + timedelta(days=day)).isoformat(),
                "primary": {"baseline_longest_diameter_mm": "50", "longest_diameter_mm": mm},
                "metastases": {"bone": {"method": "mibg_curie", "baseline_score": "10", "score": "2"}},
                "marrow": {"baseline_percent": "20", "percent": "0"}}  # fmt: skip

    summary = ok(client.put(
        f"{API}/subjects/{sid}/tumour-assessments/inrc",
        json={"timepoints": [point(42, "20"), point(84, "70")]}, headers=C,
    ))  # fmt: skip
    assert summary["best_response"] == "PR"
    assert summary["progression_date"] == (c1 + timedelta(days=84)).isoformat()
    endpoints = ok(client.get(f"{API}/subjects/{sid}/endpoints", headers=M))
    assert endpoints["pfs"]["event"] is True
    assert endpoints["pfs"]["days"] == 84  # first dose on day 1 of c1+1, PD on c1+84
    assert endpoints["disease_control"] is True
    assert endpoints["duration_of_response"]["days"] == 43
    assert ok(client.get(f"{API}/audit/verify", headers=M))["intact"] is True


def test_roles_on_the_treatment_routes(team: Clients, app: FastAPI) -> None:
    client = team.client
    sid = consented(app)
    ok(client.post(f"{API}/subjects/{sid}/enrollment", json={}, headers=team.as_("coordinator")))
    ae = {"term": "Nausea", "grade": 1, "onset": "2026-06-02", "attribution": ATTRIBUTED}
    writers = {"coordinator", "investigator"}
    for role in ("coordinator", "investigator", "data_manager", "monitor", "administrator"):
        response = client.post(
            f"{API}/subjects/{sid}/adverse-events", json=ae, headers=team.as_(role)
        )
        assert (response.status_code == 201) == (role in writers), (role, response.text)
        hook = client.put(f"{API}/safety/notification-hook", json={"url": "http://127.0.0.1:9/x"},
                          headers=team.as_(role))  # fmt: skip
        assert (hook.status_code == 200) == (role == "administrator"), (role, hook.text)
    assert client.get(f"{API}/subjects/{sid}/adverse-events").status_code == 401
    bad = client.post(f"{API}/subjects/{sid}/adverse-events", json={**ae, "grade": 7},
                      headers=team.as_("coordinator"))  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["where"].endswith("grade")
