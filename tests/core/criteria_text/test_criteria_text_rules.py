"""Items into rules: what is translated, how items combine, and what is left to review."""

from __future__ import annotations

import pytest

from trialdesk.core.codes import library_value_sets
from trialdesk.core.criteria.bind import Binder, default_value_sets
from trialdesk.core.criteria.parser import parse_rule
from trialdesk.core.criteria_text import ItemKind, parse_criteria
from trialdesk.core.criteria_text.rules import RuleDraft, render_item


def _rule(text: str, kind: ItemKind = ItemKind.INCLUSION) -> RuleDraft:
    items = parse_criteria(text, default_kind=kind).items
    assert len(items) == 1, items
    return render_item(items[0])


def _binds(rule: str) -> None:
    sets = default_value_sets({})
    extra = {"hepatitis_b", "hepatitis_c", "cns_metastases", "liver_metastases", "gilbert_syndrome"}
    binder = Binder({**sets, **{n: next(iter(library_value_sets().values())) for n in extra}})
    assert binder.bind(parse_rule(rule)) is not None, binder.problems
    assert not binder.problems, binder.problems


@pytest.mark.parametrize(
    ("text", "kind", "rule"),
    [
        ("Age 1-18 years (including 18 years), gender not restricted", ItemKind.INCLUSION,
         "age() >= 1 and age() <= 18"),
        ("Age 6 months to 17 years", ItemKind.INCLUSION, "age() >= 6 months and age() <= 17"),
        ("hemoglobin >= 80 g/L", ItemKind.INCLUSION, "lab(hemoglobin) >= 80 g/L"),
        ("total bilirubin <= 2×ULN", ItemKind.INCLUSION, "lab(bilirubin_total) <= 2 x ULN"),
        ("LVEF >= 50%", ItemKind.INCLUSION, "echo(lvef) >= 50 %"),
        ("Oxygen saturation >= 92% on room air", ItemKind.INCLUSION,
         "vital(spo2, room_air=true) >= 92 %"),
        ("INR or PT <= 1.5 x ULN", ItemKind.INCLUSION,
         "each_available(lab(inr) <= 1.5 x ULN, lab(pt) <= 1.5 x ULN)"),
        ("INR or PT > 1.5 x ULN", ItemKind.EXCLUSION,
         "(lab(inr) > 1.5 x ULN) or (lab(pt) > 1.5 x ULN)"),
        ("Serum creatinine <= 1.5 mg/dL or creatinine clearance >= 50 mL/min", ItemKind.INCLUSION,
         "((lab(creatinine) <= 1.5 mg/dL) or (lab(creatinine_clearance) >= 50 mL/min))"),
        ("ECOG 0-1", ItemKind.INCLUSION, "performance(scale=ecog) <= 1"),
        ("Life expectancy of at least 12 weeks", ItemKind.INCLUSION, "life_expectancy() >= 12 weeks"),
        ("HIV infection", ItemKind.EXCLUSION,
         "(condition(vs.hiv_infection, status=any) or test(vs.hiv_tests) = positive)"),
        ("No known HIV infection", ItemKind.INCLUSION,
         "not (condition(vs.hiv_infection, status=any) or test(vs.hiv_tests) = positive)"),
        ("Pregnant or breastfeeding women", ItemKind.EXCLUSION, "(pregnant()) or (breastfeeding())"),
        ("Female patients aged 18-75 years", ItemKind.INCLUSION,
         "(sex(female)) and (age() >= 18 and age() <= 75)"),
    ],
)  # fmt: skip
def test_translated_items(text: str, kind: ItemKind, rule: str) -> None:
    draft = _rule(text, kind)
    assert draft.rule == rule
    assert draft.translated
    assert draft.confidence is not None
    _binds(draft.rule)


def test_conditional_limit_becomes_if_then_else() -> None:
    draft = _rule("AST <= 2.5 x ULN (<= 5 x ULN if liver metastases)")
    assert draft.rule == (
        "if condition(vs.liver_metastases, status=any) then lab(ast) <= 5 x ULN "
        "else lab(ast) <= 2.5 x ULN"
    )
    assert draft.value_sets == ("liver_metastases",)
    _binds(draft.rule)


def test_a_condition_without_a_value_set_goes_to_review_when_the_limits_disagree() -> None:
    draft = _rule("ALT <= 2.5 x ULN (<= 5 x ULN for patients with hepatocellular carcinoma)")
    assert "review(" in draft.rule
    assert "lab(alt) <= 2.5 x ULN" in draft.rule
    assert draft.confidence is not None
    assert draft.confidence <= 0.7
    _binds(draft.rule)


def test_untranslated_text_is_review_with_its_original_words() -> None:
    draft = _rule("Histologically confirmed neuroblastoma")
    assert draft.rule == 'review("Histologically confirmed neuroblastoma")'
    assert not draft.translated
    assert draft.confidence is None


def test_partly_read_inclusion_keeps_the_read_part_and_adds_review() -> None:
    draft = _rule("LVEF >= 50% and no severe arrhythmia")
    assert draft.rule.startswith("(echo(lvef) >= 50 %) and review(")


def test_partly_read_exclusion_is_review_because_unread_words_narrow_it() -> None:
    draft = _rule("Brain metastases with symptoms", ItemKind.EXCLUSION)
    assert draft.rule.startswith("review(")
    assert "condition(vs.cns_metastases" in draft.interpretation


def test_relaxing_words_make_the_whole_item_review() -> None:
    draft = _rule("Hemoglobin >= 9.0 g/dL (transfusion allowed)")
    assert draft.rule.startswith("review(")
    assert "relax" in draft.interpretation


def test_consent_mentioned_in_passing_is_not_a_consent_rule() -> None:
    assert _rule("Age >= 18 years at the time of signing informed consent").rule == "age() >= 18"


def test_quotes_in_review_text_are_escaped() -> None:
    draft = _rule('Any "serious" illness, in the investigator\'s opinion')
    parse_rule(draft.rule)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("ECOG 0-2", "performance(scale=ecog) <= 2"),
        ("Karnofsky 70-100", "performance(scale=karnofsky) >= 70"),
        (
            "Karnofsky >= 50% for patients > 16 years of age or Lansky >= 50 for patients <= 16 years of age",
            "performance(scale=auto) >= 50",
        ),
    ],
)
def test_performance_scales_and_the_cog_age_split(text: str, rule: str) -> None:
    assert _rule(text).rule == rule


def test_a_different_age_split_between_scales_goes_to_review() -> None:
    text = "Karnofsky >= 50% for patients > 12 years of age or Lansky >= 50 for patients <= 12 years of age"
    assert _rule(text).rule.startswith("review(")


def test_a_score_after_an_age_is_not_an_age() -> None:
    items = parse_criteria("Karnofsky >= 50% for patients > 16 years of age or Lansky >= 50").items
    assert all(c.kind.value != "age" or c.value != 50 for c in items[0].constraints)


def test_a_threshold_inside_even_if_is_not_a_limit() -> None:
    draft = _rule("Hemodynamically unstable even if hemoglobin > 6 g/dL", ItemKind.EXCLUSION)
    assert draft.rule.startswith("review(")


def test_a_unit_must_end_its_word() -> None:
    items = parse_criteria("Lansky >= 50 for patients").items
    assert [c.unit for c in items[0].constraints] == [None]
