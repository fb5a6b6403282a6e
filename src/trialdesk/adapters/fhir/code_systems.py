"""FHIR code-system URIs and the short names the core uses for them.

The core compares codes as ``(system, code)`` pairs with short system names (``"loinc"``,
``"snomed"``), so that criteria and rules need not spell out URIs. This table is the whole
mapping; docs/input-contract.md lists it for data teams. A URI not listed here is kept as
written, so nothing is lost: a rule that wants it can name the full URI.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["SHORT_NAMES", "TRIALDESK_CODE_SYSTEM_PREFIX", "short_system"]

#: FHIR system URI → short name. Variants seen in real feeds (http/https, trailing slash,
#: OID URNs) are listed explicitly rather than guessed.
SHORT_NAMES: dict[str, str] = {
    "http://snomed.info/sct": "snomed",
    "urn:oid:2.16.840.1.113883.6.96": "snomed",
    "http://loinc.org": "loinc",
    "urn:oid:2.16.840.1.113883.6.1": "loinc",
    "http://hl7.org/fhir/sid/icd-10": "icd10",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10",
    "urn:oid:2.16.840.1.113883.6.3": "icd10",
    "urn:oid:2.16.840.1.113883.6.90": "icd10",
    "http://terminology.hl7.org/CodeSystem/icd-o-3": "icdo3",
    "http://hl7.org/fhir/sid/icd-o-3": "icdo3",
    "http://terminology.hl7.org/CodeSystem/icd-o": "icdo3",
    "urn:oid:2.16.840.1.113883.6.43.1": "icdo3",
    "http://www.whocc.no/atc": "atc",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "rxnorm",
    "urn:oid:2.16.840.1.113883.6.88": "rxnorm",
    "https://www.meddra.org": "meddra",
    "http://www.meddra.org": "meddra",
    "http://terminology.hl7.org/CodeSystem/mdr": "meddra",
}

#: ``https://trialdesk.org/fhir/CodeSystem/<name>`` → ``"trialdesk-<name>"``.
TRIALDESK_CODE_SYSTEM_PREFIX = "https://trialdesk.org/fhir/CodeSystem/"


@lru_cache(maxsize=1024)
def short_system(uri: str) -> str:
    """The core's name for a code system URI; unknown URIs come back unchanged."""
    known = SHORT_NAMES.get(uri) or SHORT_NAMES.get(uri.rstrip("/"))
    if known is not None:
        return known
    if uri.startswith(TRIALDESK_CODE_SYSTEM_PREFIX):
        name = uri[len(TRIALDESK_CODE_SYSTEM_PREFIX) :].strip("/")
        if name:
            return f"trialdesk-{name}"
    return uri
