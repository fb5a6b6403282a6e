"""What the pages read from the application: the study context the API builds.

``trialdesk.api.app.create_app`` puts a :class:`~trialdesk.api.context.StudyContext` on
``app.state.study`` (settings, database, protocol, screener, ``today()``) and an actor
resolver on ``app.state.resolve_actor``; the web pages use exactly those, so the API and the
pages see the same study, clock and sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from trialdesk.api.context import StudyContext

__all__ = ["counters", "study_of"]


def study_of(request: Request) -> StudyContext:
    study: StudyContext = request.app.state.study
    return study


def counters(request: Request) -> tuple[int, int]:
    """Children whose families applied here (not duplicates, not staff-registered) and enrolled."""
    from trialdesk.service.applications import applied_count
    from trialdesk.service.trials import public_counters

    study = study_of(request)
    with study.database.transaction() as session:
        found = public_counters(session, study.trial_id)
        applied = applied_count(session, study.trial_id)
    return applied, found.enrolled
