"""RECIST 1.1 baseline: target selection (<= 5, <= 2 per organ, largest first) and input errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from recist_builders import document, lesion, point

from trialdesk.core.rules.recist import evaluate_recist, parse_assessments
from trialdesk.errors import InputError

EXAMPLES = Path(__file__).parents[4] / "examples" / "assessments"


def roles(doc: dict) -> dict[str, str]:
    return {les.id: les.role for les in evaluate_recist(doc).baseline.lesions}


def test_targets_are_the_largest_two_per_organ_five_in_all() -> None:
    lesions = [
        lesion("A1", "50", organ="liver"),
        lesion("A2", "40", organ="liver"),
        lesion("A3", "45", organ="liver"),  # third in the liver: non-target
        lesion("B1", "30", organ="lung"),
        lesion("B2", "20", organ="lung"),
        lesion("C1", "15", organ="adrenal"),
        lesion("D1", "12", organ="kidney"),  # sixth measurable: non-target
    ]
    result = evaluate_recist(document(lesions, []))
    targets = sorted(les.id for les in result.baseline.targets)
    assert targets == ["A1", "A3", "B1", "B2", "C1"]
    assert result.baseline.sum_mm == Decimal(160)
    assert result.baseline.chosen_by == "trialdesk"


def test_all_lymph_nodes_count_as_one_organ() -> None:
    lesions = [lesion(f"N{i}", str(30 - i), nodal=True, organ=f"chain {i}") for i in range(3)]
    assert roles(document(lesions, [])) == {"N0": "target", "N1": "target", "N2": "non_target"}


def test_nodal_targets_contribute_their_short_axis() -> None:
    lesions = [lesion("N1", "18", nodal=True, longest_diameter_mm="40"), lesion("L1", "20")]
    assert evaluate_recist(document(lesions, [])).baseline.sum_mm == Decimal(38)


def test_small_and_normal_lesions_are_non_targets_or_not_followed() -> None:
    lesions = [lesion("L1", "20"), lesion("N1", "14.9", nodal=True), lesion("N2", "9", nodal=True)]
    assert roles(document(lesions, [])) == {"L1": "target", "N1": "non_target", "N2": "excluded"}


def test_investigator_targets_are_kept_and_checked() -> None:
    lesions = [lesion("L1", "50", target=False), lesion("L2", "20", target=True)]
    result = evaluate_recist(document(lesions, []))
    assert [t.id for t in result.baseline.targets] == ["L2"]
    assert result.baseline.chosen_by == "investigator"


def test_a_non_measurable_designated_target_is_an_input_error() -> None:
    lesions = [lesion("L1", "12", slice_thickness_mm="8", target=True)]
    with pytest.raises(InputError) as caught:
        evaluate_recist(document(lesions, []), file="a.json")
    assert caught.value.file == "a.json"
    assert caught.value.where == "baseline.lesions[0].target"


def test_three_designated_targets_in_one_organ_are_refused() -> None:
    lesions = [lesion(f"L{i}", "20", organ="liver", target=True) for i in range(3)]
    with pytest.raises(InputError, match="break RECIST"):
        evaluate_recist(document(lesions, []))


def test_only_normal_nodes_is_not_a_recist_baseline() -> None:
    with pytest.raises(InputError, match="no tumour lesion"):
        evaluate_recist(document([lesion("N1", "5", nodal=True)], []))


def test_unknown_fields_and_bad_values_are_all_reported_with_their_json_path() -> None:
    doc = document([lesion("L1", "20", colour="red")], [point(56, {"L1": "huge"})])
    with pytest.raises(InputError) as caught:
        parse_assessments(doc, file="bad.json")
    wheres = [p.where for p in caught.value.problems]
    assert "baseline.lesions[0].colour" in wheres
    assert any(w.startswith("timepoints[0].measurements.L1") for w in wheres)
    assert caught.value.file == "bad.json"
    assert "bad.json" in str(caught.value)


def test_a_lesion_not_seen_at_baseline_is_refused() -> None:
    with pytest.raises(InputError, match="not seen at baseline"):
        parse_assessments(document([lesion("L1", "20")], [point(56, {"L9": "5"})]))


def test_time_points_must_be_in_date_order_after_baseline() -> None:
    with pytest.raises(InputError, match="date order"):
        parse_assessments(document([lesion("L1", "20")], [point(56), point(28)]))


def test_baseline_more_than_4_weeks_before_treatment_is_a_warning() -> None:
    doc = document([lesion("L1", "20")], [])
    doc["baseline"]["date"] = "2025-01-01"
    warnings = evaluate_recist(doc).warnings
    assert any("4 weeks" in w for w in warnings)


def test_the_shipped_example_gives_a_confirmed_partial_response() -> None:
    text = (EXAMPLES / "recist-partial-response.json").read_text("utf-8")
    result = evaluate_recist(json.loads(text, parse_float=Decimal))
    assert result.best_overall_response.response.value == "PR"
    assert result.to_dict()["best_overall_response"]["confirmed_by"] == "2025-06-02"
