"""mCODE CancerDiseaseStatus (LOINC 97509-4) gives the disease's trend, not whether it relapsed or
is refractory: read alone it makes a disease-status criterion review, never pass or fail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from trialdesk import screen
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.adapters.protocol_files import bundled_protocol_dir
from trialdesk.core.protocol import Protocol, protocol_from_mapping
from trialdesk.core.screening.result import Status
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import AS_OF, Screen, eligible_relapsed, without

SNOMED = "http://snomed.info/sct"


def _with_trend(code: str, day: str = "2026-05-20", *, keep_status: bool = False) -> BundleBuilder:
    builder = eligible_relapsed()
    if not keep_status:
        builder = without(builder, "disease-status")
    builder.resources.append(
        {
            "resourceType": "Observation",
            "id": "mcode-status",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "97509-4"}]},
            "subject": builder.subject,
            "effectiveDateTime": day,
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code}]},
        }
    )
    return builder


@pytest.mark.parametrize(
    ("code", "label"),
    [("271299001", "worsened"), ("359746009", "stable"), ("550991000124107", "full remission")],
)
def test_a_trend_alone_is_review_with_its_value_as_evidence(
    status_only: Protocol, code: str, label: str
) -> None:
    record = record_from_bundle(_with_trend(code).bundle(), "p.json")
    criterion = screen(status_only, record, AS_OF).criterion("inc-rr")
    assert criterion.status is Status.REVIEW
    evidence = [e for e in criterion.evidence if e.resource == "Observation/mcode-status"]
    assert evidence
    assert evidence[0].value == f"{code} ({label})"


@pytest.fixture(scope="module")
def status_only() -> Protocol:
    data: dict[str, Any] = yaml.safe_load(
        (bundled_protocol_dir() / "NCT06948994.yaml").read_text("utf-8")
    )
    data["criteria"] = [
        {
            "id": "inc-rr",
            "kind": "inclusion",
            "text": "Relapsed or refractory",
            "rule": "disease_status(relapsed, refractory)",
        }
    ]
    return protocol_from_mapping(data)


def test_the_reason_names_the_trend_and_what_settles_it(status_only: Protocol) -> None:
    record = record_from_bundle(_with_trend("271299001").bundle(), "p.json")
    criterion = screen(status_only, record, AS_OF).criterion("inc-rr")
    assert criterion.status is Status.REVIEW
    data = criterion.to_dict("en")
    assert "mCODE cancer disease status (271299001 (worsened), 2026-05-20)" in data["reason"]
    assert any("disease-status observation" in m for m in data["missing"])
    assert "mCODE" in criterion.to_dict("zh")["reason"]


def test_a_recorded_disease_status_decides_beside_a_trend(run: Screen) -> None:
    result = run(_with_trend("268910001", keep_status=True))
    assert result.criterion("inc-diagnosis").status is Status.PASS


def test_a_trend_outside_the_window_is_not_read(run: Screen) -> None:
    criterion = run(_with_trend("271299001", day="2025-06-01")).criterion("inc-diagnosis")
    assert all(e.resource != "Observation/mcode-status" for e in criterion.evidence)


def test_without_any_status_the_criterion_still_asks_for_one(run: Screen) -> None:
    result = run(without(eligible_relapsed(), "disease-status"), date(2026, 6, 1))
    assert "disease status" in result.criterion("inc-diagnosis").to_dict("en")["reason"]
