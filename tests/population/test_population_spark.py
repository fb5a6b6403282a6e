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

# One group: both tests share the module's Spark session on one worker.
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.xdist_group("spark")]


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


def test_spark_reads_a_catalog_database_in_place(
    protocol: Protocol,
    population_dir: Path,
    as_of: date,
    spark: Any,
    tmp_path: Path,
) -> None:
    """The OMOP tables registered in the session catalog (as a data team registers Parquet in
    its metastore): ``--tables omop_cdm`` reads them where they are. A 150-person slice and
    one criterion per table read keep local mode light; the SQL itself is checked above."""
    from dataclasses import replace

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from trialdesk.errors import InputError
    from trialdesk.population.omop import find_tables
    from trialdesk.population.sources import OmopSchema

    small = tmp_path / "small"
    small.mkdir()
    spark.sql(f"CREATE DATABASE IF NOT EXISTS omop_cdm LOCATION '{tmp_path / 'db'}'")
    for name, path in find_tables(population_dir).items():
        table = pq.read_table(path)
        table = table.filter(pc.is_in(table.column("person_id"), pa.array(range(1, 151))))
        pq.write_table(table, small / f"{name}.parquet")
        spark.read.parquet(str(small / f"{name}.parquet")).createOrReplaceTempView("td_src")
        spark.sql(f"CREATE TABLE omop_cdm.{name} USING parquet AS SELECT * FROM td_src")
        spark.catalog.dropTempView("td_src")
    ids = {"inc-age", "inc-hemoglobin", "exc-hiv", "exc-organ-transplant", "inc-lung-kidney-spo2"}
    protocol = replace(protocol, criteria=tuple(c for c in protocol.criteria if c.id in ids))
    reference = engine_for("memory").screen(protocol, small, as_of)
    engine = engine_for("spark", session=spark)
    try:
        result = engine.screen(protocol, OmopSchema.parse("omop_cdm"), as_of, fallback="review")
        with pytest.raises(InputError, match="no database"):
            engine.screen(protocol, OmopSchema.parse("nowhere"), as_of, fallback="review")
    finally:
        spark.sql("DROP DATABASE omop_cdm CASCADE")
    columns = ["person_id", "criterion_id", "status", "reason"]
    ours = result.rows[columns].sort_values(columns[:2]).reset_index(drop=True)
    theirs = reference.rows[columns].sort_values(columns[:2]).reset_index(drop=True)
    assert ours.astype(str).equals(theirs.astype(str))
    assert {by for _cid, _kind, by in result.criteria} == {"sql:spark"}
    assert result.people == 150
