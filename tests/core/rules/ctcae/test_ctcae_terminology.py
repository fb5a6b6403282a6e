"""The 837-term CTCAE v5.0 table: loading, look-up, the pick-list search, allowed grades."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trialdesk.core.rules.ctcae import all_terms, search, system_organ_classes, term, terms_in_soc
from trialdesk.core.rules.ctcae.tables import grading_tables
from trialdesk.errors import ReferenceDataError


def test_all_837_terms_in_26_system_organ_classes() -> None:
    assert len(all_terms()) == 837
    assert len({t.name for t in all_terms()}) == 837
    assert len(system_organ_classes()) == 26


def test_a_dash_means_the_grade_is_not_available() -> None:
    assert term("Neutrophil count decreased").allowed_grades == (1, 2, 3, 4)
    assert term("Febrile neutropenia").allowed_grades == (3, 4, 5)
    assert term("Febrile neutropenia").grade_text(1) is None
    assert term("Anemia").allowed_grades == (1, 2, 3, 4, 5)
    # v5.0 deleted grade 5 of peripheral sensory neuropathy (clinical-rules.md §1.9)
    assert term("Peripheral sensory neuropathy").allowed_grades == (1, 2, 3, 4)


def test_look_up_by_name_in_any_case_or_by_meddra_code() -> None:
    assert term("anemia").meddra_code == "10002272"
    assert term("10029366").name == "Neutrophil count decreased"
    assert term("Myelitis").soc == "Infections and infestations"


def test_unknown_term_suggests_close_names() -> None:
    with pytest.raises(ReferenceDataError, match="unknown CTCAE") as info:
        term("Anaemia")
    assert "Anemia" in str(info.value)


def test_search_ranks_prefix_matches_first_and_tolerates_typos() -> None:
    assert search("neutro")[0].name == "Neutrophil count decreased"
    assert "Febrile neutropenia" in [t.name for t in search("neutro")]
    assert search("neutropnia")[0].name == "Febrile neutropenia"
    assert search("10002272")[0].name == "Anemia"
    assert len(search("pain", limit=5)) == 5


def test_search_within_one_soc_and_unknown_soc() -> None:
    found = search("pain", soc="Musculoskeletal and connective tissue disorders")
    assert found
    assert all(t.soc.startswith("Musculoskeletal") for t in found)
    assert len(terms_in_soc("Investigations")) > 20
    with pytest.raises(ReferenceDataError, match="system organ class"):
        terms_in_soc("Bloods")


def test_every_graded_term_matches_the_nci_table() -> None:
    """Name and MedDRA code as in terms.csv; a band's grade is one the term allows."""
    for key, rule in grading_tables().terms.items():
        nci = term(rule.term)
        assert nci.meddra_code == rule.meddra, key
        for band in rule.bands:
            assert band.grade in nci.allowed_grades, (key, band.grade)
            assert band.text.split(" if ")[0].split(";")[0].strip(), key


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("anemia", "<10.0 - 8.0 g/dL"),
        ("alt_increased", ">3.0 - 5.0 x ULN if baseline was normal"),
        ("creatinine_increased", ">1.5 - 3.0 x baseline"),
        ("hyponatremia", "125-129 mmol/L symptomatic"),
        ("ejection_fraction_decreased", ">=20% drop from baseline"),
        ("inr_increased", ">1 - 1.5 x baseline if on anticoagulation"),
    ],
)
def test_band_wording_is_quoted_from_the_nci_table(key: str, fragment: str) -> None:
    rule = grading_tables().terms[key]
    nci = term(rule.term)
    assert any(fragment in band.text for band in rule.bands)
    assert any(fragment in (text or "") for text in nci.grades)


def test_every_graded_analyte_is_in_the_catalogue_and_its_units_convert() -> None:
    from trialdesk.core.analytes import analyte, convert

    tables = grading_tables()
    for analyte_id, keys in tables.analytes.items():
        item = analyte(analyte_id)
        assert item.id == analyte_id
        for key in keys:
            for unit in tables.terms[key].units:
                convert(item, Decimal(1), unit)  # raises UnitError if the unit does not fit
