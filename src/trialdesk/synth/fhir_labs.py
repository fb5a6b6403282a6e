"""The lab panel of a synthetic patient: values near the NCT06948994 limits, varied units.

Each :class:`LabSpec` is one analyte: its LOINC code, the trial's limit in the canonical unit
(an absolute limit, or a multiple of the upper limit of normal), a typical ULN, and the unit
spellings a lab might print with the factor from the canonical unit. Values are drawn around
the limit so that screening meets both sides of every boundary.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = ["LAB_PANEL", "LabSpec", "lab_observations"]

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"


@dataclass(frozen=True, slots=True)
class Spelling:
    """How a lab writes a unit: UCUM ``code`` (None: printed text only) and ``factor``."""

    unit: str
    code: str | None
    factor: float  # value in this unit = canonical value × factor
    decimals: int


@dataclass(frozen=True, slots=True)
class LabSpec:
    key: str
    loinc: str
    display: str
    limit: float  # canonical unit; for ULN-based limits, the multiple of the ULN
    uln: float | None  # typical upper limit of normal (canonical unit), None for absolute limits
    lln: float | None
    spellings: tuple[Spelling, ...]
    category: str = "laboratory"
    spread: tuple[float, float] = (0.4, 1.8)  # value / limit, drawn from a triangle peaking at 1.05
    cap: float | None = None  # a percentage cannot pass 100


def _counts(decimals: int) -> tuple[Spelling, ...]:
    return (
        Spelling("10*9/L", "10*9/L", 1, decimals),
        Spelling("10*3/uL", "10*3/uL", 1, decimals),
        Spelling("/uL", "/uL", 1000, 0),
        Spelling("x10^9/L", None, 1, decimals),
        Spelling("K/uL", None, 1, decimals),
    )


_ENZYME = (Spelling("U/L", "U/L", 1, 0), Spelling("IU/L", None, 1, 0))

LAB_PANEL: tuple[LabSpec, ...] = (
    LabSpec(
        "hemoglobin",
        "718-7",
        "Hemoglobin [Mass/volume] in Blood",
        80,
        None,
        None,
        (
            Spelling("g/L", "g/L", 1, 0),
            Spelling("g/dL", "g/dL", 0.1, 1),
            Spelling("g/dl", None, 0.1, 1),
        ),
    ),
    LabSpec(
        "neutrophils", "751-8", "Neutrophils [#/volume] in Blood", 0.75, None, None, _counts(2)
    ),
    LabSpec("platelets", "777-3", "Platelets [#/volume] in Blood", 75, None, None, _counts(0)),
    LabSpec(
        "albumin",
        "1751-7",
        "Albumin [Mass/volume] in Serum or Plasma",
        28,
        None,
        None,
        (Spelling("g/L", "g/L", 1, 0), Spelling("g/dL", "g/dL", 0.1, 1)),
    ),
    LabSpec(
        "bilirubin",
        "1975-2",
        "Bilirubin.total [Mass/volume] in Serum or Plasma",
        2,
        17.1,
        3.4,
        (
            Spelling("umol/L", "umol/L", 1, 1),
            Spelling("µmol/L", None, 1, 1),
            Spelling("mg/dL", "mg/dL", 1 / 17.1, 2),
        ),
    ),
    LabSpec(
        "ast",
        "1920-8",
        "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        3,
        45,
        15,
        _ENZYME,
    ),
    LabSpec(
        "alt",
        "1742-6",
        "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        3,
        30,
        10,
        _ENZYME,
    ),
    LabSpec(
        "alp",
        "6768-6",
        "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
        3,
        370,
        150,
        _ENZYME,
    ),
    LabSpec(
        "creatinine",
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        1.5,
        0.6,
        0.2,
        (Spelling("mg/dL", "mg/dL", 1, 2), Spelling("umol/L", "umol/L", 88.4, 0)),
    ),
    LabSpec(
        "inr",
        "6301-6",
        "INR in Platelet poor plasma by Coagulation assay",
        1.5,
        1.2,
        0.8,
        (Spelling("{INR}", "{INR}", 1, 2), Spelling("INR", None, 1, 2), Spelling("1", "1", 1, 2)),
        spread=(0.55, 1.3),
    ),
    LabSpec(
        "pt",
        "5902-2",
        "Prothrombin time (PT)",
        1.5,
        13.5,
        10.5,
        (Spelling("s", "s", 1, 1), Spelling("sec", None, 1, 1)),
        spread=(0.55, 1.3),
    ),
    LabSpec(
        "aptt",
        "3173-2",
        "aPTT in Blood by Coagulation assay",
        1.5,
        38,
        25,
        (Spelling("s", "s", 1, 1), Spelling("seconds", None, 1, 1)),
        spread=(0.55, 1.3),
    ),
    LabSpec(
        "lvef",
        "10230-1",
        "Left ventricular Ejection fraction",
        50,
        None,
        None,
        (Spelling("%", "%", 1, 0),),
        "imaging",
        spread=(0.7, 1.45),
        cap=80,
    ),
    LabSpec(
        "spo2",
        "59408-5",
        "Oxygen saturation in Arterial blood by Pulse oximetry",
        92,
        None,
        None,
        (Spelling("%", "%", 1, 0),),
        "vital-signs",
        spread=(0.93, 1.09),
        cap=100,
    ),
)


def lab_observations(
    rng: random.Random,
    pid: str,
    as_of: date,
    *,
    missing_rate: float,
    stale_rate: float,
    error_rate: float,
    range_rate: float,
) -> list[dict[str, Any]]:
    """One Observation per analyte (some missing or stale, a few entered-in-error duplicates)."""
    out: list[dict[str, Any]] = []
    for spec in LAB_PANEL:
        if rng.random() < missing_rate:
            continue
        age_days = rng.randint(30, 180) if rng.random() < stale_rate else rng.randint(0, 13)
        obs = _observation(rng, spec, pid, as_of - timedelta(days=age_days), range_rate)
        if rng.random() < error_rate:
            wrong = _observation(rng, spec, pid, as_of - timedelta(days=age_days), 0.0)
            out.append(wrong | {"id": obs["id"] + "-eie", "status": "entered-in-error"})
        out.append(obs)
    return out


def _observation(
    rng: random.Random, spec: LabSpec, pid: str, day: date, range_rate: float
) -> dict[str, Any]:
    spelling = rng.choice(spec.spellings)
    uln = spec.uln * rng.uniform(0.85, 1.15) if spec.uln else None
    limit = spec.limit * uln if uln else spec.limit
    low, high = spec.spread
    canonical = max(limit * rng.triangular(low, high, 1.05), 0.0)
    if spec.cap is not None:
        canonical = min(canonical, spec.cap)
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{pid}-{spec.key}",
        "status": rng.choice(("final", "final", "final", "amended", "preliminary")),
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": spec.category,
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": spec.loinc, "display": spec.display}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": _clinic_time(rng, day),
        "valueQuantity": _quantity(canonical, spelling),
    }
    if uln is not None and rng.random() < range_rate:
        obs["referenceRange"] = [_range(rng, spec, uln, spelling)]
    return obs


def _clinic_time(rng: random.Random, day: date) -> str:
    # Guangzhou clinic hours, written in the clinic's own offset.
    return f"{day.isoformat()}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:00+08:00"


def _quantity(canonical: float, spelling: Spelling) -> dict[str, Any]:
    value = round(canonical * spelling.factor, spelling.decimals)
    quantity: dict[str, Any] = {
        "value": int(value) if spelling.decimals == 0 else value,
        "unit": spelling.unit,
    }
    if spelling.code is not None:
        quantity |= {"system": UCUM, "code": spelling.code}
    return quantity


def _range(rng: random.Random, spec: LabSpec, uln: float, spelling: Spelling) -> dict[str, Any]:
    rr: dict[str, Any] = {"high": _quantity(uln, spelling)}
    if spec.lln is not None:
        rr["low"] = _quantity(spec.lln, spelling)
    rr["type"] = {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
                "code": "normal",
            }
        ]
    }
    if rng.random() < 0.3:
        rr["age"] = {
            "low": {"value": 1, "unit": "years", "system": UCUM, "code": "a"},
            "high": {"value": 216, "unit": "months", "system": UCUM, "code": "mo"},
        }
    return rr
