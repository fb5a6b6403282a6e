"""Data queries as edit checks fire: a new finding opens a query, a finding a correction fixed
closes its query (as the system); both audited. Study-wide: the screening of a record that
contradicts the subject and the adverse-event checks raise them alike. Listing and acting on them
is :mod:`trialdesk.service.treatment.queries`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.study.data_queries import QueryDraft, QueryState, reconcile_queries
from trialdesk.service import audit
from trialdesk.service.access import SYSTEM_ACTOR, Actor
from trialdesk.service.storage.models import DataQueryRow

__all__ = ["sync_queries"]


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
