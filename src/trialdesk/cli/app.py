"""Entry point of the ``trialdesk`` command.

One module per command group; each exposes ``register(app)``. Errors are caught once, here:
a TrialDeskError prints ``Error: …`` to stderr and exits with its ``exit_code`` (2 for input
and usage errors, 1 for failures). Rich tracebacks never show local variables, because locals
may hold patient data.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click
import typer
from rich.console import Console

from trialdesk.errors import TrialDeskError

app = typer.Typer(
    name="trialdesk",
    help="TrialDesk: run a clinical trial from its protocol.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _command_group_modules() -> list[str]:
    """Every public module of ``trialdesk.cli`` that defines ``register(app)``, in name order.

    Discovered rather than listed, so adding a command group is adding one module.
    """
    package = importlib.import_module("trialdesk.cli")
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_") and info.name != "app"
    )
    return [f"trialdesk.cli.{name}" for name in names]


def _register_all() -> None:
    for module_name in _command_group_modules():
        module = importlib.import_module(module_name)
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_all()

stderr = Console(stderr=True, soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    try:
        result = app(args=argv, standalone_mode=False)
    except TrialDeskError as exc:
        stderr.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False)
        stderr.print("Try 'trialdesk --help' for help.", highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        stderr.print("Aborted.")
        sys.exit(1)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)
