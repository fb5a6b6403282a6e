"""Default limits by age band (``td_lab_band``) and leaves in several chunks, against the general
reading: the bands must decide exactly what every interval decides, and a protocol with more
laboratory leaves than one chunk holds must screen as the in-memory screener does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from population_helpers import screen_on, write_protocol

from trialdesk import load_protocol
from trialdesk.population import engine_for
from trialdesk.population.families.lab_bands import BAND_OPS, SEX_KEYS, band_table
from trialdesk.population.families.lab_sql import SLOTS
from trialdesk.population.params import LIMIT, VALUE
from trialdesk.population.result import PopulationResult
from trialdesk.synth.population import synth_population, write_population

AS_OF = date(2026, 6, 1)

_OPERATORS = {
    ">=": lambda v, x: v >= x,
    ">": lambda v, x: v > x,
    "<=": lambda v, x: v <= x,
    "<": lambda v, x: v < x,
}

_ages = st.integers(0, 20).map(lambda years: Decimal(years * 36525))
# None: an interval whose unit does not convert to the result's (the screener: "bad unit").
_limits = st.decimals(Decimal("0.5"), Decimal("300"), places=3) | st.none()
_intervals = st.lists(
    st.tuples(
        st.sampled_from([None, "female", "male"]),
        _ages,
        _ages,
        _limits,
        st.booleans(),
    ).filter(lambda i: i[1] < i[2]),
    min_size=0,
    max_size=6,
)


def _tables(
    intervals: list[tuple[str | None, Decimal, Decimal, Decimal | None, bool]],
    op: str,
    number: Decimal,
) -> tuple[pa.Table, pa.Table]:
    tests = pa.table(
        {
            "leaf": pa.array([1], pa.int32()),
            "test_idx": pa.array([0], pa.int32()),
            "analyte": ["alt"],
            "op": [op],
            "number": pa.array([number], VALUE),
            "relative": [True],
            "use_high": [True],
            "banded": [True],
        }
    )
    defaults = pa.table(
        {
            "analyte": ["alt"] * len(intervals),
            "unit": ["U/L"] * len(intervals),
            "use_high": [True] * len(intervals),
            "sex": pa.array([i[0] for i in intervals], pa.string()),
            "age_from": pa.array([i[1] for i in intervals], LIMIT),
            "age_to": pa.array([i[2] for i in intervals], LIMIT),
            "limit_value": pa.array([i[3] for i in intervals], LIMIT),
            "confirmed": pa.array([i[4] for i in intervals], pa.bool_()),
            "interval_key": pa.array(range(len(intervals)), pa.int32()),
            "unit_id": pa.array([7] * len(intervals), pa.int32()),
        }
    )
    return tests, defaults


def _every_interval(
    intervals: list[tuple[str | None, Decimal, Decimal, Decimal | None, bool]],
    sex_key: str,
    age: Decimal,
    value: Decimal,
    op: str,
    number: Decimal,
) -> str:
    """The general SQL's reading (``_LAB_DEFAULT``): every interval that applies, aggregated."""
    applying = [
        (limit, confirmed)
        for sex, start, end, limit, confirmed in intervals
        if (sex is None or not sex_key or sex == sex_key) and start <= age < end
    ]
    if not applying:
        return "no_range"
    if any(limit is None for limit, _ in applying):
        return "bad_unit"
    holds = [(_OPERATORS[op](value, limit * number), c) for limit, c in applying if limit]
    every, some = all(h for h, _ in holds), any(h for h, _ in holds)
    if every != some:
        return "methods_disagree"
    if not all(c for _, c in holds):
        return "unconfirmed"
    return "meets" if every else "fails"


def _by_band(bands: pa.Table, sex_key: str, age: Decimal, value: Decimal, op: str) -> str:
    """The band SQL's reading (``_LAB_BAND``): the one band of the age, compared twice."""
    rows = [
        b
        for b in bands.to_pylist()
        if b["sex_key"] == sex_key and b["age_from"] <= age < b["age_to"]
    ]
    assert len(rows) <= 1, "bands of one test, unit and sex never overlap"
    if not rows:
        return "no_range"
    if rows[0]["all_at"] is None:
        return "bad_unit"
    every = _OPERATORS[op](value, rows[0]["all_at"])
    some = _OPERATORS[op](value, rows[0]["any_at"])
    if every != some:
        return "methods_disagree"
    if not rows[0]["confirmed"]:
        return "unconfirmed"
    return "meets" if every else "fails"


