"""``trialdesk serve``: the study service (API and web pages) on the embedded database.

    trialdesk serve                       # http://127.0.0.1:8000/  (API under /api/v1)
    trialdesk serve --demo                # with a synthetic study in progress

It brings the database to the newest schema, loads the seed protocol (NCT06948994 unless
TRIALDESK_TRIAL_ID says otherwise), makes sure a secret key exists (var/secret_key) and runs
uvicorn. Create the first administrator with ``trialdesk users add --role administrator``.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from trialdesk.cli.db import DatabaseUrl
from trialdesk.settings import Settings, ensure_secret_key

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed a synthetic study in progress (empty DB only).")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the study service: REST API under /api/v1 and the web pages."""
    import uvicorn

    from trialdesk.api.app import create_app
    from trialdesk.service import migrate
    from trialdesk.service.storage.database import Database

    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    settings = ensure_secret_key(settings)
    database = Database(settings.database_url)
    try:
        migrate.upgrade(database)
    finally:
        database.dispose()
    app = create_app(settings)
    if demo:
        from trialdesk.service.demo import seed_demo

        summary = seed_demo(app.state.database, app.state.protocol)
        typer.echo(summary)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    typer.echo(f"TrialDesk on http://{host}:{port}/  (API: http://{host}:{port}/api/v1/docs)")
    # access_log off: URLs carry subject ids; the audit trail is the record of who did what.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
