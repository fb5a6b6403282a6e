"""``trialdesk grade``: CTCAE v5.0 grades of lab values and vital signs, and the term pick-list.

    trialdesk grade lab --analyte ALT --value 130 --unit U/L --uln 40 --format json
    trialdesk grade lab --analyte Na --value 128 --unit mmol/L --lln 135 --uln 145 \
        --qualifier symptomatic=no
    trialdesk grade febrile --anc 0.8 --anc-unit 10*9/L --temperature 38.5
    trialdesk grade terms --search neutro
    trialdesk grade term "Anemia"
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trialdesk.cli._output import FormatOption, OutputFormat
from trialdesk.core.record import Sex
from trialdesk.core.rules.ctcae import (
    CtcaeTerm,
    LabGrade,
    TermGrade,
    gradable_analytes,
    grade_febrile_neutropenia,
    grade_lab,
    parse_qualifiers,
    search,
    term,
)
from trialdesk.errors import InputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="grade",
        help="CTCAE v5.0: grade lab values and vital signs; search the 837 terms.",
        no_args_is_help=True,
    )
    group.command("lab")(lab)
    group.command("febrile")(febrile)
    group.command("terms")(terms)
    group.command("term")(show_term)
    group.command("analytes")(analytes)
    app.add_typer(group, name="grade")


def lab(
    analyte: Annotated[str, typer.Option(help="Analyte id, alias or LOINC code (ALT, Hgb, ANC).")],
    value: Annotated[str, typer.Option(help="The result, e.g. 130 or 7.99.")],
    unit: Annotated[str, typer.Option(help="UCUM unit of the value: U/L, g/dL, 10*9/L, Cel…")],
    lln: Annotated[str | None, typer.Option(help="Lab's lower limit of normal.")] = None,
    uln: Annotated[str | None, typer.Option(help="Lab's upper limit of normal.")] = None,
    range_unit: Annotated[
        str | None, typer.Option(help="Unit of --lln/--uln (default: --unit).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="The patient's baseline value (before treatment).")
    ] = None,
    baseline_unit: Annotated[
        str | None, typer.Option(help="Unit of --baseline (default: --unit).")
    ] = None,
    baseline_abnormal: Annotated[
        bool | None,
        typer.Option(
            "--baseline-abnormal/--baseline-normal",
            help="What the lab flagged on the baseline sample (default: baseline vs range).",
        ),
    ] = None,
    qualifier: Annotated[
        list[str] | None,
        typer.Option(help="Clinical fact the numbers cannot give, e.g. symptomatic=yes (repeat)."),
    ] = None,
    term_name: Annotated[
        str | None, typer.Option("--term", help="Grade only this term (e.g. Hypocalcemia).")
    ] = None,
    age: Annotated[
        str | None, typer.Option(help="Age in years: picks the default range when none given.")
    ] = None,
    sex: Annotated[str | None, typer.Option(help="female | male (for the default range).")] = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Grade one lab value or vital sign; the highest grade of the analyte's terms wins."""
    result = grade_lab(
        analyte,
        value,
        unit,
        lln=lln,
        uln=uln,
        range_unit=range_unit,
        baseline=baseline,
        baseline_unit=baseline_unit,
        baseline_abnormal=baseline_abnormal,
        qualifiers=parse_qualifiers(qualifier or []),
        term=term_name,
        age_years=age,
        sex=_sex(sex),
    )
    if output is OutputFormat.JSON:
        _print_json(result.to_dict())
    else:
        _lab_table(result)


