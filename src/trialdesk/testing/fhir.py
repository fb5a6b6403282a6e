"""Build synthetic FHIR R4 collection bundles in a few readable lines.

Used by the tests, by ``scripts/make_example_patients.py`` (which writes examples/patients/) and
by the documentation's worked examples. Codes are given as ``system:code`` with the short system
names of docs/input-contract.md.
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["SYSTEM_URIS", "BundleBuilder"]

SYSTEM_URIS = {
    "snomed": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "icdo3": "http://terminology.hl7.org/CodeSystem/icd-o-3",
    "atc": "http://www.whocc.no/atc",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "meddra": "https://www.meddra.org",
    "ucum": "http://unitsofmeasure.org",
}
_TRIALDESK = "https://trialdesk.org/fhir/CodeSystem/"


def _uri(system: str) -> str:
    if system.startswith("trialdesk-"):
        return _TRIALDESK + system.removeprefix("trialdesk-")
    return SYSTEM_URIS.get(system, system)


def coding(code: str, display: str | None = None) -> dict[str, Any]:
    # A full URI contains colons itself: its code follows the last one.
    system, _, value = code.rpartition(":") if "://" in code else code.partition(":")
    out: dict[str, Any] = {"system": _uri(system), "code": value}
    if display:
        out["display"] = display
    return out


def concept(code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(code, display)]}


class BundleBuilder:
    """One patient's record: ``BundleBuilder("p1", "2018-03-02", "female").lab(...).bundle()``."""

    def __init__(self, patient_id: str, birth_date: str | None, gender: str = "unknown") -> None:
        self.patient_id = patient_id
        self._ids = itertools.count(1)
        patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id, "gender": gender}
        if birth_date is not None:
            patient["birthDate"] = birth_date
        self.resources: list[dict[str, Any]] = [patient]

    def _add(self, resource: dict[str, Any], prefix: str) -> BundleBuilder:
        resource.setdefault("id", f"{prefix}-{next(self._ids)}")
        self.resources.append(resource)
        return self

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.patient_id}"}

    def lab(
        self,
        loinc: str,
        value: float | str,
        unit: str,
        date: str,
        *,
        low: float | str | None = None,
        high: float | str | None = None,
        comparator: str | None = None,
        status: str = "final",
        components: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> BundleBuilder:
        quantity: dict[str, Any] = {
            "value": float(value) if isinstance(value, str) else value,
            "unit": unit,
            "system": SYSTEM_URIS["ucum"],
            "code": unit,
        }
        if comparator:
            quantity["comparator"] = comparator
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "status": status,
            "category": [
                concept("http://terminology.hl7.org/CodeSystem/observation-category:laboratory")
            ],
            "code": concept(f"loinc:{loinc}"),
            "subject": self.subject,
            "effectiveDateTime": date,
            "valueQuantity": quantity,
        }
        if low is not None or high is not None:
            reference: dict[str, Any] = {}
            if low is not None:
                reference["low"] = {
                    "value": low,
                    "unit": unit,
                    "system": SYSTEM_URIS["ucum"],
                    "code": unit,
                }
            if high is not None:
                reference["high"] = {
                    "value": high,
                    "unit": unit,
                    "system": SYSTEM_URIS["ucum"],
                    "code": unit,
                }
            observation["referenceRange"] = [reference]
        if components:
            observation["component"] = components
        observation.update(extra or {})
        return self._add(observation, "obs")

    def coded(
        self,
        code: str,
        value: str | bool | float,
        date: str,
        *,
        unit: str | None = None,
        performer: str | None = None,
        components: list[dict[str, Any]] | None = None,
        method: str | None = None,
    ) -> BundleBuilder:
        """A coded observation: value is a code (``system:code``), a boolean or a number with unit."""
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "code": concept(code),
            "subject": self.subject,
            "effectiveDateTime": date,
        }
        if isinstance(value, bool):
            observation["valueBoolean"] = value
        elif isinstance(value, int | float):
            observation["valueQuantity"] = {
                "value": value,
                "unit": unit,
                "system": SYSTEM_URIS["ucum"],
                "code": unit,
            }
        else:
            observation["valueCodeableConcept"] = concept(value)
        if performer:
            observation["performer"] = [{"display": performer}]
        if components:
            observation["component"] = components
        if method:
            observation["method"] = concept(method)
        return self._add(observation, "obs")

    def attestation(
        self, code: str, value: bool, date: str, by: str = "Dr. Example (investigator)"
    ) -> BundleBuilder:
        return self.coded(f"trialdesk-attestation:{code}", value, date, performer=by)

    def condition(
        self,
        code: str,
        *,
        status: str | None = "active",
        verification: str = "confirmed",
        onset: str | None = None,
        display: str | None = None,
    ) -> BundleBuilder:
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "code": concept(code, display),
            "subject": self.subject,
            "verificationStatus": concept(
                f"http://terminology.hl7.org/CodeSystem/condition-ver-status:{verification}"
            ),
        }
        if status is not None:
            condition["clinicalStatus"] = concept(
                f"http://terminology.hl7.org/CodeSystem/condition-clinical:{status}"
            )
        if onset:
            condition["onsetDateTime"] = onset
        return self._add(condition, "cond")

    def procedure(
        self, code: str, date: str, status: str = "completed", display: str | None = None
    ) -> BundleBuilder:
        return self._add(
            {
                "resourceType": "Procedure",
                "status": status,
                "code": concept(code, display),
                "subject": self.subject,
                "performedDateTime": date,
            },
            "proc",
        )

    def medication(
        self, code: str, start: str, status: str = "active", display: str | None = None
    ) -> BundleBuilder:
        return self._add(
            {
                "resourceType": "MedicationStatement",
                "status": status,
                "medicationCodeableConcept": concept(code, display),
                "subject": self.subject,
                "effectivePeriod": {"start": start},
            },
            "med",
        )

    def allergy(
        self, code: str, criticality: str | None = None, display: str | None = None
    ) -> BundleBuilder:
        allergy: dict[str, Any] = {
            "resourceType": "AllergyIntolerance",
            "code": concept(code, display),
            "patient": self.subject,
            "clinicalStatus": concept(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical:active"
            ),
        }
        if criticality:
            allergy["criticality"] = criticality
        return self._add(allergy, "allergy")

    def adverse_event(
        self,
        code: str,
        grade: int | None,
        onset: str,
        *,
        outcome: str = "ongoing",
        resolved: str | None = None,
        display: str | None = None,
    ) -> BundleBuilder:
        event: dict[str, Any] = {
            "resourceType": "AdverseEvent",
            "actuality": "actual",
            "event": concept(code, display),
            "subject": self.subject,
            "date": onset,
            "outcome": concept(
                f"http://terminology.hl7.org/CodeSystem/adverse-event-outcome:{outcome}"
            ),
        }
        extensions = []
        if grade is not None:
            extensions.append(
                {
                    "url": "https://trialdesk.org/fhir/StructureDefinition/ctcae-grade",
                    "valueInteger": grade,
                }
            )
        if resolved:
            extensions.append(
                {
                    "url": "https://trialdesk.org/fhir/StructureDefinition/resolved-date",
                    "valueDateTime": resolved,
                }
            )
        if extensions:
            event["extension"] = extensions
        return self._add(event, "ae")

    def consent(
        self,
        date: str,
        *,
        guardian: bool = True,
        study: str | None = "NCT06948994",
        status: str = "active",
    ) -> BundleBuilder:
        performers = []
        if guardian:
            related_id = f"guardian-{next(self._ids)}"
            self.resources.append(
                {
                    "resourceType": "RelatedPerson",
                    "id": related_id,
                    "patient": self.subject,
                    "relationship": [
                        concept("http://terminology.hl7.org/CodeSystem/v3-RoleCode:GUARD")
                    ],
                }
            )
            performers.append({"reference": f"RelatedPerson/{related_id}"})
        consent: dict[str, Any] = {
            "resourceType": "Consent",
            "status": status,
            "scope": concept("http://terminology.hl7.org/CodeSystem/consentscope:research"),
            "category": [
                concept("http://terminology.hl7.org/CodeSystem/consentcategorycodes:research")
            ],
            "patient": self.subject,
            "dateTime": date,
            "performer": performers,
        }
        if study:
            consent["policy"] = [{"uri": f"https://clinicaltrials.gov/study/{study}"}]
        return self._add(consent, "consent")

    def bundle(self) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:{r['resourceType'].lower()}-{r['id']}", "resource": r}
                for r in self.resources
            ],
        }
