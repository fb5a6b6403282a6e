"""The public pages through the real application: trial page, pre-screen, application."""

from __future__ import annotations

import re
from pathlib import Path

from web_helpers import TestClient, build_app, csrf_of

GOOD = {
    "birth_date": "2018-05-01",
    "diagnosis": "yes",
    "risk_group": "high",
    "treatment_stage": "maintenance",
    "disease_status": "neither",
    "active_infection": "no",
    "organ_transplant": "no",
    "stem_cell_transplant": "own_cells",
    "hiv": "no",
}


def prescreen(client: TestClient, answers: dict[str, str]) -> tuple[str, str]:
    token = csrf_of(client.get("/prescreen").text)
    response = client.post("/prescreen", data={"csrf_token": token, **answers})
    assert response.status_code == 200, response.text
    answers_token = re.search(r'name="answers_token" value="([^"]+)"', response.text)
    assert answers_token
    return response.text, answers_token.group(1)


def contact(**changes: str) -> dict[str, str]:
    data = {
        "guardian_name": "Synthetic Guardian",
        "phone": "+86 138 0000 0000",
        "email": "",
        "preferred_language": "zh",
        "consent": "yes",
        "website": "",
    }
    data.update(changes)
    return data


def apply(client: TestClient, **changes: str) -> tuple[int, str]:
    _, answers_token = prescreen(client, GOOD)
    token = client.cookies.get("trialdesk_csrf")
    data = {"csrf_token": token, "answers_token": answers_token, **contact(**changes)}
    response = client.post("/apply", data=data)
    return response.status_code, response.text


def test_trial_page_shows_everything_the_listing_shows_with_sources(client: TestClient) -> None:
    html = client.get("/?lang=en").text
    for expected in (
        "A Clinical Trial on Autologous NK Cells Combined With GD2 Monoclonal Antibody",
        "Guangzhou Women and Children&#39;s Medical Center",
        "Apr 22, 2025",  # launched
        "Jun 26, 2025",  # current as of
        "Not yet recruiting",
        "All (boys and girls)",
        "1 to 18 years",
        "15 children planned",
        "0 applied · 0 of 15 enrolled",
        "Keywords",
        "None listed",
        "Inclusion criteria",
        "hemoglobin &gt;= 80 g/L",  # the registry text, as written
        "Haemoglobin (red blood cells): at least 80 g/L.",  # the plain version
        "HIV infection",
        "About the sponsor",
        "Jennifer Cobb",
        "Guangzhou, Guangdong, China",
        "First submitted",
        "Estimated completion",
        "Source: Public listing, &#39;Not yet recruiting&#39;",
        "an NIAID immunologist for a single-centre Guangzhou trial looks like a listing error",
    ):
        assert expected in html, expected
    timeline = html[html.index('id="timeline-h"') :]
    assert timeline.count("<dd>Not reported") == 3  # first submitted, updated, completion


def test_plain_language_summary_is_generated_in_both_languages(client: TestClient) -> None:
    en = client.get("/?lang=en").text
    assert "It plans to include 15 children aged 1 to 18 years." in en
    assert "Every child in the study gets the same treatment." in en
    zh = client.get("/?lang=zh").text
    assert '<html lang="zh-Hans">' in zh
    assert "计划纳入 15 名 1 至 18 岁的儿童。" in zh
    assert "神经母细胞瘤" in zh
    assert "年龄 1 至 18 岁（到 19 岁生日的前一天为止）。" in zh


def test_language_comes_from_query_then_cookie_then_accept_language(client: TestClient) -> None:
    assert '<html lang="en">' in client.get("/").text
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in page.text
    switched = client.get("/prescreen?lang=zh")
    assert switched.cookies.get("lang") == "zh"
    assert "我的孩子能参加吗？" in client.get("/prescreen").text  # the cookie now decides
    assert '<html lang="en">' in client.get("/?lang=en").text


