"""RECIST 1.1 invariants as properties: more shrinkage is never a worse response."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from recist_builders import document, lesion, point, single_target

from trialdesk.core.rules.recist import TargetResponse, evaluate_recist

ORDER = [TargetResponse.PD, TargetResponse.SD, TargetResponse.PR, TargetResponse.CR]
sizes = st.decimals(min_value=0, max_value=300, places=1)


def target_at_first_visit(baseline: Decimal, now: Decimal) -> TargetResponse:
    size = "absent" if now == 0 else str(now)
    response = evaluate_recist(single_target(str(baseline), (56, size))).timepoints[0].target
    assert response is not None
    return response


@settings(max_examples=150, deadline=None)
@given(baseline=st.decimals(min_value=10, max_value=300, places=1), a=sizes, b=sizes)
def test_a_smaller_sum_never_gives_a_worse_target_response(
    baseline: Decimal, a: Decimal, b: Decimal
) -> None:
    smaller, larger = sorted((a, b))
    assert ORDER.index(target_at_first_visit(baseline, smaller)) >= ORDER.index(
        target_at_first_visit(baseline, larger)
    )


@settings(max_examples=100, deadline=None)
@given(
    baseline=st.decimals(min_value=10, max_value=300, places=1),
    nadir_fraction=st.decimals(min_value=0, max_value=1, places=2),
    now=sizes,
)
def test_pd_iff_twenty_percent_and_five_mm_above_the_nadir(
    baseline: Decimal, nadir_fraction: Decimal, now: Decimal
) -> None:
    nadir = (baseline * nadir_fraction).quantize(Decimal("0.1"))
    first = "absent" if nadir == 0 else str(nadir)
    second = "absent" if now == 0 else str(now)
    result = evaluate_recist(single_target(str(baseline), (56, first), (112, second)))
    rise = now - nadir
    expected_pd = rise >= 5 and (nadir == 0 or rise >= nadir * Decimal("0.2"))
    assert (result.timepoints[1].target is TargetResponse.PD) == expected_pd


def test_a_nodal_target_back_under_10_mm_with_the_rest_gone_is_cr() -> None:
    lesions = [lesion("L1", "30"), lesion("N1", "20", nodal=True)]
    doc = document(lesions, [point(56, {"L1": "absent", "N1": "9.9"})])
    assert evaluate_recist(doc).timepoints[0].target is TargetResponse.CR
