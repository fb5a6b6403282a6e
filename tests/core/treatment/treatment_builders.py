"""The bundled NCT06948994 treatment plan (an EXAMPLE) and small builders for tests."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from trialdesk.core.protocol.model import ProtocolModel
from trialdesk.core.protocol.treatment import TreatmentPlan

PROTOCOL = Path(__file__).resolve().parents[3] / "protocols" / "NCT06948994.yaml"


@lru_cache(maxsize=1)
def bundled_plan() -> TreatmentPlan:
    model = ProtocolModel.model_validate(yaml.safe_load(PROTOCOL.read_text("utf-8")))
    assert model.treatment is not None
    return model.treatment


def plan_with(**changes: Any) -> TreatmentPlan:
    """The bundled plan with top-level sections replaced (validated again)."""
    data = bundled_plan().model_dump(mode="json")
    data.update(changes)
    return TreatmentPlan.model_validate(data)


# RECIST assessment documents (the format of docs/clinical-rules/recist.md), synthetic.
START = date(2025, 3, 3)


def _day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def single_target(baseline: str, *sizes: tuple[int, str | None]) -> dict[str, Any]:
    """One 'liver' target lesion of ``baseline`` mm; each follow-up is (day, size)."""
    lesion = {
        "id": "L1",
        "organ": "liver",
        "method": "CT",
        "slice_thickness_mm": "5",
        "longest_diameter_mm": baseline,
    }
    return {
        "subject": "SYN-TEST",
        "treatment_start": START.isoformat(),
        "baseline": {"date": _day(-7), "lesions": [lesion]},
        "timepoints": [{"date": _day(n), "measurements": {"L1": size}} for n, size in sizes],
    }
