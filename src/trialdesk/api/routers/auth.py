"""Signing in and out: a browser session (cookie) or an API token (Bearer header)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status

from trialdesk.api.deps import SESSION_COOKIE, SignedIn, Study
from trialdesk.api.schemas import LoginIn, TokenOut, UserOut
from trialdesk.service import users
from trialdesk.service.storage.models import UserRow
from trialdesk.service.users import revoke_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/session", response_model=TokenOut, summary="Sign in (browser session cookie)")
def sign_in(body: LoginIn, response: Response, study: Study) -> TokenOut:
    lifetime = timedelta(hours=study.settings.session_hours)
    issued = users.sign_in(study.database, body.username, body.password, "session", lifetime)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=study.settings.cookie_secure,
        path="/",
    )
    return TokenOut(token=issued.secret, kind="session", expires_at=issued.expires_at)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
def sign_out(request: Request, actor: SignedIn, study: Study) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
    with study.database.transaction() as session:
        for value in (secret, bearer):
            if value:
                revoke_token(session, actor, value)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post(
    "/tokens",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    summary="An API token for scripts (shown once)",
)
def new_token(body: LoginIn, study: Study) -> TokenOut:
    lifetime = timedelta(days=study.settings.token_days)
    issued = users.sign_in(study.database, body.username, body.password, "token", lifetime)
    return TokenOut(token=issued.secret, kind="token", expires_at=issued.expires_at)


@router.get("/me", response_model=UserOut, summary="The signed-in user")
def me(actor: SignedIn, study: Study) -> UserOut:
    with study.database.reading() as session:
        user = session.get(UserRow, actor.user_id)
        return UserOut.model_validate(user)
