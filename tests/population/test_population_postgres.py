"""PostgreSQL (a real server) against the in-memory screener."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from population_helpers import screen_on

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population.result import PopulationResult

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_postgres_agrees_with_the_screener(
    protocol: Protocol,
    population_dir: Path,
    reference: PopulationResult,
    agree: Callable[[PopulationResult, PopulationResult], None],
    as_of: date,
    fresh_postgres_url: str,
) -> None:
    result = screen_on("postgres", protocol, population_dir, as_of, url=fresh_postgres_url)
    agree(result, reference)
