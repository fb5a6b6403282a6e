"""The web app: the public trial page and family pre-screen, and the study team's workspace.

Server-rendered pages mounted on the same FastAPI application as the ``/api/v1`` REST API.
``trialdesk.api.app.create_app`` calls :func:`mount` once, after the API routers are added.
Pages: ``/`` (the trial), ``/prescreen`` and ``/apply`` (families, no sign-in), ``/staff/…``
(the study team, signed in by role; a subject on study at ``/staff/subjects/{id}/on-study``,
the investigators' safety dashboard at ``/staff/safety``). Static files (CSS, two small
scripts) are served from ``/static``; nothing is loaded from another site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["mount"]


def mount(app: FastAPI) -> None:
    """Add the web pages to ``app``. Services and settings come from ``app.state``."""
    from importlib import resources

    from starlette.staticfiles import StaticFiles

    from trialdesk.web import on_study, public, safety, staff, staff_subject
    from trialdesk.web.rendering import WebState
    from trialdesk.web.security import SecurityHeaders

    settings = app.state.settings
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    app.state.web = WebState.create(secret, settings.cookie_secure)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    static = resources.files("trialdesk.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="web-static")
    app.include_router(public.router)
    app.include_router(staff.router)
    app.include_router(staff_subject.router)
    app.include_router(on_study.router)
    app.include_router(safety.router)
