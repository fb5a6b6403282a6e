"""Consent → :class:`ConsentRecord`, with who signed it.

``performer_roles`` name each signer: the RelatedPerson's relationship codes (GUARD, MTH,
FTH, PRN…), ``patient`` when the patient signed, ``practitioner`` or ``organization``.
A RelatedPerson that is not in the file is ``related-person``.
"""

from __future__ import annotations

from typing import Any

from trialdesk.adapters.fhir.clinical import resource_id
from trialdesk.adapters.fhir.dates import fuzzy_date
from trialdesk.adapters.fhir.elements import codings, codings_of_all
from trialdesk.adapters.fhir.medication import Resolver
from trialdesk.adapters.fhir.problems import Located, Problems, join
from trialdesk.core.record import ConsentRecord, SourceRef

__all__ = ["consent"]

_ROLE_OF_TYPE = {
    "Patient": "patient",
    "Practitioner": "practitioner",
    "PractitionerRole": "practitioner",
    "Organization": "organization",
    "RelatedPerson": "related-person",
}


def consent(
    loc: Located, problems: Problems, modifiers: tuple[str, ...], resolve: Resolver
) -> ConsentRecord:
    r = loc.resource
    return ConsentRecord(
        ref=SourceRef("Consent", resource_id(loc), loc.file),
        status=str(r.get("status", "unknown")),
        scope=codings(r.get("scope")),
        categories=codings_of_all(r.get("category")),
        date=fuzzy_date(r.get("dateTime"), loc, join(loc.where, "dateTime"), problems),
        policy_uris=_policies(r),
        performer_roles=_roles(loc, resolve),
        unknown_modifiers=modifiers,
    )


def _policies(r: dict[str, Any]) -> tuple[str, ...]:
    uris = [str(p["uri"]) for p in r.get("policy") or () if isinstance(p, dict) and p.get("uri")]
    # policyRule is a CodeableConcept: its codings are kept as "<system>#<code>".
    uris.extend(f"{c.system}#{c.code}" for c in codings(r.get("policyRule")))
    return tuple(uris)


def _roles(loc: Located, resolve: Resolver) -> tuple[str, ...]:
    roles: list[str] = []
    for ref in loc.resource.get("performer") or ():
        target = resolve(ref, loc)
        kind = target.get("resourceType") if target else _type_in(ref)
        if kind == "RelatedPerson" and target is not None:
            found = [c.code for c in codings_of_all(target.get("relationship"))]
            roles.extend(found or ["related-person"])
        elif kind in _ROLE_OF_TYPE:
            roles.append(_ROLE_OF_TYPE[kind])
    return tuple(dict.fromkeys(roles))


def _type_in(ref: Any) -> str | None:
    if not isinstance(ref, dict):
        return None
    if isinstance(ref.get("type"), str):
        return str(ref["type"])
    text = ref.get("reference")
    if isinstance(text, str) and "/" in text:
        return text.rsplit("/", 2)[-2]
    return None
