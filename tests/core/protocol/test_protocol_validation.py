"""The protocol as data: strict validation, every problem at once with its location."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialdesk.adapters.protocol_files import bundled_protocol_dir, load_protocol
from trialdesk.core.criteria.lint import Severity, lint_protocol
from trialdesk.core.protocol import protocol_from_mapping
from trialdesk.errors import ProtocolError

IDS = [
    "inc-age", "inc-diagnosis", "inc-measurable-lesion", "inc-hemoglobin", "inc-anc",
    "inc-platelets", "inc-albumin", "inc-bilirubin", "inc-ast", "inc-alt", "inc-alp",
    "inc-creatinine", "inc-coagulation-inr-pt", "inc-aptt", "inc-cardiac",
    "inc-lung-kidney-spo2", "inc-life-expectancy", "inc-consent",
    "exc-infection-immunosuppression", "exc-unresolved-toxicity", "exc-organ-transplant",
    "exc-allergic-constitution", "exc-hiv", "exc-investigator-judgement",
]  # fmt: skip
BUNDLED = bundled_protocol_dir() / "NCT06948994.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    data = yaml.safe_load(BUNDLED.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_bundled_protocol_has_every_criterion_of_the_listing_in_order() -> None:
    protocol = load_protocol("NCT06948994")
    assert [c.id for c in protocol.criteria] == IDS
    assert protocol.protocol_version == "1.0"
    for criterion in protocol.criteria:
        assert criterion.text.strip(), criterion.id
    # every criterion records how its wording was read
    assert [c.id for c in protocol.criteria if not c.interpretation] == []


def test_bundled_protocol_lints_without_critical_findings() -> None:
    findings = lint_protocol(load_protocol("NCT06948994"))
    assert not [f for f in findings if f.severity is Severity.CRITICAL]
    # the unconfirmed coagulation defaults are flagged for the author
    assert any("UNCONFIRMED" in f.message and f.where == "inc-aptt" for f in findings)


def test_unknown_keys_are_rejected_everywhere(document: dict[str, Any]) -> None:
    data = copy.deepcopy(document)
    data["colour"] = "blue"
    data["registry"]["sponsr"] = "x"
    data["criteria"][0]["rulez"] = "age() >= 1"
    with pytest.raises(ProtocolError) as caught:
        protocol_from_mapping(data)
    where = {p.where for p in caught.value.problems}
    assert {"colour", "registry.sponsr", "criteria[0].rulez"} <= where
    assert all(p.message == "Extra inputs are not permitted" for p in caught.value.problems)


def test_schema_and_rule_problems_are_reported_together(document: dict[str, Any]) -> None:
    data = copy.deepcopy(document)
    data["registry"]["nct_id"] = "NCT123"
    data["criteria"][3]["rule"] = "lab(hemoglobn) >= 80 g/L"
    data["criteria"][4]["rule"] = "lab(neutrophils) >= 0.75"
    with pytest.raises(ProtocolError) as caught:
        protocol_from_mapping(data, source="p.yaml")
    error = caught.value
    assert error.file == "p.yaml"
    rendered = [p.render() for p in error.problems]
    assert any(r.startswith("registry.nct_id") for r in rendered)
    assert any(r.startswith("criteria[3].rule:1:5: unknown analyte") for r in rendered)
    assert any(
        r.startswith("criteria[4].rule:1:18: the threshold 0.75 has no unit") for r in rendered
    )
    assert "3 problems" in error.message


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (lambda d: d["criteria"][0].update(id="exc-age"), "criteria[0]", "must start with 'inc-'"),
        (lambda d: d["criteria"][1].update(id="inc-age"), "(document)", "appears twice"),
        (lambda d: d["criteria"][0].update(kind="maybe"), "criteria[0].kind", "inclusion"),
        (
            lambda d: d["recency_windows"].update(lab="0 days"),
            "recency_windows.lab",
            "longer than zero",
        ),
        (lambda d: d.update(supersedes="1.0"), "(document)", "cannot supersede itself"),
        (
            lambda d: d["registry"]["enrollment"].update(target=0),
            "registry.enrollment.target",
            "greater than 0",
        ),
        (lambda d: d.update(criteria=[]), "criteria", "at least 1"),
    ],
)
def test_model_rules(document: dict[str, Any], change: Any, where: str, message: str) -> None:
    data = copy.deepcopy(document)
    change(data)
    with pytest.raises(ProtocolError) as caught:
        protocol_from_mapping(data)
    assert any(p.where == where and message in p.message for p in caught.value.problems), [
        p.render() for p in caught.value.problems
    ]


def test_a_broken_file_names_its_lines(tmp_path: Path) -> None:
    text = BUNDLED.read_text("utf-8").replace(
        "rule: lab(albumin) >= 28 g/L", "rule: lab(albumen) >= 28 g/L"
    )
    text = text.replace("  lab: 14 days", "  lab: 14 dayz")
    path = tmp_path / "broken.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    error = caught.value
    assert error.file == str(path)
    lines = text.splitlines()
    rendered = {p.where: p for p in error.problems}
    window = next(w for w in rendered if w.startswith("recency_windows.lab"))
    line = int(window.split("(line ")[1].rstrip(")"))
    assert "14 dayz" in lines[line - 1]
    assert error.exit_code == 2


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("criteria: [unclosed\n", "utf-8")
    with pytest.raises(ProtocolError, match="not valid YAML") as caught:
        load_protocol(bad)
    assert caught.value.where is not None
    assert caught.value.where.startswith("line ")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", "utf-8")
    with pytest.raises(ProtocolError, match="must be a mapping"):
        load_protocol(listed)


def test_unknown_bundled_protocol_lists_the_known_ones() -> None:
    with pytest.raises(ProtocolError) as caught:
        load_protocol("NCT00000000")
    assert "NCT06948994" in (caught.value.expected or "")
