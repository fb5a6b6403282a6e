"""The study service's commands end to end, through ``trialdesk``'s own entry point:
db upgrade, users add, audit verify (and its alarm on a tampered row), backup and restore."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_on_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``trialdesk serve`` as a user runs it: a real process, a real port, the first admin
    added with ``trialdesk users add`` (the demo seeding is tested in-process, where the
    password hashing is cheap)."""
    port = _free_port()
    env = {
        **os.environ,
        "TRIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "TRIALDESK_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("trialdesk")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300  # generous: a loaded CI machine starts slowly
        counters = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/api/v1/trial/counters", timeout=2)
            except httpx.TransportError:
                time.sleep(0.5)
                continue
            counters = reply.json()
            break
        assert counters is not None, "the server did not answer"
        assert counters == {"applied": 0, "enrolled": 0, "target": 15}
        assert (tmp_path / "secret_key").exists()
        database_url = env["TRIALDESK_DATABASE_URL"]
        add = ["users", "add", "--username", "admin", "--full-name", "Admin"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
            run(
                [
                    *add,
                    "--role",
                    "administrator",
                    "--password-stdin",
                    "--database-url",
                    database_url,
                ],
                capsys,
            )
        signed = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/tokens",
            json={"username": "admin", "password": PASSWORD},
            timeout=30,
        )
        assert signed.status_code == 201
        headers = {"Authorization": f"Bearer {signed.json()['token']}"}
        users = httpx.get(f"http://127.0.0.1:{port}/api/v1/users", headers=headers, timeout=10)
        assert [u["username"] for u in users.json()["items"]] == ["admin"]
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "TrialDesk on http://127.0.0.1" in output
