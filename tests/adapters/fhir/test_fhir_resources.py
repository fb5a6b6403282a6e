"""Condition, Procedure, medications, AllergyIntolerance, AdverseEvent, Consent and Patient."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fhir_factories import bundle, patient

from trialdesk.adapters.fhir import record_from_bundle, short_system
from trialdesk.core.record import Coding, PatientRecord, Sex
from trialdesk.errors import RecordError

SNOMED = "http://snomed.info/sct"
NEUROBLASTOMA = {"coding": [{"system": SNOMED, "code": "432328008", "display": "Neuroblastoma"}]}


def _read(*resources: dict[str, Any], subject: str = "Patient/p1") -> PatientRecord:
    linked = []
    for r in resources:
        if r["resourceType"] in ("AllergyIntolerance", "Consent", "RelatedPerson"):
            r = {"patient": {"reference": subject}} | r
        elif r["resourceType"] not in ("Medication", "Practitioner", "Organization"):
            r = {"subject": {"reference": subject}} | r
        linked.append(r)
    return record_from_bundle(bundle(patient(), *linked), "b.json")


def test_condition_fields() -> None:
    record = _read(
        {
            "resourceType": "Condition",
            "id": "dx",
            "code": NEUROBLASTOMA,
            "clinicalStatus": {"coding": [{"code": "relapse"}]},
            "verificationStatus": {"coding": [{"code": "confirmed"}]},
            "onsetDateTime": "2023-06",
            "abatementPeriod": {"start": "2024-01-02"},
            "recordedDate": "2023-07-01T10:00:00+08:00",
            "stage": [{"summary": {"coding": [{"system": SNOMED, "code": "1234"}]}}, {"type": {}}],
            "bodySite": [{"coding": [{"system": SNOMED, "code": "23451007"}]}],
        }
    )
    (dx,) = record.conditions
    assert dx.codes == (Coding("snomed", "432328008", "Neuroblastoma"),)
    assert (dx.clinical_status, dx.verification_status) == ("relapse", "confirmed")
    assert dx.onset is not None
    assert (dx.onset.earliest, dx.onset.latest) == (date(2023, 6, 1), date(2023, 6, 30))
    assert dx.abatement is not None
    assert dx.abatement.text == "2024-01-02"
    assert dx.recorded is not None
    assert dx.recorded.text == "2023-07-01"
    assert dx.stage == (Coding("snomed", "1234"),)
    assert dx.body_site == (Coding("snomed", "23451007"),)


def test_condition_onset_as_age_or_string_is_left_empty() -> None:
    record = _read(
        {"resourceType": "Condition", "id": "dx", "code": NEUROBLASTOMA, "onsetString": "infancy"}
    )
    assert record.conditions[0].onset is None


def test_procedure_fields() -> None:
    record = _read(
        {
            "resourceType": "Procedure",
            "id": "asct",
            "status": "completed",
            "code": {"coding": [{"system": SNOMED, "code": "709115004"}]},
            "performedPeriod": {"start": "2024-02-10", "end": "2024-02-11"},
        }
    )
    (proc,) = record.procedures
    assert (proc.status, proc.codes[0].code) == ("completed", "709115004")
    assert proc.performed is not None
    assert proc.performed.text == "2024-02-10"


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DINUTUXIMAB = {"coding": [{"system": RXNORM, "code": "1659933", "display": "dinutuximab"}]}


def test_medication_request_with_codeable_concept_and_validity_period() -> None:
    record = _read(
        {
            "resourceType": "MedicationRequest",
            "id": "mr",
            "status": "active",
            "intent": "order",
            "authoredOn": "2025-01-01",
            "medicationCodeableConcept": DINUTUXIMAB,
            "dispenseRequest": {"validityPeriod": {"start": "2025-01-02", "end": "2025-02"}},
        }
    )
    (med,) = record.medications
    assert med.codes == (Coding("rxnorm", "1659933", "dinutuximab"),)
    assert (med.status, med.intent) == ("active", "order")
    assert med.start is not None
    assert med.end is not None
    assert (med.start.text, med.end.latest) == ("2025-01-02", date(2025, 2, 28))


def test_medication_request_without_validity_starts_when_authored() -> None:
    record = _read(
        {
            "resourceType": "MedicationRequest",
            "id": "mr",
            "status": "active",
            "intent": "order",
            "authoredOn": "2025-01-01",
            "medicationCodeableConcept": DINUTUXIMAB,
        }
    )
    start = record.medications[0].start
    assert start is not None
    assert (start.text, record.medications[0].end) == ("2025-01-01", None)


def test_medication_reference_to_a_contained_medication() -> None:
    record = _read(
        {
            "resourceType": "MedicationStatement",
            "id": "ms",
            "status": "active",
            "contained": [{"resourceType": "Medication", "id": "m1", "code": DINUTUXIMAB}],
            "medicationReference": {"reference": "#m1"},
            "effectivePeriod": {"start": "2025-01-01", "end": "2025-01-05"},
        }
    )
    med = record.medications[0]
    assert med.codes[0].code == "1659933"
    assert med.end is not None
    assert med.end.text == "2025-01-05"
    assert med.ref.resource_type == "MedicationStatement"


@pytest.mark.parametrize(
    "reference", ["Medication/m2", "urn:uuid:med-2", "https://ehr.example/fhir/Medication/m2"]
)
def test_medication_reference_to_a_bundled_medication(reference: str) -> None:
    obj = bundle(
        patient(),
        {
            "resourceType": "MedicationAdministration",
            "id": "ma",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "medicationReference": {"reference": reference},
            "effectiveDateTime": "2025-01-03T10:00:00+08:00",
        },
    )
    obj["entry"].append(
        {
            "fullUrl": "urn:uuid:med-2",
            "resource": {"resourceType": "Medication", "id": "m2", "code": DINUTUXIMAB},
        }
    )
    record = record_from_bundle(obj, "b.json")
    assert [c.code for c in record.medications[0].codes] == ["1659933"]
    assert record.ignored == ()


def test_an_unresolved_medication_reference_keeps_the_record_and_says_so() -> None:
    record = _read(
        {
            "resourceType": "MedicationRequest",
            "id": "mr",
            "status": "active",
            "intent": "order",
            "medicationReference": {"reference": "Medication/gone"},
        }
    )
    assert record.medications[0].codes == ()
    assert record.ignored == (
        "MedicationRequest/mr: medicationReference Medication/gone not found"
        " (kept without drug codes)",
    )


def test_allergy_fields() -> None:
    record = _read(
        {
            "resourceType": "AllergyIntolerance",
            "id": "al",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "verificationStatus": {"coding": [{"code": "confirmed"}]},
            "criticality": "high",
            "code": {"coding": [{"system": SNOMED, "code": "91936005"}]},
            "reaction": [{"severity": "severe"}, {"severity": "mild"}, {"manifestation": []}],
            "recordedDate": "2020",
        }
    )
    (al,) = record.allergies
    assert (al.clinical_status, al.verification_status, al.criticality) == (
        "active",
        "confirmed",
        "high",
    )
    assert al.reaction_severities == ("severe", "mild")
    assert al.recorded is not None
    assert al.recorded.text == "2020"


def _adverse_event(*extensions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "AdverseEvent",
        "id": "ae",
        "actuality": "actual",
        "event": {
            "coding": [{"system": "https://www.meddra.org", "code": "10033371", "display": "Pain"}],
            "text": "Neuropathic pain",
        },
        "date": "2025-01-04",
        "outcome": {"coding": [{"code": "ongoing"}]},
        "extension": list(extensions),
    } | fields


@pytest.mark.parametrize(
    ("extension", "grade"),
    [
        (
            {
                "url": "http://hl7.org/fhir/us/ctcae/StructureDefinition/ctcae-grade",
                "valueCodeableConcept": {"coding": [{"code": "3"}]},
            },
            3,
        ),
        (
            {
                "url": "http://hl7.org/fhir/us/ctcae/StructureDefinition/ctcae-grade",
                "valueInteger": 2,
            },
            2,
        ),
        (
            {
                "url": "https://trialdesk.org/fhir/StructureDefinition/ctcae-grade",
                "valueInteger": 0,
            },
            0,
        ),
        ({"url": "http://example.org/other", "valueInteger": 4}, None),
    ],
)
def test_adverse_event_ctcae_grade_from_extensions(
    extension: dict[str, Any], grade: int | None
) -> None:
    (ae,) = _read(_adverse_event(extension)).adverse_events
    assert ae.grade == grade


def test_adverse_event_severity_is_not_a_ctcae_grade() -> None:
    (ae,) = _read(_adverse_event(severity={"coding": [{"code": "severe"}]})).adverse_events
    assert ae.grade is None


def test_adverse_event_fields_and_resolved_date() -> None:
    resolved = {
        "url": "https://trialdesk.org/fhir/StructureDefinition/resolved-date",
        "valueDate": "2025-02",
    }
    (ae,) = _read(_adverse_event(resolved, actuality="potential")).adverse_events
    assert ae.codes == (Coding("meddra", "10033371", "Pain"),)
    assert (ae.term, ae.outcome, ae.actuality) == ("Neuropathic pain", "ongoing", "potential")
    assert ae.onset is not None
    assert ae.resolved is not None
    assert (ae.onset.text, ae.resolved.text) == ("2025-01-04", "2025-02")


def test_adverse_event_onset_falls_back_to_detected_and_term_to_display() -> None:
    event = _adverse_event(
        detected="2025-01-05", event={"coding": [{"code": "x", "display": "Fever"}]}
    )
    del event["date"]
    (ae,) = _read(event).adverse_events
    assert ae.onset is not None
    assert (ae.onset.text, ae.term) == ("2025-01-05", "Fever")


@pytest.mark.parametrize(
    "bad", [{"valueInteger": 7}, {"valueCodeableConcept": {"coding": [{"code": "severe"}]}}]
)
def test_an_invalid_ctcae_grade_is_refused(bad: dict[str, Any]) -> None:
    ext = {"url": "https://trialdesk.org/fhir/StructureDefinition/ctcae-grade"} | bad
    with pytest.raises(RecordError, match="invalid CTCAE grade") as caught:
        _read(_adverse_event(ext))
    assert caught.value.where is not None
    assert caught.value.where.startswith("entry[1].resource.extension[0]")


def _consent(*performers: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "id": "ic",
        "status": "active",
        "scope": {"coding": [{"code": "research"}]},
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
        "dateTime": "2025-01-02T09:30:00+08:00",
        "policy": [{"uri": "https://trialdesk.org/protocols/NCT06948994/icf-v1"}],
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "performer": list(performers),
    }


def test_consent_fields_and_signers() -> None:
    guardian = {
        "resourceType": "RelatedPerson",
        "id": "mum",
        "relationship": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"},
                    {"code": "GUARD"},
                ]
            }
        ],
    }
    record = _read(
        _consent(
            {"reference": "RelatedPerson/mum"},
            {"reference": "Patient/p1"},
            {"reference": "Practitioner/dr"},
        ),
        guardian,
    )
    (ic,) = record.consents
    assert ic.status == "active"
    assert ic.scope == (Coding("", "research"),)
    assert ic.categories == (Coding("trialdesk-attestation", "informed-consent"),)
    assert ic.date is not None
    assert ic.date.text == "2025-01-02"
    assert ic.policy_uris == (
        "https://trialdesk.org/protocols/NCT06948994/icf-v1",
        "http://terminology.hl7.org/CodeSystem/v3-ActCode#OPTIN",
    )
    assert ic.performer_roles == ("MTH", "GUARD", "patient", "practitioner")
    assert record.ignored == ()


def test_consent_signer_not_in_the_file_is_named_by_its_type() -> None:
    (ic,) = _read(_consent({"reference": "RelatedPerson/x"}, {"type": "Organization"})).consents
    assert ic.performer_roles == ("related-person", "organization")


@pytest.mark.parametrize(
    ("fields", "sex", "deceased"),
    [
        ({"gender": "female"}, Sex.FEMALE, False),
        ({"gender": None}, Sex.UNKNOWN, False),
        ({"deceasedBoolean": True}, Sex.MALE, True),
        ({"deceasedDateTime": "2025-01-01"}, Sex.MALE, True),
        ({"deceasedBoolean": False}, Sex.MALE, False),
    ],
)
def test_patient_fields(fields: dict[str, Any], sex: Sex, deceased: bool) -> None:
    info = record_from_bundle(bundle(patient(**fields)), "b.json").patient
    assert (info.sex, info.deceased) == (sex, deceased)
    assert info.birth_date is not None
    assert info.birth_date.text == "2016-05-04"


def test_partial_birth_date() -> None:
    info = record_from_bundle(bundle(patient(birthDate="2016")), "b.json").patient
    assert info.birth_date is not None
    assert (info.birth_date.earliest, info.birth_date.latest) == (
        date(2016, 1, 1),
        date(2016, 12, 31),
    )


@pytest.mark.parametrize(
    ("uri", "short"),
    [
        ("http://snomed.info/sct", "snomed"),
        ("http://loinc.org", "loinc"),
        ("http://hl7.org/fhir/sid/icd-10", "icd10"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "icd10"),
        ("http://terminology.hl7.org/CodeSystem/icd-o-3", "icdo3"),
        ("http://hl7.org/fhir/sid/icd-o-3", "icdo3"),
        ("http://www.whocc.no/atc", "atc"),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "rxnorm"),
        ("https://www.meddra.org", "meddra"),
        ("http://terminology.hl7.org/CodeSystem/mdr", "meddra"),
        ("https://trialdesk.org/fhir/CodeSystem/attestation", "trialdesk-attestation"),
        ("https://trialdesk.org/fhir/CodeSystem/clinical", "trialdesk-clinical"),
        ("https://trialdesk.org/fhir/CodeSystem/", "https://trialdesk.org/fhir/CodeSystem/"),
        ("http://example.org/local-codes", "http://example.org/local-codes"),
    ],
)
def test_code_systems_get_short_names(uri: str, short: str) -> None:
    assert short_system(uri) == short
