"""Backup while the service writes, restore all-or-nothing, on both databases."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.study_helpers import TRIAL, Staff
from trialdesk.errors import ConfigurationError
from trialdesk.service import audit, subjects
from trialdesk.service.backup import backup, restore
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import AuditEntryRow, SubjectRow


def _register(database: Database, staff: Staff) -> None:
    with database.transaction() as session:
        subjects.register_subject(
            session, staff.coordinator, trial_id=TRIAL.nct_id, site="main", source="staff"
        )


@pytest.mark.slow
def test_snapshot_taken_during_writes_is_consistent(
    study: Database, staff: Staff, second_database_url: str, tmp_path: Path
) -> None:
    for _ in range(5):
        _register(study, staff)
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            _register(study, staff)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        snapshot = tmp_path / "during-writes.jsonl.gz"
        counts = backup(study, snapshot)
    finally:
        stop.set()
        writer.join(timeout=60)

    target = Database(second_database_url)
    try:
        restored = restore(target, snapshot)
        assert restored == counts
        with target.transaction() as session:
            report = audit.verify(session)
            assert report.intact, report.problems  # head and entries from one snapshot
            subjects_n = session.execute(select(func.count()).select_from(SubjectRow)).scalar()
            entries_n = session.execute(select(func.count()).select_from(AuditEntryRow)).scalar()
        assert subjects_n == counts["subjects"]
        assert entries_n == counts["audit_entries"] == report.entries
        with pytest.raises(ConfigurationError, match="not empty"):
            restore(target, snapshot)
        _register(target, staff)  # the restored database takes new writes (sequences reset)
    finally:
        target.dispose()
