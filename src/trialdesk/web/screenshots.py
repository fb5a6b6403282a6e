"""Screenshots of the main pages at phone (390×844) and desktop (1280×800) widths.

    uv run python -m trialdesk.web.screenshots docs/screenshots

Builds the real application on a throw-away SQLite database with synthetic data only (one user
per role, a consent document, one family application, one screened candidate), serves it on
127.0.0.1 and drives Debian's chromium through Playwright. Writes ``<page>-<width>.png``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import SecretStr

from trialdesk.service.storage.database import Database
from trialdesk.web.live import CHROMIUM, CHROMIUM_ARGS, live_server

__all__ = ["main", "take"]

PASSWORD = "synthetic demo password"  # noqa: S105 (a throw-away database)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _seed(url: str) -> None:
    from trialdesk.service import migrate
    from trialdesk.service.access import SYSTEM_ACTOR, Role
    from trialdesk.service.users import create_user

    database = Database(url)
    migrate.upgrade(database)
    with database.transaction() as session:
        for role in Role:
            create_user(
                session,
                SYSTEM_ACTOR,
                username=role.value,
                full_name=f"Dr {role.value.replace('_', ' ').title()}",
                role=role.value,
                password=PASSWORD,
            )
    database.dispose()


def _consent_document(database: Database, today: date) -> None:
    """Added after the application loaded the trial (the document belongs to it)."""
    from sqlalchemy import select

    from trialdesk.service import consent
    from trialdesk.service.storage.models import UserRow
    from trialdesk.service.users import actor_of

    with database.transaction() as session:
        manager = session.execute(select(UserRow).where(UserRow.username == "data_manager"))
        consent.add_document(
            session,
            actor_of(manager.scalar_one()),
            trial_id="NCT06948994",
            version="1.0",
            language="zh",
            title="家长知情同意书",
            body="Synthetic consent text.",
            approved_on=date(today.year, 1, 15),
        )


def take(out: Path) -> list[Path]:
    """Write the screenshots into ``out``; returns the files written."""
    from playwright.sync_api import Page, sync_playwright

    from trialdesk.api.app import create_app
    from trialdesk.settings import Settings
    from trialdesk.testing.patients import AS_OF, eligible_maintenance, without

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'screens.sqlite3'}"
        _seed(url)
        settings = Settings(
            database_url=url,
            secret_key=SecretStr("screenshots-only-secret-key-0123456789abcdef"),
            secret_key_file=folder / "secret_key",
        )
        app = create_app(settings, today=lambda: AS_OF)
        _consent_document(app.state.database, AS_OF)
        record = folder / "patient.json"
        bundle = without(eligible_maintenance(), "not-highly-allergic", "718-7").bundle()
        record.write_text(json.dumps(bundle), encoding="utf-8")
        with live_server(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def shot(name: str, viewport: dict[str, int], steps: Callable[[Page], None]) -> None:
                locale = "zh-CN" if "-zh" in name else "en-US"  # the date field's format follows it
                context = browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
                page = context.new_page()
                steps(page)
                path = out / f"{name}-{viewport['width']}.png"
                page.screenshot(path=str(path))
                written.append(path)
                context.close()

            def trial(lang: str) -> Callable[[Page], None]:
                def steps(page: Page) -> None:
                    page.goto(f"{base}/?lang={lang}")

                return steps

            def criteria(page: Page) -> None:
                page.goto(f"{base}/?lang=zh")
                page.locator("#criteria-h").scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -8)")

            def questionnaire(page: Page) -> None:
                page.goto(f"{base}/prescreen?lang=zh")

            def result(page: Page) -> None:
                questionnaire(page)
                page.locator("#q-birth_date").fill("2018-05-01")
                for name, value in (
                    ("diagnosis", "yes"),
                    ("risk_group", "high"),
                    ("treatment_stage", "maintenance"),
                    ("disease_status", "neither"),
                    ("active_infection", "no"),
                    ("organ_transplant", "no"),
                    ("stem_cell_transplant", "own_cells"),
                    ("hiv", "no"),
                ):
                    page.locator(f"input[name={name}][value={value}]").check()
                page.locator("form.form button[type=submit]").click()
                page.wait_for_selector(".outcome")

            def applied(page: Page) -> None:
                result(page)
                page.locator("#guardian_name").fill("合成 家长")
                page.locator("#phone").fill("+86 138 0000 0000")
                page.locator("#consent").check()
                page.locator("form.form button[type=submit]").click()
                page.wait_for_selector(".code")

            def signed_in(user: str, path: str) -> Callable[[Page], None]:
                def steps(page: Page) -> None:
                    page.goto(f"{base}/staff/login?lang=en")
                    page.locator("#username").fill(user)
                    page.locator("#password").fill(PASSWORD)
                    page.locator("form.form button[type=submit]").click()
                    page.wait_for_selector("h1")
                    page.goto(f"{base}{path}")

                return steps

            def subject(page: Page) -> None:
                signed_in("coordinator", "/staff/subjects")(page)
                page.locator('form[action="/staff/subjects"] button').click()
                page.locator("#record").set_input_files(record)
                page.locator("form[enctype] button[type=submit]").click()
                page.wait_for_selector("[data-testid=verdict]")
                # The haemoglobin row: unknown, with what is missing (the record has none).
                page.locator("th", has_text="inc-hemoglobin").evaluate("e => e.scrollIntoView()")
                page.evaluate("window.scrollBy(0, -60)")

            shot("trial-zh", PHONE, trial("zh"))
            shot("trial-zh", DESKTOP, trial("zh"))
            shot("trial-en", DESKTOP, trial("en"))
            shot("criteria-zh", PHONE, criteria)
            shot("prescreen-zh", PHONE, questionnaire)
            shot("result-zh", PHONE, result)
            shot("result-zh", DESKTOP, result)
            shot("applied-zh", PHONE, applied)
            shot("staff-subject", DESKTOP, subject)
            shot("staff-dashboard", DESKTOP, signed_in("coordinator", "/staff"))
            shot("staff-dashboard", PHONE, signed_in("coordinator", "/staff"))
            shot("staff-log", DESKTOP, signed_in("coordinator", "/staff/screening-log"))
            shot("staff-audit", DESKTOP, signed_in("monitor", "/staff/audit"))
            browser.close()
        app.state.database.dispose()
        written += _take_on_study(out, folder)
    return written


def _take_on_study(out: Path, folder: Path) -> list[Path]:
    """The on-study and safety pages, on the demo study with synthetic treatment data."""
    from playwright.sync_api import sync_playwright

    from trialdesk.api.app import create_app
    from trialdesk.service import migrate
    from trialdesk.service.demo import DEMO_PASSWORD
    from trialdesk.settings import Settings
    from trialdesk.web.screenshot_study import SCREENSHOT_TODAY, seed_on_study

    url = f"sqlite:///{folder / 'on-study.sqlite3'}"
    migrate.upgrade(Database(url))
    settings = Settings(
        database_url=url,
        secret_key=SecretStr("screenshots-only-secret-key-0123456789abcdef"),
        secret_key_file=folder / "secret_key",
    )
    app = create_app(settings, today=lambda: SCREENSHOT_TODAY)
    enrolled = seed_on_study(app.state.database, app.state.study.protocol)
    written: list[Path] = []
    with live_server(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, viewport, path, anchor in (
            ("on-study", DESKTOP, f"/staff/subjects/{enrolled[0]}/on-study", None),
            ("on-study-labs", DESKTOP, f"/staff/subjects/{enrolled[1]}/on-study", "#labs-h"),
            ("on-study-ae", DESKTOP, f"/staff/subjects/{enrolled[0]}/on-study?q=neutro&term=Febrile%20neutropenia", "#events-h"),
            ("on-study-ae", PHONE, f"/staff/subjects/{enrolled[0]}/on-study?term=Pain", "#ae-form"),
            ("safety", DESKTOP, "/staff/safety", None),
            ("safety-efficacy", DESKTOP, "/staff/safety", "#efficacy-h"),
        ):  # fmt: skip
            context = browser.new_context(viewport=viewport, locale="en-US")  # type: ignore[arg-type]
            page = context.new_page()
            page.goto(f"{base}/staff/login?lang=en")
            page.locator("#username").fill("demo-investigator")
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("form.form button[type=submit]").click()
            page.wait_for_selector("h1")
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            if anchor:
                page.locator(anchor).evaluate("e => e.scrollIntoView()")
            shot = out / f"{name}-{viewport['width']}.png"
            page.screenshot(path=str(shot))
            written.append(shot)
            context.close()
        browser.close()
    app.state.database.dispose()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m trialdesk.web.screenshots OUTPUT_FOLDER", file=sys.stderr)
        return 2
    for path in take(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
