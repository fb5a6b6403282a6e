"""Screening fixtures: the bundled protocol, loaded once, and a one-call screener."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from trialdesk import load_protocol, screen
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.protocol import Protocol
from trialdesk.core.screening.result import ScreeningResult
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import AS_OF

Screen = Callable[..., ScreeningResult]


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol("NCT06948994")


@pytest.fixture(scope="session")
def run(protocol: Protocol) -> Screen:
    def _run(builder: BundleBuilder, as_of: date = AS_OF) -> ScreeningResult:
        record = record_from_bundle(builder.bundle(), f"{builder.patient_id}.json")
        return screen(protocol, record, as_of)

    return _run
