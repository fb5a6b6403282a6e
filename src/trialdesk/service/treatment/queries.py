"""Data queries raised by the AE edit checks: opened, answered, closed, re-opened; audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.treatment.adverse_events import QueryDraft
from trialdesk.core.treatment.queries import (
    QueryAction,
    QueryState,
    next_query_state,
    reconcile_queries,
)
from trialdesk.errors import ConflictError
from trialdesk.service import audit
from trialdesk.service.access import SYSTEM_ACTOR, Actor, Permission, require
from trialdesk.service.subjects import NotFoundError, get_subject
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.models import DataQueryRow

__all__ = ["act_on_query", "list_queries", "sync_queries"]

_ACTION_PERMISSION = {
    QueryAction.ANSWER: TreatmentPermission.RECORD,
    QueryAction.CLOSE: TreatmentPermission.CLOSE_QUERY,
    QueryAction.REOPEN: TreatmentPermission.CLOSE_QUERY,
}


def sync_queries(
    session: Session,
    actor: Actor,
    subject_id: str,
    entity: str,
    entity_id: str,
    findings: Sequence[QueryDraft],
) -> list[DataQueryRow]:
    """Open a query for each new finding; close (as the system) those a correction fixed."""
    live = list(
        session.execute(
            select(DataQueryRow).where(
                DataQueryRow.entity_id == entity_id,
                DataQueryRow.state != QueryState.CLOSED.value,
            )
        ).scalars()
    )
    to_open, to_close = reconcile_queries([(q.check, q.field) for q in live], findings)
    for row in live:
        if (row.check, row.field) in to_close:
            old = audit.snapshot(row)
            row.state = QueryState.CLOSED.value
            row.close_reason = "resolved by a data correction"
            session.flush()
            audit.record(
                session, SYSTEM_ACTOR, "update", "data_query", row.id, old=old,
                new=audit.snapshot(row), reason=row.close_reason,
            )  # fmt: skip
    opened = []
    for draft in to_open:
        row = DataQueryRow(
            subject_id=subject_id, entity=entity, entity_id=entity_id, check=draft.check,
            field=draft.field, message=draft.message, state=QueryState.OPEN.value,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "create", "data_query", row.id, new=audit.snapshot(row),
            reason="edit check",
        )  # fmt: skip
        opened.append(row)
    return opened


def list_queries(
    session: Session,
    actor: Actor,
    *,
    subject_id: str | None = None,
    state: str | None = None,
) -> list[DataQueryRow]:
    require(actor, Permission.READ_STUDY)
    query = select(DataQueryRow)
    if subject_id is not None:
        get_subject(session, actor, subject_id)  # site scoping
        query = query.where(DataQueryRow.subject_id == subject_id)
    if state is not None:
        query = query.where(DataQueryRow.state == QueryState(state).value)
    rows = session.execute(query.order_by(DataQueryRow.opened_at, DataQueryRow.id)).scalars()
    return [row for row in rows if _visible(session, actor, row)]


def _visible(session: Session, actor: Actor, row: DataQueryRow) -> bool:
    if actor.site is None:
        return True
    try:
        get_subject(session, actor, row.subject_id)
    except NotFoundError:
        return False
    return True


def act_on_query(
    session: Session,
    actor: Actor,
    query_id: str,
    action: QueryAction,
    text: str,
    expected_version: int | None = None,
) -> DataQueryRow:
    require_treatment(actor, _ACTION_PERMISSION[action])
    row = session.get(DataQueryRow, query_id, with_for_update=True)
    if row is None:
        raise NotFoundError("no such query", where="query_id", got=query_id)
    get_subject(session, actor, row.subject_id)  # site scoping
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(
            "the query changed since you read it",
            where="version",
            expected=str(row.version),
            got=str(expected_version),
            hint="reload the query and act again",
        )
    target = next_query_state(QueryState(row.state), action, text)
    old = audit.snapshot(row)
    row.state = target.value
    if action is QueryAction.ANSWER:
        row.answer = text
    elif action is QueryAction.CLOSE:
        row.close_reason = text
    session.flush()
    audit.record(
        session, actor, "update", "data_query", row.id, old=old, new=audit.snapshot(row),
        reason=f"{action.value}: {text}",
    )  # fmt: skip
    return row
