"""What the command groups share about output: the --format option and the verdict colours."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["VERDICT_STYLE", "FormatOption", "OutputFormat"]


class OutputFormat(StrEnum):
    JSON = "json"
    TABLE = "table"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="json (machine-readable) or table.")
]

# One colour per screening verdict, the same in every table the CLI prints.
VERDICT_STYLE = {
    "eligible": "bold green",
    "needs_review": "bold magenta",
    "incomplete": "bold yellow",
    "ineligible": "bold red",
}
