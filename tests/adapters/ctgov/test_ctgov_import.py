"""ClinicalTrials.gov API v2 records into protocol documents that load and check."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from trialdesk.adapters.ctgov import import_paths, import_study
from trialdesk.adapters.protocol_files import load_protocol


def _criteria(outcome: Any) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in outcome.document["criteria"]}


def test_seed_record_imports_with_registry_facts_and_their_sources(
    seed_study: dict[str, Any],
) -> None:
    outcome = import_study(seed_study, "NCT06948994.json")
    assert outcome.error is None
    registry = outcome.document["registry"]
    assert registry["nct_id"] == "NCT06948994"
    assert registry["overall_status"] == "NOT_YET_RECRUITING"
    assert registry["enrollment"] == {"target": 15, "type": "ESTIMATED"}
    assert registry["dates"]["first_posted"] == "2025-04-22"
    assert registry["field_sources"]["enrollment"] == (
        "protocolSection.designModule.enrollmentInfo.count"
    )
    assert registry["field_sources"]["dates.start"].startswith("not in the record")
    assert registry["arms"][0]["interventions"][0] == "Biological: Autologous NK cells"
    assert registry["locations"][0]["city"] == "Guangzhou"
    assert [o["measure"] for o in registry["outcomes"]["secondary"]] == [
        "Progression-free survival",
        "Disease control rate",
    ]


def test_seed_criteria_match_the_hand_written_protocol_where_translated(
    seed_study: dict[str, Any],
) -> None:
    criteria = _criteria(import_study(seed_study, "NCT06948994.json"))
    assert criteria["inc-registry-age"]["rule"] == "age() >= 1 and age() <= 18"
    assert "lab(hemoglobin) >= 80 g/L" in criteria["inc-4-1"]["rule"]
    assert "lab(neutrophils) >= 0.75 10*9/L" in criteria["inc-4-1"]["rule"]
    assert (
        "each_available(lab(inr) <= 1.5 x ULN, lab(pt) <= 1.5 x ULN)" in criteria["inc-4-3"]["rule"]
    )
    assert criteria["inc-5"]["rule"] == "life_expectancy() >= 6 months"
    assert criteria["exc-4"]["rule"] == 'review("Highly allergic constitution")'
    assert "confidence" not in criteria["exc-4"]


def test_markdown_escapes_are_read_and_spans_point_into_the_registry_text(
    seed_study: dict[str, Any],
) -> None:
    outcome = import_study(seed_study, "NCT06948994.json")
    text = outcome.document["registry"]["eligibility"]["criteria_text"]
    criterion = _criteria(outcome)["inc-4-1"]
    start, end = criterion["source_span"]
    assert text[start:end].startswith(r"Blood routine test: hemoglobin \>= 80 g/L")
    assert criterion["text"].startswith("Blood routine test: hemoglobin >= 80 g/L")


def test_missing_age_limits_mean_no_limit_and_sex_all_means_no_sex_rule(
    seed_study: dict[str, Any],
) -> None:
    study = copy.deepcopy(seed_study)
    module = study["protocolSection"]["eligibilityModule"]
    del module["maximumAge"]
    module["minimumAge"] = "6 Months"
    criteria = _criteria(import_study(study, "x.json"))
    assert criteria["inc-registry-age"]["rule"] == "age() >= 6 months"
    assert "inc-registry-sex" not in criteria
    del module["minimumAge"]
    assert "inc-registry-age" not in _criteria(import_study(study, "x.json"))


def test_a_minimum_age_in_days_is_never_rounded_into_a_stricter_limit(
    seed_study: dict[str, Any],
) -> None:
    study = copy.deepcopy(seed_study)
    study["protocolSection"]["eligibilityModule"]["minimumAge"] = "28 Days"
    rule = _criteria(import_study(study, "x.json"))["inc-registry-age"]["rule"]
    assert rule.startswith('(age() >= 1 months or review("minimum age 28 Days"))')


def test_structured_and_text_mismatches_are_flagged(fixtures: Path) -> None:
    study = json.loads((fixtures / "NCT99000002.json").read_text("utf-8"))
    outcome = import_study(study, "NCT99000002.json")
    assert outcome.error is None
    assert any("maximumAge is '70 Years'" in f and "75" in f for f in outcome.flags)
    assert "Flags:" in outcome.document["status_note"]
    assert _criteria(outcome)["inc-registry-sex"]["rule"] == "sex(female)"


def test_value_sets_the_library_lacks_travel_with_the_protocol(fixtures: Path) -> None:
    study = json.loads((fixtures / "NCT99000001.json").read_text("utf-8"))
    document = import_study(study, "NCT99000001.json").document
    assert set(document["value_sets"]) >= {"liver_metastases", "hepatitis_b", "cns_metastases"}
    assert document["value_sets"]["liver_metastases"]["codes"] == ["icd10:C78.7"]


def test_bulk_import_reports_bad_studies_and_goes_on(fixtures: Path, tmp_path: Path) -> None:
    outcomes = list(import_paths([fixtures], tmp_path))
    by_source = {o.nct_id or Path(o.source).name: o for o in outcomes}
    assert by_source["broken.json"].error is not None
    assert "not valid JSON" in by_source["broken.json"].error.message
    withdrawn = by_source["NCT99000003"]
    assert withdrawn.error is not None
    assert withdrawn.error.where == "protocolSection.designModule.enrollmentInfo.count"
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["NCT06948994.yaml", "NCT99000001.yaml", "NCT99000002.yaml"]
    for path in tmp_path.iterdir():
        protocol = load_protocol(path)
        assert protocol.criteria


def test_a_page_of_studies_and_a_non_study_entry(
    seed_study: dict[str, Any], tmp_path: Path
) -> None:
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": [seed_study, {"hello": 1}]}), "utf-8")
    outcomes = list(import_paths([page], None))
    assert outcomes[0].error is None
    assert outcomes[1].error is not None
    assert outcomes[1].error.expected == "an object with 'protocolSection'"


def test_empty_criteria_text_still_gives_a_loadable_protocol(seed_study: dict[str, Any]) -> None:
    study = copy.deepcopy(seed_study)
    module = study["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = ""
    del module["minimumAge"], module["maximumAge"]
    outcome = import_study(study, "x.json")
    assert outcome.error is None
    assert [c["id"] for c in outcome.document["criteria"]] == ["inc-registry-criteria"]
