"""The protocol's treatment section: the bundled example loads, is labelled, and bad plans fail."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from treatment_builders import bundled_plan, plan_with

from trialdesk.core.protocol.treatment import TreatmentPlan


def test_the_bundled_plan_is_labelled_an_example_everywhere() -> None:
    plan = bundled_plan()
    assert plan.example
    assert plan.note is not None
    assert "Replace by amendment" in plan.note
    assert plan.dlt.example
    assert all(rule.example for rule in plan.stopping_rules)
    assert {p.id for p in plan.products} == {"nk_cells", "anti_gd2", "irinotecan", "temozolomide"}
    assert plan.product("nk_cells").dose_unit == "10*6/kg"
    assert plan.response.primary == "INRC 2017"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visits": [{"id": "x", "label": "x", "kind": "treatment", "cycles": [1], "days": [1],
                      "products": ["aspirin"]}]}, "unknown products"),
        ({"visits": [{"id": "x", "label": "x", "kind": "treatment", "cycles": [9], "days": [1]}]},
         "outside 1..7"),
        ({"visits": [{"id": "x", "label": "x", "kind": "safety", "cycles": [1], "days": [30]}]},
         "after the cycle's 21 days"),
        ({"stopping_rules": [{"id": "s", "kind": "boundary_table", "label": "s"}]},
         "needs boundaries"),
        ({"response": {"criteria": ["RECIST 1.1"], "primary": "INRC 2017"}},
         "primary must be one of"),
    ],
)  # fmt: skip
def test_invalid_plans_are_refused_with_the_reason(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        plan_with(**change)


def test_a_per_m2_product_needs_a_bsa_formula() -> None:
    data = bundled_plan().model_dump(mode="json")
    data["products"][1]["bsa_formula"] = None
    with pytest.raises(ValidationError, match="needs bsa_formula"):
        TreatmentPlan.model_validate(data)


def test_unknown_keys_are_refused() -> None:
    data = bundled_plan().model_dump(mode="json")
    data["cycles"]["lenght_days"] = 28
    with pytest.raises(ValidationError, match="lenght_days"):
        TreatmentPlan.model_validate(data)
