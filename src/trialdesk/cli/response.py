"""``trialdesk response``: tumour response (RECIST 1.1, INRC 2017) and CRS grading.

trialdesk response recist ASSESSMENTS.json --format table
trialdesk response inrc ASSESSMENT.json --format json
trialdesk response crs --fever 38.6 --vasopressors 1 --oxygen low-flow
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from trialdesk.cli._output import FormatOption, OutputFormat
from trialdesk.core.rules.crs import CrsFindings, grade_crs
from trialdesk.core.rules.inrc import evaluate_inrc
from trialdesk.core.rules.recist import RecistResult, evaluate_recist
from trialdesk.errors import InputError

__all__ = ["register"]

_EXAMPLES = "examples/assessments/"
_TEMPERATURE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*°?\s*(?P<unit>[cf])?")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="response",
        help="Tumour response (RECIST 1.1, INRC 2017) and cytokine release syndrome grading.",
        no_args_is_help=True,
    )
    group.command("recist")(recist)
    group.command("inrc")(inrc)
    group.command("crs")(crs)
    app.add_typer(group, name="response")


def recist(
    assessments: Annotated[
        Path, typer.Argument(help="RECIST assessment JSON (docs/clinical-rules/recist.md).")
    ],
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """RECIST 1.1 time-point responses and best overall response for one subject."""
    result = evaluate_recist(_read_json(assessments), file=str(assessments))
    if output is OutputFormat.JSON:
        _print_json(result.to_dict())
    else:
        _recist_table(result)


def inrc(
    assessment: Annotated[
        Path, typer.Argument(help="INRC assessment JSON (docs/clinical-rules/inrc.md).")
    ],
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """INRC 2017 component and overall response (tables partly unconfirmed: see the output)."""
    result = evaluate_inrc(_read_json(assessment), file=str(assessment))
    if output is OutputFormat.JSON:
        _print_json(result.to_dict())
        return
    table = Table(
        title=f"INRC 2017 — {result.subject} ({result.date}, baseline {result.baseline_date})"
    )
    for column in ("component", "response", "rule", "confirmed", "reasons"):
        table.add_column(column)
    for component in result.components:
        table.add_row(
            component.name,
            str(component.response),
            component.rule,
            _yes_no(component.confirmed),
            "; ".join(component.reasons),
        )
    table.add_row(
        "overall", str(result.overall), result.rule, _yes_no(result.confirmed), result.rule_text
    )
    console = Console()
    console.print(table)
    if not result.confirmed:
        console.print("not confirmed: " + ", ".join(result.not_confirmed))
    for note in result.notes:
        console.print(f"note: {note}")


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "NO"


def crs(
    fever: Annotated[
        str | None,
        typer.Option(help="Highest temperature, e.g. 38.6 (°C), 101.3F; or yes / no."),
    ] = None,
    antipyretics: Annotated[
        bool,
        typer.Option(help="Antipyretic or anti-cytokine therapy (tocilizumab, steroids) given."),
    ] = False,
    hypotension: Annotated[bool, typer.Option(help="Hypotension present.")] = False,
    vasopressors: Annotated[
        int, typer.Option(min=0, help="Number of vasopressors, not counting vasopressin.")
    ] = 0,
    vasopressin: Annotated[bool, typer.Option(help="Vasopressin given.")] = False,
    oxygen: Annotated[
        str,
        typer.Option(
            help="none, low-flow, blow-by, nasal-cannula (with --flow), high-flow, facemask, "
            "non-rebreather, venturi, cpap, bipap, mechanical-ventilation."
        ),
    ] = "none",
    flow: Annotated[
        str | None, typer.Option(help="Nasal cannula flow in L/min (<= 6 low, > 6 high).")
    ] = None,
    fio2: Annotated[str | None, typer.Option(help="FiO2 in % (for the CTCAE grade).")] = None,
    life_threatening: Annotated[
        bool, typer.Option(help="Life-threatening; urgent intervention (CTCAE grade 4).")
    ] = False,
    died: Annotated[bool, typer.Option(help="Death due to CRS.")] = False,
    output: FormatOption = OutputFormat.JSON,
) -> None:
    """Grade cytokine release syndrome (ASTCT 2019), with the CTCAE v5.0 grade alongside."""
    temperature, unit, febrile = _parse_fever(fever)
    findings = CrsFindings(
        temperature=temperature,
        temperature_unit=unit,
        fever=febrile,
        antipyretic_or_anticytokine_given=antipyretics,
        hypotension=hypotension,
        vasopressors=vasopressors,
        vasopressin=vasopressin,
        oxygen=oxygen,
        oxygen_flow_l_min=_decimal(flow, "--flow"),
        fio2_percent=_decimal(fio2, "--fio2"),
        life_threatening=life_threatening,
        died_of_crs=died,
    )
    result = grade_crs(findings)
    if output is OutputFormat.JSON:
        _print_json(result.to_dict())
        return
    console = Console()
    console.print(f"ASTCT 2019 grade {result.astct_grade}  ({result.rule})")
    console.print(f"CTCAE v5.0 grade {result.ctcae_grade}  ({result.ctcae_rule})")
    for line in (*result.reasons, *result.notes):
        console.print(f"  - {line}")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read the file: {exc.strerror}", file=str(path), hint="check the path"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            "the file is not UTF-8 text", file=str(path), expected="a UTF-8 JSON file"
        ) from exc
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            file=str(path),
            where=f"line {exc.lineno}, column {exc.colno}",
            hint="check the JSON syntax near that position",
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            "the document must be one JSON object",
            file=str(path),
            where="(top level)",
            expected=f"an object, as in {_EXAMPLES}",
            got=type(data).__name__,
        )
    return data


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _parse_fever(text: str | None) -> tuple[Decimal | None, str, bool | None]:
    if text is None:
        return None, "Cel", None
    lowered = text.strip().lower()
    if lowered in ("yes", "true", "y"):
        return None, "Cel", True
    if lowered in ("no", "false", "n"):
        return None, "Cel", False
    match = _TEMPERATURE.fullmatch(lowered)
    if match is None:
        raise InputError(
            "--fever needs a temperature or yes/no",
            where="--fever",
            expected="e.g. 38.6, 38.6C, 101.3F, yes or no",
            got=text,
        )
    unit = "[degF]" if match["unit"] == "f" else "Cel"
    return _decimal(match["number"], "--fever"), unit, None


def _decimal(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InputError(
            f"{option} needs a number", where=option, expected="a number", got=text
        ) from None


def _recist_table(result: RecistResult) -> None:
    console = Console()
    lesions = Table(title=f"RECIST 1.1 baseline — {result.subject}")
    for column in ("lesion", "organ", "role", "size mm", "measurability"):
        lesions.add_column(column)
    for lesion in result.baseline.lesions:
        size = "" if lesion.size_mm is None else str(lesion.size_mm)
        lesions.add_row(lesion.id, lesion.organ, lesion.role, size, lesion.measurability.reason)
    console.print(lesions)
    console.print(f"baseline sum of diameters: {result.baseline.sum_mm} mm")
    points = Table(title="Time points")
    for column in ("date", "day", "sum mm", "Δ base %", "Δ nadir %", "T", "NT", "new", "overall"):
        points.add_column(column)
    for p in result.timepoints:
        points.add_row(
            p.date.isoformat(),
            str(p.day),
            _cell(p.sum_mm),
            _cell(p.change_from_baseline_pct),
            _cell(p.change_from_nadir_pct),
            "" if p.target is None else str(p.target),
            _label(str(p.non_target)),
            "yes" if p.new_lesion else "no",
            _label(str(p.overall)),
        )
    console.print(points)
    best = result.best_overall_response
    console.print(f"best overall response: {best.response}  ({best.rule})")
    for line in (*best.reasons, *result.warnings):
        console.print(f"  - {line}")


def _label(code: str) -> str:
    """RECIST's own wording for the one code that is not already a short label."""
    return "non-CR/non-PD" if code == "NON_CR_NON_PD" else code


def _cell(value: Decimal | None) -> str:
    return "" if value is None else str(value)
