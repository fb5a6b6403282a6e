"""Condition, Procedure, AllergyIntolerance and AdverseEvent → core records."""

from __future__ import annotations

import re
from typing import Any

from trialdesk.adapters.fhir.dates import choice_date, fuzzy_date
from trialdesk.adapters.fhir.elements import codings, codings_of_all, first_code
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import (
    AdverseEventRecord,
    AllergyRecord,
    ConditionRecord,
    FuzzyDate,
    ProcedureRecord,
    SourceRef,
)

__all__ = [
    "CTCAE_GRADE_URL_SUFFIX",
    "RESOLVED_DATE_URL",
    "TRIALDESK_CTCAE_GRADE_URL",
    "adverse_event",
    "allergy",
    "condition",
    "procedure",
    "resource_id",
]

#: The HL7 CTCAE IG extension (http://hl7.org/fhir/us/ctcae/StructureDefinition/ctcae-grade)
#: and any profile of it are recognised by this URL ending.
CTCAE_GRADE_URL_SUFFIX = "ctcae-grade"
TRIALDESK_CTCAE_GRADE_URL = "https://trialdesk.org/fhir/StructureDefinition/ctcae-grade"
RESOLVED_DATE_URL = "https://trialdesk.org/fhir/StructureDefinition/resolved-date"

_GRADE = re.compile(r"(?:grade[-_ ]?)?([0-5])", re.IGNORECASE)
_GRADE_FORMAT = "a CTCAE grade 0-5 (valueInteger, or a valueCodeableConcept code '0'-'5')"


def resource_id(loc: Located) -> str:
    """The resource id; a resource without one is named by its JSON path."""
    return str(loc.resource.get("id") or loc.where or "?")


def _ref(loc: Located) -> SourceRef:
    return SourceRef(str(loc.resource["resourceType"]), resource_id(loc), loc.file)


def condition(loc: Located, problems: Problems, modifiers: tuple[str, ...]) -> ConditionRecord:
    r = loc.resource
    return ConditionRecord(
        ref=_ref(loc),
        codes=codings(r.get("code")),
        clinical_status=first_code(r.get("clinicalStatus")),
        verification_status=first_code(r.get("verificationStatus")),
        onset=choice_date(r, "onset", loc, problems),
        abatement=choice_date(r, "abatement", loc, problems),
        recorded=fuzzy_date(r.get("recordedDate"), loc, join(loc.where, "recordedDate"), problems),
        stage=tuple(c for s in r.get("stage") or () for c in codings(s.get("summary"))),
        body_site=codings_of_all(r.get("bodySite")),
        unknown_modifiers=modifiers,
    )


def procedure(loc: Located, problems: Problems, modifiers: tuple[str, ...]) -> ProcedureRecord:
    r = loc.resource
    return ProcedureRecord(
        ref=_ref(loc),
        codes=codings(r.get("code")),
        status=str(r.get("status", "unknown")),
        performed=choice_date(r, "performed", loc, problems),
        unknown_modifiers=modifiers,
    )


def allergy(loc: Located, problems: Problems, modifiers: tuple[str, ...]) -> AllergyRecord:
    r = loc.resource
    severities = tuple(
        str(x["severity"])
        for x in r.get("reaction") or ()
        if isinstance(x, dict) and x.get("severity")
    )
    return AllergyRecord(
        ref=_ref(loc),
        codes=codings(r.get("code")),
        clinical_status=first_code(r.get("clinicalStatus")),
        verification_status=first_code(r.get("verificationStatus")),
        criticality=r.get("criticality"),
        reaction_severities=severities,
        recorded=fuzzy_date(r.get("recordedDate"), loc, join(loc.where, "recordedDate"), problems),
        unknown_modifiers=modifiers,
    )


def adverse_event(
    loc: Located, problems: Problems, modifiers: tuple[str, ...]
) -> AdverseEventRecord:
    r = loc.resource
    event = r.get("event")
    codes = codings(event)
    text = event.get("text") if isinstance(event, dict) else None
    onset = fuzzy_date(r.get("date"), loc, join(loc.where, "date"), problems)
    if onset is None:
        onset = fuzzy_date(r.get("detected"), loc, join(loc.where, "detected"), problems)
    return AdverseEventRecord(
        ref=_ref(loc),
        codes=codes,
        term=text if isinstance(text, str) else (codes[0].display if codes else None),
        grade=_ctcae_grade(loc, problems),
        onset=onset,
        resolved=_resolved(loc, problems),
        outcome=first_code(r.get("outcome")),
        actuality=str(r.get("actuality", "actual")),
        unknown_modifiers=modifiers,
    )


def _extensions(loc: Located) -> list[tuple[int, dict[str, Any]]]:
    items = loc.resource.get("extension") or ()
    return [(i, e) for i, e in enumerate(items) if isinstance(e, dict)]


def _ctcae_grade(loc: Located, problems: Problems) -> int | None:
    # FHIR's own AdverseEvent.severity (mild/moderate/severe) is not a CTCAE grade: not read here.
    for i, ext in _extensions(loc):
        url = str(ext.get("url", ""))
        if url != TRIALDESK_CTCAE_GRADE_URL and not url.endswith(CTCAE_GRADE_URL_SUFFIX):
            continue
        where = join(loc.where, f"extension[{i}]")
        if "valueInteger" in ext:
            raw = ext["valueInteger"]
            if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 5:
                return raw
            problems.add(
                loc, join(where, "valueInteger"), "invalid CTCAE grade", _GRADE_FORMAT, repr(raw)
            )
            return None
        for coding in codings(ext.get("valueCodeableConcept")):
            match = _GRADE.fullmatch(coding.code)
            if match:
                return int(match[1])
        problems.add(loc, where, "invalid CTCAE grade", _GRADE_FORMAT, repr(ext))
        return None
    return None


def _resolved(loc: Located, problems: Problems) -> FuzzyDate | None:
    for i, ext in _extensions(loc):
        if ext.get("url") != RESOLVED_DATE_URL:
            continue
        where = join(loc.where, f"extension[{i}]")
        for key in ("valueDate", "valueDateTime"):
            if key in ext:
                return fuzzy_date(ext[key], loc, join(where, key), problems)
    return None
