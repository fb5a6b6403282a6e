"""End to end in a real browser (Debian's chromium via Playwright) against a live uvicorn server:
a family pre-screens and applies in Chinese; the study team screens, signs, consents and enrolls;
a coordinator uploads labs, confirms the suggested AE and sees it on the safety dashboard;
axe-core finds no serious or critical accessibility violation on the public pages and on the
on-study and safety pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from on_study_helpers import enrolled_subject, lab_bundle
from playwright.sync_api import Browser, Page, expect, sync_playwright
from web_helpers import PASSWORD, build_app

from trialdesk.testing.patients import AS_OF, eligible_maintenance, without
from trialdesk.web.live import CHROMIUM, CHROMIUM_ARGS, live_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seeded: Path) -> Iterator[tuple[FastAPI, str]]:
    app = build_app(tmp_path_factory.mktemp("browser"), today=AS_OF, seed=seeded)
    with live_server(app) as url:
        yield app, url
    app.state.database.dispose()


@pytest.fixture(scope="module")
def base_url(live: tuple[FastAPI, str]) -> str:
    return live[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def choose(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def test_a_family_prescreens_and_applies_in_chinese(page: Page, base_url: str) -> None:
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{base_url}/?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_role("link", name="看看我的孩子能否参加").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的孩子能参加吗？")
    page.get_by_label("孩子的出生日期").fill("2018-05-01")
    choose(page, "医生是否告诉过您，孩子患有神经母细胞瘤？", "是")
    choose(page, "医生是否说过孩子的神经母细胞瘤是“高危”？", "是，高危")
    choose(page, "孩子现在处于哪个治疗阶段？", "维持治疗")
    choose(page, "肿瘤是否复发了，或者治疗无效？", "都没有")
    choose(page, "孩子现在是否有感染，或正在用药治疗感染（口服或输液）？", "否")
    choose(page, "孩子是否做过器官移植（例如肾、肝或心脏），或计划做？", "否")
    choose(page, "孩子是否做过干细胞（骨髓）移植？", "有，用孩子自己的细胞（自体）")
    choose(page, "孩子是否有 HIV 感染？", "否")
    page.get_by_role("button", name="查看结果").click()
    expect(page.get_by_role("heading", name="您的孩子可能符合条件")).to_be_visible()
    expect(page.get_by_text("只有研究团队在查看医院记录和检查结果后才能决定").first).to_be_visible()
    assert "birth" not in page.url
    assert "2018" not in page.url

    page.get_by_label("您的姓名（家长或监护人）").fill("合成 家长")
    page.get_by_label("电话号码").fill("+86 138 0000 0000")
    page.get_by_label("我同意研究团队就这项研究与我联系。").check()
    page.get_by_role("button", name="提交").click()
    code = page.get_by_test_id("reference-code").inner_text()
    assert re.fullmatch(r"A-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    assert code not in page.url

    page.goto(f"{base_url}/")
    expect(page.get_by_text("已申请 1 人")).to_be_visible()
    expect(page.get_by_text("合成 家长")).to_have_count(0)
    assert csp_errors == []


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/staff/login?lang=en")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enrollment and screening")).to_be_visible()


def test_the_study_team_screens_signs_consents_and_enrolls(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    record = tmp_path / "patient.json"
    bundle: dict[str, Any] = without(eligible_maintenance(), "not-highly-allergic").bundle()
    record.write_text(json.dumps(bundle), encoding="utf-8")

    sign_in(page, base_url, "data_manager")
    page.locator("summary", has_text="Add a consent document version").click()
    page.get_by_label("Title").fill("家长知情同意书")
    page.get_by_label("Version").fill("1.0")
    page.get_by_label("Text of the document").fill("Synthetic consent text.")
    page.get_by_role("button", name="Add a consent document version").click()
    expect(page.get_by_text("The consent document was added.")).to_be_visible()

    sign_in(page, base_url, "coordinator")
    page.get_by_role("link", name="Candidates").click()
    page.get_by_role("button", name="Register a candidate").click()
    page.get_by_label("Upload the patient's FHIR R4 record (a JSON Bundle)").set_input_files(record)
    page.get_by_role("button", name="Screen").click()
    expect(page.get_by_test_id("verdict")).to_have_text("Needs review")
    expect(page.get_by_role("row", name=re.compile("exc-allergic-constitution"))).to_contain_text(
        "Review"
    )
    subject_url = page.url

    sign_in(page, base_url, "investigator")
    page.goto(subject_url)
    page.get_by_label("exc-allergic-constitution").check()
    page.get_by_label(re.compile("Your password, to sign")).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign: I confirm eligibility").click()
    expect(page.get_by_test_id("subject-status")).to_have_text("Eligible")

    sign_in(page, base_url, "coordinator")
    page.goto(subject_url)
    page.get_by_label("Parent or guardian", exact=True).fill("Synthetic Guardian")
    page.get_by_label("Parent or guardian signed").check()
    page.get_by_label("Child signed the assent").check()
    page.get_by_role("button", name="Record a signed consent").click()
    expect(page.get_by_text("The consent was recorded.")).to_be_visible()

    sign_in(page, base_url, "investigator")
    page.goto(subject_url)
    page.get_by_label(re.compile("Your password, to sign")).fill(PASSWORD)
    page.get_by_role("button", name="Sign the consent as investigator").click()
    expect(page.get_by_test_id("subject-status")).to_have_text("Consented")

    sign_in(page, base_url, "coordinator")
    page.goto(subject_url)
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_text("Enrolled as number 1.")).to_be_visible()
    page.get_by_role("link", name="Enrollment", exact=True).click()
    expect(page.get_by_test_id("enrolled")).to_have_text("1 of 15 children enrolled")


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_public_pages_have_no_serious_accessibility_violations(
    browser: Browser, base_url: str, lang: str
) -> None:
    # axe is injected as a script: the pages' CSP (rightly) forbids that, so bypass it here only.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for path in ("/", "/prescreen", "/staff/login"):
        page.goto(f"{base_url}{path}?lang={lang}")
        found[path] = serious_violations(page)
    page.goto(f"{base_url}/prescreen?lang={lang}")
    page.locator("#q-birth_date").fill("2019-02-03")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_selector(".outcome")
    found["prescreen result"] = serious_violations(page)
    page.locator("form.form button[type=submit]").click()  # the application, empty: errors shown
    page.wait_for_selector(".error-summary")
    found["application errors"] = serious_violations(page)
    # The check can fail: an unlabelled field and low-contrast text are caught.
    page.evaluate(
        """() => { const f = document.createElement('div');
        f.innerHTML = '<input type="text"><p style="color:#bbb;background:#fff">faint</p>';
        document.querySelector('main').appendChild(f); }"""
    )
    planted = serious_violations(page)
    context.close()
    assert found == {key: [] for key in found}
    assert any(v.startswith("label") for v in planted), planted
    assert any(v.startswith("color-contrast") for v in planted), planted


def test_a_coordinator_confirms_a_lab_suggested_ae(
    browser: Browser, live: tuple[FastAPI, str], tmp_path: Path
) -> None:
    # Seeded through the service (screening, consent and enrollment are tested above).
    app, base_url = live
    subject_id = enrolled_subject(app, AS_OF)
    labs = tmp_path / "labs.json"
    labs.write_text(json.dumps(lab_bundle(AS_OF - timedelta(days=2))), encoding="utf-8")
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base_url, "coordinator")
    on_study = f"{base_url}/staff/subjects/{subject_id}/on-study"
    page.goto(on_study)
    page.get_by_label("Lab results (FHIR R4 Bundle, JSON)").set_input_files(labs)
    page.get_by_role("button", name="Upload and grade").click()
    suggestion = page.get_by_test_id("suggestion")
    expect(suggestion).to_contain_text("Neutrophil count decreased")
    expect(suggestion).to_contain_text("grade 4")
    suggestion.locator("summary").click()
    suggestion.get_by_label("Anti-GD2 monoclonal antibody").select_option("probable")
    suggestion.get_by_label("Outcome").select_option("recovering")
    suggestion.get_by_role("button", name="Confirm as an adverse event").click()
    expect(page.get_by_text("Confirmed: the adverse event is recorded.")).to_be_visible()
    expect(page.get_by_test_id("ae-list")).to_contain_text("Neutrophil count decreased")

    # The picker follows the typing (the script), and choosing a term shows its grades.
    page.get_by_label("Find a CTCAE v5.0 term").fill("febrile neut")
    page.get_by_test_id("ctcae-results").get_by_role("link", name="Febrile neutropenia").click()
    expect(page.get_by_test_id("ae-form")).to_contain_text("ANC <1000/mm3")

    page.get_by_role("link", name="Safety").click()
    expect(page.get_by_test_id("ae-by-term")).to_contain_text("Neutrophil count decreased")
    context.close()

    checked = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = checked.new_page()
    sign_in(page, base_url, "investigator")
    found = {}
    for path in (on_study, f"{on_study}?term=Pain", f"{base_url}/staff/safety"):
        page.goto(path)
        found[path] = serious_violations(page)
    checked.close()
    assert found == {key: [] for key in found}
