"""What every endpoint needs: the database, who is asking, and paging.

Who is asking comes from an ``Authorization: Bearer <token>`` header (API tokens) or from the
``trialdesk_session`` cookie (browser sessions). Both are random secrets whose SHA-256 is looked
up in ``auth_tokens``. No credentials means the public actor, which the service refuses for
everything but the public endpoints, so the role check stays in one place: the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from trialdesk.api.context import StudyContext
from trialdesk.errors import AccessDeniedError
from trialdesk.service.access import PUBLIC_ACTOR, Actor
from trialdesk.service.users import resolve_token

__all__ = [
    "SESSION_COOKIE",
    "CurrentActor",
    "Paging",
    "SignedIn",
    "Study",
    "current_actor",
    "paging",
    "signed_in",
    "study_context",
]

SESSION_COOKIE = "trialdesk_session"


def study_context(request: Request) -> StudyContext:
    context: StudyContext = request.app.state.study
    return context


Study = Annotated[StudyContext, Depends(study_context)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_actor(request: Request, study: Study) -> Actor:
    """The signed-in user, or the public actor when no credentials are sent."""
    token = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if token is None and cookie is None:
        return PUBLIC_ACTOR
    with study.database.reading() as session:
        actor = (
            resolve_token(session, token, "token")
            if token is not None
            else resolve_token(session, cookie or "", "session")
        )
    if actor is None:
        raise AccessDeniedError(
            "the session or token is unknown, expired or revoked",
            where="authorization",
            hint="sign in again (POST /api/v1/auth/session or /api/v1/auth/tokens)",
        )
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


class NotSignedInError(AccessDeniedError):
    """No credentials were sent to an endpoint that needs a signed-in user."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.http_status = 401


def signed_in(actor: CurrentActor) -> Actor:
    if actor.user_id is None:
        raise NotSignedInError(
            "sign in first",
            where="authorization",
            expected="a Bearer token or a session cookie",
        )
    return actor


SignedIn = Annotated[Actor, Depends(signed_in)]


@dataclass(frozen=True, slots=True)
class PageRequest:
    offset: int
    limit: int


def paging(
    study: Study,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Items per page.")] = 50,
) -> PageRequest:
    return PageRequest(offset=offset, limit=min(limit, study.settings.page_size_max))


Paging = Annotated[PageRequest, Depends(paging)]
