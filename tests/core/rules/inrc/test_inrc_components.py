"""INRC 2017 components: every boundary of the primary, metastatic and marrow rules.

The thresholds come from clinical-rules.md §3 (partly UNCONFIRMED; see the data file). The
expected values here restate those rules, so a change in the data file shows up as a failure.
"""

from __future__ import annotations

from typing import Any

import pytest
from inrc_builders import (
    CLEAN_MARROW,
    NO_METASTASES,
    document,
    marrow,
    mibg,
    no_primary,
    primary,
    soft_tissue,
)

from trialdesk.core.rules.inrc import ComponentResult, Response, evaluate_inrc


def component(doc: dict[str, Any], name: str) -> ComponentResult:
    return evaluate_inrc(doc).component(name)


def primary_of(p: dict[str, Any]) -> ComponentResult:
    return component(
        document(primary=p, metastases=NO_METASTASES, marrow=CLEAN_MARROW), "primary tumour"
    )


def metastases_of(m: dict[str, Any], **extra: Any) -> ComponentResult:
    return component(
        document(primary=no_primary(), metastases=m, marrow=CLEAN_MARROW, **extra),
        "soft-tissue and bone metastases",
    )


def marrow_of(baseline: str | None, now: str | None) -> ComponentResult:
    return component(
        document(primary=no_primary(), metastases=NO_METASTASES, marrow=marrow(baseline, now)),
        "bone marrow",
    )


# --- primary tumour ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "now", "expected", "rule"),
    [
        ("100", "70", Response.PR, "primary_pr"),  # exactly 30 % smaller
        ("100", "70.1", Response.SD, "primary_sd"),  # 29.9 %
        ("50", "35", Response.PR, "primary_pr"),
        ("33.3", "23.31", Response.PR, "primary_pr"),  # exactly 30 % in decimals
        ("33.3", "23.32", Response.SD, "primary_sd"),
        ("100", "119.9", Response.SD, "primary_sd"),
        ("100", "120", Response.PD, "primary_pd"),  # exactly +20 % (PDQ reading), flagged
        ("100", "120.1", Response.PD, "primary_pd"),
        ("20", "24.5", Response.SD, "primary_sd"),  # +22.5 % but only 4.5 mm
        ("20", "25", Response.PD, "primary_pd"),  # +25 % and exactly 5 mm
        ("40", "40", Response.SD, "primary_sd"),
    ],
)
def test_primary_boundaries(baseline: str, now: str, expected: Response, rule: str) -> None:
    result = primary_of(primary(baseline, now))
    assert (result.response, result.rule) == (expected, rule)
    # PR rests on read sources only; SD and PD also on the disputed "20 %" reading.
    assert result.confirmed == (rule == "primary_pr")


def test_exactly_twenty_percent_is_pd_and_flagged_because_the_sources_disagree() -> None:
    result = primary_of(primary("100", "120"))
    assert result.response is Response.PD
    assert "thresholds.pd_increase (unconfirmed)" in result.not_confirmed
    assert any("exactly +20 %" in line for line in result.review)
    assert not any("exactly +20 %" in line for line in primary_of(primary("100", "125")).review)


def test_primary_pd_is_measured_from_the_nadir_not_the_baseline() -> None:
    result = primary_of(primary("60", "30", nadir_longest_diameter_mm="24"))
    assert result.response is Response.PD  # 30 vs 24: +25 %, +6 mm
    assert result.evidence["nadir_longest_diameter_mm"] == "24"


def test_primary_regrowing_after_disappearing_is_pd_from_a_zero_nadir() -> None:
    result = primary_of(primary("60", "5", nadir_longest_diameter_mm="0"))
    assert (result.response, result.evidence["nadir_longest_diameter_mm"]) == (Response.PD, "0")
    assert primary_of(primary("60", "4.9", nadir_longest_diameter_mm="0")).response is (Response.PR)


def test_primary_nadir_missing_is_flagged_for_review() -> None:
    result = primary_of(primary("60", "40"))
    assert any("nadir not given" in line for line in result.review)


@pytest.mark.parametrize(
    ("now", "uptake", "expected", "rule"),
    [
        ("9.9", "resolved", Response.CR, "primary_cr"),
        ("10", "resolved", Response.PR, "primary_pr"),  # 10 mm is not < 10 mm
        ("0", "resolved", Response.CR, "primary_cr"),
        ("9", "decreased", Response.PR, "primary_pr"),  # small but still avid: not CR
        ("9", None, Response.PR, "primary_pr"),
        ("30", "increased", Response.SD, "primary_sd_uptake_increased"),  # decision
    ],
)
def test_primary_cr_needs_both_small_residual_and_resolved_uptake(
    now: str, uptake: str | None, expected: Response, rule: str
) -> None:
    result = primary_of(primary("60", now, uptake=uptake))
    assert (result.response, result.rule) == (expected, rule)


