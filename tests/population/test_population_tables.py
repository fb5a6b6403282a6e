"""OMOP tables already in the engine (``--tables SCHEMA``): read in place, same answers as the
files; a wrong schema, a missing table or column, or an engine that reads files only is a clear
error naming what to fix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from psycopg import sql
from typer.testing import CliRunner

from trialdesk.cli.app import app
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import ConfigurationError, InputError
from trialdesk.population import engine_for
from trialdesk.population.omop import READ_COLUMNS, find_tables
from trialdesk.population.result import PopulationResult
from trialdesk.population.sources import OmopSchema, omop_source


def _duckdb_file(folder: Path, target: Path, schema: str = "cdm", skip: str = "") -> Path:
    """The folder's OMOP tables copied into ``schema`` of a DuckDB database file."""
    db = duckdb.connect(str(target))
    db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name, path in find_tables(folder).items():
        if name != skip:
            db.execute(
                f"CREATE TABLE {schema}.{name} AS SELECT * FROM read_parquet(?)", [str(path)]
            )
    db.close()
    return target


@pytest.mark.slow
def test_duckdb_file_schema_gives_the_same_answers_as_the_files(
    protocol: Protocol,
    population_dir: Path,
    reference: PopulationResult,
    agree: Callable[[PopulationResult, PopulationResult], None],
    as_of: date,
    tmp_path: Path,
) -> None:
    database = _duckdb_file(population_dir, tmp_path / "warehouse.duckdb")
    engine = engine_for("duckdb", threads=2, database=database)
    try:
        result = engine.screen(protocol, OmopSchema.parse("cdm"), as_of, fallback="review")
    finally:
        engine.close()
    agree(result, reference)
    assert result.people == reference.people


def test_python_fallback_reads_the_schema_tables(
    protocol: Protocol, population_dir: Path, as_of: date, tmp_path: Path
) -> None:
    small = tmp_path / "small"
    small.mkdir()
    for name, path in find_tables(population_dir).items():
        table = pq.read_table(path)
        keep = pa.compute.is_in(table.column("person_id"), pa.array(range(1, 41)))
        pq.write_table(table.filter(keep), small / f"{name}.parquet")
    database = _duckdb_file(small, tmp_path / "small.duckdb")
    by_files = engine_for("duckdb").screen(protocol, small, as_of, fallback="python")
    engine = engine_for("duckdb", database=database)
    try:
        by_schema = engine.screen(protocol, OmopSchema.parse("cdm"), as_of, fallback="python")
    finally:
        engine.close()
    columns = ["person_id", "criterion_id", "status", "reason", "verdict"]
    assert by_schema.rows[columns].equals(by_files.rows[columns])
    assert "python" in {how for _cid, _kind, how in by_schema.criteria}


def test_a_schema_without_person_names_the_schema_and_what_it_holds(
    protocol: Protocol, population_dir: Path, as_of: date, tmp_path: Path
) -> None:
    database = _duckdb_file(population_dir, tmp_path / "w.duckdb", skip="person")
    engine = engine_for("duckdb", database=database)
    with pytest.raises(InputError) as raised:
        engine.screen(protocol, OmopSchema.parse("cdm"), as_of, fallback="review")
    engine.close()
    text = str(raised.value)
    assert "'person' is not in schema cdm" in text
    assert "measurement" in text  # what the schema does hold


def test_a_table_missing_a_required_column_is_named(
    protocol: Protocol, as_of: date, tmp_path: Path
) -> None:
    database = tmp_path / "w.duckdb"
    db = duckdb.connect(str(database))
    db.execute("CREATE TABLE person (person_id INTEGER, year_of_birth INTEGER)")
    db.execute("CREATE TABLE measurement (measurement_id INTEGER, person_id INTEGER)")
    db.close()
    engine = engine_for("duckdb", database=database)
    with pytest.raises(InputError) as raised:
        engine.screen(protocol, OmopSchema.parse("main"), as_of, fallback="review")
    engine.close()
    assert "gender_concept_id" in str(raised.value)
    assert "main.person" in str(raised.value)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("measurement", "operator_concept_id"),
        ("measurement", "range_low"),
        ("person", "birth_datetime"),
        ("observation", "value_as_concept_id"),
        ("death", "death_date"),
    ],
)
def test_a_file_missing_a_column_the_screening_reads_is_named_before_any_step(
    protocol: Protocol,
    population_dir: Path,
    as_of: date,
    tmp_path: Path,
    table: str,
    column: str,
) -> None:
    """Every column of ``READ_COLUMNS``, not only the required tables' (an engine's binder
    error halfway through named neither the file nor the column)."""
    assert column in READ_COLUMNS[table]
    copy = tmp_path / "omop"
    shutil.copytree(population_dir, copy)
    path = copy / f"{table}.parquet"
    pq.write_table(pq.read_table(path).drop([column]), path)
    with pytest.raises(InputError) as raised:
        engine_for("duckdb").screen(protocol, copy, as_of, fallback="review")
    text = str(raised.value)
    assert str(path) in text
    assert column in text
    assert "may be empty" in text


