"""Apache Spark: local mode (``local[2]``), a cluster master or a Spark Connect URL (``sc://``).

OMOP tables already in the session's catalog (``--tables omop``) are read in place. Files are
read by Spark itself (the paths must be visible to the executors: a shared
file system, HDFS or object storage on a cluster); parameter tables are sent as DataFrames; each
step of the screening is a temporary view, so Spark plans the whole screening as one job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from trialdesk.errors import InputError
from trialdesk.population.engine import PopulationEngine
from trialdesk.population.omop import TABLES
from trialdesk.population.sources import OmopSchema
from trialdesk.population.sql import REUSED_STEPS, transpile

__all__ = ["SparkEngine", "spark_session"]


def spark_session(master: str | None = None) -> Any:
    """A session for ``master`` (default ``local[2]``); ``sc://host:15002`` uses Spark Connect."""
    from pyspark.sql import SparkSession

    target = master or "local[2]"
    builder = SparkSession.builder.appName("trialdesk-population")
    if target.startswith("sc://"):
        return builder.remote(target).getOrCreate()
    return (
        builder.master(target)
        # Local mode: the driver is the executor; 1 GiB is too little to broadcast the
        # families' small joins beside the cached steps (seen on 1,200 people).
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


class SparkEngine(PopulationEngine):
    name = "spark"

    def __init__(self, master: str | None = None, session: Any = None) -> None:
        self._own = session is None
        self._spark = session if session is not None else spark_session(master)

    def load(self, paths: dict[str, Path]) -> None:
        for name, path in paths.items():
            reader = self._spark.read
            if path.suffix == ".parquet":
                frame = reader.parquet(str(path))
            else:
                frame = reader.option("header", True).option("inferSchema", True).csv(str(path))
            frame.createOrReplaceTempView(name)

    def attach(self, source: OmopSchema) -> list[str]:
        """The OMOP tables of a database in the session's catalog (``db`` or ``catalog.db``,
        e.g. a Hive metastore or Unity Catalog schema), read in place."""
        database = str(source)
        if not self._spark.catalog.databaseExists(database):
            raise InputError(
                f"Spark has no database {database!r}",
                where="--tables",
                expected="a database (schema) of the session's catalog holding the OMOP tables",
                got=database,
            )
        present = {t.name for t in self._spark.catalog.listTables(database)}
        found = [name for name in TABLES if name in present]
        for name in found:
            # Quoted parts: each was checked to be a plain identifier by OmopSchema.
            quoted = ".".join(f"`{part}`" for part in (*source.parts, name))
            self._spark.table(quoted).createOrReplaceTempView(name)
        return found

    def register(self, name: str, table: pa.Table) -> None:
        frame = self._spark.createDataFrame(table.to_pandas(), schema=_schema(table.schema))
        frame.createOrReplaceTempView(name)

    def create(self, name: str, duckdb_sql: str) -> None:
        frame = self._spark.sql(transpile(duckdb_sql, "spark"))
        if name in REUSED_STEPS:
            # Materialise the steps read several times: a view would be re-run at every use.
            frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)

    def fetch(self, duckdb_sql: str) -> pa.Table:
        frame = self._spark.sql(transpile(duckdb_sql, "spark"))
        return pa.Table.from_pandas(frame.toPandas(), preserve_index=False)

    def close(self) -> None:
        if self._own:
            self._spark.stop()


def _schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as t

    def kind(field: pa.Field) -> Any:
        if pa.types.is_decimal(field.type):
            return t.DecimalType(field.type.precision, field.type.scale)
        if pa.types.is_date(field.type):
            return t.DateType()
        if pa.types.is_boolean(field.type):
            return t.BooleanType()
        if pa.types.is_int32(field.type):
            return t.IntegerType()
        if pa.types.is_integer(field.type):
            return t.LongType()
        return t.StringType()

    return t.StructType([t.StructField(f.name, kind(f), True) for f in schema])
