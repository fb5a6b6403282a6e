"""Drugs the leaf's code set cannot place (RxNorm against an ATC class, no source value) make a
medication leaf REVIEW in SQL exactly as in the screener (core CodeSet.can_place)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from population_helpers import outcomes, screen_on, with_table, write_protocol

from trialdesk import load_protocol
from trialdesk.core.protocol.protocol import Protocol

ANTI = "vs.systemic_antiinfectives_immunosuppressants"
CRITERIA = [
    ("exc-anti", "exclusion", f"medication({ANTI}, status=active)"),
    ("inc-anti", "inclusion", f"medication({ANTI}, status=any, within=30 days)"),
]
# person → drug rows (source value, start, end): an RxNorm-only drug, one without a source
# value, an RxNorm drug that ended, an ATC anti-infective beside an RxNorm drug, a blank value.
DRUGS = {
    1: [("rxnorm:723", date(2026, 5, 20), None)],
    2: [(None, date(2026, 5, 20), None)],
    3: [("rxnorm:723", date(2025, 12, 1), date(2026, 1, 1))],
    4: [("atc:J01CA04", date(2026, 5, 20), None), ("723", date(2026, 5, 20), None)],
    5: [("  ", date(2026, 5, 20), None)],
}


@pytest.fixture(scope="module")
def protocol(tmp_path_factory: pytest.TempPathFactory) -> Protocol:
    return load_protocol(
        write_protocol(CRITERIA, tmp_path_factory.mktemp("unplaced"), "Medication")
    )


@pytest.fixture(scope="module")
def data(population_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [(pid, *row) for pid, items in DRUGS.items() for row in items]
    table = pa.table(
        {
            "drug_exposure_id": pa.array(range(1, len(rows) + 1), pa.int64()),
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "drug_exposure_start_date": pa.array([r[2] for r in rows], pa.date32()),
            "drug_exposure_end_date": pa.array([r[3] for r in rows], pa.date32()),
            "drug_source_value": pa.array([r[1] for r in rows], pa.string()),
        }
    )
    return with_table(
        population_dir, tmp_path_factory.mktemp("omop-unplaced"), "drug_exposure", table
    )


EXPECTED = {
    "exc-anti": {
        1: ("review", "medication.unclassified"),
        2: ("review", "medication.unclassified"),
        3: ("pass", "medication.none"),
        4: ("fail", "medication.found"),
        5: ("review", "medication.unclassified"),
        6: ("pass", "medication.none"),
    },
    "inc-anti": {
        1: ("review", "medication.unclassified"),
        2: ("review", "medication.unclassified"),
        3: ("unknown", "medication.not_recorded"),
        4: ("pass", "medication.found"),
        5: ("review", "medication.unclassified"),
        6: ("unknown", "medication.not_recorded"),
    },
}


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_unplaced_drugs_go_to_review_in_every_engine(
    protocol: Protocol, data: Path, as_of: date, engine: str
) -> None:
    result = screen_on(engine, protocol, data, as_of, fallback="python")
    if engine != "memory":
        assert {by for _cid, _kind, by in result.criteria} == {f"sql:{engine}"}
    for cid, expected in EXPECTED.items():
        assert outcomes(result, cid, [*DRUGS, 6]) == expected, cid
