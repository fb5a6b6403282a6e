"""FHIR R4 input: Bundles, NDJSON bulk exports and folders of them → ``PatientRecord``.

What is read, and how partial dates, units, reference ranges, entered-in-error resources and
modifierExtensions are handled, is written down in docs/input-contract.md.
"""

from __future__ import annotations

from trialdesk.adapters.fhir.code_systems import short_system
from trialdesk.adapters.fhir.reading import (
    read_record,
    read_records,
    record_from_bundle,
    records_from_resources,
)
from trialdesk.adapters.fhir.source import FhirFileSource
from trialdesk.adapters.fhir.validation import validate_with_fhir_models

__all__ = [
    "FhirFileSource",
    "read_record",
    "read_records",
    "record_from_bundle",
    "records_from_resources",
    "short_system",
    "validate_with_fhir_models",
]
