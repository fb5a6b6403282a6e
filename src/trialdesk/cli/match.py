"""``trialdesk match``: one patient against every protocol in a folder, ranked."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from trialdesk.adapters.fhir import read_record
from trialdesk.adapters.protocol_files import load_protocol, protocol_paths
from trialdesk.cli._output import VERDICT_STYLE
from trialdesk.core.matching import MatchOptions, TrialIndex, TrialMatch, match_patient
from trialdesk.core.protocol import Protocol
from trialdesk.core.screening.result import Status
from trialdesk.errors import InputError, TrialDeskError


def register(app: typer.Typer) -> None:
    app.command(name="match")(match_command)


def match_command(
    patient: Annotated[Path, typer.Argument(help="One patient: a FHIR R4 Bundle (JSON).")],
    trials: Annotated[
        Path, typer.Option("--trials", help="Folder of protocol files (.yaml), e.g. imported.")
    ],
    top: Annotated[int, typer.Option("--top", min=1, help="How many trials to list.")] = 20,
    recruiting_only: Annotated[
        bool,
        typer.Option(
            "--recruiting-only",
            help="Leave out trials not recruiting (keeps recruiting, not yet recruiting, by invitation).",
        ),
    ] = False,
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", help="Also search for trials of this condition (repeatable)."),
    ] = None,
    any_condition: Annotated[
        bool,
        typer.Option("--any-condition", help="Do not leave out trials for their conditions."),
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Screening date YYYY-MM-DD (default: today).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Rank trials for a patient: eligible, needs review, incomplete, then ineligible."""
    if output_format not in ("json", "table"):
        raise InputError(
            "bad --format", where="--format", expected="json or table", got=output_format
        )
    day = _day(as_of)
    if not trials.is_dir():
        raise InputError("not a folder of protocols", file=str(trials), where="--trials")
    record = read_record(patient)
    started = time.perf_counter()
    protocols = _load(trials)
    index = TrialIndex(protocols)
    loaded = time.perf_counter()
    options = MatchOptions(top, recruiting_only, tuple(condition or ()), not any_condition)
    report = match_patient(index, record, day, options)
    matched = time.perf_counter()
    timing = f"loaded {len(protocols)} protocols in {loaded - started:.2f} s; matched in {(matched - loaded) * 1000:.0f} ms"
    if output_format == "json":
        sys.stdout.buffer.write(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")
        Console(stderr=True, soft_wrap=True).print(timing, highlight=False)
        return
    table = Table("#", "trial", "verdict", "score", "status", "why")
    for rank, m in enumerate(report.matches, start=1):
        style = VERDICT_STYLE[str(m.verdict)]
        table.add_row(
            str(rank),
            f"{m.nct_id}\n{m.title[:60]}",
            f"[{style}]{m.verdict}[/]",
            str(m.score),
            m.status,
            _why(m),
        )
    console = Console()
    console.print(table)
    left = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.left_out.items() if v)
    console.print(
        f"{report.trials_total} trials: {report.screened} screened in full, "
        f"{report.ruled_out} ruled out by registry age/sex"
        + (f", left out: {left}" if left else ""),
        highlight=False,
    )
    Console(stderr=True, soft_wrap=True).print(timing, highlight=False)


def _why(match: TrialMatch) -> str:
    if match.pruned_by:
        return match.pruned_by
    if match.screening is None:
        return ""
    lines = [
        f"{c.id} {c.status}: {(c.reason() or c.text or '')[:70]}"
        for c in match.screening.criteria
        if c.status is not Status.PASS
    ]
    return "\n".join(lines[:4])


def _day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "bad --as-of date", where="--as-of", expected="YYYY-MM-DD", got=value
        ) from None


def _load(folder: Path) -> list[Protocol]:
    """Every protocol that loads; one that does not is named on stderr and skipped."""
    protocols = []
    errors = Console(stderr=True, soft_wrap=True)
    for path in protocol_paths(folder):
        try:
            protocols.append(load_protocol(path))
        except TrialDeskError as exc:
            errors.print(f"skipped {path}: {exc.message}", highlight=False)
    if not protocols:
        raise InputError("no protocol in the folder loads", file=str(folder), where="--trials")
    return protocols
