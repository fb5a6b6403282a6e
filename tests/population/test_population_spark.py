"""Spark in local mode against the in-memory screener (one session for the module)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population import engine_for
from trialdesk.population.result import PopulationResult

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from trialdesk.population.spark_engine import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def test_spark_agrees_with_the_screener(
    protocol: Protocol,
    population_dir: Path,
    reference: PopulationResult,
    agree: Callable[[PopulationResult, PopulationResult], None],
    as_of: date,
    spark: Any,
) -> None:
    engine = engine_for("spark", session=spark)
    result = engine.screen(protocol, population_dir, as_of, fallback="review")
    agree(result, reference)
