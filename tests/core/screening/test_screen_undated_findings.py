"""Coded findings (risk group, treatment phase, disease status, echo findings, attestations,
life expectancy, performance) follow the laboratory rule for an observation with no effective
date: it may be the newest one, so neither "nothing recorded" nor an older dated observation
decides. The criterion is unknown (review where a person is asked anyway), names the
observation and asks for the date it was observed, unless its release (``issued``) proves it
older than what decides."""

from __future__ import annotations

from typing import Any

from trialdesk.core.screening.result import Status
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import LAB_DAY, Screen, eligible_maintenance, without

RISK = "trialdesk-clinical:risk-group"
PHASE = "trialdesk-clinical:treatment-phase"
# ``without`` matches a resource's JSON text, where a code is its system URI and its code.
RISK_CODE, PHASE_CODE = "'risk-group'", "'treatment-phase'"


def _undated(
    builder: BundleBuilder, code: str, value: Any, issued: str | None = None, **kw: Any
) -> BundleBuilder:
    builder.coded(code, value, LAB_DAY, **kw)
    observation = builder.resources[-1]
    del observation["effectiveDateTime"]
    if issued is not None:
        observation["issued"] = issued
    return builder


def test_an_undated_risk_group_beside_a_dated_one_is_unknown_and_named(run: Screen) -> None:
    # The dated high-risk group is from 2025-03-01; an undated "low" may be newer.
    diagnosis = run(_undated(eligible_maintenance(), RISK, "trialdesk-clinical:low")).criterion(
        "inc-diagnosis"
    )
    assert diagnosis.status is Status.UNKNOWN
    assert [r.key for r in diagnosis.reasons] == ["record.undated"]
    assert "no date" in diagnosis.reason()
    assert "没有日期" in diagnosis.reason("zh")
    (evidence,) = [e for e in diagnosis.evidence if e.date is None]
    assert evidence.value == "low"
    assert evidence.resource is not None
    assert evidence.resource.startswith("Observation/")
    assert [m.key for m in diagnosis.missing] == ["record.need_date"]


def test_a_release_before_the_dated_observation_rules_it_out(run: Screen) -> None:
    older = _undated(eligible_maintenance(), RISK, "trialdesk-clinical:low", "2025-02-01")
    assert run(older).criterion("inc-diagnosis").status is Status.PASS
    same_day = _undated(eligible_maintenance(), RISK, "trialdesk-clinical:low", "2025-03-01")
    diagnosis = run(same_day).criterion("inc-diagnosis")
    assert diagnosis.status is Status.UNKNOWN
    assert [r.key for r in diagnosis.reasons] == ["record.undated_issued"]
    assert "2025-03-01" in diagnosis.reason()


def test_an_undated_phase_alone_is_not_read_as_nothing_recorded(run: Screen) -> None:
    builder = without(eligible_maintenance(), PHASE_CODE)
    alone = run(_undated(builder, PHASE, "trialdesk-clinical:maintenance")).criterion(
        "inc-diagnosis"
    )
    assert alone.status is Status.UNKNOWN
    assert "record.undated" in [r.key for r in alone.reasons]
    nothing = run(without(eligible_maintenance(), PHASE_CODE)).criterion("inc-diagnosis")
    assert nothing.status is Status.UNKNOWN
    assert "record.undated" not in [r.key for r in nothing.reasons]


def test_an_undated_attestation_asks_a_person(run: Screen) -> None:
    code = "trialdesk-attestation:not-highly-allergic"
    assert run(eligible_maintenance()).criterion("exc-allergic-constitution").status is Status.PASS
    builder = _undated(eligible_maintenance(), code, False, performer="Dr. Lin")
    allergic = run(builder).criterion("exc-allergic-constitution")
    assert allergic.status is Status.REVIEW
    assert [r.key for r in allergic.reasons] == ["record.undated"]


def test_an_undated_echo_finding_and_life_expectancy(run: Screen) -> None:
    echo = "trialdesk-clinical:lv-diastolic-function"
    cardiac = run(_undated(eligible_maintenance(), echo, "trialdesk-clinical:abnormal"))
    assert cardiac.criterion("inc-cardiac").status is Status.UNKNOWN
    estimate = _undated(eligible_maintenance(), "trialdesk-clinical:life-expectancy", 3, unit="mo")
    life = run(estimate).criterion("inc-life-expectancy")
    assert life.status is Status.REVIEW
    assert [r.key for r in life.reasons] == ["record.undated"]
    (evidence,) = [e for e in life.evidence if e.date is None]
    assert evidence.value == "3 mo"


def test_an_unusable_status_is_never_read_even_without_a_window(run: Screen) -> None:
    # Risk group has no recency window: a preliminary observation used to be read there.
    builder = without(eligible_maintenance(), RISK_CODE)
    builder.coded(RISK, "trialdesk-clinical:high", "2025-03-01")
    builder.resources[-1]["status"] = "preliminary"
    diagnosis = run(builder).criterion("inc-diagnosis")
    assert diagnosis.status is Status.UNKNOWN
    assert "status.missing" in [r.key for r in diagnosis.reasons]
    withdrawn = _undated(eligible_maintenance(), RISK, "trialdesk-clinical:low")
    withdrawn.resources[-1]["status"] = "preliminary"
    assert run(withdrawn).criterion("inc-diagnosis").status is Status.PASS
