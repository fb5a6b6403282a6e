"""INRC 2017 overall response: the combinations, the decisions, and monotonicity properties."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inrc_builders import CLEAN_MARROW, NO_METASTASES, document, marrow, mibg, no_primary, primary

from trialdesk.core.rules.inrc import ComponentResult, Response, evaluate_inrc
from trialdesk.core.rules.inrc.evaluate import combine

# Primary responses by the primary's own input (baseline 60 mm, nadir = baseline).
PRIMARY = {
    Response.CR: primary("60", "5", uptake="resolved"),
    Response.PR: primary("60", "30"),
    Response.SD: primary("60", "55"),
    Response.PD: primary("60", "80"),
    Response.NI: no_primary(),
}
METASTASES: dict[Response, dict[str, Any]] = {
    Response.CR: mibg("12", "0"),
    Response.PR: mibg("12", "4"),
    Response.SD: mibg("12", "10"),
    Response.PD: mibg("12", "15"),
    Response.NI: NO_METASTASES,
}
MARROW = {
    "CR": marrow("30", "0"),
    "MD+": marrow("30", "3"),  # improved into minimal disease
    "MD0": marrow("3", "3"),  # minimal disease, no improvement
    "SD": marrow("30", "20"),
    "PD": marrow("10", "40"),
    "NI": CLEAN_MARROW,
}


def overall(p: Response, m: Response, bm: str) -> tuple[Response, str]:
    result = evaluate_inrc(
        document(primary=PRIMARY[p], metastases=METASTASES[m], marrow=MARROW[bm])
    )
    return result.overall, result.rule


R = Response


@pytest.mark.parametrize(
    ("p", "m", "bm", "expected", "rule"),
    [
        (R.CR, R.CR, "CR", R.CR, "overall_cr"),
        (R.CR, R.NI, "NI", R.CR, "overall_cr"),  # not-involved components are ignored
        (R.NI, R.CR, "CR", R.CR, "overall_cr"),
        (R.PR, R.CR, "CR", R.PR, "overall_pr"),
        (R.PR, R.PR, "MD+", R.PR, "overall_pr"),
        (R.PR, R.NI, "MD0", R.PR, "overall_pr"),  # MD does not stop a PR
        (R.CR, R.CR, "MD+", R.PR, "overall_pr_cr_with_marrow_md"),  # decision cr_cr_marrow_md
        (R.CR, R.CR, "MD0", R.PR, "overall_pr_cr_with_marrow_md"),
        (R.PR, R.SD, "NI", R.MR, "overall_mr"),
        (R.CR, R.SD, "CR", R.MR, "overall_mr"),
        (R.SD, R.NI, "MD+", R.MR, "overall_mr"),  # decision minimal_disease_in_overall
        (R.SD, R.NI, "MD0", R.SD, "overall_sd"),
        (R.NI, R.NI, "MD0", R.SD, "overall_sd"),
        (R.NI, R.NI, "MD+", R.PR, "overall_pr_cr_with_marrow_md"),
        (R.SD, R.SD, "SD", R.SD, "overall_sd"),
        (R.CR, R.CR, "PD", R.PD, "overall_pd"),
        (R.PD, R.CR, "CR", R.PD, "overall_pd"),
        (R.PR, R.PD, "MD+", R.PD, "overall_pd"),
    ],
)
def test_overall_combinations(p: Response, m: Response, bm: str, expected: Response, rule: str):
    assert overall(p, m, bm) == (expected, rule)


def test_cr_cr_marrow_md_is_pr_and_names_the_decision() -> None:
    result = evaluate_inrc(
        document(primary=PRIMARY[R.CR], metastases=METASTASES[R.CR], marrow=MARROW["MD+"])
    )
    assert (result.overall, result.rule) == (Response.PR, "overall_pr_cr_with_marrow_md")
    # The NCI PDQ PR allows marrow 0-5 %, so this combination is read, not decided ...
    assert not any("cr_cr_marrow_md" in item for item in result.not_confirmed)
    # ... but whether MD from > 5 % is itself a response is a decision, and is flagged.
    assert "decisions.minimal_disease_in_overall (decision)" in result.not_confirmed


def test_not_evaluable_component_makes_the_overall_not_evaluable_unless_pd() -> None:
    missing_marrow = document(primary=PRIMARY[R.PR], metastases=METASTASES[R.PR], marrow=None)
    assert evaluate_inrc(missing_marrow).overall is Response.NE
    pd_anyway = document(primary=PRIMARY[R.PD], metastases=METASTASES[R.PR], marrow=None)
    assert evaluate_inrc(pd_anyway).overall is Response.PD


def test_nothing_involved_is_not_evaluable() -> None:
    doc = document(primary=no_primary(), metastases=NO_METASTASES, marrow=CLEAN_MARROW)
    result = evaluate_inrc(doc)
    assert result.overall is Response.NE
    assert "no component was involved at baseline" in result.reasons


def test_every_result_carries_its_rule_and_the_unconfirmed_flag() -> None:
    result = evaluate_inrc(
        document(primary=PRIMARY[R.PR], metastases=METASTASES[R.PR], marrow=MARROW["CR"])
    )
    data = result.to_dict()
    assert data["overall"]["rule"] == "overall_pr"
    # Primary PR, MIBG PR and marrow CR rest only on what was read (NCI PDQ): confirmed.
    assert data["overall"]["confirmed"] is True
    assert data["overall"]["not_confirmed"] == []
    for part in data["components"]:
        assert part["rule"]
        assert part["confirmed"] is True
    assert any("partly unconfirmed" in note for note in data["notes"])


def test_an_unconfirmed_component_makes_the_overall_unconfirmed() -> None:
    doc = document(primary=primary("100", "120"), metastases=METASTASES[R.PR], marrow=MARROW["CR"])
    result = evaluate_inrc(doc)
    assert result.overall is Response.PD
    assert not result.confirmed
    assert "thresholds.pd_increase (unconfirmed)" in result.not_confirmed
    assert "unconfirmed: " in result.confirmation


# --- properties ---------------------------------------------------------------------------------

PRIMARY_ORDER = [Response.PD, Response.SD, Response.PR, Response.CR]
MARROW_ORDER = [Response.PD, Response.SD, Response.MD, Response.CR]
OVERALL_ORDER = [Response.PD, Response.SD, Response.MR, Response.PR, Response.CR]
sizes = st.decimals(min_value=0, max_value=200, places=1)


def primary_response(baseline: Decimal, now: Decimal, uptake: str) -> Response:
    doc = document(
        primary=primary(str(baseline), str(now), uptake=uptake),
        metastases=NO_METASTASES,
        marrow=CLEAN_MARROW,
    )
    return evaluate_inrc(doc).component("primary tumour").response


@settings(max_examples=150, deadline=None)
@given(
    baseline=st.decimals(min_value=1, max_value=200, places=1),
    a=sizes,
    b=sizes,
    uptake=st.sampled_from(["resolved", "decreased", "stable"]),
)
def test_more_shrinkage_of_the_primary_never_gives_a_worse_response(
    baseline: Decimal, a: Decimal, b: Decimal, uptake: str
) -> None:
    smaller, larger = sorted((a, b))
    assert PRIMARY_ORDER.index(primary_response(baseline, smaller, uptake)) >= PRIMARY_ORDER.index(
        primary_response(baseline, larger, uptake)
    )


@settings(max_examples=150, deadline=None)
@given(
    baseline=st.decimals(min_value=Decimal("0.1"), max_value=100, places=1),
    a=st.decimals(min_value=0, max_value=100, places=1),
    b=st.decimals(min_value=0, max_value=100, places=1),
)
def test_less_marrow_tumour_never_gives_a_worse_marrow_response(
    baseline: Decimal, a: Decimal, b: Decimal
) -> None:
    def response(now: Decimal) -> Response:
        doc = document(
            primary=no_primary(), metastases=NO_METASTASES, marrow=marrow(str(baseline), str(now))
        )
        return evaluate_inrc(doc).component("bone marrow").response

    lower, higher = sorted((a, b))
    assert MARROW_ORDER.index(response(lower)) >= MARROW_ORDER.index(response(higher))


@settings(max_examples=150, deadline=None)
@given(
    baseline=st.integers(min_value=1, max_value=72),
    a=st.integers(min_value=0, max_value=72),
    b=st.integers(min_value=0, max_value=72),
)
def test_a_lower_mibg_score_never_gives_a_worse_metastatic_response(
    baseline: int, a: int, b: int
) -> None:
    def response(score: int) -> Response:
        doc = document(
            primary=no_primary(),
            metastases=mibg(str(baseline), str(score), method="mibg_siopen"),
            marrow=CLEAN_MARROW,
        )
        return evaluate_inrc(doc).component("soft-tissue and bone metastases").response

    lower, higher = sorted((a, b))
    assert PRIMARY_ORDER.index(response(lower)) >= PRIMARY_ORDER.index(response(higher))


# Component levels from worst to best; "MD0"/"MD+" are marrow MD without / with improvement.
LEVELS = ["PD", "SD", "MD0", "MD+", "PR", "CR"]


def fake(name: str, level: str) -> ComponentResult:
    response = Response.MD if level.startswith("MD") else Response(level)
    return ComponentResult(name, response, "x", "x", (), {}, (), improved_into_md=level == "MD+")


@settings(max_examples=300, deadline=None)
@given(
    levels=st.lists(st.sampled_from(LEVELS), min_size=3, max_size=3),
    which=st.integers(min_value=0, max_value=2),
)
def test_improving_one_component_never_worsens_the_overall_response(
    levels: list[str], which: int
) -> None:
    before = combine(tuple(fake(f"c{i}", level) for i, level in enumerate(levels)))[0]
    better = list(levels)
    better[which] = LEVELS[min(LEVELS.index(levels[which]) + 1, len(LEVELS) - 1)]
    after = combine(tuple(fake(f"c{i}", level) for i, level in enumerate(better)))[0]
    assert OVERALL_ORDER.index(after) >= OVERALL_ORDER.index(before)


@settings(max_examples=200, deadline=None)
@given(levels=st.lists(st.sampled_from(LEVELS), min_size=3, max_size=3))
def test_any_pd_component_is_overall_pd_and_cr_needs_every_component_cr(
    levels: list[str],
) -> None:
    result = combine(tuple(fake(f"c{i}", level) for i, level in enumerate(levels)))[0]
    assert (result is Response.PD) == ("PD" in levels)
    assert (result is Response.CR) == all(level == "CR" for level in levels)


mm = st.one_of(st.none(), st.decimals(min_value=0, max_value=150, places=1).map(str))
uptakes = st.sampled_from([None, "resolved", "decreased", "stable", "increased"])


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    p = draw(
        st.one_of(
            st.none(),
            st.just(no_primary()),
            st.builds(
                lambda b, n, nadir, u: {
                    "baseline_longest_diameter_mm": b,
                    "longest_diameter_mm": n,
                    "nadir_longest_diameter_mm": nadir,
                    "uptake": u,
                },
                st.decimals(min_value=0, max_value=150, places=1).map(str),
                mm,
                mm,
                uptakes,
            ),
        )
    )
    soft = st.builds(
        lambda b, n, nadir, below, nt, u: {
            "baseline_sum_mm": b,
            "sum_mm": n,
            "nadir_sum_mm": nadir,
            "all_lesions_below_10_mm": below,
            "non_targets": nt,
            "uptake": u,
        },
        st.decimals(min_value=0, max_value=150, places=1).map(str),
        mm,
        mm,
        st.one_of(st.none(), st.booleans()),
        st.sampled_from(["absent", "stable_or_smaller", "progression", "none_at_baseline"]),
        uptakes,
    )
    bone = st.one_of(
        st.builds(
            lambda m, b, n: {"method": m, "baseline_score": b, "score": n},
            st.sampled_from(["mibg_curie", "mibg_siopen"]),
            st.integers(0, 30).map(str),  # within both the Curie and the SIOPEN scale
            st.one_of(st.none(), st.integers(0, 30).map(str)),
        ),
        st.builds(
            lambda b, n: {"method": "fdg_pet", "baseline_avid_lesions": b, "avid_lesions": n},
            st.integers(0, 20),
            st.one_of(st.none(), st.integers(0, 20)),
        ),
    )
    new = st.lists(
        st.builds(
            lambda s, e: {"site": s, "evidence": e},
            st.sampled_from(["soft_tissue", "bone"]),
            st.sampled_from(
                ["mibg_avid", "fdg_avid", "biopsy_proven", "anatomic_only", "equivocal"]
            ),
        ),
        max_size=2,
    )
    m = draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda s, b, n: {"soft_tissue": s, "bone": b, "new_lesions": n},
                st.one_of(st.none(), soft),
                st.one_of(st.none(), bone),
                new,
            ),
        )
    )
    percent = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=1).map(str))
    bm = draw(st.one_of(st.none(), st.builds(marrow, percent, percent)))
    return document(primary=p, metastases=m, marrow=bm, mibg_avid=draw(st.booleans()))


@settings(max_examples=80, deadline=None)
@given(doc=assessments())
def test_any_valid_assessment_gets_a_response_a_rule_and_a_status(doc: dict[str, Any]) -> None:
    result = evaluate_inrc(doc)
    assert result.rule.startswith("overall_")
    assert result.confirmed == (not result.not_confirmed)
    assert all(c.rule and c.rule_text for c in result.components)
    # The overall flag covers every component's unconfirmed items.
    for c in result.components:
        assert set(c.not_confirmed) <= set(result.not_confirmed)
    if any(c.response is Response.PD for c in result.components):
        assert result.overall is Response.PD
    json.dumps(result.to_dict())  # the output is plain JSON
