"""``trialdesk ctgov import|parse-criteria``: ClinicalTrials.gov records into protocol files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from trialdesk.adapters.ctgov import import_paths
from trialdesk.core.criteria_text import ItemKind, parse_criteria
from trialdesk.core.criteria_text.markdown import unescape_markdown
from trialdesk.core.criteria_text.rules import render_item
from trialdesk.errors import InputError

group = typer.Typer(
    help="Import ClinicalTrials.gov API v2 study records; read free-text criteria.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="ctgov")


def _format(value: str) -> str:
    if value not in ("json", "table"):
        raise InputError("bad --format", where="--format", expected="json or table", got=value)
    return value


@group.command("import")
def import_command(
    studies: Annotated[
        list[Path],
        typer.Argument(help="Study JSON files (API v2), API pages, or folders of them."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write <NCT id>.yaml protocol files into this folder."),
    ] = Path("protocols"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report; write nothing.")
    ] = False,
    output_format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    force: Annotated[
        bool, typer.Option("--force", help="Replace protocol files that were not imported.")
    ] = False,
) -> None:
    """Turn study records into protocol files; a study that fails is reported and skipped."""
    _format(output_format)
    outcomes = list(import_paths(studies, None if dry_run else out, force))
    failed = [o for o in outcomes if o.error is not None]
    if output_format == "json":
        payload = [o.to_dict() for o in outcomes]
        sys.stdout.buffer.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        table = Table("study", "result", "translated", "review", "flags")
        for o in outcomes:
            result = (
                f"[red]failed[/]: {o.to_dict()['error']}"
                if o.error
                else f"[green]{o.written or 'ok (dry run)'}[/]"
            )
            table.add_row(
                o.nct_id or o.source,
                result,
                str(o.translated),
                str(o.review),
                "\n".join(o.flags) or "-",
            )
        Console(soft_wrap=False).print(table)
        Console(stderr=True, soft_wrap=True).print(
            f"{len(outcomes) - len(failed)} imported, {len(failed)} failed", highlight=False
        )
    if failed:
        raise typer.Exit(1)


@group.command("parse-criteria")
def parse_criteria_command(
    text: Annotated[
        Path, typer.Option("--text", help="A file with eligibility text (markdown or plain).")
    ],
    output_format: Annotated[str, typer.Option("--format", help="json | table")] = "json",
    default_kind: Annotated[
        str,
        typer.Option("--default-kind", help="inclusion | exclusion: text before any header."),
    ] = "inclusion",
    rules: Annotated[
        bool, typer.Option("--rules", help="Also show the rule each item becomes.")
    ] = False,
) -> None:
    """Split criteria text into items and print the constraints read from each, with spans."""
    _format(output_format)
    if default_kind not in ("inclusion", "exclusion"):
        raise InputError(
            "bad --default-kind", where="--default-kind", expected="inclusion or exclusion"
        )
    try:
        raw = text.read_text("utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(text), where="--text") from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", file=str(text)) from None
    clean = unescape_markdown(raw)
    parsed = parse_criteria(clean.text, ItemKind(default_kind))
    items: list[dict[str, Any]] = []
    for item in parsed.items:
        data = item.to_dict()
        data["source_span"] = list(clean.original_span(item.span))
        for entry, constraint in zip(data["constraints"], item.constraints, strict=True):
            entry["source_span"] = list(clean.original_span(constraint.span))
        if rules:
            draft = render_item(item)
            data["rule"] = draft.rule
            data["rule_confidence"] = draft.confidence
        items.append(data)
    if output_format == "json":
        payload = {"file": str(text), "items": items, "warnings": list(parsed.warnings)}
        sys.stdout.buffer.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n")
        return
    _table(items, rules)


def _table(items: list[dict[str, Any]], rules: bool) -> None:
    table = Table("item", "coverage", "constraint", "conf.", "span")
    for item in items:
        label = f"{item['kind'][:3]} {item['number']}"
        if not item["constraints"]:
            table.add_row(
                label, item["coverage"], f"[magenta]review[/]: {item['text'][:70]}", "", ""
            )
        for index, c in enumerate(item["constraints"]):
            table.add_row(
                label if index == 0 else "",
                item["coverage"] if index == 0 else "",
                _describe(c),
                f"{c['confidence']:.2f}",
                f"{c['source_span'][0]}-{c['source_span'][1]}",
            )
        if rules:
            table.add_row("", "", f"[cyan]rule[/]: {item['rule']}", "", "")
    Console().print(table)


def _describe(c: dict[str, Any]) -> str:
    words = [c["kind"]]
    for key in ("analyte", "loinc", "scale", "operator", "value", "unit"):
        if key in c:
            words.append(str(c[key]))
    if "uln_multiple" in c:
        words.append(f"x {c['uln_multiple']}")
    if c.get("negated"):
        words.insert(0, "NOT")
    for key in ("condition", "value_set", "detail"):
        if key in c:
            words.append(f"[{key}: {c[key]}]")
    return " ".join(words)
