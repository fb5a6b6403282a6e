"""User administration (administrators only); every change is audited."""

from __future__ import annotations

from fastapi import APIRouter, status

from trialdesk.api.deps import Paging, SignedIn, Study
from trialdesk.api.schemas import ActiveChangeIn, Page, RoleChangeIn, UserIn, UserOut
from trialdesk.service.users import create_user, list_users, set_active, set_role

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserOut], summary="Users")
def read_users(actor: SignedIn, study: Study, page: Paging) -> Page[UserOut]:
    with study.database.reading() as session:
        rows, total = list_users(session, actor, offset=page.offset, limit=page.limit)
        items = [UserOut.model_validate(r) for r in rows]
    return Page[UserOut](items=items, total=total, offset=page.offset, limit=page.limit)


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Add a user")
def add_user(body: UserIn, actor: SignedIn, study: Study) -> UserOut:
    with study.database.transaction() as session:
        user = create_user(session, actor, **body.model_dump())
        return UserOut.model_validate(user)


@router.put("/{user_id}/role", response_model=UserOut, summary="Change a user's role")
def change_role(user_id: str, body: RoleChangeIn, actor: SignedIn, study: Study) -> UserOut:
    with study.database.transaction() as session:
        user = set_role(session, actor, user_id, body.role, body.reason)
        return UserOut.model_validate(user)


@router.put(
    "/{user_id}/active",
    response_model=UserOut,
    summary="Deactivate or reactivate an account (deactivation ends its sessions)",
)
def change_active(user_id: str, body: ActiveChangeIn, actor: SignedIn, study: Study) -> UserOut:
    with study.database.transaction() as session:
        user = set_active(session, actor, user_id, body.active, body.reason)
        return UserOut.model_validate(user)