def test_every_page_sends_security_headers(client: TestClient) -> None:
    csrf_cookie = client.get("/prescreen").headers.get("set-cookie", "")
    assert "httponly" in csrf_cookie.lower()
    assert "samesite=strict" in csrf_cookie.lower()
    for path in ("/", "/prescreen", "/staff/login"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in headers  # plain HTTP here: no HSTS


def test_the_questionnaire_is_generated_from_the_criteria(client: TestClient) -> None:
    html = client.get("/prescreen?lang=en").text
    for field in (
        "birth_date",
        "diagnosis",
        "risk_group",
        "treatment_stage",
        "disease_status",
        "lab_hemoglobin",
        "lab_neutrophils",
        "lab_platelets",
        "hiv",
    ):
        assert f'name="{field}"' in html, field
    assert "Only the study team can decide" in html
    assert 'name="lab_hemoglobin_unit"' in html
    assert 'value="g/dL"' in html


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/prescreen")
    response = client.post("/prescreen", data=GOOD)
    assert response.status_code == 403
    response = client.post("/prescreen", data={**GOOD, "csrf_token": "forged" * 8})
    assert response.status_code == 403


def test_prescreen_may_be_eligible_lists_what_the_care_team_checks(client: TestClient) -> None:
    html, _ = prescreen(client, GOOD)
    assert "Your child may be eligible" in html
    assert "What the care team needs to check" in html
    assert "Written consent" in html
    assert "Only the study team can decide" in html


def test_prescreen_probably_not_says_why(client: TestClient) -> None:
    html, _ = prescreen(client, {**GOOD, "hiv": "yes"})
    assert "Your child is probably not eligible" in html
    assert "you said your child has HIV infection" in html


def test_prescreen_without_a_birth_date_asks_again(client: TestClient) -> None:
    token = csrf_of(client.get("/prescreen").text)
    response = client.post("/prescreen", data={"csrf_token": token, **GOOD, "birth_date": ""})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text


def test_apply_returns_a_reference_code_and_counts_the_child(client: TestClient) -> None:
    status, html = apply(client)
    assert status == 200
    code = re.search(r'data-testid="reference-code">([A-Z0-9-]+)<', html)
    assert code
    assert code.group(1).startswith("A-")
    assert "0 applied" not in client.get("/?lang=en").text
    assert "1 applied · 0 of 15 enrolled" in client.get("/?lang=en").text
    # Nothing identifying is public: neither the name nor the phone appears on the trial page.
    public = client.get("/").text
    assert "Synthetic Guardian" not in public
    assert "138 0000" not in public


def test_apply_needs_contact_and_consent(client: TestClient) -> None:
    status, html = apply(client, consent="", phone="")
    assert status == 422
    assert "Tick the box" in html or "请勾选" in html
    assert "1 applied" not in client.get("/?lang=en").text


def test_honeypot_and_tampered_answers_are_refused_and_nothing_is_stored(
    client: TestClient,
) -> None:
    status, _ = apply(client, website="http://spam.example")
    assert status == 400
    token = client.cookies.get("trialdesk_csrf")
    data = {"csrf_token": token, "answers_token": "not-signed", **contact()}
    assert client.post("/apply", data=data).status_code == 400
    assert "0 applied" in client.get("/?lang=en").text


def test_applications_are_rate_limited_per_ip(client: TestClient) -> None:
    statuses = [apply(client, phone=f"+86 138 0000 00{i:02d}")[0] for i in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]


def test_answers_and_contacts_never_travel_in_urls(client: TestClient) -> None:
    html, _ = prescreen(client, GOOD)
    assert 'method="post" action="/apply"' in html
    for form in re.findall(r"<form[^>]*>", html):
        assert 'method="post"' in form


def test_behind_https_cookies_are_secure_and_hsts_is_sent(tmp_path: Path, seeded: Path) -> None:
    app = build_app(tmp_path, seed=seeded, cookie_secure=True)
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/prescreen?lang=zh")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        cookies = response.headers.get_list("set-cookie")
        assert cookies
        assert all("secure" in c.lower() for c in cookies), cookies
    app.state.database.dispose()
