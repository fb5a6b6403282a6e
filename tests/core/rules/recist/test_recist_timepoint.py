"""RECIST 1.1 time-point responses: clinical-rules.md §2.9 vectors and every boundary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from recist_builders import document, lesion, point, single_target

from trialdesk.core.rules.recist import NonTargetResponse, Overall, TargetResponse, evaluate_recist


def overall_at(doc: dict[str, Any], index: int = -1) -> Overall:
    return evaluate_recist(doc).timepoints[index].overall


@pytest.mark.parametrize(
    ("baseline", "follow_up", "expected"),
    [
        ("100", "70", TargetResponse.PR),  # -30 % exactly
        ("100", "71", TargetResponse.SD),
        ("100", "69.99", TargetResponse.PR),
        ("100", "70.01", TargetResponse.SD),
    ],
)
def test_pr_needs_30_percent_below_baseline(
    baseline: str, follow_up: str, expected: TargetResponse
) -> None:
    result = evaluate_recist(single_target(baseline, (56, follow_up)))
    assert result.timepoints[0].target is expected


@pytest.mark.parametrize(
    ("nadir", "now", "expected"),
    [
        ("20", "24", TargetResponse.SD),  # +20 % but only +4 mm
        ("20", "25", TargetResponse.PD),  # +25 %, +5 mm
        ("50", "60", TargetResponse.PD),
        ("25", "30", TargetResponse.PD),  # exactly +20 % and exactly +5 mm
        ("25", "29.99", TargetResponse.SD),
        ("40", "47.9", TargetResponse.SD),  # +7.9 mm but +19.75 %
    ],
)
def test_pd_needs_20_percent_and_5_mm_above_the_nadir(
    nadir: str, now: str, expected: TargetResponse
) -> None:
    # The baseline is the nadir here, so that "not PD" reads as SD (no -30 % either).
    result = evaluate_recist(single_target(nadir, (56, now)))
    assert result.timepoints[0].target is expected
    assert result.timepoints[0].nadir_mm == Decimal(nadir)


def test_pd_from_a_nadir_reached_on_study() -> None:
    result = evaluate_recist(single_target("100", (56, "20"), (112, "24"), (168, "25")))
    assert [p.target for p in result.timepoints] == [
        TargetResponse.PR,
        TargetResponse.PR,  # +20 % from the nadir but only +4 mm; still -76 % from baseline
        TargetResponse.PD,  # +25 % and +5 mm from the nadir of 20
    ]


def test_pd_is_judged_from_the_nadir_not_from_baseline() -> None:
    result = evaluate_recist(single_target("100", (56, "60"), (112, "73")))
    # 73 is still -27 % from baseline, but +21.7 % and +13 mm from the nadir of 60
    assert result.timepoints[1].target is TargetResponse.PD
    assert result.timepoints[1].change_from_baseline_pct == Decimal("-27.0")
    assert result.timepoints[1].change_from_nadir_pct == Decimal("21.7")


def test_the_nadir_is_the_smallest_sum_so_far() -> None:
    result = evaluate_recist(single_target("100", (56, "60"), (112, "65"), (168, "72")))
    assert [p.nadir_mm for p in result.timepoints] == [Decimal(100), Decimal(60), Decimal(60)]
    assert result.timepoints[2].target is TargetResponse.PD


def test_nodal_targets_below_10_mm_are_a_complete_response_with_a_nonzero_sum() -> None:
    lesions = [
        lesion("L1", "30", organ="liver"),
        lesion("N1", "20", nodal=True),
        lesion("N2", "16", nodal=True),
        lesion("X1", "5", organ="lung", kind="pleural_effusion"),
    ]
    follow = point(56, {"L1": "absent", "N1": "8", "N2": "6"}, non_targets={"X1": "absent"})
    result = evaluate_recist(document(lesions, [follow]))
    tp = result.timepoints[0]
    assert (tp.target, tp.non_target, tp.overall) == (
        TargetResponse.CR,
        NonTargetResponse.CR,
        Overall.CR,
    )
    assert tp.sum_mm == Decimal(14)


def test_a_node_at_exactly_10_mm_is_not_a_complete_response() -> None:
    lesions = [lesion("N1", "20", nodal=True)]
    result = evaluate_recist(document(lesions, [point(56, {"N1": "10"})]))
    assert result.timepoints[0].target is TargetResponse.PR


def test_too_small_to_measure_counts_5_mm_and_is_not_cr() -> None:
    result = evaluate_recist(single_target("30", (56, "too_small")))
    assert result.timepoints[0].sum_mm == Decimal(5)
    assert result.timepoints[0].target is TargetResponse.PR


def test_a_new_lesion_makes_a_partial_response_pd() -> None:
    doc = single_target("100", (56, "60"))
    doc["timepoints"][0]["new_lesions"] = [{"id": "NEW1", "site": "liver"}]
    tp = evaluate_recist(doc).timepoints[0]
    assert (tp.target, tp.overall) == (TargetResponse.PR, Overall.PD)
    assert tp.rule.endswith("Table 1 row 9")


def test_an_equivocal_new_lesion_is_not_pd_until_confirmed_then_pd_dates_from_the_first_scan() -> (
    None
):
    doc = single_target("100", (56, "60"), (112, "55"))
    doc["timepoints"][0]["new_lesions"] = [{"id": "N1", "equivocal": True}]
    alone = evaluate_recist(doc).timepoints[0]
    assert alone.overall is Overall.PR
    doc["timepoints"][1]["new_lesions"] = [{"id": "N1"}]
    confirmed = evaluate_recist(doc).timepoints
    assert confirmed[0].overall is Overall.PD
    assert confirmed[1].overall is Overall.PD


def test_a_missing_target_makes_the_time_point_not_evaluable() -> None:
    lesions = [lesion("L1", "50", organ="liver"), lesion("L2", "50", organ="lung")]
    tp = evaluate_recist(document(lesions, [point(56, {"L1": "20"})])).timepoints[0]
    assert (tp.target, tp.overall) == (TargetResponse.NE, Overall.NE)
    assert tp.sum_mm is None


def test_a_missing_target_does_not_hide_pd_shown_by_the_others() -> None:
    lesions = [lesion("L1", "50", organ="liver"), lesion("L2", "50", organ="lung")]
    tp = evaluate_recist(document(lesions, [point(56, {"L1": "125"})])).timepoints[0]
    assert (tp.target, tp.overall) == (TargetResponse.PD, Overall.PD)


@pytest.mark.parametrize(
    ("status", "target", "overall"),
    [
        ("absent", TargetResponse.CR, Overall.CR),
        ("present", TargetResponse.CR, Overall.PR),  # Table 1 row 2
        ("not_evaluated", TargetResponse.CR, Overall.PR),  # Table 1 row 3
        ("progression", TargetResponse.PR, Overall.PD),  # Table 1 row 8
    ],
)
def test_non_targets_combine_with_targets_by_table_1(
    status: str, target: TargetResponse, overall: Overall
) -> None:
    lesions = [lesion("L1", "30", organ="liver"), lesion("X1", "8", organ="lung")]
    size = "absent" if target is TargetResponse.CR else "15"
    tp = evaluate_recist(
        document(lesions, [point(56, {"L1": size}, non_targets={"X1": status})])
    ).timepoints[0]
    assert (tp.target, tp.overall) == (target, overall)


def test_an_unassessed_non_target_is_not_evaluated() -> None:
    lesions = [lesion("L1", "30", organ="liver"), lesion("X1", "8", organ="lung")]
    tp = evaluate_recist(document(lesions, [point(56, {"L1": "25"})])).timepoints[0]
    assert tp.non_target is NonTargetResponse.NE
    assert tp.overall is Overall.SD  # Table 1 row 5: SD with non-targets not all evaluated


@pytest.mark.parametrize(
    ("status", "new", "overall"),
    [
        ("absent", False, Overall.CR),
        ("present", False, Overall.NON_CR_NON_PD),
        ("not_evaluated", False, Overall.NE),
        ("progression", False, Overall.PD),
        ("present", True, Overall.PD),
    ],
)
def test_non_target_only_disease_follows_table_2(status: str, new: bool, overall: Overall) -> None:
    lesions = [lesion("X1", "12", nodal=True), lesion("X2", "8", organ="lung")]
    follow = point(56, non_targets={"X1": status, "X2": status})
    if new:
        follow["new_lesions"] = [{"id": "NEW"}]
    result = evaluate_recist(document(lesions, [follow]))
    tp = result.timepoints[0]
    assert tp.target is None
    assert tp.overall is overall
    assert tp.rule.startswith("RECIST 1.1 §4.4.1 Table 2")


def test_abnormal_tumour_markers_prevent_a_complete_response() -> None:
    lesions = [lesion("X1", "8", organ="lung")]
    follow = point(56, non_targets={"X1": "absent"}, tumour_markers_normal=False)
    assert overall_at(document(lesions, [follow])) is Overall.NON_CR_NON_PD


def test_a_measured_non_target_node_below_10_mm_counts_as_gone() -> None:
    lesions = [lesion("L1", "30", organ="liver"), lesion("N9", "12", nodal=True)]
    tp = evaluate_recist(document(lesions, [point(56, {"L1": "absent", "N9": "9"})])).timepoints[0]
    assert tp.non_target is NonTargetResponse.CR
    assert tp.overall is Overall.CR


def test_every_time_point_names_its_table_row_and_reasons() -> None:
    tp = evaluate_recist(single_target("100", (56, "70"))).timepoints[0]
    assert tp.rule == "RECIST 1.1 §4.4.1 Table 1 row 4"
    assert any("§4.3.1 PR" in r for r in tp.reasons)
    assert tp.to_dict()["overall"] == "PR"
