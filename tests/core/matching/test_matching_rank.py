"""Matching one patient against many protocols: pruning, screening, ranking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.matching import MatchOptions, TrialIndex, match_patient
from trialdesk.core.protocol import Protocol
from trialdesk.core.record import PatientRecord
from trialdesk.core.screening.result import Verdict
from trialdesk.testing.fhir import BundleBuilder

AS_OF = date(2026, 6, 1)
ProtocolFactory = Callable[..., Protocol]


def _child(
    birth: str = "2018-03-02", sex: str = "female", neuroblastoma: bool = True
) -> PatientRecord:
    builder = BundleBuilder("p1", birth, sex)
    if neuroblastoma:
        builder.condition("snomed:432328008", status="active")
    builder.lab("718-7", 100, "g/L", "2026-05-28")
    return record_from_bundle(builder.bundle(), "test")


def test_ranking_is_eligible_then_review_then_incomplete_then_ineligible(
    protocol: ProtocolFactory,
) -> None:
    trials = [
        protocol("NCT90000001", rules=(("inclusion", "lab(hemoglobin) >= 120 g/L"),)),
        protocol("NCT90000002", rules=(("inclusion", "lab(platelets) >= 75 10*9/L"),)),
        protocol("NCT90000003", rules=(("inclusion", 'review("investigator judges")'),)),
        protocol("NCT90000004", rules=(("inclusion", "lab(hemoglobin) >= 80 g/L"),)),
    ]
    report = match_patient(TrialIndex(trials), _child(), AS_OF)
    assert [(m.nct_id, m.verdict) for m in report.matches] == [
        ("NCT90000004", Verdict.ELIGIBLE),
        ("NCT90000003", Verdict.NEEDS_REVIEW),
        ("NCT90000002", Verdict.INCOMPLETE),
        ("NCT90000001", Verdict.INELIGIBLE),
    ]
    ineligible = report.matches[-1].to_dict()
    assert ineligible["criteria"][0]["status"] == "fail"
    assert ineligible["criteria"][0]["evidence"]


def test_score_prefers_fewer_unknowns_within_a_verdict(protocol: ProtocolFactory) -> None:
    one_unknown = protocol(
        "NCT90000011",
        rules=(
            ("inclusion", "lab(hemoglobin) >= 80 g/L"),
            ("inclusion", "lab(platelets) >= 75 10*9/L"),
        ),
    )
    two_unknowns = protocol(
        "NCT90000010",
        rules=(
            ("inclusion", "lab(albumin) >= 28 g/L"),
            ("inclusion", "lab(platelets) >= 75 10*9/L"),
        ),
    )
    report = match_patient(TrialIndex([two_unknowns, one_unknown]), _child(), AS_OF)
    assert [m.nct_id for m in report.matches] == ["NCT90000011", "NCT90000010"]
    assert report.matches[0].score == Decimal("0.625")
    assert report.matches[1].score == Decimal("0.250")


def test_registry_age_and_sex_rule_a_trial_out_without_screening(
    protocol: ProtocolFactory,
) -> None:
    trials = [
        protocol("NCT90000020", min_age="18 Years"),
        protocol("NCT90000021", max_age="6 Years"),
        protocol("NCT90000022", sex="MALE"),
        protocol("NCT90000023", min_age="1 Year", max_age="18 Years", sex="FEMALE"),
        protocol("NCT90000024", min_age="28 Days"),
    ]
    report = match_patient(TrialIndex(trials), _child(), AS_OF)  # 8 years old, female
    verdicts = {m.nct_id: (m.verdict, m.pruned_by) for m in report.matches}
    assert verdicts["NCT90000020"][0] is Verdict.INELIGIBLE
    assert "minimum age 18 year" in str(verdicts["NCT90000020"][1])
    assert "maximum age 6 year" in str(verdicts["NCT90000021"][1])
    assert "registry sex MALE" in str(verdicts["NCT90000022"][1])
    assert verdicts["NCT90000023"] == (Verdict.ELIGIBLE, None)
    assert verdicts["NCT90000024"] == (Verdict.ELIGIBLE, None)
    assert (report.screened, report.ruled_out) == (2, 3)


def test_the_age_limit_holds_through_the_last_day_before_the_next_birthday(
    protocol: ProtocolFactory,
) -> None:
    trial = protocol("NCT90000030", min_age="1 Year", max_age="18 Years")
    almost_19 = _child(birth="2007-06-02")  # 18 years old until 2026-06-01 inclusive
    assert match_patient(TrialIndex([trial]), almost_19, AS_OF).matches[0].pruned_by is None
    nineteen = _child(birth="2007-06-01")
    assert match_patient(TrialIndex([trial]), nineteen, AS_OF).matches[0].pruned_by is not None


def test_partial_birth_date_never_prunes_on_a_reading_that_could_fit(
    protocol: ProtocolFactory,
) -> None:
    trial = protocol("NCT90000031", max_age="18 Years")
    record = _child(birth="2007")  # 18 or 19 on the as-of date, depending on the day
    match = match_patient(TrialIndex([trial]), record, AS_OF).matches[0]
    assert match.pruned_by is None


def test_unknown_sex_is_not_ruled_out(protocol: ProtocolFactory) -> None:
    trial = protocol("NCT90000032", sex="MALE")
    record = _child(sex="unknown")
    assert match_patient(TrialIndex([trial]), record, AS_OF).matches[0].pruned_by is None


def test_conditions_leave_out_unrelated_trials_but_keep_general_ones(
    protocol: ProtocolFactory,
) -> None:
    trials = [
        protocol("NCT90000040", conditions=("Neuroblastoma",)),
        protocol("NCT90000041", conditions=("Breast Cancer",)),
        protocol("NCT90000042", conditions=("Solid Tumor, Childhood",)),
        protocol("NCT90000043", conditions=()),
    ]
    report = match_patient(TrialIndex(trials), _child(), AS_OF)
    assert sorted(m.nct_id for m in report.matches) == ["NCT90000040", "NCT90000042", "NCT90000043"]
    assert report.left_out == {"other_conditions": 1}
    everything = match_patient(
        TrialIndex(trials), _child(), AS_OF, MatchOptions(match_conditions=False)
    )
    assert len(everything.matches) == 4


def test_a_named_condition_widens_the_search(protocol: ProtocolFactory) -> None:
    trials = [protocol("NCT90000050", conditions=("Osteosarcoma",))]
    record = _child()
    assert match_patient(TrialIndex(trials), record, AS_OF).matches == ()
    options = MatchOptions(condition_terms=("osteosarcoma",))
    assert len(match_patient(TrialIndex(trials), record, AS_OF, options).matches) == 1


def test_recruiting_only_keeps_open_and_soon_open_trials(protocol: ProtocolFactory) -> None:
    trials = [
        protocol("NCT90000060", status="RECRUITING"),
        protocol("NCT90000061", status="NOT_YET_RECRUITING"),
        protocol("NCT90000062", status="COMPLETED"),
        protocol("NCT90000063", status="ACTIVE_NOT_RECRUITING"),
    ]
    report = match_patient(TrialIndex(trials), _child(), AS_OF, MatchOptions(recruiting_only=True))
    assert sorted(m.nct_id for m in report.matches) == ["NCT90000060", "NCT90000061"]
    assert report.left_out["not_recruiting"] == 2


def test_top_limits_the_list(protocol: ProtocolFactory) -> None:
    trials = [protocol(f"NCT9000007{n}") for n in range(5)]
    report = match_patient(TrialIndex(trials), _child(), AS_OF, MatchOptions(top=2))
    assert [m.nct_id for m in report.matches] == ["NCT90000070", "NCT90000071"]
    assert report.trials_total == 5
