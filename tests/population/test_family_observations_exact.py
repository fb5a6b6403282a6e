"""The observation pick in SQL is one packed BIGINT per row (day, code order, table, id,
outcome): rows it cannot pack (ids out of its range, negative or NULL, days too far back) send
their person through the exact ranking (``td_obs_exact``). Both agree with the screener, and
the numeric cuts compare as the screener's rounded comparison does."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from population_helpers import outcomes, screen_on, with_table, write_protocol

from trialdesk import load_protocol
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.units import compare, conversion_factor, round_significant
from trialdesk.population.families.observations_tables import cuts
from trialdesk.population.result import PopulationResult

CRITERIA = [
    ("inc-attested", "inclusion", "attested(not-highly-allergic)"),
    ("inc-life", "inclusion", "life_expectancy() >= 3 months"),
    ("inc-risk", "inclusion", "risk_group(high)"),
]
ATTEST = "trialdesk-attestation:not-highly-allergic"
LIFE = "trialdesk-clinical:life-expectancy"
RISK = "trialdesk-clinical:risk-group"
DAY = date(2026, 5, 20)
ANCIENT = date(1820, 1, 1)  # more than 2**16 days before the as-of date: not packable
BIG = 2**45  # beyond the packed id bits
# person → rows (observation_id, source value, day, string, number, unit)
ROWS: dict[int, list[tuple[int | None, str, date, str | None, float | None, str | None]]] = {
    1: [(5, ATTEST, DAY, "true", None, None), (3, ATTEST, DAY, "false", None, None)],
    2: [(BIG, ATTEST, DAY, "true", None, None), (BIG + 1, ATTEST, DAY, "false", None, None)],
    3: [(-7, ATTEST, DAY, "false", None, None), (4, ATTEST, DAY, "true", None, None)],
    4: [(11, ATTEST, ANCIENT, "true", None, None)],
    5: [(10, LIFE, DAY, None, 6.0, "mo"), (BIG * 32, LIFE, DAY, None, 2.0, "mo")],
    6: [(1, RISK, ANCIENT, "trialdesk-clinical:high", None, None)],
    7: [(None, ATTEST, DAY, "true", None, None), (9, ATTEST, DAY, "false", None, None)],
    8: [(12, LIFE, DAY, None, 2.0, "mo"), (13, LIFE, DAY - timedelta(days=1), None, 6.0, "mo")],
}
EXPECTED = {
    "inc-attested": {
        1: ("fail", "attestation.false"),  # same day: the smaller id (packed)
        2: ("pass", "attestation.true"),  # same day, ids beyond the packed range
        3: ("fail", "attestation.false"),  # a negative id is the smaller one
        4: ("review", "attestation.stale"),  # two centuries old
        7: ("fail", "attestation.false"),  # a NULL id ranks after every id
    },
    "inc-life": {5: ("pass", "life_expectancy.is"), 8: ("fail", "life_expectancy.is")},
    "inc-risk": {6: ("pass", "status.is")},  # any time: an old reading still counts
}


@pytest.fixture(scope="module")
def protocol(tmp_path_factory: pytest.TempPathFactory) -> Protocol:
    return load_protocol(write_protocol(CRITERIA, tmp_path_factory.mktemp("exact"), "Exact"))


@pytest.fixture(scope="module")
def data(population_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [(pid, *row) for pid, items in ROWS.items() for row in items]
    table = pa.table(
        {
            "observation_id": pa.array([r[1] for r in rows], pa.int64()),
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "observation_date": pa.array([r[3] for r in rows], pa.date32()),
            "observation_source_value": pa.array([r[2] for r in rows], pa.string()),
            "value_as_string": pa.array([r[4] for r in rows], pa.string()),
            "value_as_number": pa.array([r[5] for r in rows], pa.float64()),
            "unit_source_value": pa.array([r[6] for r in rows], pa.string()),
            "value_as_concept_id": pa.array([None] * len(rows), pa.int32()),
        }
    )
    return with_table(population_dir, tmp_path_factory.mktemp("omop-exact"), "observation", table)


@pytest.fixture(scope="module")
def reference(protocol: Protocol, data: Path, as_of: date) -> PopulationResult:
    result = screen_on("memory", protocol, data, as_of, fallback="python")
    _check(result)
    return result


def _check(result: PopulationResult, reference: PopulationResult | None = None) -> None:
    for cid, expected in EXPECTED.items():
        assert outcomes(result, cid, expected) == expected, cid
    if reference is not None:  # every person of the population, every criterion
        for cid, _kind, _rule in CRITERIA:
            theirs = reference.rows[reference.rows["criterion_id"] == cid]
            ours = result.rows[result.rows["criterion_id"] == cid]
            columns = ["person_id", "status", "reason"]
            assert ours[columns].astype(str).values.tolist() == (
                theirs[columns].astype(str).values.tolist()
            ), cid


def test_duckdb_ranks_unpackable_rows_exactly(
    protocol: Protocol,
    data: Path,
    as_of: date,
    reference: PopulationResult,
) -> None:
    result = screen_on("duckdb", protocol, data, as_of)
    assert {by for _cid, _kind, by in result.criteria} == {"sql:duckdb"}
    _check(result, reference)


@pytest.mark.postgres
def test_postgres_ranks_unpackable_rows_exactly(
    protocol: Protocol,
    data: Path,
    as_of: date,
    reference: PopulationResult,
    fresh_postgres_url: str,
) -> None:
    result = screen_on("postgres", protocol, data, as_of, url=fresh_postgres_url)
    _check(result, reference)


# -- the cuts: the converted value's rounded comparison, as two six-decimal bounds ----------

_FACTORS = [Decimal(1), Decimal(12), conversion_factor("d", "mo"), conversion_factor("wk", "mo")]
_SIXTH = Decimal("0.000001")


@given(
    micro=st.integers(min_value=-(10**12), max_value=10**12),
    number=st.decimals(min_value=0, max_value=1000, places=4),
    factor=st.sampled_from(_FACTORS),
)
def test_cuts_give_the_sign_of_the_rounded_comparison(
    micro: int, number: Decimal, factor: Decimal
) -> None:
    q = Decimal(micro) * _SIXTH
    lo, hi = cuts(number, factor)
    sign = -1 if q < lo else 1 if q > hi else 0
    assert sign == compare(round_significant(q * factor), number)


@given(number=st.decimals(min_value=0, max_value=1000, places=4), factor=st.sampled_from(_FACTORS))
def test_values_next_to_the_cuts_fall_on_their_side(number: Decimal, factor: Decimal) -> None:
    lo, hi = cuts(number, factor)
    for q, expected in ((lo - _SIXTH, -1), (hi + _SIXTH, 1)):
        assert compare(round_significant(q * factor), number) == expected
    if lo <= hi:
        for q in (lo, hi):
            assert compare(round_significant(q * factor), number) == 0
