"""One factory: an engine name → its adapter (imported lazily: pyspark is heavy)."""

from __future__ import annotations

from typing import Any

from trialdesk.errors import ConfigurationError
from trialdesk.population.engine import PopulationEngine

__all__ = ["ENGINES", "engine_for"]

ENGINES = ("duckdb", "postgres", "spark", "memory")


def engine_for(name: str, **options: Any) -> PopulationEngine:
    """The engine called ``name``; options: ``url`` (postgres), ``master`` (spark), ``threads``
    and ``database`` (duckdb: a database file holding the OMOP tables)."""
    if name == "duckdb":
        from trialdesk.population.duckdb_engine import DuckDBEngine

        return DuckDBEngine(threads=options.get("threads"), database=options.get("database"))
    if name == "postgres":
        from trialdesk.population.postgres_engine import PostgresEngine

        return PostgresEngine(options.get("url"))
    if name == "spark":
        from trialdesk.population.spark_engine import SparkEngine

        spark: PopulationEngine = SparkEngine(options.get("master"), session=options.get("session"))
        return spark
    if name == "memory":
        from trialdesk.population.memory_engine import MemoryEngine

        return MemoryEngine()
    raise ConfigurationError(
        f"unknown population engine {name!r}",
        where="--engine",
        expected=", ".join(ENGINES),
        got=name,
    )
