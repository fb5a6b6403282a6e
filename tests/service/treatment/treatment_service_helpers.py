"""On-study helpers: the bundled (EXAMPLE) plan, an enrolled subject, a FHIR lab record, and a
real local HTTP server that records what the SAE hook POSTs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from service.study_helpers import Staff, consented_subject, with_document
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.protocol.model import ProtocolModel
from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.record import PatientRecord
from trialdesk.service import enrollment, subjects
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import ConsentDocumentRow
from trialdesk.testing.fhir import BundleBuilder

PROTOCOL = Path(__file__).resolve().parents[3] / "protocols" / "NCT06948994.yaml"


@lru_cache(maxsize=1)
def plan() -> TreatmentPlan:
    model = ProtocolModel.model_validate(yaml.safe_load(PROTOCOL.read_text("utf-8")))
    assert model.treatment is not None
    return model.treatment


def enrolled_subject(database: Database, staff: Staff, on: date) -> tuple[str, date]:
    """(subject id, enrollment date): consented, signed off and enrolled."""
    with database.transaction() as session:
        existing = session.execute(
            select(ConsentDocumentRow).where(ConsentDocumentRow.version == "1.0")
        ).scalar_one_or_none()
        document = existing or with_document(session, staff.data_manager, date(2026, 1, 1))
        document_id = document.id
    subject_id = consented_subject(database, staff, document_id=document_id, on=on)
    with database.transaction() as session:
        enrollment.enroll(session, staff.coordinator, subject_id, on)
        subject = subjects.get_subject(session, staff.coordinator, subject_id)
        # The calendar's anchor is the clinical enrollment date given, not the recording day.
        assert subject.enrolled_at is not None
        assert subject.enrolled_on == on
        return subject_id, on


def lab_record(
    patient: str, day: date, *labs: tuple[str, str, str, str | None, str | None]
) -> PatientRecord:
    """(LOINC, value, unit, low, high) results on ``day``, read by the real FHIR adapter."""
    builder = BundleBuilder(patient, "2016-05-01", "female")
    for loinc, value, unit, low, high in labs:
        builder.lab(
            loinc, value, unit, day.isoformat(),
            low=None if low is None else float(low), high=None if high is None else float(high),
        )  # fmt: skip
    return record_from_bundle(builder.bundle(), "test")


class _Recorder(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        self.server.received.append(json.loads(self.rfile.read(length)))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@contextmanager
def hook_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server on 127.0.0.1 (a free port); yields its URL and what it received."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sae", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
