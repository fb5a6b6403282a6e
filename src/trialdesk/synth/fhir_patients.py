"""Synthetic FHIR R4 patients for tests and benchmarks: children 0–20 years, most with
neuroblastoma, lab panels near the NCT06948994 limits, deterministic from a seed.

The codes are real code systems (SNOMED CT, LOINC, ATC, MedDRA) but the patients are made up;
the mix (missing and stale labs, entered-in-error duplicates, varied unit spellings, reference
ranges present or not) is chosen to exercise every path of the screener.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from trialdesk.synth.fhir_labs import lab_observations

__all__ = ["DEFAULT_AS_OF", "SNOMED", "resources_of", "synth_patient", "synth_patients"]

DEFAULT_AS_OF = date(2025, 6, 1)
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
MEDDRA = "https://www.meddra.org"
TRIALDESK_EXT = "https://trialdesk.org/fhir/StructureDefinition/"
_BASE = "https://synth.trialdesk.org/fhir/"

NEUROBLASTOMA = ("432328008", "Neuroblastoma")
_OTHER_CANCERS = (
    ("302849000", "Nephroblastoma"),
    ("91857003", "Acute lymphoblastic leukemia"),
    ("443333004", "Medulloblastoma"),
    ("1163375004", "Osteosarcoma"),
)
_COMORBIDITIES = (
    ("86406008", "Human immunodeficiency virus infection"),
    ("195967001", "Asthma"),
    ("233604007", "Pneumonia"),
)
_STATUSES = ("active", "active", "relapse", "recurrence", "remission")
_TOXICITIES = (
    ("10001760", "Alopecia"),
    ("10029354", "Neutropenia"),
    ("10033371", "Pain"),
    ("10029331", "Neuropathy peripheral"),
    ("10019211", "Headache"),
)
_DRUGS = (
    ("L01FX06", "dinutuximab beta"),
    ("L01XA01", "cisplatin"),
    ("L01AA01", "cyclophosphamide"),
    ("L04AD01", "ciclosporin"),
)
_GUARDIANS = (("MTH", "mother"), ("FTH", "father"), ("GUARD", "guardian"))


def synth_patient(
    rng: random.Random,
    *,
    patient_id: str | None = None,
    as_of: date = DEFAULT_AS_OF,
    missing_rate: float = 0.08,
    stale_rate: float = 0.12,
    error_rate: float = 0.05,
    range_rate: float = 0.6,
) -> dict[str, Any]:
    """One synthetic patient as a FHIR collection Bundle, dated relative to ``as_of``."""
    pid = patient_id or f"synth-{rng.getrandbits(32):08x}"
    birth = as_of - timedelta(days=rng.randint(0, 21 * 365 - 1))
    resources: list[dict[str, Any]] = [_patient(rng, pid, birth)]
    resources += _conditions(rng, pid, birth, as_of)
    resources += lab_observations(
        rng,
        pid,
        as_of,
        missing_rate=missing_rate,
        stale_rate=stale_rate,
        error_rate=error_rate,
        range_rate=range_rate,
    )
    resources += _treatment(rng, pid, as_of)
    resources += _consent(rng, pid, as_of)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{_BASE}{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def synth_patients(count: int, seed: int, **options: Any) -> Iterator[dict[str, Any]]:
    """``count`` patients (ids ``synth-00001``…) from one seed."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not cryptography)
    for n in range(1, count + 1):
        yield synth_patient(rng, patient_id=f"synth-{n:05d}", **options)


