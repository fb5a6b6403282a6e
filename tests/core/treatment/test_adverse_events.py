"""Adverse-event edit checks (each a query) and the query workflow."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from treatment_builders import bundled_plan

from trialdesk.core.study.data_queries import (
    QueryAction,
    QueryState,
    next_query_state,
    reconcile_queries,
)
from trialdesk.core.treatment.adverse_events import AdverseEventEntry, edit_checks
from trialdesk.errors import IllegalTransitionError, InputError

ALL_ATTRIBUTED = {
    "Autologous NK cells": "possible",
    "Anti-GD2 monoclonal antibody": "probable",
    "Standard chemotherapy": "unlikely",
}


def entry(**changes: Any) -> AdverseEventEntry:
    data: dict[str, Any] = {
        "term": "Neutrophil count decreased",
        "grade": 3,
        "onset": date(2026, 3, 12),
        "resolved": date(2026, 3, 15),
        "attribution": ALL_ATTRIBUTED,
        "outcome": "recovered",
        "action": "none",
    }
    data.update(changes)
    return AdverseEventEntry.model_validate(data)


def checks(**changes: Any) -> set[str]:
    return {q.check for q in edit_checks(entry(**changes), bundled_plan())}


def test_a_clean_entry_raises_no_query() -> None:
    assert checks() == set()


def test_resolution_before_onset() -> None:
    found = edit_checks(entry(resolved=date(2026, 3, 10)), bundled_plan())
    assert [q.check for q in found] == ["resolution_before_onset"]
    assert found[0].field == "resolved"
    assert "2026-03-10" in found[0].message


def test_grade_not_allowed_for_the_term() -> None:
    # CTCAE v5.0 has no grade 5 for "Neutrophil count decreased" and no grade 4 for "Nausea".
    assert checks(grade=5, outcome="fatal", serious=True, seriousness=["death"]) == {
        "grade_not_allowed"
    }
    found = edit_checks(entry(term="Nausea", grade=4), bundled_plan())
    assert [q.check for q in found] == ["grade_not_allowed"]
    assert "allowed grades: 1, 2, 3" in found[0].message


def test_term_by_meddra_code_and_unknown_term() -> None:
    assert checks(term="10029366") == set()
    assert checks(term="Neutropenia NOS") == {"unknown_term"}


def test_missing_attribution_names_each_intervention() -> None:
    partial = {"Autologous NK cells": "possible"}
    found = edit_checks(entry(attribution=partial), bundled_plan())
    assert sorted(q.field for q in found) == [
        "attribution.Anti-GD2 monoclonal antibody",
        "attribution.Standard chemotherapy",
    ]
    assert {q.check for q in found} == {"missing_attribution"}


def test_seriousness_and_outcome_consistency() -> None:
    assert checks(serious=True) == {"serious_without_criterion"}
    assert checks(seriousness=["hospitalisation"]) == {"criterion_without_serious"}
    assert checks(outcome="recovered", resolved=None) == {"recovered_without_date"}
    assert checks(outcome="not_recovered") == {"resolved_but_ongoing"}
    assert "grade5_outcome_mismatch" in checks(term="Sepsis", grade=5, outcome="recovered")


def test_entry_refuses_out_of_scale_values() -> None:
    with pytest.raises(ValueError, match="less than or equal to 5"):
        entry(grade=6)
    with pytest.raises(ValueError, match="Input should be"):
        entry(attribution={"Autologous NK cells": "maybe"})


def test_query_workflow() -> None:
    state = next_query_state(QueryState.OPEN, QueryAction.ANSWER, "date corrected in source")
    assert state is QueryState.ANSWERED
    assert next_query_state(state, QueryAction.REOPEN, "still wrong") is QueryState.OPEN
    assert next_query_state(state, QueryAction.CLOSE, "verified") is QueryState.CLOSED
    with pytest.raises(IllegalTransitionError, match="cannot be answered"):
        next_query_state(QueryState.CLOSED, QueryAction.ANSWER, "late")
    with pytest.raises(InputError, match="give the answer"):
        next_query_state(QueryState.OPEN, QueryAction.ANSWER, "  ")


def test_reconcile_opens_new_findings_and_closes_fixed_ones() -> None:
    before = edit_checks(entry(resolved=date(2026, 3, 1), attribution={}), bundled_plan())
    open_keys = [q.key() for q in before]
    after = edit_checks(entry(attribution={}), bundled_plan())  # the date was corrected
    to_open, to_close = reconcile_queries(open_keys, after)
    assert to_open == ()
    assert to_close == (("resolution_before_onset", "resolved"),)
