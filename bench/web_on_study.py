"""Latency of the on-study and safety pages, in process (Starlette TestClient, no network), on
the demo study plus the screenshots' synthetic treatment data (fresh SQLite database).

    uv run python bench/web_on_study.py [REQUESTS_PER_PAGE]

Prints the first (cold: imports, matplotlib/reports) and p50 / p95 of the following requests.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

from trialdesk.api.app import create_app
from trialdesk.service import migrate
from trialdesk.service.demo import DEMO_PASSWORD
from trialdesk.service.storage.database import Database
from trialdesk.settings import Settings
from trialdesk.web.screenshot_study import SCREENSHOT_TODAY, seed_on_study

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(Database(url))
        settings = Settings(
            database_url=url,
            secret_key=SecretStr("bench-only-secret-key-0123456789abcdef0123"),
            secret_key_file=Path(tmp) / "secret_key",
        )
        app = create_app(settings, today=lambda: SCREENSHOT_TODAY)
        enrolled = seed_on_study(app.state.database, app.state.study.protocol)
        base = f"/staff/subjects/{enrolled[0]}/on-study"
        with TestClient(app) as client:
            page = client.get("/staff/login").text
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            client.post("/staff/login", data={"csrf_token": token, "username": "demo-investigator",
                                              "password": DEMO_PASSWORD})  # fmt: skip
            for label, path in (
                ("GET on-study", base),
                ("GET on-study ?q=neutro&term=Pain", f"{base}?q=neutro&term=Pain"),
                ("GET /staff/ctcae/terms?q=fever", f"/staff/ctcae/terms?q=fever&subject={enrolled[0]}"),
                ("GET /staff/safety", "/staff/safety"),
            ):  # fmt: skip
                times = []
                for _ in range(n + 1):
                    start = time.perf_counter()
                    assert client.get(path).status_code == 200
                    times.append((time.perf_counter() - start) * 1000)
                rest = sorted(times[1:])
                p95 = rest[int(0.95 * (len(rest) - 1))]
                print(
                    f"| {label} | {times[0]:.0f} ms | {statistics.median(rest):.1f} ms | {p95:.1f} ms |"
                )
        app.state.database.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
