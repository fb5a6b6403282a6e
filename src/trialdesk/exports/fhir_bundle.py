"""A FHIR R4 Bundle (type collection) of the study: ResearchStudy, Patient (identifier and
gender only: ResearchSubject needs an individual), ResearchSubject, Consent, Observation (labs,
vital signs, tumour responses) and AdverseEvent.

fhir.resources 8 has R5 at its top level and no R4 package; the Bundle is validated with its
R4B models (``trialdesk.adapters.fhir.validation``), which accept these R4 resources as they
are written here. The CTCAE grade of an AdverseEvent has no R4 element; it is carried in an
extension (``CTCAE_GRADE_URL``) and the term in ``event.text``. Ids are UUID v5 of the study
and the record, so the same snapshot gives the same Bundle.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson

from trialdesk.core.reporting.snapshot import StudySnapshot

__all__ = ["CTCAE_GRADE_URL", "build_bundle", "write_bundle"]

CTCAE_GRADE_URL = "https://trialdesk.example.org/fhir/StructureDefinition/ctcae-grade"
_NS = uuid.UUID("5b0e7c0a-6f3e-4b8e-9a59-2f4f0c1d9e11")
_LOINC = {  # test code -> (LOINC, display)
    "NEUT": ("751-8", "Neutrophils [#/volume] in Blood by Automated count"),
    "PLAT": ("777-3", "Platelets [#/volume] in Blood by Automated count"),
    "HGB": ("718-7", "Hemoglobin [Mass/volume] in Blood"),
    "WEIGHT": ("29463-7", "Body weight"),
    "HEIGHT": ("8302-2", "Body height"),
    "TEMP": ("8310-5", "Body temperature"),
}
_OUTCOME = {
    "recovered": "resolved",
    "recovering": "recovering",
    "not_recovered": "ongoing",
    "recovered_with_sequelae": "resolvedWithSequelae",
    "fatal": "fatal",
    "unknown": "unknown",
}
# Our subject states are FHIR R4 ResearchSubject statuses, except "consented".
_SUBJECT_STATUS = {"consented": "pending-on-study"}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _ref(kind: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}", "type": kind}


def _quantity(value: Any, unit: str) -> dict[str, Any]:
    return {
        "value": float(value),
        "unit": unit,
        "system": "http://unitsofmeasure.org",
        "code": unit,
    }


def build_bundle(snapshot: StudySnapshot) -> dict[str, Any]:
    trial = snapshot.trial
    study_id = _id(trial.trial_id, "study")
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "ResearchStudy",
            "id": study_id,
            "identifier": [{"system": "https://clinicaltrials.gov", "value": trial.trial_id}],
            "title": trial.title,
            "status": "active",
            "sponsor": {"display": trial.sponsor},
        }
    ]
    patient_of = {}
    for s in snapshot.subjects:
        patient_id = _id(trial.trial_id, "patient", s.subject_id)
        patient_of[s.subject_id] = patient_id
        resources.append({
            "resourceType": "Patient", "id": patient_id,
            "identifier": [{"system": f"urn:trialdesk:{trial.trial_id}:subject", "value": s.subject_id}],
            "gender": s.gender or {"M": "male", "F": "female"}.get(s.sex, "unknown"),
        })  # fmt: skip
        subject: dict[str, Any] = {
            "resourceType": "ResearchSubject", "id": _id(trial.trial_id, "subject", s.subject_id),
            "identifier": [{"system": f"urn:trialdesk:{trial.trial_id}:subject", "value": s.subject_id}],
            "status": _SUBJECT_STATUS.get(s.status, s.status),
            "study": _ref("ResearchStudy", study_id), "individual": _ref("Patient", patient_id),
        }  # fmt: skip
        if s.enrolled_on:
            end = s.ended_on if s.ended_on and s.ended_on <= snapshot.cutoff else None
            subject["period"] = {"start": s.enrolled_on.isoformat(),
                                 **({"end": end.isoformat()} if end else {})}  # fmt: skip
        resources.append(subject)
    for n, c in enumerate(snapshot.consents):
        resources.append({
            "resourceType": "Consent", "id": _id(trial.trial_id, "consent", c.subject_id, str(n)),
            "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                  "code": "research"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0",
                                      "display": "Patient Consent"}]}],
            "patient": _ref("Patient", patient_of[c.subject_id]),
            "dateTime": f"{c.consent_date.isoformat()}T00:00:00Z",
            "policy": [{"uri": f"urn:trialdesk:{trial.trial_id}:consent-document:{c.document_version}:{c.language}"}],
        })  # fmt: skip
    for n, lab in enumerate(x for x in snapshot.labs if x.on <= snapshot.cutoff):
        resources.append(_observation(snapshot, f"lab{n}", lab.subject_id, patient_of, "laboratory",
                                      lab.test_code, lab.test_name, lab.on.isoformat(),
                                      _quantity(lab.value, lab.unit), lab.ctcae_grade))  # fmt: skip
    for n, v in enumerate(x for x in snapshot.vital_signs if x.on <= snapshot.cutoff):
        resources.append(_observation(snapshot, f"vs{n}", v.subject_id, patient_of, "vital-signs",
                                      v.test_code, v.test_name, v.on.isoformat(),
                                      _quantity(v.value, v.unit), None))  # fmt: skip
    for n, r in enumerate(x for x in snapshot.responses if x.on <= snapshot.cutoff):
        obs = _observation(snapshot, f"rs{n}", r.subject_id, patient_of, "exam", "OVRLRESP",
                           f"Overall tumour response ({r.criteria})", r.on.isoformat(), None, None)  # fmt: skip
        obs["valueCodeableConcept"] = {"text": r.response}
        resources.append(obs)
    for a in (x for x in snapshot.adverse_events if x.onset <= snapshot.cutoff):
        event: dict[str, Any] = {
            "resourceType": "AdverseEvent", "id": _id(trial.trial_id, "ae", a.ae_id),
            "identifier": {"system": f"urn:trialdesk:{trial.trial_id}:ae", "value": a.ae_id},
            "extension": [{"url": CTCAE_GRADE_URL, "valueInteger": a.grade}],
            "actuality": "actual",
            "event": {"text": a.term, **({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/MDRAE",
                                                     "code": a.meddra_code}]} if a.meddra_code else {})},
            "subject": _ref("Patient", patient_of[a.subject_id]),
            "date": a.onset.isoformat(),
            "seriousness": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                                        "code": "serious" if a.serious else "non-serious"}]},
            "study": [_ref("ResearchStudy", study_id)],
        }  # fmt: skip
        if a.outcome in _OUTCOME:
            event["outcome"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                                            "code": _OUTCOME[a.outcome]}]}  # fmt: skip
        resources.append(event)
    return {
        "resourceType": "Bundle",
        "id": _id(trial.trial_id, "bundle", snapshot.cutoff.isoformat()),
        "type": "collection",
        "timestamp": f"{snapshot.cutoff.isoformat()}T00:00:00Z",
        "entry": [_entry(r) for r in resources],
    }


def _observation(
    snapshot: StudySnapshot, key: str, subject_id: str, patient_of: dict[str, str],
    category: str, code: str, name: str, when: str, quantity: dict[str, Any] | None,
    grade: int | None,
) -> dict[str, Any]:  # fmt: skip
    coding = [{"system": "urn:trialdesk:test-code", "code": code, "display": name}]
    if code in _LOINC:
        coding.insert(0, {"system": "http://loinc.org", "code": _LOINC[code][0],
                          "display": _LOINC[code][1]})  # fmt: skip
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _id(snapshot.trial.trial_id, "obs", subject_id, key),
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": category}]}],
        "code": {"coding": coding, "text": name},
        "subject": _ref("Patient", patient_of[subject_id]),
        "effectiveDateTime": when,
    }  # fmt: skip
    if quantity is not None:
        obs["valueQuantity"] = quantity
    if grade is not None:
        obs["component"] = [{"code": {"text": "CTCAE v5.0 grade"}, "valueInteger": grade}]
    return obs


def write_bundle(snapshot: StudySnapshot, path: Path, *, validate: bool = True) -> Path:
    bundle = build_bundle(snapshot)
    if validate:
        from trialdesk.adapters.fhir.validation import validate_with_fhir_models

        validate_with_fhir_models(bundle, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(bundle, option=orjson.OPT_INDENT_2))
    return path
