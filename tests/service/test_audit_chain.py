"""The audit chain catches any single alteration, insertion or removal (property-based),
and a row changed with raw SQL in the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from service.study_helpers import TRIAL, Staff
from trialdesk.service import audit, subjects
from trialdesk.service.audit import GENESIS_HASH, check_chain, entry_hash
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import AuditEntryRow

FIELDS = ("at", "actor", "action", "entity", "entity_id", "old_value", "new_value", "reason")


def _chain(length: int) -> list[AuditEntryRow]:
    entries: list[AuditEntryRow] = []
    prev = GENESIS_HASH
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for seq in range(1, length + 1):
        entry = AuditEntryRow(
            seq=seq,
            at=start + timedelta(seconds=seq),
            actor="coordinator",
            action="update",
            entity="subject",
            entity_id=f"s-{seq}",
            old_value='{"status":"candidate"}',
            new_value='{"status":"screening"}',
            reason=None,
            prev_hash=prev,
        )
        entry.hash = entry_hash(entry)
        prev = entry.hash
        entries.append(entry)
    return entries


def _altered(value: object) -> object:
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    return f"{value}x" if value is not None else "x"


@given(st.integers(2, 12), st.data())
def test_any_single_field_change_is_caught_at_its_entry(length: int, data: st.DataObject) -> None:
    entries = _chain(length)
    assert check_chain(entries)[0] == []
    victim = data.draw(st.integers(0, length - 1))
    name = data.draw(st.sampled_from(FIELDS))
    setattr(entries[victim], name, _altered(getattr(entries[victim], name)))
    problems, _, _ = check_chain(entries)
    assert any(p.where == f"audit_entries[seq={victim + 1}]" for p in problems)


@given(st.integers(3, 12), st.data())
def test_removing_or_rehashing_an_entry_breaks_the_chain(length: int, data: st.DataObject) -> None:
    entries = _chain(length)
    victim = data.draw(st.integers(0, length - 2))
    forged = entries[victim]
    forged.reason = "forged"
    forged.hash = entry_hash(forged)  # a forger who recomputes the entry's own hash
    assert check_chain(entries)[0]  # …is caught by the next entry's link
    removed = _chain(length)
    del removed[victim]
    assert check_chain(removed)[0]


def test_a_row_changed_with_raw_sql_is_caught(study: Database, staff: Staff) -> None:
    with study.transaction() as session:
        subject = subjects.register_subject(
            session, staff.coordinator, trial_id=TRIAL.nct_id, site="main", source="staff"
        )
        seq = session.execute(
            text("SELECT MAX(seq) FROM audit_entries WHERE entity_id = :id"), {"id": subject.id}
        ).scalar_one()
    with study.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_entries SET actor = 'intruder' WHERE seq = :seq"), {"seq": seq}
        )
    with study.transaction() as session:
        report = audit.verify(session)
    assert not report.intact
    assert [p.where for p in report.problems] == [f"audit_entries[seq={seq}]"]
