"""DuckDB against the in-memory screener, on every person and every criterion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import ConfigurationError
from trialdesk.population import ENGINES, engine_for
from trialdesk.population.fallback import NOT_COMPILED
from trialdesk.population.result import PopulationResult

pytestmark = pytest.mark.slow


def test_duckdb_agrees_with_the_screener_on_every_person_and_criterion(
    protocol: Protocol,
    population_dir: Path,
    reference: PopulationResult,
    agree: Callable[[PopulationResult, PopulationResult], None],
    as_of: date,
) -> None:
    result = engine_for("duckdb").screen(protocol, population_dir, as_of, fallback="review")
    agree(result, reference)
    # The population exercises every path of the laboratory rules, not just pass and fail.
    reasons = set(result.rows["reason"])
    for key in (
        "lab.meets",
        "lab.does_not_meet",
        "lab.stale",
        "lab.missing",
        "lab.no_value",
        "lab.bad_unit",
        "lab.no_range",
        "lab.methods_disagree",
        "lab.unconfirmed_default",
        "lab.same_day_conflict",
        "age.meets",
        "age.does_not_meet",
        "age.imprecise",
    ):
        assert key in reasons, key


def test_python_fallback_gives_the_screeners_verdict_for_everyone(
    protocol: Protocol,
    population_dir: Path,
    reference: PopulationResult,
    agree: Callable[[PopulationResult, PopulationResult], None],
    as_of: date,
) -> None:
    result = engine_for("duckdb").screen(protocol, population_dir, as_of, fallback="python")
    assert (result.verdicts().astype(str) == reference.verdicts().astype(str)).all()
    assert result.verdict_counts() == reference.verdict_counts()


def test_review_fallback_never_passes_an_untranslated_criterion(
    protocol: Protocol, population_dir: Path, as_of: date
) -> None:
    result = engine_for("duckdb").screen(protocol, population_dir, as_of, fallback="review")
    untranslated = [cid for cid, _kind, by in result.criteria if not by.startswith("sql:")]
    assert "inc-consent" in untranslated
    rows = result.rows[result.rows["criterion_id"].isin(untranslated)]
    assert set(rows["status"]) == {"review"}
    assert set(rows["reason"]) == {NOT_COMPILED}
    assert "eligible" not in set(result.rows["verdict"])


def test_funnel_only_shrinks_and_starts_from_everyone(
    protocol: Protocol, population_dir: Path, as_of: date
) -> None:
    result = engine_for("duckdb").screen(protocol, population_dir, as_of, fallback="review")
    remaining = [count for _cid, count in result.funnel()]
    assert remaining == sorted(remaining, reverse=True)
    assert remaining[0] <= result.rows["person_id"].nunique()
    assert sum(result.verdict_counts().values()) == result.rows["person_id"].nunique()


def test_unknown_engine_names_the_valid_ones() -> None:
    with pytest.raises(ConfigurationError) as caught:
        engine_for("oracle")
    for name in ENGINES:
        assert name in str(caught.value)
