"""Synthetic NCT06948994 candidates, built to a known verdict (as of 2026-06-01).

``eligible_maintenance()`` is a child who meets every criterion: each test and each example in
``examples/patients/`` starts from it and changes one thing, so the change alone explains the
verdict. Every datum sits inside its recency window on 2026-06-01. Synthetic data only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from trialdesk.core.screening.result import ScreeningResult
from trialdesk.testing.fhir import SYSTEM_URIS, BundleBuilder, concept

__all__ = [
    "AS_OF",
    "ATTESTATIONS",
    "LAB_DAY",
    "PANEL",
    "Screen",
    "add_labs",
    "eligible_maintenance",
    "eligible_relapsed",
    "quantity_component",
    "without",
]

Screen = Callable[..., ScreeningResult]  # the tests' ``run`` fixture: builder -> result
AS_OF = date(2026, 6, 1)
LAB_DAY = "2026-05-25"  # 7 days before AS_OF: inside the 14-day lab window
ECHO_DAY = "2026-05-10"  # 22 days before: inside the 42-day echocardiography window
ATTESTATIONS = (
    "no-planned-systemic-anti-infective-or-immunosuppressive-therapy",
    "no-unresolved-toxicity-above-grade-1",
    "no-planned-organ-transplant",
    "not-highly-allergic",
    "no-other-investigator-concern",
)

# (analyte, LOINC, value, unit, own range low, high) for a school-age child in treatment: every
# trial limit met, though haemoglobin and ALT sit just outside their normal range, as is common.
PANEL = [
    ("hemoglobin", "718-7", 112, "g/L", 115, 155),
    ("neutrophils", "751-8", 1.8, "10*9/L", 1.5, 8.0),
    ("platelets", "777-3", 210, "10*9/L", 150, 450),
    ("albumin", "1751-7", 40, "g/L", 38, 47),
    ("bilirubin_total", "1975-2", 6, "umol/L", 0.8, 6.8),
    ("ast", "1920-8", 38, "U/L", 21, 44),
    ("alt", "1742-6", 30, "U/L", 9, 25),
    ("alp", "6768-6", 250, "U/L", 156, 369),
    ("creatinine", "2160-0", 40, "umol/L", 27, 54),
    ("inr", "6301-6", 1.05, "1", 0.9, 1.2),
    ("pt", "5902-2", 12.0, "s", 10.5, 13.5),
    ("aptt", "3173-2", 32, "s", 25, 38),
]


def without(builder: BundleBuilder, *needles: str) -> BundleBuilder:
    """Drop every resource whose JSON text mentions one of ``needles`` (a code, an id)."""
    builder.resources = [
        r
        for i, r in enumerate(builder.resources)
        if i == 0 or not any(needle in str(r) for needle in needles)
    ]
    return builder


def quantity_component(code: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "code": concept(code),
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": SYSTEM_URIS["ucum"],
            "code": unit,
        },
    }


def add_labs(builder: BundleBuilder, day: str = LAB_DAY, **skip: bool) -> BundleBuilder:
    """The ``PANEL`` results on ``day``, each with its lab's own reference range."""
    for name, loinc, value, unit, low, high in PANEL:
        if not skip.get(name):
            builder.lab(loinc, value, unit, day, low=low, high=high)
    return builder


def _observation_codes(builder: BundleBuilder, *, lesion: bool) -> BundleBuilder:
    builder.coded("trialdesk-clinical:risk-group", "trialdesk-clinical:high", "2025-03-01")
    builder.coded("loinc:10230-1", 62, ECHO_DAY, unit="%")
    builder.coded("trialdesk-clinical:lv-diastolic-function", "trialdesk-clinical:normal", ECHO_DAY)
    builder.coded("loinc:59408-5", 98, LAB_DAY, unit="%")
    builder.coded("trialdesk-clinical:life-expectancy", 12, LAB_DAY, unit="mo", performer="Dr. Lin")
    builder.coded("loinc:56888-1", "snomed:260385009", "2026-04-20")  # HIV 1+2: negative
    if lesion:
        builder.coded(
            "loinc:21889-1",
            24,
            "2026-05-20",
            unit="mm",
            method="snomed:77477000",  # CT
            components=[quantity_component("trialdesk-clinical:slice-thickness", 3, "mm")],
        )
    return builder


def _finish(builder: BundleBuilder) -> BundleBuilder:
    for code in ATTESTATIONS:
        builder.attestation(code, True, LAB_DAY)
    builder.consent("2026-05-28")
    return builder


def eligible_maintenance(
    patient_id: str = "eligible-maintenance", birth_date: str = "2017-09-14", sex: str = "female"
) -> BundleBuilder:
    """High-risk neuroblastoma in remission, in maintenance: eligible on 2026-06-01."""
    builder = BundleBuilder(patient_id, birth_date, sex)
    builder.condition("snomed:432328008", status="remission", onset="2024-02-10")
    builder.procedure("snomed:709115004", "2024-09-01", display="Autologous stem cell rescue")
    builder.coded("trialdesk-clinical:treatment-phase", "trialdesk-clinical:maintenance", LAB_DAY)
    builder.coded("trialdesk-clinical:disease-status", "trialdesk-clinical:remission", LAB_DAY)
    add_labs(builder)
    _observation_codes(builder, lesion=False)
    return _finish(builder)


def eligible_relapsed(
    patient_id: str = "eligible-relapsed",
    birth_date: str = "2015-02-03",
    sex: str = "male",
    *,
    lesion: bool = True,
) -> BundleBuilder:
    """Relapsed high-risk neuroblastoma with (by default) one CT-measurable 24 mm lesion."""
    builder = BundleBuilder(patient_id, birth_date, sex)
    builder.condition("snomed:432328008", status="relapse", onset="2023-05-02")
    builder.coded("trialdesk-clinical:disease-status", "trialdesk-clinical:relapsed", LAB_DAY)
    add_labs(builder)
    _observation_codes(builder, lesion=lesion)
    return _finish(builder)
