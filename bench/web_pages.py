"""Latency of the web pages, in process (Starlette TestClient, no network), on a fresh SQLite DB.

    uv run python bench/web_pages.py [REQUESTS_PER_PAGE]

Prints p50 / p95 / p99 in milliseconds per page, and the pure pre-screen evaluation time.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from starlette.exceptions import StarletteDeprecationWarning

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.api.app import create_app
from trialdesk.core.prescreen import prescreen
from trialdesk.service import migrate
from trialdesk.service.storage.database import Database
from trialdesk.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

ANSWERS = {
    "birth_date": "2018-05-01",
    "diagnosis": "yes",
    "risk_group": "high",
    "treatment_stage": "maintenance",
    "disease_status": "neither",
    "hiv": "no",
    "lab_hemoglobin": "9.5",
    "lab_hemoglobin_unit": "g/dL",
}


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {cuts[49]:.1f} ms  p95 {cuts[94]:.1f} ms  p99 {cuts[98]:.1f} ms"


def timed(call, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main(n: int) -> None:
    protocol = load_protocol("NCT06948994")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        database = Database(url)
        migrate.upgrade(database)
        database.dispose()
        settings = Settings(
            database_url=url, secret_key=SecretStr("bench-" * 8), secret_key_file=Path(tmp) / "key"
        )
        app = create_app(settings, protocol=protocol)
        app.state.web.prescreen_limit.limit = 10**9  # measure the page, not the limiter
        with TestClient(app) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/prescreen").text)
            assert token
            pages = {
                "GET / (en)": lambda: client.get("/?lang=en"),
                "GET / (zh)": lambda: client.get("/?lang=zh"),
                "GET /prescreen": lambda: client.get("/prescreen"),
                "POST /prescreen": lambda: client.post(
                    "/prescreen", data={"csrf_token": token.group(1), **ANSWERS}
                ),
            }
            for name, call in pages.items():
                call()  # warm up templates
                print(f"{name:18s} {percentiles(timed(call, n))}")
        app.state.database.dispose()
    core = timed(lambda: prescreen(protocol, ANSWERS, date(2026, 3, 10)), n)
    print(f"{'core prescreen()':18s} {percentiles(core)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
