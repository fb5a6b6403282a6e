"""Ports: the small abstract boundaries the core talks through.

An adapter implements a port; the core and the services depend only on the port. Adapters
are picked by name in one factory at the edge (``trialdesk.adapters.record_source``), never
imported by the core.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from trialdesk.core.record import PatientRecord

__all__ = ["RecordSource"]


class RecordSource(ABC):
    """Where patient records come from: FHIR files, a FHIR server, a table of a database."""

    #: The name the factory knows this source by, e.g. ``"fhir-files"``.
    name: str = ""

    @abstractmethod
    def records(self) -> Iterator[PatientRecord]:
        """Every patient record of the source, one at a time."""

    def describe(self) -> str:
        """A short label for logs and screening results (a path, a URL)."""
        return self.name
