"""The study service's commands end to end, through ``trialdesk``'s own entry point:
db upgrade, users add, audit verify (and its alarm on a tampered row), backup and restore."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from trialdesk.cli.app import main
from trialdesk.service import migrate
from trialdesk.service.storage.database import Database

PASSWORD = "a synthetic password"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_upgrade_users_audit_backup_restore(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = ["--database-url", database_url]
    code, out, _ = run(["db", "upgrade", *db], capsys)
    assert code == 0
    assert f"→ {migrate.head_revision()}" in out

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    add = ["users", "add", "--username", "admin", "--full-name", "Study Admin"]
    code, out, err = run([*add, "--role", "administrator", "--password-stdin", *db], capsys)
    assert code == 0, err
    assert "user 'admin' added with role administrator" in out

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = run([*add, "--role", "chief", "--password-stdin", *db], capsys)
    assert code == 2
    assert "unknown role 'chief'" in err

    code, out, _ = run(["audit", "verify", *db], capsys)
    assert (code, out.strip()) == (0, "audit trail intact: 1 entries")

    snapshot = tmp_path / "backup.jsonl.gz"
    code, out, _ = run(["backup", str(snapshot), *db], capsys)
    assert code == 0
    assert snapshot.exists()

    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    code, out, err = run(["restore", str(snapshot), "--database-url", target], capsys)
    assert code == 0, err
    code, out, _ = run(["users", "list", "--database-url", target], capsys)
    assert out.startswith("admin\tadministrator\tall sites\tactive")
    code, out, _ = run(["audit", "verify", "--database-url", target], capsys)
    assert code == 0

    code, _, err = run(["restore", str(snapshot), "--database-url", target], capsys)
    assert code == 2
    assert "not empty" in err

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE seq = 1"))
    engine.dispose()
    code, _, err = run(["audit", "verify", *db], capsys)
    assert code == 1
    assert "audit_entries[seq=1]: the entry was altered after it was written" in err


def test_audit_verify_catches_a_removed_newest_entry(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(database_url)
    migrate.upgrade(database)
    database.dispose()
    db = ["--database-url", database_url]
    for name in ("admin", "admin2"):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        run(
            [
                "users",
                "add",
                "--username",
                name,
                "--full-name",
                name,
                "--role",
                "administrator",
                "--password-stdin",
                *db,
            ],
            capsys,
        )
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    engine.dispose()
    code, _, err = run(["audit", "verify", *db], capsys)
    assert code == 1
    assert "the newest entries were removed or replaced" in err