def resources_of(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def _patient(rng: random.Random, pid: str, birth: date) -> dict[str, Any]:
    partial = rng.random() < 0.05
    return {
        "resourceType": "Patient",
        "id": pid,
        "gender": rng.choice(("male", "female", "male", "female", "unknown")),
        "birthDate": birth.isoformat()[:7] if partial else birth.isoformat(),
    }


def _subject(pid: str) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _status(code: str) -> dict[str, Any]:
    system = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    return {"coding": [{"system": system, "code": code}]}


def _conditions(rng: random.Random, pid: str, birth: date, as_of: date) -> list[dict[str, Any]]:
    code, display = NEUROBLASTOMA if rng.random() < 0.85 else rng.choice(_OTHER_CANCERS)
    span = max((as_of - birth).days, 1)
    onset = birth + timedelta(days=rng.randint(0, span))
    main = {
        "resourceType": "Condition",
        "id": f"{pid}-dx",
        "subject": _subject(pid),
        "code": _concept(SNOMED, code, display),
        "clinicalStatus": _status(rng.choice(_STATUSES)),
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "onsetDateTime": onset.isoformat() if rng.random() < 0.8 else onset.isoformat()[:7],
        "recordedDate": (onset + timedelta(days=rng.randint(0, 30))).isoformat(),
    }
    out = [main]
    if rng.random() < 0.15:
        c_code, c_display = rng.choice(_COMORBIDITIES)
        out.append(
            {
                "resourceType": "Condition",
                "id": f"{pid}-dx2",
                "subject": _subject(pid),
                "code": _concept(SNOMED, c_code, c_display),
                "clinicalStatus": _status(rng.choice(("active", "resolved"))),
            }
        )
    return out


def _treatment(rng: random.Random, pid: str, as_of: date) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if rng.random() < 0.6:
        out.append(_medication(rng, pid, as_of))
    if rng.random() < 0.5:
        out.append(_adverse_event(rng, pid, as_of))
    if rng.random() < 0.1:
        out.append(
            {
                "resourceType": "AllergyIntolerance",
                "id": f"{pid}-allergy",
                "patient": _subject(pid),
                "code": _concept(SNOMED, "91936005", "Allergy to penicillin"),
                "criticality": rng.choice(("low", "high")),
                "reaction": [{"severity": rng.choice(("mild", "moderate", "severe"))}],
            }
        )
    return out


def _medication(rng: random.Random, pid: str, as_of: date) -> dict[str, Any]:
    code, display = rng.choice(_DRUGS)
    start = as_of - timedelta(days=rng.randint(1, 200))
    med: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": f"{pid}-med",
        "status": rng.choice(("active", "completed")),
        "subject": _subject(pid),
        "effectivePeriod": {"start": start.isoformat()},
    }
    if rng.random() < 0.5:
        med["medicationCodeableConcept"] = _concept(ATC, code, display)
    else:
        med["contained"] = [
            {"resourceType": "Medication", "id": "drug", "code": _concept(ATC, code, display)}
        ]
        med["medicationReference"] = {"reference": "#drug"}
    return med


def _adverse_event(rng: random.Random, pid: str, as_of: date) -> dict[str, Any]:
    code, display = rng.choice(_TOXICITIES)
    onset = as_of - timedelta(days=rng.randint(10, 300))
    extensions: list[dict[str, Any]] = [
        {"url": TRIALDESK_EXT + "ctcae-grade", "valueInteger": rng.randint(1, 4)}
    ]
    resolved = rng.random() < 0.5
    if resolved:
        day = onset + timedelta(days=rng.randint(1, 9))
        extensions.append({"url": TRIALDESK_EXT + "resolved-date", "valueDate": day.isoformat()})
    return {
        "resourceType": "AdverseEvent",
        "id": f"{pid}-ae",
        "actuality": "actual",
        "subject": _subject(pid),
        "event": _concept(MEDDRA, code, display),
        "date": onset.isoformat(),
        "outcome": {"coding": [{"code": "resolved" if resolved else "ongoing"}]},
        "extension": extensions,
    }


def _consent(rng: random.Random, pid: str, as_of: date) -> list[dict[str, Any]]:
    if rng.random() < 0.2:
        return []
    code, display = rng.choice(_GUARDIANS)
    guardian = {
        "resourceType": "RelatedPerson",
        "id": f"{pid}-guardian",
        "patient": _subject(pid),
        "relationship": [
            _concept("http://terminology.hl7.org/CodeSystem/v3-RoleCode", code, display)
        ],
    }
    consent = {
        "resourceType": "Consent",
        "id": f"{pid}-consent",
        "status": "active",
        "patient": _subject(pid),
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "https://trialdesk.org/fhir/CodeSystem/attestation",
                        "code": "informed-consent",
                    }
                ]
            }
        ],
        "dateTime": (as_of - timedelta(days=rng.randint(0, 20))).isoformat(),
        "policy": [{"uri": "https://trialdesk.org/fhir/trials/NCT06948994/consent"}],
        "performer": [{"reference": f"RelatedPerson/{pid}-guardian"}, _subject(pid)],
    }
    return [guardian, consent]
