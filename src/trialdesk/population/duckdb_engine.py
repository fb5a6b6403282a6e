"""DuckDB, embedded: the default engine. Parquet/CSV files are read in place as views."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from trialdesk.population.engine import PopulationEngine
from trialdesk.population.families import FAMILIES
from trialdesk.population.sql import REUSED_STEPS

__all__ = ["DuckDBEngine"]

#: Steps a family asks to run with its joins in the written order (``written_order``).
WRITTEN_ORDER: frozenset[str] = frozenset().union(
    *(getattr(f, "written_order", frozenset()) for f in FAMILIES)
)


class DuckDBEngine(PopulationEngine):
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        # No step relies on row order (results are placed by person_id): DuckDB may then
        # stream and materialise without keeping insertion order, which saves memory.
        config: dict[str, str | bool | int | float | list[str]] = {
            "preserve_insertion_order": False
        }
        if threads is not None:
            config["threads"] = threads
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        self._db = duckdb.connect(":memory:", config=config)
        self._registered: dict[str, pa.Table] = {}

    def load(self, paths: dict[str, Path]) -> None:
        for name, path in paths.items():
            # Relations read the files in place; the path never enters SQL text.
            if path.suffix == ".parquet":
                relation = self._db.read_parquet(str(path))
            else:
                relation = self._db.read_csv(str(path))
            relation.create_view(name, replace=True)

    def register(self, name: str, table: pa.Table) -> None:
        self._registered[name] = table
        self._db.register(name, table)

    def create(self, name: str, duckdb_sql: str) -> None:
        kind = "TEMP TABLE" if name in REUSED_STEPS else "TEMP VIEW"
        if name not in WRITTEN_ORDER or kind == "TEMP VIEW":
            self._db.execute(f"CREATE OR REPLACE {kind} {name} AS {duckdb_sql}")
            return
        self._db.execute("SET disabled_optimizers = 'join_order'")
        try:
            self._db.execute(f"CREATE OR REPLACE {kind} {name} AS {duckdb_sql}")
        finally:
            self._db.execute("RESET disabled_optimizers")

    def fetch(self, duckdb_sql: str) -> pa.Table:
        return self._db.sql(duckdb_sql).to_arrow_table()

    def close(self) -> None:
        self._db.close()
