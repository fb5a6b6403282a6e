"""Sign-in: browser sessions (cookie) and API tokens; sign-out revokes; site scoping."""

from __future__ import annotations

from api_helpers import API, Clients, TestClient, add_users, token
from fastapi import FastAPI

from service.study_helpers import PASSWORD
from trialdesk.api.deps import SESSION_COOKIE


def test_session_cookie_signs_in_and_sign_out_revokes_it(client: TestClient, app: FastAPI) -> None:
    add_users(app.state.database, ["coordinator"])
    wrong = client.post(f"{API}/auth/session", json={"username": "coordinator", "password": "x"})
    assert wrong.status_code == 403
    assert wrong.json()["message"] == "the username or the password is wrong"
    unknown = client.post(f"{API}/auth/session", json={"username": "ghost", "password": "x"})
    assert unknown.json()["message"] == wrong.json()["message"]  # no hint which one was wrong
    signed = client.post(
        f"{API}/auth/session", json={"username": "coordinator", "password": PASSWORD}
    )
    assert signed.status_code == 200
    cookie = signed.cookies.get(SESSION_COOKIE)
    assert cookie
    assert "httponly" in signed.headers["set-cookie"].lower()
    assert client.get(f"{API}/auth/me").json()["username"] == "coordinator"
    assert client.delete(f"{API}/auth/session").status_code == 204
    client.cookies.set(SESSION_COOKIE, cookie)  # a copied cookie is dead after sign-out
    assert client.get(f"{API}/auth/me").status_code == 403


def test_a_made_up_token_is_refused(client: TestClient) -> None:
    response = client.get(f"{API}/subjects", headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 403
    assert response.json()["where"] == "authorization"


def test_sign_in_is_audited_and_the_secret_is_not(team: Clients, app: FastAPI) -> None:
    entries = team.client.get(f"{API}/audit?limit=200", headers=team.as_("monitor")).json()
    sign_ins = [e for e in entries["items"] if e["action"] == "sign_in"]
    assert len(sign_ins) == 5
    secret = team.as_("monitor")["Authorization"].removeprefix("Bearer ")
    assert secret not in str(entries)
    assert "password_hash" not in str(entries)


def test_site_scoped_user_sees_only_their_site(team: Clients, app: FastAPI) -> None:
    add_users(app.state.database, ["coordinator"], site="east")
    east = token(team.client, "coordinator-east")
    C = team.as_("coordinator")
    main_subject = team.client.post(f"{API}/subjects", json={"site": "main"}, headers=C).json()
    east_subject = team.client.post(f"{API}/subjects", json={}, headers=east).json()
    assert east_subject["site"] == "east"
    seen = team.client.get(f"{API}/subjects", headers=east).json()
    assert [s["id"] for s in seen["items"]] == [east_subject["id"]]
    assert team.client.get(f"{API}/subjects/{main_subject['id']}", headers=east).status_code == 404
    other_site = team.client.post(f"{API}/subjects", json={"site": "main"}, headers=east)
    assert other_site.status_code == 403
    assert team.client.get(f"{API}/subjects", headers=C).json()["total"] == 2


def test_pagination(team: Clients) -> None:
    C = team.as_("coordinator")
    for _ in range(5):
        team.client.post(f"{API}/subjects", json={}, headers=C)
    first = team.client.get(f"{API}/subjects?limit=2", headers=C).json()
    rest = team.client.get(f"{API}/subjects?offset=2&limit=10", headers=C).json()
    assert (first["total"], len(first["items"]), len(rest["items"])) == (5, 2, 3)
    ids = [s["id"] for s in first["items"] + rest["items"]]
    assert len(set(ids)) == 5
    assert team.client.get(f"{API}/subjects?limit=0", headers=C).status_code == 422


def test_deactivated_account_loses_its_tokens_and_cannot_sign_in(team: Clients) -> None:
    me = team.client.get(f"{API}/auth/me", headers=team.as_("coordinator")).json()
    off = team.client.put(
        f"{API}/users/{me['id']}/active",
        json={"active": False, "reason": "left the study team"},
        headers=team.as_("administrator"),
    )
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert team.client.get(f"{API}/auth/me", headers=team.as_("coordinator")).status_code == 403
    again = team.client.post(
        f"{API}/auth/tokens", json={"username": "coordinator", "password": PASSWORD}
    )
    assert again.status_code == 403
    admin = team.client.get(f"{API}/auth/me", headers=team.as_("administrator")).json()
    self_off = team.client.put(
        f"{API}/users/{admin['id']}/active",
        json={"active": False, "reason": "oops"},
        headers=team.as_("administrator"),
    )
    assert self_off.status_code == 409


def test_refused_sign_ins_are_audited_without_what_was_typed_for_unknown_accounts(
    team: Clients, app: FastAPI
) -> None:
    attempts = [
        ("coordinator", "wrong password"),
        ("my-secret-password", "x"),  # a password typed into the username box
    ]
    for username, password in attempts:
        refused = team.client.post(
            f"{API}/auth/session", json={"username": username, "password": password}
        )
        assert refused.status_code == 403
    refused = team.client.post(
        f"{API}/auth/tokens", json={"username": "coordinator", "password": "also wrong"}
    )
    assert refused.status_code == 403
    entries = team.client.get(f"{API}/audit?limit=200", headers=team.as_("monitor")).json()
    failed = [e for e in entries["items"] if e["action"] == "sign_in_failed"]
    assert len(failed) == 3
    assert "my-secret-password" not in str(entries)
    whys = sorted(str(e["new_value"]) for e in failed)
    assert sum("wrong_password" in w for w in whys) == 2
    assert sum("unknown_account" in w for w in whys) == 1
    assert all(e["actor"] == "public" for e in failed)
    assert "also wrong" not in str(entries)
    assert "wrong password" not in str(entries)
