from __future__ import annotations

from dataclasses import replace
from datetime import date

from trialdesk.core.study.consent import ConsentFacts, ConsentGap, age_in_years, consent_gaps

G = ConsentGap

COMPLETE_FOR_A_TEN_YEAR_OLD = ConsentFacts(
    document_version="2.0",
    current_version="2.0",
    consent_date=date(2026, 3, 1),
    on=date(2026, 3, 2),
    birth_date=date(2016, 1, 15),
    assent_min_age_years=8,
    guardian_signed=True,
    assent_signed=True,
    investigator_signed=True,
)


def test_guardian_consent_child_assent_and_investigator_signature_make_it_complete() -> None:
    assert consent_gaps(COMPLETE_FOR_A_TEN_YEAR_OLD) == []


def test_every_missing_signature_is_listed_at_once() -> None:
    facts = replace(
        COMPLETE_FOR_A_TEN_YEAR_OLD,
        guardian_signed=False,
        assent_signed=False,
        investigator_signed=False,
    )
    assert consent_gaps(facts) == [G.GUARDIAN_CONSENT, G.CHILD_ASSENT, G.INVESTIGATOR_SIGNATURE]


def test_assent_is_needed_from_the_protocols_age_threshold_and_not_below_it() -> None:
    no_assent = replace(COMPLETE_FOR_A_TEN_YEAR_OLD, assent_signed=False)
    assert consent_gaps(no_assent) == [G.CHILD_ASSENT]
    assert consent_gaps(replace(no_assent, assent_min_age_years=11)) == []
    # Exactly on the birthday that reaches the threshold, assent is needed.
    on_birthday = replace(no_assent, birth_date=date(2018, 3, 1))
    assert consent_gaps(on_birthday) == [G.CHILD_ASSENT]
    assert consent_gaps(replace(on_birthday, birth_date=date(2018, 3, 2))) == []


def test_a_witness_is_required_only_where_recorded_as_needed() -> None:
    facts = replace(COMPLETE_FOR_A_TEN_YEAR_OLD, witness_required=True)
    assert consent_gaps(facts) == [G.WITNESS]
    assert consent_gaps(replace(facts, witness_signed=True)) == []


def test_a_newer_approved_version_requires_re_consent() -> None:
    facts = replace(COMPLETE_FOR_A_TEN_YEAR_OLD, current_version="3.0")
    assert consent_gaps(facts) == [G.NEWER_VERSION]


def test_a_child_consented_through_a_guardian_must_re_consent_on_turning_18() -> None:
    facts = replace(
        COMPLETE_FOR_A_TEN_YEAR_OLD,
        birth_date=date(2008, 6, 1),
        consent_date=date(2026, 5, 31),
        on=date(2026, 5, 31),
    )
    assert consent_gaps(facts) == []
    assert consent_gaps(replace(facts, on=date(2026, 6, 1))) == [G.TURNED_ADULT]


def test_an_adult_consents_for_themselves_and_no_guardian_or_assent_is_needed() -> None:
    adult = replace(
        COMPLETE_FOR_A_TEN_YEAR_OLD,
        birth_date=date(2008, 1, 1),
        guardian_signed=False,
        assent_signed=False,
    )
    assert consent_gaps(adult) == [G.PARTICIPANT_CONSENT]
    assert consent_gaps(replace(adult, participant_signed=True)) == []


def test_without_a_birth_date_completeness_cannot_be_decided() -> None:
    assert consent_gaps(replace(COMPLETE_FOR_A_TEN_YEAR_OLD, birth_date=None)) == [
        G.BIRTH_DATE_UNKNOWN
    ]


def test_age_counts_full_years_only() -> None:
    assert age_in_years(date(2016, 3, 2), date(2026, 3, 1)) == 9
    assert age_in_years(date(2016, 3, 1), date(2026, 3, 1)) == 10
    assert age_in_years(date(2016, 2, 29), date(2026, 2, 28)) == 9
