"""Data queries on the study pages: listed, answered, closed, re-opened (treatment permissions);
audited. Opening and closing them as edit checks fire is :mod:`trialdesk.service.data_queries`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.study.data_queries import QueryAction, QueryState, next_query_state
from trialdesk.errors import ConflictError
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.storage.models import DataQueryRow
from trialdesk.service.subjects import NotFoundError, get_subject
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment

__all__ = ["act_on_query", "list_queries"]

_ACTION_PERMISSION = {
    QueryAction.ANSWER: TreatmentPermission.RECORD,
    QueryAction.CLOSE: TreatmentPermission.CLOSE_QUERY,
    QueryAction.REOPEN: TreatmentPermission.CLOSE_QUERY,
}


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
