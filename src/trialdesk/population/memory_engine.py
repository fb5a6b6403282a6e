"""The in-memory screener over the OMOP→record reading: the reference the SQL engines match."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import ConfigurationError
from trialdesk.population.engine import Plan, PopulationEngine, Progress
from trialdesk.population.fallback import fallback_results
from trialdesk.population.omop import find_tables, read_table
from trialdesk.population.result import PopulationResult, assemble
from trialdesk.population.sources import OmopSchema, OmopSource

__all__ = ["MemoryEngine"]


class MemoryEngine(PopulationEngine):
    name = "memory"

    def screen(
        self,
        protocol: Protocol,
        data: OmopSource,
        as_of: date,
        *,
        fallback: str = "python",
        progress: Progress | None = None,
    ) -> PopulationResult:
        if isinstance(data, OmopSchema):
            raise ConfigurationError(
                "the memory engine reads OMOP files only",
                where="--tables",
                expected="--data DIR with this engine, or --engine duckdb|postgres|spark",
                got=str(data),
            )
        paths = find_tables(data)
        if progress:
            progress("screening every person in memory")
        ids = [c.id for c in protocol.criteria]
        tables = {name: read_table(path) for name, path in paths.items()}
        persons = tables["person"].select(["person_id"])
        rows = fallback_results(protocol, lambda: tables, persons, as_of, ids, "python")
        plan = Plan(protocol, as_of, [], ids, [], {})
        deaths = tables.get("death")
        if deaths is not None:
            deaths = deaths.select(["person_id", "death_date"])
        return assemble(protocol, plan, persons, None, rows, self.name, deaths=deaths)

    def load(self, paths: dict[str, Path]) -> None:  # pragma: no cover - not an SQL engine
        raise NotImplementedError

    def register(self, name: str, table: pa.Table) -> None:  # pragma: no cover
        raise NotImplementedError

    def create(self, name: str, duckdb_sql: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def fetch(self, duckdb_sql: str) -> pa.Table:  # pragma: no cover
        raise NotImplementedError
