"""PostgreSQL: the OMOP tables are read where they are (a schema of the connected database,
``--tables cdm``) or, from files, copied into temporary tables (COPY, bound rows); the
screening runs as temporary tables in the server. ``url`` is a SQLAlchemy/libpq URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
from psycopg import sql
from sqlglot import exp

from trialdesk.errors import ConfigurationError
from trialdesk.population.engine import PopulationEngine
from trialdesk.population.omop import TABLES, read_table
from trialdesk.population.sources import OmopSchema
from trialdesk.population.sql import transpile

__all__ = ["PostgresEngine"]

_TYPES = {
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.string(): "TEXT",
    pa.large_string(): "TEXT",
}


def _pg_type(kind: pa.DataType) -> str:
    if pa.types.is_decimal(kind):
        return f"NUMERIC({kind.precision}, {kind.scale})"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP"
    return _TYPES.get(kind, "TEXT")


def _postgres_fixups(node: exp.Expression) -> exp.Expression:
    # sqlglot writes DuckDB's MAKE_DATE as DATE_FROM_PARTS, which PostgreSQL does not have.
    if isinstance(node, exp.DateFromParts):
        return exp.Anonymous(
            this="MAKE_DATE", expressions=[node.args["year"], node.args["month"], node.args["day"]]
        )
    return node


class PostgresEngine(PopulationEngine):
    name = "postgres"

    def __init__(self, url: str | None) -> None:
        if not url:
            raise ConfigurationError(
                "the postgres engine needs a server",
                where="--postgres-url",
                expected="postgresql://user:password@host:5432/database",
            )
        self._conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        self._conn.autocommit = True

    def _copy(self, name: str, table: pa.Table) -> None:
        columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in table.schema)
        with self._conn.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            cursor.execute(f'CREATE TEMP TABLE "{name}" ({columns})')
            names = ", ".join(f'"{f}"' for f in table.column_names)
            with cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                for batch in table.to_batches(max_chunksize=50_000):
                    for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                        copy.write_row(row)
            cursor.execute(f'ANALYZE "{name}"')

    def load(self, paths: dict[str, Path]) -> None:
        for name, path in paths.items():
            self._copy(name, read_table(path))

    def attach(self, source: OmopSchema) -> list[str]:
        """The OMOP tables (or views) of a schema in the connected database, read in place
        through temporary views: nothing is copied."""
        schema = source.schema_only(
            "a PostgreSQL connection reads one database: give the schema only",
            "SCHEMA (e.g. cdm); choose the database in --postgres-url",
        )
        with self._conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [schema],
            )
            present = {str(row[0]) for row in cursor.fetchall()}
            found = [name for name in TABLES if name in present]
            for name in found:
                cursor.execute(
                    sql.SQL("CREATE OR REPLACE TEMP VIEW {} AS SELECT * FROM {}.{}").format(
                        sql.Identifier(name), sql.Identifier(schema), sql.Identifier(name)
                    )
                )
        return found

    def register(self, name: str, table: pa.Table) -> None:
        self._copy(name, table)

    def create(self, name: str, duckdb_sql: str) -> None:
        sql = transpile(duckdb_sql, "postgres", _postgres_fixups)
        with self._conn.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            cursor.execute(f"CREATE TEMP TABLE {name} AS {sql}")
            cursor.execute(f'ANALYZE "{name}"')

    def materialises(self, name: str) -> bool:
        return True  # every step is a temporary table here

    def drop(self, name: str) -> None:
        with self._conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))

    def fetch(self, duckdb_sql: str) -> pa.Table:
        sql = transpile(duckdb_sql, "postgres", _postgres_fixups)
        with self._conn.cursor() as cursor:
            cursor.execute(sql)
            names = [d.name for d in cursor.description or ()]
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def close(self) -> None:
        self._conn.close()
