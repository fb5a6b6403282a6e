"""RECIST 1.1 best overall response (§2.8 / Table 3), with and without confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recist_builders import document, lesion, point, single_target

from trialdesk.core.rules.recist import Overall, evaluate_recist
from trialdesk.core.rules.recist.tables import response_tables

# Sizes that give each time-point response against a 100 mm baseline with no PD from the nadir
# (nadir tracking is bypassed by giving responses that never rise 5 mm above an earlier sum).
CR, PR, SD = "absent", "60", "90"


def bor(doc: dict[str, Any]) -> Overall:
    return evaluate_recist(doc).best_overall_response.response


def test_cr_confirmed_28_days_later_is_cr() -> None:
    result = evaluate_recist(single_target("100", (56, CR), (84, CR)))
    best = result.best_overall_response
    assert best.response is Overall.CR
    assert best.confirmed_by is not None
    assert "28 days later" in best.reasons[0]


def test_cr_repeated_27_days_later_is_not_confirmed() -> None:
    result = evaluate_recist(single_target("100", (56, CR), (83, CR)))
    assert result.best_overall_response.response is Overall.SD  # day 56 >= 42: SD duration met
    assert result.best_unconfirmed.response is Overall.CR


def test_confirmation_interval_is_a_parameter() -> None:
    doc = single_target("100", (56, CR), (83, CR), interval_days=21)
    assert bor(doc) is Overall.CR


def test_pr_then_cr_is_pr() -> None:
    assert bor(single_target("100", (56, PR), (98, CR))) is Overall.PR


def test_pr_then_pr_is_pr() -> None:
    assert bor(single_target("100", (56, PR), (98, PR))) is Overall.PR


def test_pr_then_sd_is_sd() -> None:
    result = evaluate_recist(single_target("100", (56, "69"), (98, "72")))
    assert [p.overall for p in result.timepoints] == [Overall.PR, Overall.SD]
    assert result.best_overall_response.response is Overall.SD


def test_cr_then_pr_is_sd_with_note_a() -> None:
    result = evaluate_recist(single_target("100", (56, CR), (98, "4")))
    assert [p.overall for p in result.timepoints] == [Overall.CR, Overall.PR]
    best = result.best_overall_response
    assert best.response is Overall.SD
    assert any("note a" in r for r in best.reasons)


def test_disease_back_after_cr_before_the_sd_minimum_is_pd() -> None:
    # both scans before day 42: the SD minimum is not met, and disease came back after CR
    result = evaluate_recist(single_target("100", (20, CR), (30, "4"), min_sd_days=42))
    assert result.best_overall_response.response is Overall.PD


def test_cr_then_ne_before_the_sd_minimum_is_ne() -> None:
    assert bor(single_target("100", (20, CR), (30, None))) is Overall.NE


def test_pr_then_pd_is_sd_when_the_sd_minimum_is_met_else_pd() -> None:
    assert bor(single_target("100", (56, PR), (98, "120"))) is Overall.SD
    assert bor(single_target("100", (20, PR), (35, "120"))) is Overall.PD


@pytest.mark.parametrize(("sd_day", "expected"), [(42, Overall.SD), (41, Overall.NE)])
def test_sd_minimum_duration_boundary(sd_day: int, expected: Overall) -> None:
    assert bor(single_target("100", (sd_day, SD))) is expected


def test_sd_minimum_duration_is_a_parameter() -> None:
    assert bor(single_target("100", (41, SD), min_sd_days=35)) is Overall.SD


def test_ne_then_ne_is_ne() -> None:
    assert bor(single_target("100", (56, None), (98, None))) is Overall.NE


def test_no_follow_up_is_ne() -> None:
    best = evaluate_recist(single_target("100")).best_overall_response
    assert best.response is Overall.NE
    assert "no assessment after baseline" in best.reasons


def test_one_ne_between_response_and_confirmation_is_accepted_two_are_not() -> None:
    assert bor(single_target("100", (56, PR), (70, None), (98, PR))) is Overall.PR
    two = single_target("100", (56, PR), (63, None), (70, None), (98, PR))
    assert bor(two) is Overall.SD


def test_an_sd_between_pr_and_its_confirmation_breaks_it_unless_accepted() -> None:
    points = ((56, "69"), (70, "72"), (98, "69"))
    assert bor(single_target("100", *points)) is Overall.SD
    assert bor(single_target("100", *points, accept_sd_between=True)) is Overall.PR


def test_without_confirmation_the_best_time_point_counts() -> None:
    doc = single_target("100", (20, PR), (35, "120"), required=False)
    result = evaluate_recist(doc)
    assert result.best_overall_response.response is Overall.PR
    assert result.best_confirmed.response is Overall.PD


def test_time_points_after_pd_do_not_count() -> None:
    result = evaluate_recist(single_target("100", (56, "130"), (98, CR), (140, CR)))
    assert result.best_overall_response.response is Overall.PD
    assert result.best_unconfirmed.response is Overall.PD


def test_non_target_only_disease_gives_non_cr_non_pd_not_sd() -> None:
    lesions = [lesion("X1", "12", nodal=True)]
    doc = document(lesions, [point(56, non_targets={"X1": "present"})])
    assert bor(doc) is Overall.NON_CR_NON_PD


sizes = st.one_of(st.none(), st.sampled_from(["absent", "too_small"]), st.integers(0, 160).map(str))
schedules = st.lists(st.tuples(st.integers(1, 30), sizes, st.booleans()), min_size=1, max_size=6)


def _doc(schedule: list[tuple[int, str | None, bool]], required: bool) -> dict[str, Any]:
    points, n = [], 0
    for gap, size, new in schedule:
        n += gap * 3
        follow = point(n, {"L1": size})
        if new:
            follow["new_lesions"] = [{"id": f"N{n}"}]
        points.append(follow)
    return document([lesion("L1", "100", organ="liver")], points, required=required)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, required=st.booleans())
def test_best_response_is_never_better_than_the_best_time_point(
    schedule: list[tuple[int, str | None, bool]], required: bool
) -> None:
    result = evaluate_recist(_doc(schedule, required))
    tables = response_tables()
    best_point = min(result.timepoints, key=lambda p: tables.rank.index(p.overall)).overall
    # PD and NE may outrank nothing: a best response of PD needs a PD point, CR needs a CR point
    best = result.best_overall_response.response
    if best in (Overall.CR, Overall.PR):
        assert not tables.better(best, best_point)
    if best is Overall.SD:
        assert any(p.overall in (Overall.CR, Overall.PR, Overall.SD) for p in result.timepoints)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules)
def test_a_new_lesion_always_makes_the_time_point_pd(
    schedule: list[tuple[int, str | None, bool]],
) -> None:
    result = evaluate_recist(_doc(schedule, True))
    for (_, _, new), tp in zip(schedule, result.timepoints, strict=True):
        if new:
            assert tp.overall is Overall.PD


@settings(max_examples=100, deadline=None)
@given(schedule=schedules)
def test_a_confirmed_response_is_never_better_than_the_unconfirmed_one(
    schedule: list[tuple[int, str | None, bool]],
) -> None:
    result = evaluate_recist(_doc(schedule, True))
    tables = response_tables()
    confirmed, unconfirmed = result.best_confirmed.response, result.best_unconfirmed.response
    if unconfirmed in (Overall.CR, Overall.PR, Overall.SD):
        assert not tables.better(confirmed, unconfirmed)
