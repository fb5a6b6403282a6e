"""``trialdesk synth``: synthetic data for demos, tests and benchmarks (never real patients).

    trialdesk synth patients --count 100 --seed 7 --out patients/          # one Bundle per patient
    trialdesk synth patients --count 10000 --seed 7 --out cohort.ndjson    # bulk-export style
    trialdesk synth population --patients 10000 --seed 7 --out omop/       # OMOP Parquet tables

Other synthetic generators join this group as commands of ``synth_app``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from trialdesk.errors import InputError
from trialdesk.synth.fhir_patients import DEFAULT_AS_OF, resources_of, synth_patients

__all__ = ["register", "synth_app"]

synth_app = typer.Typer(
    name="synth",
    help="Make synthetic data (never real patients), deterministic from a seed.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(synth_app, name="synth")


@synth_app.command("patients")
def patients(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="A folder (one Bundle JSON per patient) or FILE.ndjson."),
    ],
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many patients.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same patients.")] = 0,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date the labs are recent to (YYYY-MM-DD).")
    ] = DEFAULT_AS_OF.isoformat(),
) -> None:
    """Synthetic FHIR R4 patients: children 0-20 y, mostly neuroblastoma, labs near the limits."""
    bundles = synth_patients(count, seed, as_of=_date(as_of))
    if out.suffix == ".ndjson":
        _write_ndjson(bundles, out)
    else:
        _write_folder(bundles, out)
    typer.echo(f"Wrote {count} synthetic patients to {out}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "invalid --as-of date",
            where="--as-of",
            expected="a date YYYY-MM-DD",
            got=text,
        ) from None


def _write_ndjson(bundles: Iterable[dict[str, Any]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        for bundle in bundles:
            for resource in resources_of(bundle):
                handle.write(orjson.dumps(resource) + b"\n")


def _write_folder(bundles: Iterable[dict[str, Any]], out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(
            "--out is an existing file",
            where="--out",
            expected="a folder, or a path ending in .ndjson",
            got=str(out),
        )
    out.mkdir(parents=True, exist_ok=True)
    for bundle in bundles:
        pid = bundle["entry"][0]["resource"]["id"]
        (out / f"{pid}.json").write_bytes(orjson.dumps(bundle, option=orjson.OPT_INDENT_2))


@synth_app.command("population")
def population(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the OMOP Parquet tables.")],
    patients: Annotated[
        int, typer.Option("--patients", "-n", min=1, help="How many people.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same population.")] = 0,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date the labs are recent to (YYYY-MM-DD).")
    ] = "2026-06-01",
) -> None:
    """A synthetic paediatric-oncology population as OMOP CDM v5.4 Parquet tables."""
    from trialdesk.synth.population import synth_population, write_population

    write_population(synth_population(patients, seed, _date(as_of)), out)
    typer.echo(f"Wrote {patients} synthetic people (OMOP CDM v5.4 Parquet) to {out}")
