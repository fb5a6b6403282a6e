"""TU/TR from a stored RECIST 1.1 document: the roles the evaluation gives the lesions, and the
measured target diameters per time point (the project's example, examples/assessments)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from trialdesk.reports.snapshot_from_db import _recist_lesions

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/assessments/recist-partial-response.json"


def test_recist_lesions_carry_the_evaluated_roles_and_measurements() -> None:
    facts = _recist_lesions("S-1", json.loads(EXAMPLE.read_text("utf-8")))
    baseline = {f.lesion_id: (f.target, f.diameter_mm) for f in facts if f.visit == "BASELINE"}
    # N1's short axis (18 mm >= 15 mm) makes it a measurable node and a target; N2 (12 mm, a
    # pathological but non-measurable node) and the blastic bone lesion are non-targets.
    assert baseline == {
        "L1": (True, Decimal("42")),
        "L2": (True, Decimal("25")),
        "N1": (True, Decimal("18")),
        "N2": (False, None),
        "B1": (False, None),
    }
    measured = sorted(
        (f.visit, f.lesion_id, f.diameter_mm, f.on) for f in facts if f.visit != "BASELINE"
    )
    # "too_small" (L2 at the second time point) has no exact diameter: left out, not guessed.
    assert measured == [
        ("ASSESSMENT 1", "L1", Decimal("30"), date(2025, 4, 28)),
        ("ASSESSMENT 1", "L2", Decimal("15"), date(2025, 4, 28)),
        ("ASSESSMENT 1", "N1", Decimal("12"), date(2025, 4, 28)),
        ("ASSESSMENT 2", "L1", Decimal("26"), date(2025, 6, 2)),
        ("ASSESSMENT 2", "N1", Decimal("9"), date(2025, 6, 2)),
    ]
