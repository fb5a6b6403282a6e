"""The open decisions of clinical-rules.md §7 that screening touches, each pinned by name.

See docs/decisions/eligibility.md for the reasoning behind every decision tested here.
"""

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
from trialdesk.testing.patients import AS_OF, LAB_DAY, Screen, eligible_maintenance, without


# -- (f) age reference date ---------------------------------------------------------------------
def test_decision_age_reference_is_the_as_of_date(run: Screen) -> None:
    """Age is taken on the screening's as-of date; consent/enrollment re-screen on their day."""
    builder = eligible_maintenance(birth_date="2007-06-10")  # 19 on 2026-06-10
    assert run(builder, date(2026, 6, 1)).criterion("inc-age").status is Status.PASS
    assert run(builder, date(2026, 6, 10)).criterion("inc-age").status is Status.FAIL


def test_decision_protocol_declares_its_age_reference(protocol: Protocol) -> None:
    assert protocol.study.age_reference == "as_of"


# -- (f) 29 February ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "expected"),
    [(date(2027, 2, 27), Status.PASS), (date(2027, 2, 28), Status.FAIL)],
)
def test_decision_leap_day_birthday_is_28_february_in_common_years(
    run: Screen, as_of: date, expected: Status
) -> None:
    builder = eligible_maintenance(birth_date="2008-02-29")
    assert run(builder, as_of).criterion("inc-age").status is expected


# -- (e) Lansky at exactly 16 -------------------------------------------------------------------
@pytest.fixture(scope="module")
def with_performance() -> Protocol:
    data: dict[str, Any] = yaml.safe_load(
        (bundled_protocol_dir() / "NCT06948994.yaml").read_text("utf-8")
    )
    data["criteria"].append(
        {
            "id": "inc-performance",
            "kind": "inclusion",
            "text": "Lansky (<= 16 years) or Karnofsky (> 16 years) >= 50",
            "rule": "performance(scale=auto) >= 50",
        }
    )
    return protocol_from_mapping(data)


def _performance(
    protocol: Protocol, birth: str, lansky: int | None, karnofsky: int | None
) -> Status:
    builder = eligible_maintenance(birth_date=birth)
    if lansky is not None:
        builder.coded("trialdesk-clinical:lansky", lansky, LAB_DAY, unit="{score}")
    if karnofsky is not None:
        builder.coded("trialdesk-clinical:karnofsky", karnofsky, LAB_DAY, unit="{score}")
    record = record_from_bundle(builder.bundle(), "performance.json")
    return screen(protocol, record, AS_OF).criterion("inc-performance").status


def test_decision_lansky_up_to_and_including_16(with_performance: Protocol) -> None:
    """COG wording: Lansky if age <= 16 years (MDCalc's '< 16' differs only at exactly 16)."""
    sixteen = "2010-01-15"  # 16 on 2026-06-01
    assert _performance(with_performance, sixteen, lansky=60, karnofsky=40) is Status.PASS
    assert _performance(with_performance, sixteen, lansky=40, karnofsky=60) is Status.FAIL


def test_decision_karnofsky_from_17(with_performance: Protocol) -> None:
    seventeen = "2009-01-15"  # 17 on 2026-06-01
    assert _performance(with_performance, seventeen, lansky=40, karnofsky=60) is Status.PASS
    assert _performance(with_performance, seventeen, lansky=60, karnofsky=None) is Status.UNKNOWN


# -- INR or PT ----------------------------------------------------------------------------------
def test_decision_inr_or_pt_needs_every_reported_one_within_limits(run: Screen) -> None:
    """'INR or PT <= 1.5 x ULN': at least one reported, and every one reported within limits."""
    high_inr = without(eligible_maintenance(), "'6301-6'").lab(
        "6301-6", 1.9, "1", LAB_DAY, low=0.9, high=1.2
    )
    assert run(high_inr).criterion("inc-coagulation-inr-pt").status is Status.FAIL
    only_pt = without(eligible_maintenance(), "'6301-6'")
    assert run(only_pt).criterion("inc-coagulation-inr-pt").status is Status.PASS
    neither = without(eligible_maintenance(), "'6301-6'", "'5902-2'")
    assert run(neither).criterion("inc-coagulation-inr-pt").status is Status.UNKNOWN


def test_decision_unconfirmed_coagulation_defaults_go_to_review(run: Screen) -> None:
    """Without the lab's own range, the recalled (UNCONFIRMED) paediatric table is not trusted."""
    builder = without(eligible_maintenance(), "'3173-2'").lab("3173-2", 32, "s", LAB_DAY)
    assert run(builder).criterion("inc-aptt").status is Status.REVIEW
