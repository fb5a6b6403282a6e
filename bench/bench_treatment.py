"""Throughput of the treatment-and-safety core: stopping rule, calendar, dose checks, DLT
classification and lab → AE suggestions.

Usage (from the repository root):

    .venv/bin/python bench/bench_treatment.py [--n 2000]

Everything runs against the bundled (EXAMPLE) NCT06948994 treatment plan. Tables (CTCAE,
analytes) load once, before timing; inputs vary per call so no result is cached.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import yaml

from trialdesk.core.protocol.model import ProtocolModel
from trialdesk.core.record import (
    Coding,
    FuzzyDate,
    ObservationRecord,
    Quantity,
    ReferenceRange,
    SourceRef,
)
from trialdesk.core.treatment.adverse_events import AdverseEventEntry, edit_checks
from trialdesk.core.treatment.calendar import plan_calendar
from trialdesk.core.treatment.dlt import classify_dlt
from trialdesk.core.treatment.exposure import Exposure, check_exposure
from trialdesk.core.treatment.lab_suggestions import suggest_adverse_events
from trialdesk.core.treatment.stopping import boundary_table, evaluate_stopping_rule

PROTOCOL = Path(__file__).resolve().parents[1] / "protocols" / "NCT06948994.yaml"
PLAN = ProtocolModel.model_validate(yaml.safe_load(PROTOCOL.read_text("utf-8"))).treatment
assert PLAN is not None
RULE = PLAN.stopping_rules[0]
DAY = date(2026, 3, 1)
NK = {"Autologous NK cells": "possible", "Anti-GD2 monoclonal antibody": "possible",
      "Standard chemotherapy": "unlikely"}  # fmt: skip


def _time(label: str, calls: int, one: Callable[[int], object]) -> None:
    one(0)  # warm caches
    start = time.perf_counter()
    for i in range(calls):
        one(i)
    seconds = time.perf_counter() - start
    print(f"{label:<52} {calls:>7} calls  {seconds:8.3f} s  {calls / seconds:10.0f} /s")


def _observation(i: int) -> ObservationRecord:
    unit = "10*9/L"
    return ObservationRecord(
        ref=SourceRef("Observation", f"o{i}"),
        codes=(Coding("loinc", "751-8"),),
        status="final",
        effective=FuzzyDate.exact(DAY),
        value=Quantity(Decimal(i % 30) / 10, unit),
        reference_ranges=(
            ReferenceRange(Quantity(Decimal("1.5"), unit), Quantity(Decimal(8), unit)),
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    _time(
        "stopping rule, one evaluation (n <= 15)",
        n,
        lambda i: evaluate_stopping_rule(RULE, i % 15 + 1, min(i % 4, i % 15 + 1)),
    )
    _time(
        "boundary table of the example rule, n = 1..15",
        max(n // 20, 1),
        lambda i: boundary_table(RULE),
    )
    _time(
        "calendar of one subject (81 visits)",
        max(n // 10, 1),
        lambda i: plan_calendar(PLAN, DAY, DAY + timedelta(days=i % 140)),
    )
    _time(
        "dose check with Mosteller BSA",
        n,
        lambda i: check_exposure(PLAN, Exposure("anti_gd2", Decimal("17.5"), "mg/m2", datetime(2026, 3, 2, tzinfo=UTC),
                                                height=Decimal(100 + i % 50), weight=Decimal(15 + i % 20))),
    )  # fmt: skip
    entry = AdverseEventEntry(term="Alanine aminotransferase increased", grade=3, onset=DAY, resolved=DAY + timedelta(days=4), attribution=NK)  # fmt: skip
    _time("AE edit checks", n, lambda i: edit_checks(entry, PLAN))
    _time(
        "DLT classification",
        n,
        lambda i: classify_dlt(entry, PLAN, DAY - timedelta(days=i % 5), DAY + timedelta(days=30)),
    )
    observations = [_observation(i) for i in range(100)]
    _time(
        "lab -> AE suggestions, 100 ANC results per call",
        max(n // 100, 1),
        lambda i: suggest_adverse_events(observations),
    )


if __name__ == "__main__":
    main()
