"""Electronic signatures in the manner of 21 CFR Part 11.

Signing asks for the password again (re-authentication at the moment of signing), and keeps
the signer's printed name, the time, the meaning ("I confirm eligibility") and the SHA-256 of
the signed record's content, so that a later change to the record no longer matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from trialdesk.errors import AccessDeniedError, InputError
from trialdesk.service import audit
from trialdesk.service.access import Actor
from trialdesk.service.storage.models import SignatureRow, UserRow
from trialdesk.service.users import verify_password

__all__ = ["content_sha256", "sign", "signature_matches"]


def content_sha256(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(audit.canonical_json(dict(content)).encode()).hexdigest()


def sign(
    session: Session,
    actor: Actor,
    *,
    password: str,
    meaning: str,
    record_type: str,
    record_id: str,
    content: Mapping[str, Any],
) -> SignatureRow:
    if not meaning.strip():
        raise InputError(
            "a signature needs its meaning",
            where="meaning",
            expected='e.g. "I confirm eligibility"',
        )
    user = session.get(UserRow, actor.user_id) if actor.user_id else None
    if user is None or not user.active or not verify_password(user, password):
        raise AccessDeniedError(
            "re-authentication failed: the password is wrong",
            where="password",
            hint="signing needs your own password",
        )
    signature = SignatureRow(
        user_id=user.id,
        signer_name=user.full_name,
        meaning=meaning,
        record_type=record_type,
        record_id=record_id,
        record_sha256=content_sha256(content),
    )
    session.add(signature)
    session.flush()
    audit.record(
        session,
        actor,
        "sign",
        record_type,
        record_id,
        new=audit.snapshot(signature),
        reason=meaning,
    )
    return signature


def signature_matches(signature: SignatureRow, content: Mapping[str, Any]) -> bool:
    """Does the record still say what was signed?"""
    return signature.record_sha256 == content_sha256(content)
