"""Report numbers against hand computations on the fixed synthetic study (fixture_study)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.core.reporting.consort import consort_flow
from trialdesk.core.reporting.dsmb import stopping_status
from trialdesk.core.reporting.efficacy import (
    best_response_table,
    clopper_pearson,
    disease_control_rate,
    kaplan_meier,
    objective_response_rate,
    survival_curves,
)
from trialdesk.core.reporting.plots_data import spider_series, swimmer_lanes, waterfall_bars
from trialdesk.core.reporting.safety import (
    adverse_events_by_attribution,
    adverse_events_by_worst_grade,
    dlt_listing,
    lab_shift_tables,
    sae_listing,
)
from trialdesk.errors import InputError
from trialdesk.reports.fixture_study import GD2, NK, fixture_snapshot

SNAPSHOT = fixture_snapshot()


def test_consort_counts_and_reasons() -> None:
    flow = consort_flow(SNAPSHOT)
    assert (flow.assessed, flow.excluded, flow.enrolled, flow.treated) == (20, 5, 15, 15)
    assert dict(flow.exclusion_reasons) == {
        "Inclusion 4(1): platelet count below 75x10^9/L": 2,
        "Inclusion 3: no measurable lesion (RECIST 1.1)": 1,
        "withdrew before enrollment": 1,
        "not yet enrolled (still consented)": 1,
    }
    assert dict(flow.discontinuation_reasons) == {
        "progressive disease": 4,
        "withdrawal by parent/guardian": 1,
    }
    assert (flow.analysed_safety, flow.analysed_efficacy) == (15, 14)


def test_consort_at_an_early_cutoff_counts_only_what_had_happened() -> None:
    early = fixture_snapshot(cutoff=date(2026, 1, 1))
    flow = consort_flow(early)
    # S01 screened 2025-12-22, enrolled 2025-12-29; S02 screened 2025-12-29, consented 01-01.
    assert (flow.assessed, flow.enrolled, flow.treated) == (2, 1, 0)
    assert dict(flow.exclusion_reasons) == {"not yet enrolled (still consented)": 1}


def test_fixture_times_lie_before_the_cutoff() -> None:
    for row in SNAPSHOT.survival:
        assert row.treatment_start + timedelta(days=row.os_days - 1) <= SNAPSHOT.cutoff
        assert row.pfs_days <= row.os_days


def test_adverse_events_by_worst_grade_per_subject() -> None:
    rows = {r.term: r for r in adverse_events_by_worst_grade(SNAPSHOT)}
    # S01 had Pain grade 2 then 3: counted once, at grade 3.
    assert rows["Pain"].by_grade == (1, 1, 2, 0, 0)
    assert (rows["Pain"].any_grade, rows["Pain"].grade3_plus) == (4, 2)
    assert rows["Neutrophil count decreased"].by_grade == (0, 0, 1, 2, 0)
    assert rows["Febrile neutropenia"].grade3_plus == 1


def test_adverse_events_by_attribution_counts_related_levels_only() -> None:
    rows = {r.term: dict(r.related) for r in adverse_events_by_attribution(SNAPSHOT)}
    assert rows["Pain"][GD2] == 4
    assert rows["Pain"][NK] == 0  # unlikely / unrelated are not "related"
    assert rows["Fever"][NK] == 3


def test_dlt_and_sae_listings() -> None:
    assert [(a.subject_id, a.term) for a in dlt_listing(SNAPSHOT)] == [
        ("S11", "Capillary leak syndrome"),
        ("S12", "Febrile neutropenia"),
    ]
    assert [a.subject_id for a in sae_listing(SNAPSHOT)] == ["S10", "S11", "S12"]


def test_lab_shift_table_baseline_by_worst_grade() -> None:
    neut = next(t for t in lab_shift_tables(SNAPSHOT) if t.test_code == "NEUT")
    assert neut.counts[0] == (9, 0, 2, 1, 2)
    assert neut.counts[2] == (0, 0, 0, 0, 1)  # S09: baseline grade 2, worst grade 4
    assert sum(map(sum, neut.counts)) == 15


def test_best_response_table() -> None:
    table = {r.response: (r.subjects, r.percent) for r in best_response_table(SNAPSHOT)}
    assert table["CR"] == (2, Decimal("13.3"))
    assert table["PD"] == (4, Decimal("26.7"))
    assert table["NE"] == (1, Decimal("6.7"))


def test_orr_and_dcr_with_exact_intervals() -> None:
    orr, dcr = objective_response_rate(SNAPSHOT), disease_control_rate(SNAPSHOT)
    # 6/15: Beta(0.025; 6, 10) = 0.1634, Beta(0.975; 7, 9) = 0.6771 (published tables agree).
    assert (orr.events, orr.total, orr.lower, orr.upper) == (
        6,
        15,
        Decimal("0.1634"),
        Decimal("0.6771"),
    )
    assert (dcr.events, dcr.lower, dcr.upper) == (10, Decimal("0.3838"), Decimal("0.8818"))


def test_clopper_pearson_edges() -> None:
    assert clopper_pearson(0, 15)[0] == Decimal("0")
    # 0/15: upper = 1 - 0.025^(1/15) = 0.2180
    assert clopper_pearson(0, 15)[1] == Decimal("0.2180")
    assert clopper_pearson(15, 15) == (Decimal("0.7820"), Decimal("1"))
    with pytest.raises(InputError):
        clopper_pearson(3, 2)


@given(
    st.integers(min_value=1, max_value=40).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_clopper_pearson_interval_contains_the_estimate(case: tuple[int, int]) -> None:
    events, total = case
    lower, upper = clopper_pearson(events, total)
    estimate = Decimal(events) / Decimal(total)
    assert Decimal(0) <= lower <= estimate.quantize(Decimal("0.0001")) <= upper <= Decimal(1)


def test_kaplan_meier_pfs_median_and_numbers_at_risk() -> None:
    pfs, os_ = survival_curves(SNAPSHOT)
    # By hand: S(120) = 8/14 = 0.5714; at 150, 7 at risk, S = 8/14 * 6/7 = 0.4898 <= 0.5.
    assert pfs.median_days == Decimal("150.0")
    assert pfs.events == 10
    step = pfs.times.index(150)
    assert pfs.survival[step] == pytest.approx(48 / 98)
    assert dict(pfs.at_risk) == {0: 15, 90: 10, 180: 5, 270: 2, 365: 0}
    assert os_.events == 4
    assert os_.median_days is None  # S(t) never falls to 0.5: not reached


def test_kaplan_meier_without_subjects_is_empty_not_an_error() -> None:
    empty = kaplan_meier("PFS", [], [], (0, 90))
    assert (empty.subjects, empty.median_days) == (0, None)


def test_waterfall_spider_swimmer_data() -> None:
    bars = {b.subject_id: b.best_change_percent for b in waterfall_bars(SNAPSHOT)}
    # Baseline 50 + 30 = 80 mm; CR 0 + 8 = 8 mm -> -90.0 %; PD 62 + 38 = 100 mm -> +25.0 %.
    assert bars["S01"] == Decimal("-90.0")
    assert bars["S11"] == Decimal("25.0")
    assert "S15" not in bars  # no post-baseline measurement
    assert spider_series(SNAPSHOT)["S03"][1] == (43, Decimal("-10.0"))
    lanes = {lane.subject_id: lane for lane in swimmer_lanes(SNAPSHOT)}
    assert lanes["S14"].progression_day == 40
    assert lanes["S14"].days_on_study == 40  # off study at progression
    assert lanes["S14"].death_day == 120  # the death in follow-up is still marked
    assert lanes["S01"].ongoing


def test_stopping_rule_status() -> None:
    status = stopping_status(SNAPSHOT)
    assert (status.evaluable, status.dlt_subjects) == (14, 2)
    decision = status.decisions[0]
    # Beta(1, 2) prior: stops at 7 DLTs of 13-14 (protocol note); 2 of 14 does not.
    assert not decision.crossed
    assert decision.boundary == 7


@settings(max_examples=25, deadline=None)
@given(st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 1, 31)))
def test_consort_flow_conserves_children_at_any_cutoff(cutoff: date) -> None:
    flow = consort_flow(fixture_snapshot(cutoff))
    assert flow.assessed == flow.excluded + flow.enrolled
    assert flow.enrolled == flow.treated + flow.not_treated
    assert flow.analysed_efficacy <= flow.analysed_safety == flow.treated
    assert sum(n for _, n in flow.exclusion_reasons) >= flow.excluded