def test_duckdb_needs_the_database_file_and_a_plain_schema(
    protocol: Protocol, as_of: date, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="--duckdb-file"):
        engine_for("duckdb").screen(protocol, OmopSchema.parse("cdm"), as_of)
    missing = engine_for("duckdb", database=tmp_path / "none.duckdb")
    with pytest.raises(InputError, match="does not exist"):
        missing.screen(protocol, OmopSchema.parse("cdm"), as_of)
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()  # a database file without tables
    qualified = engine_for("duckdb", database=database)
    with pytest.raises(InputError, match="schema only"):
        qualified.screen(protocol, OmopSchema.parse("warehouse.cdm"), as_of)


def test_the_memory_engine_reads_files_only(protocol: Protocol, as_of: date) -> None:
    with pytest.raises(ConfigurationError, match="files only"):
        engine_for("memory").screen(protocol, OmopSchema.parse("cdm"), as_of)


@pytest.mark.parametrize("text", ["", "cdm;drop", "a.b.c", "1cdm", 'cdm"', "c dm", "a..b"])
def test_schema_names_are_plain_identifiers(text: str) -> None:
    with pytest.raises(InputError, match="schema name"):
        OmopSchema.parse(text)


def test_exactly_one_of_data_and_tables() -> None:
    assert omop_source(Path("omop"), None) == Path("omop")
    assert omop_source(None, "cdm") == OmopSchema(("cdm",))
    assert str(omop_source(None, "hive.omop")) == "hive.omop"
    for data, tables in ((None, None), (Path("omop"), "cdm")):
        with pytest.raises(InputError, match="--data / --tables"):
            omop_source(data, tables)


@pytest.mark.slow
def test_cli_screens_a_duckdb_file_schema(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "omop"
    made = runner.invoke(
        app, ["synth", "population", "--patients", "60", "--seed", "5", "--out", str(data)]
    )
    assert made.exit_code == 0, made.output
    database = _duckdb_file(data, tmp_path / "warehouse.duckdb", schema="omop")
    out = tmp_path / "results.parquet"
    args = ["population", "screen", "--as-of", "2026-06-01", "--tables", "omop"]
    args += ["--duckdb-file", str(database), "--fallback", "review", "--out", str(out)]
    ran = runner.invoke(app, args)
    assert ran.exit_code == 0, ran.output
    assert "Attrition funnel" in ran.output
    assert pq.read_table(out).num_rows == 60 * 24
    both = runner.invoke(app, [*args, "--data", str(data)])
    assert isinstance(both.exception, InputError)
    assert both.exception.exit_code == 2
    # A DuckDB file with another engine would be silently ignored: refused instead.
    other = runner.invoke(app, [*args, "--engine", "postgres"])
    assert isinstance(other.exception, InputError)
    assert "--duckdb-file" in str(other.exception)


# PostgreSQL: the warehouse's own column types (OMOP v5.4 DDL: NUMERIC values, DATE dates).
_PG_TYPES = {
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "NUMERIC",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
}


def _pg_type(kind: pa.DataType) -> str:
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP"
    if pa.types.is_decimal(kind):
        return "NUMERIC"
    return _PG_TYPES.get(kind, "TEXT")


def _postgres_schema(url: str, folder: Path, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        for name, path in find_tables(folder).items():
            table = pq.read_table(path)
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(_pg_type(f.type)))
                for f in table.schema
            )
            target = sql.Identifier(schema, name)
            cursor.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
            names = sql.SQL(", ").join(sql.Identifier(c) for c in table.column_names)
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy:
                for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
                    copy.write_row(row)


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_schema_gives_the_same_answers_as_the_files(
    protocol: Protocol,
    population_dir: Path,
    reference: PopulationResult,
    agree: Callable[[PopulationResult, PopulationResult], None],
    as_of: date,
    fresh_postgres_url: str,
) -> None:
    url = fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://")
    _postgres_schema(url, population_dir, "cdm")
    engine = engine_for("postgres", url=fresh_postgres_url)
    try:
        result = engine.screen(protocol, OmopSchema.parse("cdm"), as_of, fallback="review")
        with pytest.raises(InputError, match="'person' is not in schema elsewhere"):
            engine.screen(protocol, OmopSchema.parse("elsewhere"), as_of, fallback="review")
        with pytest.raises(InputError, match="schema only"):
            engine.screen(protocol, OmopSchema.parse("omop.cdm"), as_of, fallback="review")
    finally:
        engine.close()
    agree(result, reference)
    with psycopg.connect(url) as conn:  # read in place: nothing was written to the schema
        count = conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'cdm'"
        ).fetchone()
    assert count is not None
    assert count[0] == len(find_tables(population_dir))


def test_duckdb_spills_into_a_private_folder_removed_on_close(tmp_path: Path) -> None:
    """Not into ".tmp" of the user's working directory (DuckDB's default)."""
    from trialdesk.population.duckdb_engine import DuckDBEngine

    engine = DuckDBEngine(threads=1)
    [(folder,)] = engine._db.execute("SELECT current_setting('temp_directory')").fetchall()
    assert Path(folder).is_dir()
    assert "trialdesk-duckdb-" in folder
    engine.close()
    assert not Path(folder).exists()
