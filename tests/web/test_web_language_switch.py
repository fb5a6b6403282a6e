"""Switching language on pages holding a family's answers keeps them (POST body, never URL)."""

from __future__ import annotations

import re

from test_web_public import GOOD, contact, prescreen
from web_helpers import TestClient, csrf_of


def test_switch_on_the_application_keeps_answers_and_contact(client: TestClient) -> None:
    html, answers_token = prescreen(client, GOOD)
    assert 'formaction="/apply/language"' in html  # the switch submits the form, not a link
    token = client.cookies.get("trialdesk_csrf")
    typed = contact(guardian_name="Synthetic Guardian Zhang", phone="+86 138 0000 1111")
    data = {"csrf_token": token, "answers_token": answers_token, **typed, "switch_lang": "zh"}
    switched = client.post("/apply/language", data=data)
    assert switched.status_code == 200
    assert '<html lang="zh-Hans">' in switched.text
    assert 'value="Synthetic Guardian Zhang"' in switched.text
    assert 'value="+86 138 0000 1111"' in switched.text
    assert f'value="{answers_token}"' in switched.text
    assert "Synthetic" not in str(switched.url)
    # The language sticks for the next pages; the application still goes through.
    assert client.cookies.get("lang") == "zh"
    data.pop("switch_lang")
    applied = client.post("/apply", data=data)
    assert applied.status_code == 200
    assert re.search(r"A-[0-9A-Z]{4}-[0-9A-Z]{4}", applied.text)


def test_switch_on_the_questionnaire_keeps_typed_answers(client: TestClient) -> None:
    token = csrf_of(client.get("/prescreen?lang=en").text)
    data = {"csrf_token": token, "birth_date": "2018-05-01", "hiv": "no", "switch_lang": "zh"}
    switched = client.post("/prescreen/language", data=data)
    assert switched.status_code == 200
    assert '<html lang="zh-Hans">' in switched.text
    assert 'value="2018-05-01"' in switched.text


def test_switch_refuses_a_forged_or_expired_form(client: TestClient) -> None:
    client.get("/prescreen")
    forged = client.post("/apply/language", data={"csrf_token": "x", "switch_lang": "zh"})
    assert forged.status_code == 403
    token = client.cookies.get("trialdesk_csrf")
    expired = client.post(
        "/apply/language", data={"csrf_token": token, "answers_token": "bad", "switch_lang": "zh"}
    )
    assert expired.status_code == 400
