"""The audit trail: append-only and hash-chained, so any alteration is detectable.

Each entry stores who, when, what (entity and id), the old and new values as canonical JSON
and the reason. Its hash covers all of that plus the previous entry's hash; the head row
keeps the last sequence number and hash, so deleting the newest entries is caught too.
Secrets (password hashes, token hashes) are never written to the trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from trialdesk.errors import Problem
from trialdesk.service.access import Actor
from trialdesk.service.storage.models import AuditEntryRow, AuditHeadRow, Base
from trialdesk.service.storage.types import utcnow

__all__ = [
    "AuditReport",
    "canonical_json",
    "check_chain",
    "entries",
    "entry_hash",
    "record",
    "snapshot",
    "verify",
]

GENESIS_HASH = "0" * 64
_SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def _default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    return orjson.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS).decode()


def snapshot(row: Base) -> dict[str, Any]:
    """A row's column values for the trail, without secrets."""
    mapper = inspect(type(row))
    return {
        column.key: getattr(row, column.key)
        for column in mapper.column_attrs
        if column.key not in _SECRET_COLUMNS
    }


def entry_hash(entry: AuditEntryRow) -> str:
    content = canonical_json(
        {
            "seq": entry.seq,
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "old": entry.old_value,
            "new": entry.new_value,
            "reason": entry.reason,
            "prev": entry.prev_hash,
        }
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _locked_head(session: Session) -> AuditHeadRow:
    query = (
        select(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one()


def _as_json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else canonical_json(dict(value))


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    *,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntryRow:
    """Append one entry in the caller's transaction (it commits or rolls back with the change)."""
    head = _locked_head(session)
    entry = AuditEntryRow(
        seq=head.last_seq + 1,
        at=utcnow(),
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        old_value=_as_json(old),
        new_value=_as_json(new),
        reason=reason,
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    session.flush()
    return entry


def entries(
    session: Session, *, offset: int, limit: int, entity_id: str | None = None
) -> tuple[list[AuditEntryRow], int]:
    """A page of the trail, newest first; the caller checks the reader's permission."""
    query = select(AuditEntryRow)
    if entity_id is not None:
        query = query.where(AuditEntryRow.entity_id == entity_id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(AuditEntryRow.seq.desc()).offset(offset).limit(limit)
    ).scalars()
    return list(rows), total


@dataclass(frozen=True, slots=True)
class AuditReport:
    entries: int
    problems: tuple[Problem, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def check_chain(entries: Iterable[AuditEntryRow]) -> tuple[list[Problem], int, str]:
    """Every break in a run of entries (in ``seq`` order), the last seq and the last hash."""
    return _entry_problems(iter(entries))


def _entry_problems(entries: Iterator[AuditEntryRow]) -> tuple[list[Problem], int, str]:
    problems: list[Problem] = []
    expected_seq, prev = 1, GENESIS_HASH
    for entry in entries:
        where = f"audit_entries[seq={entry.seq}]"
        if entry.seq != expected_seq:
            problems.append(
                Problem(
                    where,
                    "entries are missing before this one",
                    expected=str(expected_seq),
                    got=str(entry.seq),
                )
            )
        if entry.prev_hash != prev:
            problems.append(Problem(where, "the link to the previous entry is broken"))
        if entry_hash(entry) != entry.hash:
            problems.append(Problem(where, "the entry was altered after it was written"))
        expected_seq, prev = entry.seq + 1, entry.hash
    return problems, expected_seq - 1, prev


def verify(session: Session) -> AuditReport:
    """Recompute the whole chain; every break is reported with the entry where it shows."""
    rows = session.execute(select(AuditEntryRow).order_by(AuditEntryRow.seq)).scalars()
    problems, last_seq, last_hash = _entry_problems(iter(rows))
    head = session.get(AuditHeadRow, 1)
    if head is None:
        problems.append(Problem("audit_head", "the chain's head row is missing"))
    elif (head.last_seq, head.last_hash) != (last_seq, last_hash):
        problems.append(
            Problem(
                "audit_head",
                "the newest entries were removed or replaced",
                expected=f"seq {head.last_seq}",
                got=f"seq {last_seq}",
            )
        )
    return AuditReport(entries=last_seq, problems=tuple(problems))
