"""Synthetic INRC assessment documents for tests (no real patient data)."""

from __future__ import annotations

from typing import Any


def document(
    *,
    primary: dict[str, Any] | None = None,
    metastases: dict[str, Any] | None = None,
    marrow: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "subject": "SYN-NB-TEST",
        "baseline_date": "2025-02-24",
        "date": "2025-05-26",
        "primary": primary,
        "metastases": metastases,
        "marrow": marrow,
        **extra,
    }


def primary(baseline: str, now: str | None, uptake: str | None = "decreased", **extra: Any):
    return {
        "baseline_longest_diameter_mm": baseline,
        "longest_diameter_mm": now,
        "uptake": uptake,
        **extra,
    }


def no_primary() -> dict[str, Any]:
    return {"present_at_baseline": False}


def mibg(baseline: str, now: str | None, method: str = "mibg_curie") -> dict[str, Any]:
    return {"bone": {"method": method, "baseline_score": baseline, "score": now}}


def soft_tissue(baseline: str, now: str | None, **extra: Any) -> dict[str, Any]:
    return {"soft_tissue": {"baseline_sum_mm": baseline, "sum_mm": now, **extra}}


def marrow(baseline: str | None, now: str | None) -> dict[str, Any]:
    return {"baseline_percent": baseline, "percent": now}


NO_METASTASES: dict[str, Any] = {}
CLEAN_MARROW = {"baseline_percent": "0", "percent": "0"}
