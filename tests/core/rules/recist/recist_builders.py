"""Synthetic RECIST assessment documents for tests (no real patient data)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

START = date(2025, 3, 3)


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def lesion(
    lid: str, size: str, *, organ: str | None = None, nodal: bool = False, **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": lid,
        "organ": organ or f"organ-{lid}",
        "nodal": nodal,
        "method": "CT",
        "slice_thickness_mm": "5",
    }
    data["short_axis_mm" if nodal else "longest_diameter_mm"] = size
    data.update(extra)
    return data


def point(n: int, measurements: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"date": day(n), "measurements": measurements or {}, **extra}


def document(
    lesions: list[dict[str, Any]], points: list[dict[str, Any]], **confirmation: Any
) -> dict[str, Any]:
    return {
        "subject": "SYN-TEST",
        "treatment_start": START.isoformat(),
        "baseline": {"date": day(-7), "lesions": lesions},
        "timepoints": points,
        "confirmation": confirmation,
    }


def single_target(
    baseline: str, *sizes: tuple[int, str | None], **confirmation: Any
) -> dict[str, Any]:
    """One 'liver' target; each follow-up is (day, size)."""
    points = [point(n, {"L1": size}) for n, size in sizes]
    return document([lesion("L1", baseline, organ="liver")], points, **confirmation)