@settings(max_examples=300, deadline=None)
@given(
    intervals=_intervals,
    op=st.sampled_from(BAND_OPS),
    number=st.decimals(Decimal("0.5"), Decimal("5"), places=2),
    sex_key=st.sampled_from(SEX_KEYS),
    age=st.integers(0, 21 * 36525).map(Decimal),
    value=st.decimals(Decimal("0"), Decimal("1500"), places=6),
)
def test_a_band_decides_what_every_interval_decides(
    intervals: list[tuple[str | None, Decimal, Decimal, Decimal | None, bool]],
    op: str,
    number: Decimal,
    sex_key: str,
    age: Decimal,
    value: Decimal,
) -> None:
    tests, defaults = _tables(intervals, op, number)
    bands = band_table(tests, defaults)
    expected = _every_interval(intervals, sex_key, age, value, op, number)
    assert _by_band(bands, sex_key, age, value, op) == expected


def test_a_value_exactly_on_the_strictest_limit_meets_it() -> None:
    # Two methods, 40 and 45 U/L, at 3 × ULN: 120 meets one, 135 meets both (exact products).
    intervals = [(None, Decimal(0), Decimal(36525 * 18), Decimal(40), True)]
    intervals.append((None, Decimal(0), Decimal(36525 * 18), Decimal(45), True))
    bands = band_table(*_tables(intervals, "<=", Decimal(3)))
    (row,) = [b for b in bands.to_pylist() if b["sex_key"] == ""]
    assert (row["all_at"], row["any_at"]) == (Decimal(120), Decimal(135))
    age = Decimal(36525 * 5)
    assert _by_band(bands, "", age, Decimal(120), "<=") == "meets"
    assert _by_band(bands, "", age, Decimal("120.000001"), "<=") == "methods_disagree"
    assert _by_band(bands, "", age, Decimal("135.000001"), "<=") == "fails"


def test_equality_tests_are_left_to_the_general_reading() -> None:
    intervals = [(None, Decimal(0), Decimal(36525 * 18), Decimal(40), True)]
    assert band_table(*_tables(intervals, "=", Decimal(1))).num_rows == 0
    assert band_table(*_tables(intervals, "!=", Decimal(1))).num_rows == 0


# More laboratory leaves than one chunk of the per-person newest days holds, every comparison
# (= and != against a limit take the general reading), absolute and relative, ULN and LLN.
_RULES = [
    "lab(hemoglobin) >= 80 g/L",
    "lab(hemoglobin) < 120 g/L",
    "lab(neutrophils) > 0.75 10*9/L",
    "lab(platelets) <= 400 10*9/L",
    "lab(albumin) >= 28 g/L",
    "lab(bilirubin_total) <= 2 x ULN",
    "lab(bilirubin_total) > 1 x ULN",
    "lab(ast) < 3 x ULN",
    "lab(alt) >= 1 x ULN",
    "lab(alp) <= 3 x ULN",
    "lab(creatinine) <= 1.5 x ULN",
    "lab(creatinine) >= 1 x LLN",
    "lab(creatinine) = 1 x ULN",
    "lab(ast) != 1 x ULN",
    "lab(inr) <= 1.5 x ULN",
    "lab(pt) <= 1.5 x ULN",
    "lab(aptt) < 1.5 x ULN",
    "lab(albumin) > 1 x LLN",
    "lab(hemoglobin) != 100 g/L",
]


@pytest.fixture(scope="module")
def many_leaves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("chunks")
    write_population(synth_population(400, seed=7, as_of=AS_OF), folder)
    criteria = [(f"inc-lab-{i}", "inclusion", rule) for i, rule in enumerate(_RULES)]
    return folder, write_protocol(criteria, folder, "Chunks")


def test_the_protocol_needs_two_chunks() -> None:
    assert len(_RULES) > SLOTS


def test_duckdb_agrees_with_the_screener_across_chunks(
    many_leaves: tuple[Path, Path],
    agree: Callable[[PopulationResult, PopulationResult], None],
) -> None:
    folder, path = many_leaves
    protocol = load_protocol(path)
    reference = engine_for("memory").screen(protocol, folder, AS_OF)
    result = screen_on("duckdb", protocol, folder, AS_OF)
    agree(result, reference)
    reasons = set(result.rows["reason"].astype(str))
    # The data reach the paths under test: default limits, stale and fresh results.
    assert {"lab.meets", "lab.does_not_meet", "lab.stale"} <= reasons


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_agrees_with_the_screener_across_chunks(
    many_leaves: tuple[Path, Path],
    agree: Callable[[PopulationResult, PopulationResult], None],
    fresh_postgres_url: str,
) -> None:
    folder, path = many_leaves
    protocol = load_protocol(path)
    reference = engine_for("memory").screen(protocol, folder, AS_OF)
    agree(screen_on("postgres", protocol, folder, AS_OF, url=fresh_postgres_url), reference)
