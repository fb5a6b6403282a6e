"""``trialdesk screen``: one patient, a folder or an NDJSON file against a protocol."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trialdesk import load_protocol, screen
from trialdesk.adapters.fhir import read_records
from trialdesk.cli._output import VERDICT_STYLE
from trialdesk.core.protocol import Protocol
from trialdesk.core.screening.result import ScreeningResult
from trialdesk.errors import InputError, TrialDeskError

_STYLE = {
    "pass": "green",
    "fail": "red",
    "unknown": "yellow",
    "review": "magenta",
    "not_applicable": "dim",
}


def register(app: typer.Typer) -> None:
    app.command(name="screen")(screen_command)


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "bad --as-of date", where="--as-of", expected="YYYY-MM-DD", got=value
        ) from None


def screen_command(
    patients: Annotated[
        list[Path], typer.Argument(help="FHIR R4 Bundle or NDJSON files, or folders of them.")
    ],
    trial: Annotated[
        str, typer.Option("--trial", help="Bundled NCT id or a protocol file.")
    ] = "NCT06948994",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Screening date YYYY-MM-DD (default: today).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json | table")] = "table",
    lang: Annotated[str, typer.Option("--lang", help="en | zh")] = "en",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write JSON lines here instead of stdout.")
    ] = None,
) -> None:
    """Screen patients against a trial's eligibility criteria, criterion by criterion, with evidence."""
    if output_format not in ("json", "table"):
        raise InputError(
            "bad --format", where="--format", expected="json or table", got=output_format
        )
    if lang not in ("en", "zh"):
        raise InputError("bad --lang", where="--lang", expected="en or zh", got=lang)
    day = _as_of(as_of)
    protocol = load_protocol(trial)
    batch = len(patients) > 1 or any(p.is_dir() or p.suffix == ".ndjson" for p in patients)
    if not batch:
        records = list(read_records(patients[0]))
        if len(records) != 1:
            batch = True
        else:
            _emit_one(screen(protocol, records[0], day), output_format, lang, out)
            return
    _batch(protocol, patients, day, lang, out, output_format)


def _emit_one(result: ScreeningResult, output_format: str, lang: str, out: Path | None) -> None:
    if output_format == "json":
        data = orjson.dumps(result.to_dict(lang), option=orjson.OPT_INDENT_2) + b"\n"
        if out is not None:
            with _open_output(out) as sink:
                sink.write(data)
        else:
            sys.stdout.buffer.write(data)
        return
    _table(result, lang, Console())


def _stderr() -> Console:
    """The console for progress and summaries (stderr, so stdout stays pure JSON lines)."""
    return Console(stderr=True)


def _open_output(out: Path) -> BinaryIO:
    try:
        return out.open("wb")
    except OSError as exc:
        raise TrialDeskError(
            "cannot write the output file",
            file=str(out),
            expected="a writable file path",
            got=exc.strerror,
            hint="Check the folder exists and is writable.",
        ) from None


def _batch(
    protocol: Protocol,
    paths: list[Path],
    day: date,
    lang: str,
    out: Path | None,
    output_format: str,
) -> None:
    console = _stderr()
    sink = _open_output(out) if out is not None else sys.stdout.buffer
    counts: dict[str, int] = {}
    progress = Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("patients"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    try:
        with progress:
            # Reading indexes a whole file or folder first (a patient's resources may be spread
            # over several NDJSON files), so the total is known before screening starts.
            sources = [list(read_records(path)) for path in paths]
            task = progress.add_task("screen", total=sum(len(s) for s in sources))
            for records in sources:
                for record in records:
                    result = screen(protocol, record, day)
                    counts[result.verdict.value] = counts.get(result.verdict.value, 0) + 1
                    if output_format == "json":
                        sink.write(orjson.dumps(result.to_dict(lang)) + b"\n")
                    else:
                        _table(result, lang, Console())
                    progress.advance(task)
    finally:
        if out is not None:
            sink.close()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no patients"
    console.print(
        f"Screened {sum(counts.values())} patient(s) against {protocol.nct_id} v{protocol.protocol_version} as of {day}: {summary}",
        soft_wrap=True,
    )


def _table(result: ScreeningResult, lang: str, console: Console) -> None:
    verdict = result.verdict.value
    console.print(
        f"[bold]{result.trial}[/] v{result.protocol_version} · patient {result.patient} · as of {result.as_of} · verdict [{VERDICT_STYLE[verdict]}]{verdict}[/]"
    )
    table = Table(show_lines=False, expand=True)
    table.add_column("criterion", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("reason / evidence")
    for criterion in result.criteria:
        status = criterion.status.value
        lines = [criterion.reason(lang)]
        lines += [
            f"[dim]{e.resource or e.kind}: {e.value or ''} {e.unit or ''} {e.date or ''} {('· ' + e.threshold) if e.threshold else ''}[/]"
            for e in criterion.evidence[:3]
        ]
        if criterion.missing:
            lines.append(
                "[yellow]needs:[/] " + "; ".join(m.render(lang) for m in criterion.missing)
            )
        table.add_row(criterion.id, f"[{_STYLE[status]}]{status}[/]", "\n".join(lines))
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note.render(lang)}", soft_wrap=True)