def febrile(
    anc: Annotated[str, typer.Option(help="Absolute neutrophil count.")],
    temperature: Annotated[str, typer.Option(help="Highest temperature.")],
    anc_unit: Annotated[str, typer.Option(help="Unit of --anc.")] = "10*9/L",
    temperature_unit: Annotated[str, typer.Option(help="Cel or [degF].")] = "Cel",
    sustained: Annotated[
        bool | None,
        typer.Option(
            "--sustained/--not-sustained",
            help=">= 38.0 Cel lasted more than one hour (default: unknown, worst case).",
        ),
    ] = None,
    life_threatening: Annotated[
        bool, typer.Option(help="Life-threatening; urgent intervention (grade 4).")
    ] = False,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Febrile neutropenia from the ANC and the temperature."""
    result = grade_febrile_neutropenia(
        anc,
        anc_unit,
        temperature,
        temperature_unit,
        sustained_over_1h=sustained,
        life_threatening=life_threatening,
    )
    if output is OutputFormat.JSON:
        _print_json(result.to_dict())
    else:
        _print_terms(Console(highlight=False), (result,))


def terms(
    text: Annotated[str, typer.Option("--search", "-s", help="Part of a term or a code.")] = "",
    soc: Annotated[str | None, typer.Option(help="Only this system organ class.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many terms.")] = 20,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Pick-list: CTCAE v5.0 terms matching the text, best first, with their allowed grades."""
    found = search(text, soc=soc, limit=limit)
    if output is OutputFormat.JSON:
        _print_json([_pick(t) for t in found])
        return
    table = Table(title=escape(f"CTCAE v5.0 terms matching {text!r}"))
    for column in ("term", "MedDRA", "SOC", "grades"):
        table.add_column(column)
    for item in found:
        grades = ", ".join(str(g) for g in item.allowed_grades)
        table.add_row(escape(item.name), item.meddra_code, escape(item.soc), grades)
    Console().print(table)
    if not found:
        Console().print("No term matches; try a shorter text.")


def show_term(
    name: Annotated[str, typer.Argument(help="Term name (any case) or MedDRA code.")],
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """One term: its SOC, MedDRA code and the definition of each grade ('-' = not available)."""
    item = term(name)
    if output is OutputFormat.JSON:
        _print_json(item.to_dict())
        return
    table = Table(title=escape(f"{item.name} ({item.meddra_code}; {item.soc})"))
    table.add_column("grade")
    table.add_column("definition")
    for grade in range(1, 6):
        table.add_row(str(grade), escape(item.grade_text(grade) or "- (not available)"))
    console = Console()
    console.print(table)
    if item.definition:
        console.print(escape(f"Definition: {item.definition}"))
    if item.navigational_note:
        console.print(escape(f"Navigational note: {item.navigational_note}"))


def analytes(output: FormatOption = OutputFormat.TABLE) -> None:
    """The analytes CTCAE v5.0 lab grading knows."""
    names = gradable_analytes()
    if output is OutputFormat.JSON:
        _print_json(list(names))
    else:
        Console().print("\n".join(names))


def _sex(text: str | None) -> Sex | None:
    if text is None:
        return None
    try:
        return Sex(text.strip().casefold())
    except ValueError:
        raise InputError(
            "unknown sex", where="--sex", expected="female or male", got=text
        ) from None


def _pick(item: CtcaeTerm) -> dict[str, Any]:
    return {
        "term": item.name,
        "meddra_code": item.meddra_code,
        "soc": item.soc,
        "allowed_grades": list(item.allowed_grades),
    }


def _lab_table(result: LabGrade) -> None:
    console = Console(highlight=False)
    grade = "not gradable" if result.grade is None else f"grade {result.grade}"
    decided = f" ({result.term})" if result.term else ""
    headline = f"{result.version}: {result.analyte} {result.value} {result.unit} -> {grade}"
    console.print(f"[bold]{escape(headline + decided)}[/]")
    refs = result.to_dict()["references"]
    given = ", ".join(f"{k.upper()} {v}" for k, v in refs.items() if v is not None)
    console.print(escape(f"references ({result.unit}): {given or 'none'}"))
    _print_terms(console, result.terms)
    for note in result.notes:
        console.print(escape(f"note: {note}"))


def _print_terms(console: Console, results: tuple[TermGrade, ...]) -> None:
    for item in results:
        grade = "not gradable" if item.grade is None else f"grade {item.grade}"
        console.print(f"\n[bold]{escape(item.term)}[/] (MedDRA {item.meddra_code}): {grade}")
        if item.rule is not None:
            console.print(escape(f"  rule: '{item.rule.band}' {item.rule.threshold}"))
        console.print(escape(f"  reason: {item.reason}"))
        for effect in item.would_change:
            console.print(escape(f"  would change: {effect.render()}"))
        for name, default in item.assumed:
            console.print(escape(f"  assumed: {name}={default} (documented default)"))
        for note in item.notes:
            console.print(escape(f"  note: {note}"))
        if "UNCONFIRMED" in item.confirmation or "decision" in item.confirmation:
            console.print(escape(f"  confirmation: {item.confirmation}"))


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
