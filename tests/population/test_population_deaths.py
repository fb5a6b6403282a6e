"""A recorded death (OMOP death) bounds the verdict in every engine as in the screener
(docs/decisions/eligibility.md, decision 7), and the FHIR → OMOP converter keeps its date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from population_helpers import screen_on, with_table

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population.from_fhir import records_to_omop
from trialdesk.population.result import PopulationResult
from trialdesk.testing.patients import eligible_maintenance


def test_every_recorded_death_before_the_as_of_day_is_ineligible(
    protocol: Protocol, population_dir: Path, reference: PopulationResult, as_of: date
) -> None:
    deaths = pq.read_table(population_dir / "death.parquet")
    dead = set(deaths.column("person_id").to_pylist())
    assert dead  # the synthetic population has some
    duckdb = screen_on("duckdb", protocol, population_dir, as_of)
    for result in (reference, duckdb):
        verdicts = result.verdicts()
        assert set(verdicts[verdicts.index.isin(dead)]) == {"ineligible"}
        assert result.bound_by_death == len(dead)


@pytest.fixture
def hand_made_deaths(population_dir: Path, tmp_path: Path) -> Path:
    """The session population with its death table replaced: person 1 undated, 2 before the
    as-of day, 3 on it, 4 after it, and a row for a person who is not in the person table."""
    table = pa.table(
        {
            "person_id": pa.array([1, 2, 3, 4, 10**9], pa.int64()),
            "death_date": pa.array(
                [None, date(2026, 1, 5), date(2026, 6, 1), date(2026, 6, 2), date(2026, 1, 1)],
                pa.date32(),
            ),
        }
    )
    return with_table(population_dir, tmp_path, "death", table)


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_death_rows_bound_exactly_the_people_dead_by_the_as_of_day(
    protocol: Protocol, hand_made_deaths: Path, as_of: date, engine: str
) -> None:
    result = screen_on(engine, protocol, hand_made_deaths, as_of)
    first_four = result.bound[np.searchsorted(result.person_ids, [1, 2, 3, 4])]
    assert first_four.tolist() == [3, 3, 3, 0]  # ineligible, ineligible, ineligible, none
    assert result.bound_by_death == 3
    verdicts = result.verdicts()
    assert [verdicts[p] for p in (1, 2, 3)] == ["ineligible"] * 3


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"deceasedBoolean": True}, None),
        ({"deceasedDateTime": "2026-05-20"}, date(2026, 5, 20)),
        ({"deceasedDateTime": "2026-05"}, date(2026, 5, 1)),  # OMOP: an imprecise date's first day
    ],
)
def test_fhir_to_omop_keeps_the_day_of_death(
    fields: dict[str, object], expected: date | None
) -> None:
    builder = eligible_maintenance()
    builder.resources[0].update(fields)
    tables = records_to_omop([record_from_bundle(builder.bundle(), "p.json")])
    assert tables["death"].column("death_date").to_pylist() == [expected]
