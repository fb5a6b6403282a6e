"""Group FHIR resources by patient, leave out the void ones, build :class:`PatientRecord`s.

Resources are linked to their patient through ``subject`` or ``patient``: ``Patient/<id>``,
an absolute URL ending in ``Patient/<id>``, or a bundle entry's ``fullUrl`` (``urn:uuid:…``
in transaction bundles). A resource whose patient is not in the source cannot be attributed:
when the source holds exactly one patient it is listed in that record's ``ignored``;
otherwise it is logged and left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trialdesk.adapters.fhir.clinical import (
    adverse_event,
    allergy,
    condition,
    procedure,
    resource_id,
)
from trialdesk.adapters.fhir.consent import consent
from trialdesk.adapters.fhir.elements import first_code, unknown_modifiers
from trialdesk.adapters.fhir.medication import MEDICATION_TYPES, medication
from trialdesk.adapters.fhir.observation import observation, unread_value_note
from trialdesk.adapters.fhir.patient import patient_info
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import PatientRecord

__all__ = ["RecordIndex", "ignore_reason"]

log = logging.getLogger(__name__)

#: Resource types that become part of a PatientRecord.
READ_TYPES = frozenset(
    {"Observation", "Condition", "Procedure", "AllergyIntolerance", "AdverseEvent", "Consent"}
    | set(MEDICATION_TYPES)
)
#: Resource types only looked up through references; never listed as ignored.
SUPPORT_TYPES = frozenset(
    {
        "Medication",
        "RelatedPerson",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "OperationOutcome",
        "Location",
        "Device",
        "Substance",
    }
)

# Statuses that void a resource for screening, beyond entered-in-error (which voids any type).
_VOID_STATUSES: dict[str, frozenset[str]] = {
    "Observation": frozenset({"cancelled"}),
    "Procedure": frozenset({"not-done"}),
    "MedicationRequest": frozenset({"cancelled"}),
    "MedicationAdministration": frozenset({"not-done"}),
    "MedicationStatement": frozenset({"not-taken"}),
}


def ignore_reason(resource: dict[str, Any]) -> str | None:
    """Why a resource is left out of the record (``entered-in-error``, ``cancelled``…), or None."""
    status = resource.get("status")
    if status == "entered-in-error":
        return "entered-in-error"
    if first_code(resource.get("verificationStatus")) == "entered-in-error":
        return "entered-in-error"
    if status in _VOID_STATUSES.get(resource.get("resourceType", ""), ()):
        return str(status)
    return None


@dataclass(slots=True)
class RecordIndex:
    """Every resource of a source, indexed for patient grouping and reference lookup."""

    source: str
    patients: dict[str, Located] = field(default_factory=dict)
    members: dict[str, list[Located]] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    _patient_of_url: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, located: Iterable[Located], source: str) -> RecordIndex:
        index = cls(source)
        pending = [loc for loc in located if index._register(loc)]
        for loc in pending:
            index._attach(loc)
        return index

    def _register(self, loc: Located) -> bool:
        """Index one resource by its keys; True when it needs a patient to belong to."""
        r = loc.resource
        kind, rid = r.get("resourceType"), r.get("id")
        if kind == "Patient":
            self._register_patient(loc)
            return False
        if rid is not None:
            self._by_key[f"{kind}/{rid}"] = r
        if loc.full_url:
            self._by_key[loc.full_url] = r
        return kind not in SUPPORT_TYPES

    def _register_patient(self, loc: Located) -> None:
        rid = loc.resource.get("id")
        if not isinstance(rid, str) or not rid:
            self.problems.add(
                loc,
                join(loc.where, "id"),
                "a Patient without id",
                "a Patient.id",
                repr(rid),
                hint="Give every Patient an id: other resources refer to it as Patient/<id>.",
            )
            return
        if rid in self.patients:
            self.problems.add(
                loc,
                join(loc.where, "id"),
                "a second Patient with the same id",
                "unique Patient ids",
                rid,
            )
            return
        self.patients[rid] = loc
        self.members[rid] = []
        self._by_key[f"Patient/{rid}"] = loc.resource
        if loc.full_url:
            self._patient_of_url[loc.full_url] = rid

    def _attach(self, loc: Located) -> None:
        r = loc.resource
        ref = r.get("subject") or r.get("patient")
        text = ref.get("reference") if isinstance(ref, dict) else None
        pid = self._patient_id(text) if isinstance(text, str) else None
        if pid is not None:
            self.members[pid].append(loc)
            return
        if r.get("resourceType") in READ_TYPES:
            why = f"patient {text} not in the source" if text else "no subject or patient reference"
            self.orphans.append(f"{r.get('resourceType')}/{resource_id(loc)}: {why}")

    def _patient_id(self, reference: str) -> str | None:
        if reference in self._patient_of_url:
            return self._patient_of_url[reference]
        parts = reference.split("/")
        if "_history" in parts:
            parts = parts[: parts.index("_history")]
        if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1] in self.patients:
            return parts[-1]
        return None

    def resolve(self, ref: Any, loc: Located) -> dict[str, Any] | None:
        """The resource a Reference points at: contained (``#id``), bundled, or by fullUrl."""
        text = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(text, str):
            return None
        if text.startswith("#"):
            for item in loc.resource.get("contained") or ():
                if isinstance(item, dict) and item.get("id") == text[1:]:
                    return item
            return None
        found = self._by_key.get(text)
        if found is None and text.count("/") >= 2:
            found = self._by_key.get("/".join(text.split("/")[-2:]))
        return found

    def records(self) -> Iterator[PatientRecord]:
        """One record per Patient, built when asked for; raises the index's problems first."""
        self.problems.raise_if_any(self.source)
        if self.orphans and len(self.patients) != 1:
            log.warning(
                "%s: %d resources belong to no patient in the source",
                self.source,
                len(self.orphans),
            )
        shared = tuple(self.orphans) if len(self.patients) == 1 else ()
        for pid, loc in self.patients.items():
            yield build_record(loc, self.members[pid], self.resolve, self.source, shared)


Builder = Callable[[Located, Problems, tuple[str, ...]], Any]
_SIMPLE: dict[str, tuple[str, Builder]] = {
    "Observation": ("observations", observation),
    "Condition": ("conditions", condition),
    "Procedure": ("procedures", procedure),
    "AllergyIntolerance": ("allergies", allergy),
    "AdverseEvent": ("adverse_events", adverse_event),
}


def build_record(
    patient: Located,
    members: list[Located],
    resolve: Callable[[Any, Located], dict[str, Any] | None],
    source: str,
    orphans: tuple[str, ...] = (),
) -> PatientRecord:
    problems = Problems()
    lists: dict[str, list[Any]] = {name: [] for name, _ in _SIMPLE.values()}
    lists["medications"], lists["consents"] = [], []
    notes: list[str] = []
    for loc in members:
        r = loc.resource
        kind = r.get("resourceType")
        reason = ignore_reason(r)
        if reason is not None:
            notes.append(f"{kind}/{resource_id(loc)}: {reason}")
            continue
        modifiers = unknown_modifiers(r) if loc.modifiers_possible else ()
        if kind in _SIMPLE:
            name, builder = _SIMPLE[kind]
            lists[name].append(builder(loc, problems, modifiers))
            if kind == "Observation" and (note := unread_value_note(loc)):
                notes.append(note)
        elif kind in MEDICATION_TYPES:
            lists["medications"].append(medication(loc, problems, modifiers, resolve, notes))
        elif kind == "Consent":
            lists["consents"].append(consent(loc, problems, modifiers, resolve))
        elif kind not in SUPPORT_TYPES:
            notes.append(f"{kind}/{resource_id(loc)}: resource type not read")
    patient_modifiers = unknown_modifiers(patient.resource) if patient.modifiers_possible else ()
    info = patient_info(patient, problems, patient_modifiers)
    problems.raise_if_any(source)
    return PatientRecord(
        patient=info,
        observations=tuple(lists["observations"]),
        conditions=tuple(lists["conditions"]),
        procedures=tuple(lists["procedures"]),
        medications=tuple(lists["medications"]),
        allergies=tuple(lists["allergies"]),
        adverse_events=tuple(lists["adverse_events"]),
        consents=tuple(lists["consents"]),
        source=source,
        ignored=tuple(notes) + orphans,
    )