def test_primary_not_present_at_baseline_is_not_involved() -> None:
    result = primary_of(no_primary())
    assert result.response is Response.NI
    assert result.confirmed  # NI follows from the abstract's three-component design


def test_primary_not_measured_is_not_evaluable() -> None:
    assert primary_of(primary("60", None)).response is Response.NE
    assert component(document(primary=None), "primary tumour").response is Response.NE


# --- soft-tissue and bone metastases ------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "now", "expected", "rule"),
    [
        ("12", "6", Response.PR, "metastases_pr"),  # relative 0.5: PR boundary
        ("12", "6.01", Response.SD, "metastases_sd"),
        ("12", "1", Response.PR, "metastases_pr"),  # 0.083: below the unapplied 0.1 bound
        ("12", "0", Response.CR, "metastases_cr"),
        ("10", "12", Response.PD, "metastases_pd_mibg"),  # relative exactly 1.2
        ("10", "11.99", Response.SD, "metastases_sd"),
        ("25", "30", Response.PD, "metastases_pd_mibg"),  # 1.2 at the top of the Curie scale
    ],
)
def test_relative_mibg_score_cut_offs(
    baseline: str, now: str, expected: Response, rule: str
) -> None:
    result = metastases_of(mibg(baseline, now))
    assert (result.response, result.rule) == (expected, rule)


def test_mibg_rules_are_confirmed_but_the_soft_tissue_cr_size_is_not() -> None:
    result = metastases_of(mibg("10", "12"))
    assert result.rule == "metastases_pd_mibg"
    assert result.confirmed  # NCI PDQ: relative score >= 1.2
    assert metastases_of(mibg("10", "5")).confirmed  # NCI PDQ: >= 50 % reduction
    cr = metastases_of(mibg("10", "0"))
    assert cr.response is Response.CR
    assert "thresholds.soft_tissue_cr_max_mm (unconfirmed)" in cr.not_confirmed


@pytest.mark.parametrize(
    ("baseline", "now", "expected"),
    [("10", "5", Response.PR), ("10", "6", Response.SD), ("4", "0", Response.CR)],
)
def test_fdg_avid_bone_lesion_count(baseline: str, now: str, expected: Response) -> None:
    bone = {"bone": {"method": "fdg_pet", "baseline_avid_lesions": baseline, "avid_lesions": now}}
    assert metastases_of(bone, mibg_avid=False).response is expected


@pytest.mark.parametrize(
    ("baseline", "now", "nadir", "expected"),
    [
        ("50", "35", None, Response.PR),
        ("50", "35.5", None, Response.SD),
        ("50", "59.9", None, Response.SD),
        ("50", "60", None, Response.PD),  # exactly +20 % and 10 mm
        ("50", "24", "20", Response.PR),  # +20 % from nadir 20 but 4 mm: still PR vs baseline
        ("50", "25.5", "20", Response.PD),
    ],
)
def test_soft_tissue_sum_of_diameters(
    baseline: str, now: str, nadir: str | None, expected: Response
) -> None:
    assert metastases_of(soft_tissue(baseline, now, nadir_sum_mm=nadir)).response is expected


def test_soft_tissue_cr_needs_every_lesion_below_10_mm_and_uptake_resolved() -> None:
    done = soft_tissue("40", "12", all_lesions_below_10_mm=True, uptake="resolved")
    assert metastases_of(done).response is Response.CR
    avid = soft_tissue("40", "12", all_lesions_below_10_mm=True, uptake="decreased")
    assert metastases_of(avid).response is Response.PR


@pytest.mark.parametrize(
    ("non_targets", "uptake", "expected"),
    [
        ("absent", "resolved", Response.CR),
        ("absent", None, Response.SD),  # uptake not reported: not CR, flagged
        ("stable_or_smaller", "decreased", Response.SD),  # never PR without a sum to shrink
        ("progression", None, Response.PD),
    ],
)
def test_non_target_only_soft_tissue(
    non_targets: str, uptake: str | None, expected: Response
) -> None:
    soft = soft_tissue("0", None, non_targets=non_targets, uptake=uptake)
    assert metastases_of(soft).response is expected


def test_non_target_progression_is_pd_by_decision() -> None:
    result = metastases_of(soft_tissue("40", "20", non_targets="progression"))
    assert (result.response, result.rule) == (Response.PD, "metastases_pd_non_target")
    assert "decisions.non_target_progression_is_pd (decision)" in result.not_confirmed


