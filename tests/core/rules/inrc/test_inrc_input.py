"""INRC input validation: every problem at once, each with its JSON path; the data file is strict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from inrc_builders import document, primary

from trialdesk.core.rules.inrc import evaluate_inrc, inrc_tables
from trialdesk.errors import InputError


def test_all_problems_are_reported_at_once_with_their_paths() -> None:
    doc = document(
        primary={"baseline_longest_diameter_mm": "-1", "longest_diameter_mm": "x"},
        metastases={"bone": {"method": "mibg_curie", "score": "3"}, "typo": 1},
        marrow={"baseline_percent": "120", "percent": "3"},
    )
    doc["date"] = "2025-01-01"  # before the baseline
    with pytest.raises(InputError) as caught:
        evaluate_inrc(doc, file="nb.json")
    error = caught.value
    wheres = {p.where for p in error.problems}
    assert {
        "primary.baseline_longest_diameter_mm",
        "primary.longest_diameter_mm",
        "metastases.bone",
        "metastases.typo",
        "marrow.baseline_percent",
    } <= wheres
    assert error.file == "nb.json"
    assert error.exit_code == 2
    assert "docs/clinical-rules/inrc.md" in str(error)


def test_reassessment_must_follow_the_baseline() -> None:
    doc = document(primary=primary("50", "30"))
    doc["date"] = doc["baseline_date"]
    with pytest.raises(InputError, match="1 problem"):
        evaluate_inrc(doc)


def test_fdg_bone_needs_lesion_counts_not_scores() -> None:
    doc = document(metastases={"bone": {"method": "fdg_pet", "baseline_score": "3"}})
    with pytest.raises(InputError) as caught:
        evaluate_inrc(doc)
    assert any("baseline_avid_lesions" in p.message for p in caught.value.problems)


@pytest.mark.parametrize(
    ("method", "score", "ok"),
    [("mibg_curie", "30", True), ("mibg_curie", "31", False), ("mibg_siopen", "72", True),
     ("mibg_siopen", "73", False)],
)  # fmt: skip
def test_mibg_scores_must_fit_their_scale(method: str, score: str, ok: bool) -> None:
    doc = document(
        primary={"present_at_baseline": False},
        metastases={"bone": {"method": method, "baseline_score": score, "score": "1"}},
        marrow={"baseline_percent": "0", "percent": "0"},
    )
    if ok:
        evaluate_inrc(doc)
    else:
        with pytest.raises(InputError) as caught:
            evaluate_inrc(doc)
        assert caught.value.problems[0].where == "metastases.bone"
        assert "scores run from 0 to" in caught.value.problems[0].message


def test_every_rule_and_threshold_in_the_data_file_has_a_status_and_a_source() -> None:
    tables = inrc_tables()
    items = [*tables.rules.values(), *tables.decisions.values(), *tables.thresholds.values()]
    assert all(item.status in ("confirmed", "unconfirmed", "decision") for item in items)
    assert all(item.source for item in items)
    # Read this session (abstract, ANR 2016 abstract, NCI PDQ summary of INRC 2017).
    for name in ("marrow_minimal_disease_max_percent", "pr_decrease", "pd_absolute_mm"):
        assert tables[name].status == "confirmed"
    # Where the PDQ and the recalled Park tables disagree, the item stays unconfirmed.
    for name in ("pd_increase", "marrow_pd_fold", "marrow_pd_new_min_percent"):
        assert tables[name].status == "unconfirmed"
        assert "recalled" in tables[name].source
    assert tables["soft_tissue_cr_max_mm"].status == "unconfirmed"


def test_every_decision_is_documented_and_pinned_by_an_existing_test() -> None:
    root = Path(__file__).resolve().parents[4]
    doc = (root / "docs" / "decisions" / "response.md").read_text("utf-8")
    for name in inrc_tables().decisions:
        assert f"`{name}`" in doc, f"decision {name} is not in docs/decisions/response.md"
    tests_dir = root / "tests" / "core" / "rules" / "inrc"
    defined = {
        match
        for path in tests_dir.glob("test_*.py")
        for match in re.findall(r"^def (test_\w+)", path.read_text("utf-8"), re.MULTILINE)
    }
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", doc))
    assert named, "the decisions page names no test"
    assert named <= defined, f"named tests that do not exist: {sorted(named - defined)}"
