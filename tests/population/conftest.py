"""One synthetic OMOP population per test session, and the in-memory screener's verdicts on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from trialdesk import load_protocol
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population import engine_for
from trialdesk.population.result import PopulationResult
from trialdesk.synth.population import synth_population, write_population

AS_OF = date(2026, 6, 1)
PEOPLE = 1200


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol("NCT06948994")


@pytest.fixture(scope="session")
def population_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("omop")
    write_population(synth_population(PEOPLE, seed=20260601, as_of=AS_OF), folder)
    return folder


@pytest.fixture(scope="session")
def reference(protocol: Protocol, population_dir: Path) -> PopulationResult:
    """The in-memory screener over the OMOP→record reading: what every engine must match."""
    return engine_for("memory").screen(protocol, population_dir, AS_OF)


def assert_same(sql: PopulationResult, reference: PopulationResult) -> None:
    """Every person and every SQL-evaluated criterion: same status and same first reason."""
    compiled = {cid for cid, _kind, by in sql.criteria if by.startswith("sql:")}
    assert len(compiled) >= 12  # age and the eleven laboratory criteria
    ours = sql.rows[sql.rows["criterion_id"].isin(compiled)]
    theirs = reference.rows[reference.rows["criterion_id"].isin(compiled)]
    columns = ["person_id", "criterion_id", "status", "reason"]
    ours, theirs = ours[columns].astype(str), theirs[columns].astype(str)
    merged = ours.merge(theirs, on=["person_id", "criterion_id"], suffixes=("_sql", "_mem"))
    assert len(merged) == len(theirs) == len(ours)
    differ = merged[
        (merged["status_sql"] != merged["status_mem"])
        | (merged["reason_sql"] != merged["reason_mem"])
    ]
    assert differ.empty, differ.head(20).to_string()


@pytest.fixture(scope="session")
def agree() -> Callable[[PopulationResult, PopulationResult], None]:
    return assert_same


@pytest.fixture(scope="session")
def as_of() -> date:
    return AS_OF
