"""Roles, what each may do, and who is acting.

The matrix is data: one permission per action, the roles that hold it. Site scoping: a user
with a site sees and changes only subjects of that site; a user without one sees every site.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trialdesk.errors import AccessDeniedError

__all__ = [
    "PUBLIC_ACTOR",
    "ROLE_PERMISSIONS",
    "SYSTEM_ACTOR",
    "Actor",
    "Permission",
    "Role",
    "require",
]


class Role(StrEnum):
    COORDINATOR = "coordinator"
    INVESTIGATOR = "investigator"
    DATA_MANAGER = "data_manager"
    MONITOR = "monitor"
    ADMINISTRATOR = "administrator"


class Permission(StrEnum):
    READ_STUDY = "read_study"  # subjects, screenings, consents, reports
    REGISTER_CANDIDATE = "register_candidate"
    SCREEN = "screen"
    RECORD_CONSENT = "record_consent"
    SIGN_CONSENT = "sign_consent"  # the investigator's signature on a consent
    SIGN_ELIGIBILITY = "sign_eligibility"
    ENROLL = "enroll"
    CHANGE_STATUS = "change_status"  # withdrawal, follow-up, off-study
    EDIT_SUBJECT = "edit_subject"
    MANAGE_CONSENT_DOCUMENTS = "manage_consent_documents"
    PAUSE_ENROLLMENT = "pause_enrollment"
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"


_R, _P = Role, Permission
_STAFF = {
    _P.READ_STUDY,
    _P.REGISTER_CANDIDATE,
    _P.SCREEN,
    _P.RECORD_CONSENT,
    _P.ENROLL,
    _P.CHANGE_STATUS,
    _P.EDIT_SUBJECT,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    _R.COORDINATOR: frozenset(_STAFF),
    _R.INVESTIGATOR: frozenset(
        _STAFF | {_P.SIGN_CONSENT, _P.SIGN_ELIGIBILITY, _P.PAUSE_ENROLLMENT}
    ),
    _R.DATA_MANAGER: frozenset(
        {_P.READ_STUDY, _P.EDIT_SUBJECT, _P.MANAGE_CONSENT_DOCUMENTS, _P.READ_AUDIT}
    ),
    _R.MONITOR: frozenset({_P.READ_STUDY, _P.READ_AUDIT}),
    _R.ADMINISTRATOR: frozenset({_P.MANAGE_USERS, _P.READ_AUDIT, _P.PAUSE_ENROLLMENT}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in user, or the public (a family's pre-screen)."""

    user_id: str | None
    username: str
    full_name: str
    role: Role | None
    site: str | None = None

    def can(self, permission: Permission) -> bool:
        return self.role is not None and permission in ROLE_PERMISSIONS[self.role]

    def sees_site(self, site: str) -> bool:
        return self.site is None or self.site == site


PUBLIC_ACTOR = Actor(user_id=None, username="public", full_name="Public pre-screen", role=None)
# The installation itself: loads the protocol at start-up and creates the first administrator.
SYSTEM_ACTOR = Actor(
    user_id=None, username="system", full_name="TrialDesk", role=Role.ADMINISTRATOR
)


def require(actor: Actor, permission: Permission) -> None:
    if actor.can(permission):
        return
    holders = sorted(r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms)
    raise AccessDeniedError(
        f"the role '{actor.role}' may not {permission.value.replace('_', ' ')}",
        where=permission.value,
        expected=" | ".join(holders),
        got=str(actor.role),
        hint="ask an administrator for a role that holds this permission",
    )
