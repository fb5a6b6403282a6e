"""DuckDB, embedded: the default engine. Parquet/CSV files are read in place as views; OMOP
tables already in a DuckDB database file are read from it, read-only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from trialdesk.errors import ConfigurationError, InputError
from trialdesk.population.engine import PopulationEngine
from trialdesk.population.families import FAMILIES
from trialdesk.population.omop import TABLES
from trialdesk.population.sources import OmopSchema
from trialdesk.population.sql import REUSED_STEPS

__all__ = ["DuckDBEngine"]

#: Steps a family asks to run with its joins in the written order (``written_order``).
WRITTEN_ORDER: frozenset[str] = frozenset().union(
    *(getattr(f, "written_order", frozenset()) for f in FAMILIES)
)


class DuckDBEngine(PopulationEngine):
    name = "duckdb"
    pivot_in_arrow = True  # embedded: the leaf rows reach Arrow without a copy over a wire

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        database: Path | None = None,
    ) -> None:
        # No step relies on row order (results are placed by person_id): DuckDB may then
        # stream and materialise without keeping insertion order, which saves memory.
        config: dict[str, str | bool | int | float | list[str]] = {
            "preserve_insertion_order": False
        }
        if threads is not None:
            config["threads"] = threads
        self.combine_workers = threads or os.cpu_count() or 1
        if memory_limit is not None:
            config["memory_limit"] = memory_limit
        # Spills of a screening larger than memory go to a private temporary folder, removed
        # on close (DuckDB's default is ".tmp" in the user's working directory).
        self._spill = tempfile.TemporaryDirectory(prefix="trialdesk-duckdb-")
        config["temp_directory"] = self._spill.name
        self._db = duckdb.connect(":memory:", config=config)
        # The CLI shows its own progress; DuckDB's bar would draw over it, and its polling cost
        # ≈ 0.1 s of a million-person screening. A connection setting, not a global one.
        self._db.execute("SET enable_progress_bar = false")
        self._registered: dict[str, pa.Table] = {}
        self._database = database

    def load(self, paths: dict[str, Path]) -> None:
        for name, path in paths.items():
            # Relations read the files in place; the path never enters SQL text.
            if path.suffix == ".parquet":
                relation = self._db.read_parquet(str(path))
            else:
                relation = self._db.read_csv(str(path))
            relation.create_view(name, replace=True)

    def attach(self, source: OmopSchema) -> list[str]:
        """The tables of a schema in a DuckDB database file, opened read-only (attached under
        the name ``td_omop``: the screening's own steps stay in memory, the file untouched)."""
        if self._database is None:
            raise ConfigurationError(
                "reading OMOP tables from DuckDB needs the database file",
                where="--duckdb-file",
                expected="the .duckdb file that holds the schema given with --tables",
            )
        if not self._database.is_file():
            raise InputError(
                "the DuckDB database file does not exist",
                file=str(self._database),
                expected="an existing .duckdb file holding the OMOP tables",
            )
        schema = source.schema_only(
            "a DuckDB file is one catalog: give the schema only", "SCHEMA (e.g. main or cdm)"
        )
        self._db.execute("ATTACH ? AS td_omop (READ_ONLY)", [str(self._database)])
        rows = self._db.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_catalog = 'td_omop' AND table_schema = ?",
            [schema],
        ).fetchall()
        found = [str(name) for (name,) in rows if str(name) in TABLES]
        for name in found:
            # Identifiers checked by OmopSchema and TABLES; they cannot be bound parameters.
            self._db.execute(
                f'CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM td_omop."{schema}".{name}'  # noqa: S608
            )
        return found

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

    def materialises(self, name: str) -> bool:
        return name in REUSED_STEPS and name not in self._registered

    def drop(self, name: str) -> None:
        if self.materialises(name):
            # A step name from the compiler (identifiers only), never a value.
            self._db.execute(f"DROP TABLE IF EXISTS {name}")

    def fetch(self, duckdb_sql: str) -> pa.Table:
        return self._db.sql(duckdb_sql).to_arrow_table()

    def stream(self, duckdb_sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        yield from self._db.sql(duckdb_sql).to_arrow_reader(batch_rows)

    def close(self) -> None:
        self._db.close()
        self._spill.cleanup()
