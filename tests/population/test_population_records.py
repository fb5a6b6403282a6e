"""The OMOP record reader reads a DOUBLE exactly as the SQL engines cast it to DECIMAL(20, 6),
so that the in-memory screener (the differential tests' reference and the Python fallback) and
the SQL agree on every value, a tie at the 7th decimal included."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from trialdesk.population.records import decimal_of

_TIES = (1.0000005, 2.0000005, 0.1234565, 2.5e-06, -1.0000005, -0.0000025, 79.9999995, 1.2345675)


@pytest.mark.parametrize("value", [*_TIES, 0.0])
def test_a_double_is_read_as_duckdb_casts_it_ties_included(value: float) -> None:
    """Ties at the 7th decimal round away from zero, as every engine's cast does."""
    cast = duckdb.sql(f"SELECT CAST({value!r}::DOUBLE AS DECIMAL(20, 6))").fetchall()[0][0]
    assert decimal_of(value) == cast


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_any_double_is_read_as_duckdb_casts_it(value: float) -> None:
    cast = duckdb.sql(f"SELECT CAST({value!r}::DOUBLE AS DECIMAL(20, 6))").fetchall()[0][0]
    assert decimal_of(value) == cast


@pytest.mark.postgres
def test_postgres_casts_the_ties_as_duckdb_does(postgres_admin_url: str) -> None:
    engine = create_engine(postgres_admin_url)
    try:
        with engine.connect() as connection:
            for value in _TIES:
                cast = connection.execute(
                    text("SELECT CAST(CAST(:v AS double precision) AS numeric(20, 6))"),
                    {"v": value},
                ).scalar_one()
                assert decimal_of(value) == cast, value
    finally:
        engine.dispose()
