"""Users, passwords (argon2), browser sessions and API tokens. Account events are audited.

A session or token is a random secret handed to the client once; only its SHA-256 is stored,
so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialdesk.errors import AccessDeniedError, ConflictError, InputError
from trialdesk.service import audit
from trialdesk.service.access import PUBLIC_ACTOR, Actor, Permission, Role, require
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import AuthTokenRow, UserRow
from trialdesk.service.storage.types import utcnow

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "IssuedToken",
    "actor_of",
    "authenticate",
    "count_users",
    "create_user",
    "issue_token",
    "list_users",
    "resolve_token",
    "revoke_token",
    "set_active",
    "set_password_hasher",
    "set_role",
    "sign_in",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 12
# argon2-cffi's defaults are RFC 9106's low-memory profile (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
_dummy_hash: str | None = None


def set_password_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher for new hashes (tests use cheap parameters; old hashes still verify,
    because each hash carries its own parameters)."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, None


def _dummy() -> str:
    # Verifying against a dummy hash for unknown users keeps the timing of both failures alike.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password, only for timing")
    return _dummy_hash


def actor_of(user: UserRow) -> Actor:
    return Actor(user.id, user.username, user.full_name, Role(user.role), user.site)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            "the password is too short",
            where="password",
            expected=f"at least {MIN_PASSWORD_LENGTH} characters",
            got=f"{len(password)} characters",
        )


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(
            f"unknown role '{role}'",
            where="role",
            expected=" | ".join(r.value for r in Role),
            got=role,
        ) from None


def count_users(session: Session) -> int:
    return session.execute(select(func.count()).select_from(UserRow)).scalar_one()


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    site: str | None = None,
) -> UserRow:
    """Create a user; ``actor`` must manage users (the CLI's bootstrap actor does)."""
    require(actor, Permission.MANAGE_USERS)
    _check_password(password)
    checked_role = _role(role)
    if session.execute(select(UserRow).where(UserRow.username == username)).first():
        raise ConflictError(f"the username '{username}' is taken", where="username", got=username)
    user = UserRow(
        username=username,
        full_name=full_name,
        role=checked_role.value,
        site=site,
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, new=audit.snapshot(user))
    return user


def list_users(
    session: Session, actor: Actor, *, offset: int, limit: int
) -> tuple[list[UserRow], int]:
    require(actor, Permission.MANAGE_USERS)
    rows = session.execute(
        select(UserRow).order_by(UserRow.username).offset(offset).limit(limit)
    ).scalars()
    return list(rows), count_users(session)


def set_role(session: Session, actor: Actor, user_id: str, role: str, reason: str) -> UserRow:
    require(actor, Permission.MANAGE_USERS)
    user = session.get(UserRow, user_id)
    if user is None:
        raise InputError("no such user", where="user_id", got=user_id)
    old = audit.snapshot(user)
    user.role = _role(role).value
    session.flush()
    audit.record(
        session, actor, "update", "user", user.id, old=old, new=audit.snapshot(user), reason=reason
    )
    return user


def set_active(session: Session, actor: Actor, user_id: str, active: bool, reason: str) -> UserRow:
    """Deactivate (or reactivate) an account; deactivation also ends its sessions and tokens.

    Accounts are never deleted: the audit trail and signatures keep referring to them.
    """
    require(actor, Permission.MANAGE_USERS)
    if not reason.strip():
        raise InputError("a reason is required", where="reason", expected="a non-empty text")
    user = session.get(UserRow, user_id, with_for_update=True)
    if user is None:
        raise InputError("no such user", where="user_id", got=user_id)
    if user.id == actor.user_id and not active:
        raise ConflictError("you cannot deactivate your own account", where="user_id")
    old = audit.snapshot(user)
    user.active = active
    if not active:
        live = session.execute(
            select(AuthTokenRow).where(
                AuthTokenRow.user_id == user.id, AuthTokenRow.revoked_at.is_(None)
            )
        ).scalars()
        for token in live:
            token.revoked_at = utcnow()
    session.flush()
    audit.record(
        session, actor, "update", "user", user.id, old=old, new=audit.snapshot(user), reason=reason
    )
    return user


def verify_password(user: UserRow, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> UserRow:
    """The active user with these credentials; one message for every failure."""
    user, _why = _check(session, username, password)
    if user is None:
        raise AccessDeniedError("the username or the password is wrong", where="credentials")
    return user


def _check(session: Session, username: str, password: str) -> tuple[UserRow | None, str]:
    """The user, or None and why not (for the audit trail only, never for the caller)."""
    user = session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
    if user is None:
        verify_password(UserRow(password_hash=_dummy()), password)
        return None, "unknown_account"
    if not verify_password(user, password):
        return None, "wrong_password"
    if not user.active:
        return None, "deactivated_account"
    return user, ""


def sign_in(
    database: Database, username: str, password: str, kind: str, lifetime: timedelta
) -> IssuedToken:
    """Check the credentials and issue a session or token; a refusal is audited too.

    The refusal is recorded in its own transaction (the failed one has nothing to commit), so
    repeated guessing at an account shows in the audit trail. What was typed as a username is
    kept only when it names an account: a password typed into the username box must not be
    stored.
    """
    with database.transaction() as session:
        user, why = _check(session, username, password)
        if user is not None:
            return issue_token(session, user, kind, lifetime)
    with database.transaction() as session:
        known = why != "unknown_account"
        target = session.execute(
            select(UserRow.id).where(UserRow.username == username)
        ).scalar_one_or_none()
        audit.record(
            session,
            PUBLIC_ACTOR,
            "sign_in_failed",
            "user",
            target or "-",
            new={"username": username if known else None, "kind": kind, "why": why},
        )
    raise AccessDeniedError("the username or the password is wrong", where="credentials")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    secret: str
    expires_at: datetime
    kind: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, user: UserRow, kind: str, lifetime: timedelta) -> IssuedToken:
    secret = secrets.token_urlsafe(32)
    expires = utcnow() + lifetime
    row = AuthTokenRow(user_id=user.id, kind=kind, token_hash=_digest(secret), expires_at=expires)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_of(user),
        "sign_in",
        "auth_token",
        row.id,
        new={"kind": kind, "user_id": user.id, "expires_at": expires},
    )
    return IssuedToken(secret, expires, kind)


def resolve_token(session: Session, secret: str, kind: str) -> Actor | None:
    """The actor behind a live session or token, or None."""
    row = session.execute(
        select(AuthTokenRow).where(AuthTokenRow.token_hash == _digest(secret))
    ).scalar_one_or_none()
    if row is None or row.kind != kind or row.revoked_at is not None:
        return None
    if row.expires_at <= utcnow():
        return None
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        return None
    return actor_of(user)


def revoke_token(session: Session, actor: Actor, secret: str) -> None:
    row = session.execute(
        select(AuthTokenRow).where(AuthTokenRow.token_hash == _digest(secret))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    audit.record(
        session, actor, "sign_out", "auth_token", row.id, new={"revoked_at": row.revoked_at}
    )
