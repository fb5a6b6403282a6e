"""``trialdesk users``: accounts from the command line (the first administrator, mostly).

    trialdesk users add --username admin --full-name "Study Admin" --role administrator
    trialdesk users list

The password is asked for twice (hidden), or read from stdin with ``--password-stdin``.
Every account change is written to the audit trail as done by ``system`` (the installation).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import select

from trialdesk.cli.db import DatabaseUrl, open_database
from trialdesk.errors import InputError
from trialdesk.service.access import SYSTEM_ACTOR, Role
from trialdesk.service.storage.models import UserRow
from trialdesk.service.users import create_user, set_role

__all__ = ["register"]

users_app = typer.Typer(name="users", help="Study team accounts and roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise InputError("no password given", where="password")
    return str(password)


@users_app.command("add")
def add(
    username: Annotated[str, typer.Option("--username", help="Sign-in name.")],
    full_name: Annotated[str, typer.Option("--full-name", help="Printed name (signatures).")],
    role: Annotated[str, typer.Option("--role", help=" | ".join(r.value for r in Role))],
    site: Annotated[
        str | None, typer.Option("--site", help="Limit the user to one site.", show_default=False)
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user (e.g. the first administrator)."""
    password = _password(password_stdin)
    database = open_database(database_url)
    try:
        with database.transaction() as session:
            user = create_user(
                session,
                SYSTEM_ACTOR,
                username=username,
                full_name=full_name,
                role=role,
                password=password,
                site=site,
            )
            typer.echo(f"user '{user.username}' added with role {user.role}")
    finally:
        database.dispose()


@users_app.command("set-role")
def change_role(
    username: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Option("--role", help=" | ".join(r.value for r in Role))],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Change a user's role."""
    database = open_database(database_url)
    try:
        with database.transaction() as session:
            user = session.execute(
                select(UserRow).where(UserRow.username == username)
            ).scalar_one_or_none()
            if user is None:
                raise InputError(f"no user '{username}'", where="username", got=username)
            set_role(session, SYSTEM_ACTOR, user.id, role, reason)
            typer.echo(f"user '{username}' now has role {role}")
    finally:
        database.dispose()


@users_app.command("list")
def list_users(database_url: DatabaseUrl = None) -> None:
    """List users: username, role, site, active."""
    database = open_database(database_url)
    try:
        with database.transaction() as session:
            for user in session.execute(select(UserRow).order_by(UserRow.username)).scalars():
                site = user.site or "all sites"
                state = "active" if user.active else "inactive"
                typer.echo(f"{user.username}\t{user.role}\t{site}\t{state}")
    finally:
        database.dispose()
