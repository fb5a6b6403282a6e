"""examples/patients/: each file screens to its documented verdict as of 2026-06-01."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from trialdesk import read_record, screen
from trialdesk.core.protocol import Protocol
from trialdesk.testing.examples import EXAMPLES, Example, index_markdown
from trialdesk.testing.patients import AS_OF

FOLDER = Path(__file__).resolve().parents[3] / "examples" / "patients"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_verdict(protocol: Protocol, example: Example) -> None:
    result = screen(protocol, read_record(FOLDER / f"{example.name}.json"), AS_OF)
    assert result.verdict.value == example.verdict, [
        (c.id, c.status.value, c.reason()) for c in result.criteria if c.status.value != "pass"
    ]
    for criterion, status in example.key_criteria:
        assert result.criterion(criterion).status.value == status, criterion


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_file_matches_its_source(example: Example) -> None:
    """Regenerate with: uv run python -m trialdesk.testing.examples examples/patients"""
    on_disk = orjson.loads((FOLDER / f"{example.name}.json").read_bytes())
    assert on_disk == example.build(example.name).bundle()


def test_every_verdict_has_an_example() -> None:
    assert {e.verdict for e in EXAMPLES} == {"eligible", "needs_review", "incomplete", "ineligible"}
    assert sorted(p.stem for p in FOLDER.glob("*.json")) == sorted(e.name for e in EXAMPLES)


def test_the_facade_example_exists_and_is_eligible(protocol: Protocol) -> None:
    import trialdesk

    assert "examples/patients/eligible-maintenance.json" in (trialdesk.__doc__ or "")
    record = trialdesk.read_record(FOLDER / "eligible-maintenance.json")
    assert trialdesk.screen(protocol, record, AS_OF).verdict.value == "eligible"


def test_the_folder_index_lists_every_example() -> None:
    assert (FOLDER / "README.md").read_text("utf-8") == index_markdown()
