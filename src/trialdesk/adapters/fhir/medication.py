"""MedicationRequest, MedicationStatement, MedicationAdministration → :class:`MedicationRecord`.

The drug is ``medicationCodeableConcept``, or ``medicationReference`` resolved to a contained
or bundled Medication's ``code``. A reference that cannot be resolved keeps the record (it
still says a drug was given) without codes, and the caller notes it in ``ignored``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialdesk.adapters.fhir.clinical import resource_id
from trialdesk.adapters.fhir.dates import choice_date, fuzzy_date, period_bounds
from trialdesk.adapters.fhir.elements import codings
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import Coding, FuzzyDate, MedicationRecord, SourceRef

__all__ = ["MEDICATION_TYPES", "Resolver", "medication"]

MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")

#: Finds the resource a Reference points at (contained, bundled, by fullUrl), or None.
Resolver = Callable[[Any, Located], "dict[str, Any] | None"]


def medication(
    loc: Located,
    problems: Problems,
    modifiers: tuple[str, ...],
    resolve: Resolver,
    notes: list[str],
) -> MedicationRecord:
    r = loc.resource
    kind = str(r["resourceType"])
    start, end = _dates(loc, problems)
    return MedicationRecord(
        ref=SourceRef(kind, resource_id(loc), loc.file),
        codes=_drug_codes(loc, resolve, notes),
        status=str(r.get("status", "unknown")),
        start=start,
        end=end,
        intent=r.get("intent"),
        unknown_modifiers=modifiers,
    )


def _drug_codes(loc: Located, resolve: Resolver, notes: list[str]) -> tuple[Coding, ...]:
    r = loc.resource
    if "medicationCodeableConcept" in r:
        return codings(r["medicationCodeableConcept"])
    reference = r.get("medicationReference")
    if reference is None:
        return ()
    target = resolve(reference, loc)
    if target is None or target.get("resourceType") != "Medication":
        shown = reference.get("reference") if isinstance(reference, dict) else reference
        notes.append(
            f"{r['resourceType']}/{resource_id(loc)}: medicationReference {shown} not found "
            "(kept without drug codes)"
        )
        return ()
    return codings(target.get("code"))


def _dates(loc: Located, problems: Problems) -> tuple[FuzzyDate | None, FuzzyDate | None]:
    r = loc.resource
    if r["resourceType"] == "MedicationRequest":
        validity = (r.get("dispenseRequest") or {}).get("validityPeriod")
        if validity is not None:
            where = join(loc.where, "dispenseRequest", "validityPeriod")
            start, end = period_bounds(validity, loc, where, problems)
            if start is not None or end is not None:
                return start, end
        return fuzzy_date(r.get("authoredOn"), loc, join(loc.where, "authoredOn"), problems), None
    period = r.get("effectivePeriod")
    if period is not None:
        return period_bounds(period, loc, join(loc.where, "effectivePeriod"), problems)
    return choice_date(r, "effective", loc, problems), None