def test_metastatic_pr_needs_every_involved_part() -> None:
    both = {**soft_tissue("40", "20"), **mibg("12", "9")}  # soft tissue PR, bone SD
    result = metastases_of(both)
    assert result.response is Response.SD
    both_ok = {**soft_tissue("40", "20"), **mibg("12", "0")}
    assert metastases_of(both_ok).response is Response.PR


@pytest.mark.parametrize(
    ("site", "evidence", "mibg_avid", "expected"),
    [
        ("soft_tissue", "mibg_avid", True, Response.PD),
        ("soft_tissue", "fdg_avid", True, Response.PD),
        ("soft_tissue", "biopsy_proven", True, Response.PD),
        ("soft_tissue", "anatomic_only", True, Response.PR),
        ("bone", "mibg_avid", True, Response.PD),
        ("bone", "fdg_avid", False, Response.PD),
        ("bone", "fdg_avid", True, Response.PR),  # MIBG-avid tumour: confirm on MIBG first
        ("bone", "equivocal", True, Response.PR),
    ],
)
def test_new_lesions(site: str, evidence: str, mibg_avid: bool, expected: Response) -> None:
    m = {**mibg("12", "3"), "new_lesions": [{"site": site, "evidence": evidence}]}
    result = metastases_of(m, mibg_avid=mibg_avid)
    assert result.response is expected
    if expected is not Response.PD:
        assert result.review  # a new lesion that is not PD yet is always flagged


def test_no_metastases_at_baseline_is_not_involved() -> None:
    assert metastases_of(NO_METASTASES).response is Response.NI
    assert metastases_of(mibg("0", "0")).response is Response.NI


def test_bone_not_rescored_is_not_evaluable() -> None:
    assert metastases_of(mibg("12", None)).response is Response.NE


# --- bone marrow ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "now", "expected", "rule"),
    [
        ("0", "0", Response.NI, "marrow_ni"),
        ("0", "4.99", Response.MD, "marrow_md"),
        ("0", "5", Response.PD, "marrow_pd_new"),  # PDQ: "at least 5 %" (flagged)
        ("0", "5.01", Response.PD, "marrow_pd_new"),
        ("30", "0", Response.CR, "marrow_cr"),
        ("30", "5", Response.MD, "marrow_md"),
        ("30", "5.1", Response.SD, "marrow_sd"),
        ("3", "3", Response.MD, "marrow_md"),
        ("10", "4", Response.MD, "marrow_md_from_5_to_20"),  # decision
        ("20", "4", Response.MD, "marrow_md_from_5_to_20"),  # 20 % is not > 20 %
        ("20.1", "4", Response.MD, "marrow_md"),
        ("10", "20", Response.SD, "marrow_sd"),  # 2x but 20 % is not > 20 %
        ("8", "17", Response.SD, "marrow_sd"),  # > 2x but 17 % is not > 20 %
        ("10", "20.1", Response.PD, "marrow_pd_rise"),  # > 2x and > 20 %
        ("15", "29.9", Response.SD, "marrow_sd"),
        ("15", "30", Response.PD, "marrow_pd_rise"),  # exactly 2x (PDQ "twofold"), flagged
        ("15", "30.1", Response.PD, "marrow_pd_rise"),
        ("4", "9", Response.SD, "marrow_sd"),  # > 2x but 9 % is not > 20 %
    ],
)
def test_marrow_boundaries(baseline: str, now: str, expected: Response, rule: str) -> None:
    result = marrow_of(baseline, now)
    assert (result.response, result.rule) == (expected, rule)


def test_marrow_missing_is_not_evaluable() -> None:
    assert marrow_of(None, "3").response is Response.NE
    assert component(document(marrow=None), "bone marrow").response is Response.NE


def test_minimal_disease_threshold_is_confirmed() -> None:
    result = marrow_of("0", "5.01")
    assert "thresholds.marrow_minimal_disease_max_percent" not in " ".join(result.not_confirmed)


@pytest.mark.parametrize(
    ("baseline", "now", "phrase"),
    [("0", "5", "exactly 5 %"), ("15", "30", "exactly twice")],
)
def test_marrow_boundaries_where_the_sources_disagree_are_flagged(
    baseline: str, now: str, phrase: str
) -> None:
    result = marrow_of(baseline, now)
    assert result.response is Response.PD
    assert any(phrase in line for line in result.review)
    assert not result.confirmed


def test_marrow_cr_asks_for_two_biopsies_and_two_aspirates() -> None:
    assert any("two biopsies" in line for line in marrow_of("30", "0").review)
    sampled = {"baseline_percent": "30", "percent": "0", "two_biopsies_two_aspirates": True}
    doc = document(primary=no_primary(), metastases=NO_METASTASES, marrow=sampled)
    result = component(doc, "bone marrow")
    assert (result.response, result.review, result.confirmed) == (Response.CR, (), True)
