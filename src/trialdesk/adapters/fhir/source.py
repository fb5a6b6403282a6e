"""The FHIR file adapter of the :class:`~trialdesk.core.ports.RecordSource` port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from trialdesk.adapters.fhir.reading import JSON_SUFFIXES, read_records
from trialdesk.adapters.fhir.validation import validate_with_fhir_models
from trialdesk.core.ports import RecordSource
from trialdesk.core.record import PatientRecord

__all__ = ["FhirFileSource"]


class FhirFileSource(RecordSource):
    """Patients from a FHIR Bundle, an NDJSON file or a folder of them.

    ``strict`` validates each JSON Bundle against the fhir.resources models first (slow).
    """

    name = "fhir-files"

    def __init__(self, path: str | Path, *, strict: bool = False) -> None:
        self.path = Path(path)
        self.strict = strict

    def records(self) -> Iterator[PatientRecord]:
        if self.strict:
            self._validate()
        return read_records(self.path)

    def describe(self) -> str:
        return str(self.path)

    def _validate(self) -> None:
        files = sorted(self.path.iterdir()) if self.path.is_dir() else [self.path]
        for file in files:
            if file.name.endswith(JSON_SUFFIXES) and not file.name.endswith(".gz"):
                validate_with_fhir_models(orjson.loads(file.read_bytes()), str(file))
