"""Builders for small synthetic FHIR R4 resources and bundles (no real patient data)."""

from __future__ import annotations

from typing import Any

Resource = dict[str, Any]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def patient(pid: str = "p1", **extra: Any) -> Resource:
    return {
        "resourceType": "Patient",
        "id": pid,
        "birthDate": "2016-05-04",
        "gender": "male",
    } | extra


def lab(
    oid: str,
    loinc: str = "718-7",
    value: Any = 95,
    unit: str = "g/L",
    pid: str = "p1",
    **extra: Any,
) -> Resource:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": "2025-03-01T09:00:00+08:00",
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    } | extra


def bundle(*resources: Resource, kind: str = "collection") -> Resource:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"resource": r} for r in resources],
    }
