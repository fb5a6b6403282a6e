"""A life expectancy or a performance score recorded only as a bound (FHIR
``valueQuantity.comparator``: "< 6 months") is read as every value the bound allows, as lab
results are: it meets or fails the criterion only when every such value does; otherwise the
investigator judges (life expectancy: review) or the score is unknown. Before, the bound was read
as the value, so "< 6 months" met "life expectancy >= 6 months"."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from trialdesk import screen
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.adapters.protocol_files import bundled_protocol_dir
from trialdesk.core.protocol import Protocol, protocol_from_mapping
from trialdesk.core.screening.result import Status
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import (
    AS_OF,
    LAB_DAY,
    Screen,
    eligible_maintenance,
    eligible_relapsed,
    without,
)

LIFE = "trialdesk-clinical:life-expectancy"


def _life(comparator: str | None, months: float) -> BundleBuilder:
    builder = without(eligible_maintenance(), "'life-expectancy'")
    builder.coded(LIFE, months, LAB_DAY, unit="mo", performer="Dr. Lin")
    if comparator is not None:
        builder.resources[-1]["valueQuantity"]["comparator"] = comparator
    return builder


@pytest.mark.parametrize(
    ("comparator", "months", "expected"),
    [
        ("<", 6, Status.FAIL),  # every value below 6: none is >= 6
        ("<", 12, Status.REVIEW),  # 3 and 9 are both below 12
        ("<=", 6, Status.REVIEW),  # 6 meets, 5 does not
        (">", 5, Status.REVIEW),  # 5.5 fails, 7 meets
        (">=", 6, Status.PASS),
        (">", 12, Status.PASS),
        (None, 6, Status.PASS),  # a plain value is the value
    ],
)
def test_a_life_expectancy_bound_settles_only_what_it_settles(
    run: Screen, comparator: str | None, months: float, expected: Status
) -> None:
    # inc-life-expectancy: life_expectancy() >= 6 months
    result = run(_life(comparator, months)).criterion("inc-life-expectancy")
    assert result.status is expected
    (evidence,) = result.evidence
    assert evidence.value == f"{comparator or ''}{months}"


def test_an_unsettled_bound_names_itself_and_asks_the_investigator(run: Screen) -> None:
    result = run(_life("<", 12)).criterion("inc-life-expectancy")
    assert [r.key for r in result.reasons] == ["life_expectancy.censored"]
    assert "<12" in result.reason()
    assert "<12" in result.reason("zh")
    assert [m.key for m in result.missing] == ["life_expectancy.need"]


@pytest.fixture(scope="module")
def lansky() -> Protocol:
    data: dict[str, Any] = yaml.safe_load(
        (bundled_protocol_dir() / "NCT06948994.yaml").read_text("utf-8")
    )
    data["criteria"].append(
        {
            "id": "inc-lansky",
            "kind": "inclusion",
            "text": "Lansky >= 50",
            "rule": "performance(scale=lansky) >= 50",
        }
    )
    return protocol_from_mapping(data)


@pytest.mark.parametrize(
    ("comparator", "score", "expected"),
    [(">", 60, Status.PASS), ("<", 50, Status.FAIL), ("<", 70, Status.UNKNOWN)],
)
def test_a_performance_bound(
    lansky: Protocol, comparator: str, score: int, expected: Status
) -> None:
    builder = eligible_maintenance()
    builder.coded("trialdesk-clinical:lansky", score, LAB_DAY, unit="{score}")
    builder.resources[-1]["valueQuantity"]["comparator"] = comparator
    result = screen(lansky, record_from_bundle(builder.bundle(), "p.json"), AS_OF)
    criterion = result.criterion("inc-lansky")
    assert criterion.status is expected
    if expected is Status.UNKNOWN:
        assert [r.key for r in criterion.reasons] == ["performance.censored"]


def _lesion(comparator: str, size: float) -> BundleBuilder:
    builder = eligible_relapsed()  # one CT lesion, 3 mm slices: measurable from 10 mm
    (lesion,) = [r for r in builder.resources if "'21889-1'" in str(r) or "'33728-7'" in str(r)]
    lesion["valueQuantity"]["value"] = size
    lesion["valueQuantity"]["comparator"] = comparator
    return builder


@pytest.mark.parametrize(
    ("comparator", "size", "expected"),
    [
        (">", 24, Status.PASS),  # every size above 24 mm is measurable
        ("<", 8, Status.FAIL),  # every size below 8 mm is not
        ("<", 24, Status.UNKNOWN),  # 9 mm is not, 20 mm is: the exact size decides
        (">", 8, Status.UNKNOWN),
    ],
)
def test_a_lesion_size_bound_counts_only_when_it_settles_measurability(
    run: Screen, comparator: str, size: float, expected: Status
) -> None:
    # inc-measurable-lesion: relapsed disease needs >= 1 RECIST 1.1 measurable lesion
    result = run(_lesion(comparator, size)).criterion("inc-measurable-lesion")
    assert result.status is expected
    if expected is Status.UNKNOWN:
        assert "lesions.undetermined" in [r.key for r in result.reasons]
        (evidence,) = [e for e in result.evidence if e.kind == "lesion"]
        assert evidence.value == f"{comparator}{size} mm"
        assert evidence.note is not None
        assert "bound" in evidence.note
