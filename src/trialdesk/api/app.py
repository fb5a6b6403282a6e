"""Build the TrialDesk application: the REST API under ``/api/v1`` and then the web pages.

``create_app(settings)`` opens the database (which must be at the newest schema: run
``trialdesk db upgrade``, or ``trialdesk serve`` which does it), loads the trial's protocol,
makes sure the trial row exists, adds the API routers and, last, calls
``trialdesk.web.mount(app)``.

What it keeps on ``app.state`` for the web layer (and for anything else mounted later):

``app.state.settings``
    The :class:`trialdesk.settings.Settings` (with the secret key filled in).
``app.state.database``
    The :class:`trialdesk.service.storage.database.Database`; use
    ``with database.transaction() as session:`` and call the service functions
    (``trialdesk.service.*``) with an :class:`~trialdesk.service.access.Actor`.
``app.state.protocol``
    The loaded :class:`trialdesk.core.protocol.Protocol` of the served trial.
``app.state.protocols``
    ``{nct_id: Protocol}`` of every loaded protocol (one today).
``app.state.study``
    The :class:`trialdesk.api.context.StudyContext`: settings, database, protocol, the
    screener (FHIR bytes + as-of date → screening) and ``today()``; the API's dependencies
    read it.
``app.state.resolve_actor``
    ``resolve_actor(request) -> Actor``: the signed-in user from the ``trialdesk_session``
    cookie or a Bearer token, or ``PUBLIC_ACTOR``; raises AccessDeniedError for a dead
    session. The cookie is set by ``POST /api/v1/auth/session``.

Another area adds its API by appending its router to :data:`ROUTERS` (one line).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, FastAPI, Request

from trialdesk.api import exports, treatment
from trialdesk.api.context import StudyContext
from trialdesk.api.deps import current_actor
from trialdesk.api.errors import install_error_handlers
from trialdesk.api.limits import BodySizeLimit
from trialdesk.api.routers import (
    audit,
    auth,
    consent,
    enrollment,
    public,
    reports,
    screenings,
    signoff,
    subjects,
    users,
)
from trialdesk.core.protocol import Protocol
from trialdesk.core.record import PatientRecord
from trialdesk.core.screening.engine import screen
from trialdesk.core.screening.result import ScreeningResult
from trialdesk.errors import ConfigurationError
from trialdesk.service import migrate
from trialdesk.service.access import SYSTEM_ACTOR, Actor
from trialdesk.service.screening import record_screener
from trialdesk.service.storage.database import Database
from trialdesk.service.trials import TrialFacts, ensure_trial
from trialdesk.settings import Settings, ensure_secret_key

__all__ = ["API_PREFIX", "ROUTERS", "create_app"]

API_PREFIX = "/api/v1"

# One router per area, mounted under /api/v1 in this order. Append yours here.
ROUTERS: list[APIRouter] = [
    public.router,
    auth.router,
    users.router,
    subjects.router,
    subjects.applications,
    screenings.router,
    signoff.router,
    consent.router,
    enrollment.router,
    reports.router,
    audit.router,
    treatment.router,
    exports.router,
]


def _check_schema(database: Database) -> None:
    current, head = migrate.current_revision(database), migrate.head_revision()
    if current != head:
        raise ConfigurationError(
            "the database is not at the newest schema",
            where="TRIALDESK_DATABASE_URL",
            expected=f"revision {head}",
            got=f"revision {current}",
            hint="run 'trialdesk db upgrade' first",
        )


def _load_protocol(settings: Settings) -> Protocol:
    from trialdesk.adapters.protocol_files import load_protocol

    return load_protocol(settings.trial_id)


def create_app(
    settings: Settings,
    *,
    protocol: Protocol | None = None,
    today: Callable[[], date] = date.today,
    mount_web: bool = True,
) -> FastAPI:
    """The application for one trial; see the module docstring for ``app.state``.

    ``protocol`` skips loading it again (tests load it once); ``today`` fixes the clock;
    ``mount_web=False`` serves the API alone (the API's own tests).
    """
    settings = ensure_secret_key(settings)
    database = Database(settings.database_url)
    _check_schema(database)
    protocol = protocol or _load_protocol(settings)
    with database.transaction() as session:
        ensure_trial(session, SYSTEM_ACTOR, TrialFacts.from_protocol(protocol))
    loaded = protocol

    def _screen_one(record: PatientRecord, as_of: date) -> ScreeningResult:
        return screen(loaded, record, as_of)

    study = StudyContext(
        settings=settings,
        database=database,
        protocol=protocol,
        screener=record_screener(_screen_one),
        today=today,
    )
    app = FastAPI(
        title="TrialDesk API",
        version="1",
        description="The study service of TrialDesk: subjects, screening, consent, "
        "eligibility sign-off, enrollment to target and the audit trail.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.protocol = protocol
    app.state.protocols = {protocol.nct_id: protocol}
    app.state.study = study

    def resolve_actor(request: Request) -> Actor:
        return current_actor(request, study)

    app.state.resolve_actor = resolve_actor
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.router.add_event_handler("shutdown", database.dispose)

    if mount_web:
        from trialdesk import web

        web.mount(app)
    return app
