"""``trialdesk protocol validate|lint|show|analytes``: check and read protocol files."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from trialdesk import load_protocol
from trialdesk.core.analytes import all_analytes
from trialdesk.core.criteria.lint import Severity, lint_protocol

group = typer.Typer(help="Validate, lint and show protocol files.", no_args_is_help=True)
_SEVERITY_STYLE = {Severity.INFO: "dim", Severity.WARNING: "yellow", Severity.CRITICAL: "bold red"}


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="protocol")


@group.command("validate")
def validate(
    protocol: Annotated[str, typer.Argument(help="A protocol file or a bundled NCT id.")],
) -> None:
    """Check a protocol file: schema, every rule, every code; all problems at once."""
    loaded = load_protocol(protocol)
    Console().print(
        f"[green]OK[/] {loaded.nct_id} v{loaded.protocol_version}: {len(loaded.criteria)} criteria checked ({loaded.source})"
    )


@group.command("lint")
def lint(
    protocol: Annotated[str, typer.Argument(help="A protocol file or a bundled NCT id.")],
    output_format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Findings worth a look before a protocol goes live (exit 1 on any critical finding)."""
    findings = lint_protocol(load_protocol(protocol))
    if output_format == "json":
        sys.stdout.buffer.write(
            orjson.dumps(
                [
                    {"severity": f.severity.value, "where": f.where, "message": f.message}
                    for f in findings
                ],
                option=orjson.OPT_INDENT_2,
            )
            + b"\n"
        )
    else:
        table = Table("severity", "where", "finding")
        for f in findings:
            table.add_row(
                f"[{_SEVERITY_STYLE[f.severity]}]{f.severity.value}[/]", f.where, f.message
            )
        Console().print(table)
    if any(f.severity is Severity.CRITICAL for f in findings):
        raise typer.Exit(1)


@group.command("show")
def show(
    protocol: Annotated[str, typer.Argument(help="A protocol file or a bundled NCT id.")],
    output_format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """The registry facts and the criteria with their rules."""
    loaded = load_protocol(protocol)
    if output_format == "json":
        sys.stdout.buffer.write(
            orjson.dumps(
                loaded.model.model_dump(mode="json", by_alias=True), option=orjson.OPT_INDENT_2
            )
            + b"\n"
        )
        return
    console = Console()
    registry = loaded.registry
    console.print(f"[bold]{registry.nct_id}[/] v{loaded.protocol_version} — {registry.brief_title}")
    console.print(
        f"{registry.overall_status} · {', '.join(registry.phases)} · target {registry.enrollment.target} · sponsor {registry.sponsor.name}"
    )
    table = Table("id", "kind", "rule", "interpretation", show_lines=True)
    for spec in loaded.model.criteria:
        table.add_row(spec.id, spec.kind, spec.rule, spec.interpretation or "")
    console.print(table)


@group.command("analytes")
def analytes() -> None:
    """The analytes rules can name, with their LOINC codes and units."""
    table = Table("id", "name", "unit", "LOINC", "aliases")
    for item in all_analytes():
        table.add_row(item.id, item.name, item.unit, ", ".join(item.loinc), ", ".join(item.aliases))
    Console().print(table)
