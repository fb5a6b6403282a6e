"""A lab result with no effective date (FHIR Observation.effective[x] absent) is neither "no
result" nor the dated one: it may be the newest, so the criterion is unknown, names the result
and asks for the date its sample was taken, unless its release (Observation.issued) proves it
older than what decides (the window's start, or the newest dated result)."""

from __future__ import annotations

from typing import Any

import pytest

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.screening.result import Status
from trialdesk.errors import InputError
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import LAB_DAY, Screen, eligible_maintenance, without


def _undated(builder: BundleBuilder, value: float, issued: str | None = None, **kw: Any) -> Any:
    builder.lab("718-7", value, "g/L", LAB_DAY, **kw)
    result = builder.resources[-1]
    del result["effectiveDateTime"]
    if issued is not None:
        result["issued"] = issued
    return builder


def _no_hemoglobin() -> BundleBuilder:
    return without(eligible_maintenance(), "'718-7'")


def test_an_undated_result_alone_is_unknown_and_named(run: Screen) -> None:
    result = run(_undated(_no_hemoglobin(), 112)).criterion("inc-hemoglobin")
    assert result.status is Status.UNKNOWN
    assert [r.key for r in result.reasons] == ["lab.undated"]
    assert "no date the sample was taken" in result.reason()
    assert "没有采样日期" in result.reason("zh")
    (evidence,) = result.evidence
    assert (evidence.value, evidence.unit, evidence.date) == ("112", "g/L", None)
    assert evidence.resource is not None
    assert evidence.resource.startswith("Observation/")
    assert [m.key for m in result.missing] == ["lab.need_date"]


def test_its_release_inside_the_window_keeps_it_unknown_and_is_shown(run: Screen) -> None:
    result = run(_undated(_no_hemoglobin(), 112, "2026-05-30T09:15:00+08:00"))
    hemoglobin = result.criterion("inc-hemoglobin")
    assert hemoglobin.status is Status.UNKNOWN
    assert [r.key for r in hemoglobin.reasons] == ["lab.undated_issued"]
    assert "2026-05-30" in hemoglobin.reason()


def test_a_release_before_the_window_rules_it_out(run: Screen) -> None:
    hemoglobin = run(_undated(_no_hemoglobin(), 112, "2026-04-01")).criterion("inc-hemoglobin")
    assert hemoglobin.status is Status.UNKNOWN
    assert [r.key for r in hemoglobin.reasons] == ["lab.missing"]


def test_it_may_be_newer_than_the_dated_result_unless_released_before_it(run: Screen) -> None:
    # eligible_maintenance has a passing haemoglobin on LAB_DAY (2026-05-25).
    maybe_newer = run(_undated(eligible_maintenance(), 70, "2026-05-25"))
    assert maybe_newer.criterion("inc-hemoglobin").status is Status.UNKNOWN
    unreleased = run(_undated(eligible_maintenance(), 70))
    assert unreleased.criterion("inc-hemoglobin").status is Status.UNKNOWN
    older = run(_undated(eligible_maintenance(), 70, "2026-05-24"))
    assert older.criterion("inc-hemoglobin").status is Status.PASS


def test_a_release_after_the_as_of_day_or_an_unusable_status_is_not_read(run: Screen) -> None:
    later = run(_undated(eligible_maintenance(), 70, "2026-06-02"))
    assert later.criterion("inc-hemoglobin").status is Status.PASS
    withdrawn = run(_undated(eligible_maintenance(), 70, status="entered-in-error"))
    assert withdrawn.criterion("inc-hemoglobin").status is Status.PASS


def test_a_malformed_release_date_of_an_undated_result_is_an_input_error() -> None:
    builder = _undated(_no_hemoglobin(), 112, "30/05/2026")
    with pytest.raises(InputError) as error:
        record_from_bundle(builder.bundle(), "p.json")
    assert "issued" in str(error.value)
    # A dated result's release is not read at all.
    dated = _no_hemoglobin().lab("718-7", 112, "g/L", LAB_DAY)
    dated.resources[-1]["issued"] = "30/05/2026"
    record_from_bundle(dated.bundle(), "p.json")
