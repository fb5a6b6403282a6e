"""``trialdesk population screen``: every person of an OMOP folder against a trial, in SQL.

    trialdesk population screen --trial NCT06948994 --as-of 2026-06-01 --data omop/ \\
        --engine duckdb --out results.parquet
    trialdesk population screen --engine postgres --postgres-url postgresql://... \\
        --tables cdm --out results.parquet
    trialdesk population from-fhir export.ndjson --out omop/
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from trialdesk import load_protocol
from trialdesk.errors import InputError

if TYPE_CHECKING:
    from trialdesk.population.result import PopulationResult

__all__ = ["population_app", "register"]

population_app = typer.Typer(
    name="population",
    help="Screen whole populations (OMOP CDM tables) with SQL engines.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(population_app, name="population")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "bad --as-of date", where="--as-of", expected="YYYY-MM-DD", got=text
        ) from None


@population_app.command("screen")
def screen_population(
    out: Annotated[Path, typer.Option("--out", help="Results: one row per person and criterion.")],
    data: Annotated[
        Path | None, typer.Option("--data", help="Folder of OMOP tables (.parquet or .csv).")
    ] = None,
    tables: Annotated[
        str | None,
        typer.Option(
            "--tables",
            help="Schema already holding the OMOP tables in the engine (PostgreSQL schema, "
            "Spark database, schema of --duckdb-file) instead of --data.",
        ),
    ] = None,
    duckdb_file: Annotated[
        Path | None,
        typer.Option("--duckdb-file", help="DuckDB database file holding the --tables schema."),
    ] = None,
    trial: Annotated[str, typer.Option("--trial", help="Bundled NCT id or a protocol file.")] = (
        "NCT06948994"
    ),
    as_of: Annotated[str, typer.Option("--as-of", help="Screening date YYYY-MM-DD.")] = (
        date.today().isoformat()
    ),
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb | postgres | spark | memory")
    ] = "duckdb",
    postgres_url: Annotated[
        str | None, typer.Option("--postgres-url", help="postgresql://user@host:5432/db")
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", help="local[2] (default), spark://host:7077 or sc://host"),
    ] = None,
    fallback: Annotated[
        str,
        typer.Option(
            "--fallback",
            help="Criteria not compiled to SQL: python (exact, per person) or review (fast).",
        ),
    ] = "python",
) -> None:
    """Screen every person of an OMOP CDM (files or tables in the engine); summary: counts per
    verdict and the attrition funnel."""
    protocol = load_protocol(trial)
    day = _day(as_of)
    # Imported here: pandas, pyarrow and sqlglot cost seconds that other commands need not pay.
    from trialdesk.population import engine_for
    from trialdesk.population.sources import omop_source

    source = omop_source(data, tables)
    if duckdb_file is not None and (engine != "duckdb" or tables is None):
        raise InputError(
            "--duckdb-file names the DuckDB database holding the --tables schema",
            where="--duckdb-file",
            expected="--engine duckdb with --tables SCHEMA (files: --data DIR alone)",
            got=f"--engine {engine}" + ("" if tables else " without --tables"),
        )
    runner = engine_for(engine, url=postgres_url, master=spark_master, database=duckdb_file)
    console = Console(stderr=True)
    try:
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("starting", total=None)
            result = runner.screen(
                protocol,
                source,
                day,
                fallback=fallback,
                progress=lambda step: progress.update(task, description=step),
            )
    finally:
        runner.close()
    result.write(out)
    _summary(result, out)


@population_app.command("from-fhir")
def from_fhir(
    source: Annotated[Path, typer.Argument(help="FHIR bulk-export NDJSON, a Bundle or a folder.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the OMOP Parquet tables.")],
) -> None:
    """Convert FHIR R4 (bulk export) into the OMOP tables 'population screen' reads."""
    from trialdesk.population.from_fhir import LEFT_OUT_FILE, fhir_to_omop

    conversion = fhir_to_omop(source, out)
    summary = ", ".join(f"{name} {count}" for name, count in conversion.rows.items())
    typer.echo(f"Wrote OMOP tables to {out}: {summary}")
    if conversion.left_out:
        people = conversion.people_left_out()
        shown = ", ".join(people[:10]) + (
            f" and {len(people) - 10} more" if len(people) > 10 else ""
        )
        typer.echo(
            f"Left out {len(conversion.left_out)} observations OMOP cannot hold as the screener"
            f" reads them (no effective date, or an unknown modifier extension), of"
            f" {len(people)} patients: {shown}. Their population results may differ from"
            " screening their FHIR records: screen them one by one with 'trialdesk screen'."
            f" The list is in {out / LEFT_OUT_FILE}.",
            err=True,
        )


def _summary(result: PopulationResult, out: Path) -> None:
    console = Console()
    counts = result.verdict_counts()
    total = sum(counts.values())
    verdicts = Table(title=f"{result.trial} as of {result.as_of} ({result.engine}): {total} people")
    verdicts.add_column("verdict")
    verdicts.add_column("people", justify="right")
    for verdict, count in counts.items():
        verdicts.add_row(verdict, str(count))
    console.print(verdicts)
    if result.bound_by_death:
        console.print(
            f"{result.bound_by_death} with a recorded death (OMOP death) are ineligible, or need"
            " review when the death may fall after the as-of date, whatever the criteria say.",
            soft_wrap=True,
        )
    funnel = Table(title="Attrition funnel: people not excluded after each criterion")
    for name in ("criterion", "kind", "evaluated by", "remaining"):
        funnel.add_column(name, justify="right" if name == "remaining" else "left")
    by = {cid: (kind, how) for cid, kind, how in result.criteria}
    for cid, remaining in result.funnel():
        funnel.add_row(cid, by[cid][0], by[cid][1], str(remaining))
    console.print(funnel)
    console.print(f"Wrote {result.row_count} rows to {out}")
