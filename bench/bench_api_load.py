"""Bounded load test of the study API on loopback: screening uploads and enrollments.

Usage (from the repository root):

    .venv/bin/python bench/bench_api_load.py [--screenings 200] [--enrollments 40]
        [--concurrency 8] [--database-url sqlite:///…|postgresql+psycopg://…]

What it does: prepares a fresh database (schema, one coordinator, subjects already screened,
signed off and consented, through the service itself), starts ``trialdesk serve`` in its own
process on a free loopback port, then drives it with ``--concurrency`` client threads:

1. ``POST /api/v1/subjects/{id}/screenings`` with a synthetic FHIR Bundle (the eligible
   NCT06948994 child of trialdesk.testing.patients, ~60 resources), screened by the real engine
   and stored with its audit entries;
2. ``POST /api/v1/subjects/{id}/enrollment`` for ``--enrollments`` consented subjects at once:
   15 are enrolled, the rest waitlisted — checked at the end, so a fast wrong answer fails.

Reports throughput (requests/s) and p50/p99 latency per endpoint. Bounded: it sends a fixed
number of requests and stops; it is not a timed test. Synthetic data only.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import orjson
from argon2 import PasswordHasher

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.core.screening.engine import screen
from trialdesk.service import consent, migrate, screening, signoff, subjects
from trialdesk.service.access import SYSTEM_ACTOR, Actor, Role
from trialdesk.service.storage.database import Database
from trialdesk.service.trials import TrialFacts, ensure_trial
from trialdesk.service.users import actor_of, create_user, set_password_hasher
from trialdesk.testing.patients import AS_OF, eligible_maintenance

PASSWORD = "bench password only"
ON = date(2026, 6, 3)


def _prepare(url: str, screenings: int, enrollments: int) -> tuple[list[str], list[str]]:
    """Subjects to screen, and subjects ready to enrol (screened, signed off, consented)."""
    # Cheap hashing for the set-up only: each hash carries its own parameters.
    set_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    protocol = load_protocol("NCT06948994")
    database = Database(url)
    migrate.upgrade(database)
    bundle = orjson.dumps(eligible_maintenance().bundle())
    screener = screening.record_screener(lambda record, day: screen(protocol, record, day))
    screened = screener(bundle, AS_OF)
    with database.transaction() as s:
        ensure_trial(s, SYSTEM_ACTOR, TrialFacts.from_protocol(protocol))
        coordinator = actor_of(
            create_user(
                s,
                SYSTEM_ACTOR,
                username="coordinator",
                full_name="Bench Coordinator",
                role="coordinator",
                password=PASSWORD,
            )
        )
        investigator = actor_of(
            create_user(
                s,
                SYSTEM_ACTOR,
                username="investigator",
                full_name="Bench Investigator",
                role="investigator",
                password=PASSWORD,
            )
        )
        data_manager = Actor(None, "bench", "Bench Data Manager", Role.DATA_MANAGER)
        document = consent.add_document(
            s,
            data_manager,
            trial_id=protocol.nct_id,
            version="1.0",
            language="en",
            title="Consent",
            body="Synthetic",
            approved_on=date(2026, 1, 1),
        )
    to_screen, to_enrol = [], []
    for n in range(screenings + enrollments):
        with database.transaction() as s:
            subject = subjects.register_subject(
                s,
                coordinator,
                trial_id=protocol.nct_id,
                site="main",
                source="staff",
                birth_date=date(2017, 9, 14),
            )
            if n < screenings:
                to_screen.append(subject.id)
                continue
            row = screening.store_screening(s, coordinator, subject.id, screened)
            signoff.sign_eligibility(
                s,
                investigator,
                subject.id,
                screening_id=row.id,
                confirmed=[],
                password=PASSWORD,
                today=ON,
            )
            given = consent.record_consent(
                s,
                coordinator,
                subject.id,
                consent.ConsentInput(
                    document.id, AS_OF, guardian_name="G", guardian_signed=True, assent_signed=True
                ),
                ON,
            )
            consent.sign_consent(s, investigator, given.id, PASSWORD, ON)
            to_enrol.append(subject.id)
    database.dispose()
    return to_screen, to_enrol


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TRIALDESK_DATABASE_URL": url,
        "TRIALDESK_SECRET_KEY_FILE": str(workdir / "secret_key"),
    }
    command = [str(Path(sys.executable).with_name("trialdesk")), "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/trial", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not start")


def _drive(concurrency: int, jobs: list[Callable[[], int]]) -> tuple[float, list[float], list[int]]:
    def timed(job: Callable[[], int]) -> tuple[float, int]:
        start = time.perf_counter()
        status = job()
        return time.perf_counter() - start, status

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(timed, jobs))
    wall = time.perf_counter() - wall
    return wall, [r[0] for r in results], [r[1] for r in results]


def _report(name: str, wall: float, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (
        f"{name}: {len(latencies)} requests in {wall:.2f} s = {len(latencies) / wall:.1f} req/s; "
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenings", type=int, default=200)
    parser.add_argument("--enrollments", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        to_screen, to_enrol = _prepare(url, args.screenings, args.enrollments)
        port = _free_port()
        server = _start(url, port, workdir)
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            with httpx.Client(
                base_url=base, timeout=120, limits=httpx.Limits(max_connections=args.concurrency)
            ) as client:
                token = client.post(
                    "/auth/tokens", json={"username": "coordinator", "password": PASSWORD}
                ).json()["token"]
                headers = {
                    "Authorization": f"Bearer {token}",
                    "content-type": "application/fhir+json",
                }
                bundle = orjson.dumps(eligible_maintenance().bundle())

                def screen_one(sid: str) -> Callable[[], int]:
                    return lambda: (
                        client.post(
                            f"/subjects/{sid}/screenings?as_of={AS_OF}",
                            content=bundle,
                            headers=headers,
                        ).status_code
                    )

                def enrol_one(sid: str) -> Callable[[], int]:
                    return lambda: (
                        client.post(
                            f"/subjects/{sid}/enrollment",
                            json={"on": ON.isoformat()},
                            headers=headers,
                        ).status_code
                    )

                s_wall, s_lat, s_status = _drive(
                    args.concurrency, [screen_one(s) for s in to_screen]
                )
                e_wall, e_lat, e_status = _drive(args.concurrency, [enrol_one(s) for s in to_enrol])
                counters = client.get("/trial/counters").json()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert set(s_status) == {201}, f"screening statuses: {sorted(set(s_status))}"
    assert set(e_status) == {200}, f"enrollment statuses: {sorted(set(e_status))}"
    assert counters["enrolled"] == min(15, args.enrollments), counters
    engine = url.split(":", 1)[0]
    print(f"database: {engine}; concurrency {args.concurrency}")
    print(_report("POST /subjects/{id}/screenings", s_wall, s_lat))
    print(_report("POST /subjects/{id}/enrollment", e_wall, e_lat))
    print(
        f"enrolled {counters['enrolled']} of {counters['target']}; "
        f"{args.enrollments - counters['enrolled']} waitlisted"
    )


if __name__ == "__main__":
    main()
