"""An mCODE cancer disease status (LOINC 97509-4) alone makes a disease-status leaf REVIEW in SQL
exactly as in the screener: it gives the disease's trend, not whether it relapsed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from population_helpers import outcomes, screen_on, with_table, write_protocol

from trialdesk import load_protocol
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population.result import PopulationResult

CRITERIA = [
    ("inc-rr", "inclusion", "disease_status(relapsed, refractory)"),
    ("exc-rr", "exclusion", "disease_status(relapsed, refractory)"),
]
WORSENED = "snomed:271299001"
# person → observation rows (source value, date, value): an mCODE trend alone in the window; a
# disease status beside it; a stale status with a fresh trend; only a stale trend; a bare code.
ROWS = {
    1: [("loinc:97509-4", date(2026, 5, 20), WORSENED)],
    2: [
        ("trialdesk-clinical:disease-status", date(2026, 5, 1), "trialdesk-clinical:relapsed"),
        ("loinc:97509-4", date(2026, 5, 20), WORSENED),
    ],
    3: [
        ("trialdesk-clinical:disease-status", date(2025, 6, 1), "trialdesk-clinical:relapsed"),
        ("loinc:97509-4", date(2026, 5, 20), "snomed:268910001"),
    ],
    4: [("loinc:97509-4", date(2025, 6, 1), WORSENED)],
    5: [("97509-4", date(2026, 5, 30), None)],
}
EXPECTED = {
    "inc-rr": {
        1: ("review", "status.trend"),
        2: ("pass", "status.is"),
        3: ("review", "status.trend"),
        4: ("unknown", "status.missing"),
        5: ("review", "status.trend"),
        6: ("unknown", "status.missing"),
    },
}


@pytest.fixture(scope="module")
def protocol(tmp_path_factory: pytest.TempPathFactory) -> Protocol:
    return load_protocol(write_protocol(CRITERIA, tmp_path_factory.mktemp("trend"), "Trend"))


@pytest.fixture(scope="module")
def data(population_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [(pid, *row) for pid, items in ROWS.items() for row in items]
    table = pa.table(
        {
            "observation_id": pa.array(range(1, len(rows) + 1), pa.int64()),
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "observation_date": pa.array([r[2] for r in rows], pa.date32()),
            "observation_source_value": pa.array([r[1] for r in rows], pa.string()),
            "value_as_string": pa.array([r[3] for r in rows], pa.string()),
            "value_as_number": pa.array([None] * len(rows), pa.float64()),
            "unit_source_value": pa.array([None] * len(rows), pa.string()),
            "value_as_concept_id": pa.array([None] * len(rows), pa.int32()),
        }
    )
    return with_table(population_dir, tmp_path_factory.mktemp("omop-trend"), "observation", table)


def _check(result: PopulationResult, reference: PopulationResult | None = None) -> None:
    assert outcomes(result, "inc-rr", [*ROWS, 6]) == EXPECTED["inc-rr"]
    # The exclusion reads the same leaf: review where the inclusion reviews.
    exclusion = outcomes(result, "exc-rr", [*ROWS, 6])
    assert {p for p, (s, _r) in exclusion.items() if s == "review"} == {1, 3, 5}
    if reference is not None:
        for cid, _kind, _rule in CRITERIA:
            theirs = reference.rows[reference.rows["criterion_id"] == cid]
            ours = result.rows[result.rows["criterion_id"] == cid]
            columns = ["person_id", "status", "reason"]
            assert ours[columns].astype(str).values.tolist() == (
                theirs[columns].astype(str).values.tolist()
            ), cid


@pytest.fixture(scope="module")
def reference(protocol: Protocol, data: Path, as_of: date) -> PopulationResult:
    result = screen_on("memory", protocol, data, as_of, fallback="python")
    _check(result)
    return result


def test_duckdb_reads_an_mcode_trend_as_the_screener_does(
    protocol: Protocol, data: Path, as_of: date, reference: PopulationResult
) -> None:
    result = screen_on("duckdb", protocol, data, as_of)
    assert {by for _cid, _kind, by in result.criteria} == {"sql:duckdb"}
    _check(result, reference)


@pytest.mark.postgres
def test_postgres_reads_an_mcode_trend_as_the_screener_does(
    protocol: Protocol,
    data: Path,
    as_of: date,
    reference: PopulationResult,
    fresh_postgres_url: str,
) -> None:
    result = screen_on("postgres", protocol, data, as_of, url=fresh_postgres_url)
    _check(result, reference)
