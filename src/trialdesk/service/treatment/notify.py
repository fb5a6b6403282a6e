"""The outbound SAE notification hook: each new SAE alert is POSTed as JSON to the trial's
configured URL, after the transaction that raised it has committed.

The body carries no direct identifier (no name, no birth date): the subject code, the term,
grade, seriousness and the reporting deadline, so the receiver can look the case up in
TrialDesk. A failed delivery never undoes the alert; it is recorded on the alert and shown on
the dashboard, and ``deliver`` can be called again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy.orm import Session

from trialdesk.errors import InputError
from trialdesk.service import audit
from trialdesk.service.access import Actor
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import SubjectRow
from trialdesk.service.storage.types import utcnow
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.models import NotificationHookRow, SafetyAlertRow

__all__ = ["deliver", "payload", "set_hook"]


def set_hook(
    session: Session, actor: Actor, trial_id: str, url: str, timeout_seconds: int = 5
) -> NotificationHookRow:
    require_treatment(actor, TreatmentPermission.CONFIGURE_HOOK)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(
            "the notification hook must be an http(s) URL",
            where="url",
            expected="https://host/path",
            got=url,
        )
    if not 1 <= timeout_seconds <= 60:
        raise InputError("timeout out of range", where="timeout_seconds", expected="1..60")
    row = session.get(NotificationHookRow, trial_id)
    old = None if row is None else audit.snapshot(row)
    if row is None:
        row = NotificationHookRow(trial_id=trial_id, url=url, updated_by=actor.username)
        session.add(row)
    row.url, row.timeout_seconds, row.updated_by = url, timeout_seconds, actor.username
    session.flush()
    audit.record(
        session, actor, "update" if old else "create", "notification_hook", trial_id,
        old=old, new=audit.snapshot(row),
    )  # fmt: skip
    return row


def payload(alert: SafetyAlertRow, subject_code: str | None) -> dict[str, Any]:
    return {
        "event": "trialdesk.sae",
        "alert_id": alert.id,
        "trial": alert.trial_id,
        "subject_code": subject_code,
        "message": alert.message,
        "term": alert.detail.get("term"),
        "grade": alert.detail.get("grade"),
        "seriousness": alert.detail.get("seriousness"),
        "report_deadline": None if alert.deadline is None else alert.deadline.isoformat(),
        "raised_at": alert.created_at.isoformat(),
    }


def deliver(database: Database, alert_ids: Iterable[str]) -> dict[str, str]:
    """POST each SAE alert not yet delivered; returns ``{alert_id: "sent" | error}``."""
    outcome: dict[str, str] = {}
    for alert_id in alert_ids:
        with database.transaction() as session:
            alert = session.get(SafetyAlertRow, alert_id)
            if alert is None or alert.kind != "sae" or alert.notified_at is not None:
                continue
            hook = session.get(NotificationHookRow, alert.trial_id)
            if hook is None:
                outcome[alert_id] = "no notification hook configured"
                alert.notify_error = outcome[alert_id]
                continue
            subject = session.get(SubjectRow, alert.subject_id) if alert.subject_id else None
            body = payload(alert, None if subject is None else subject.code)
            url, timeout = hook.url, hook.timeout_seconds
        error = _post(url, body, timeout)
        with database.transaction() as session:
            alert = session.get(SafetyAlertRow, alert_id)
            assert alert is not None
            if error is None:
                alert.notified_at, alert.notify_error = utcnow(), None
            else:
                alert.notify_error = error
        outcome[alert_id] = error or "sent"
    return outcome


def _post(url: str, body: dict[str, Any], timeout: int) -> str | None:
    try:
        response = httpx.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"delivery failed: {type(exc).__name__}"
    if response.status_code >= 300:
        return f"the hook answered HTTP {response.status_code}"
    return None
