"""TrialDesk: run a clinical trial from its protocol.

The three-verb facade::

    from datetime import date
    import trialdesk
    protocol = trialdesk.load_protocol("NCT06948994")
    record = trialdesk.read_record("examples/patients/eligible-maintenance.json")
    result = trialdesk.screen(protocol, record, date(2026, 6, 1))
    result.verdict, result.to_dict("zh")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trialdesk.core.screening.engine import screen
from trialdesk.core.screening.result import ScreeningResult, Status, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from trialdesk.core.protocol import Protocol
    from trialdesk.core.record import PatientRecord

__all__ = ["ScreeningResult", "Status", "Verdict", "load_protocol", "read_record", "screen"]
__version__ = "0.1.0"


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A checked protocol from a YAML file, or a bundled one by NCT id."""
    from trialdesk.adapters.protocol_files import load_protocol as _load

    return _load(name_or_path)


def read_record(path: str | Path) -> PatientRecord:
    """One patient's record from a FHIR R4 Bundle or NDJSON file."""
    from trialdesk.adapters.fhir import read_record as _read

    return _read(path)


def __getattr__(name: str) -> Any:  # pragma: no cover - helpful error for old names
    raise AttributeError(f"module 'trialdesk' has no attribute {name!r}")
