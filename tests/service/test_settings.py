"""Settings come from TRIALDESK_* variables; the secret key is created once and kept private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from trialdesk.settings import Settings, ensure_secret_key


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALDESK_DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    monkeypatch.setenv("TRIALDESK_MAX_UPLOAD_BYTES", "1024")
    settings = Settings()
    assert settings.database_url == "sqlite:///elsewhere.sqlite3"
    assert settings.max_upload_bytes == 1024


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALDESK_SESSION_HOURS", "0")
    with pytest.raises(ValidationError, match="session_hours"):
        Settings()


def test_secret_key_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"
    first = ensure_secret_key(Settings(secret_key_file=path))
    second = ensure_secret_key(Settings(secret_key_file=path))
    assert first.secret_key is not None
    assert second.secret_key is not None
    assert first.secret_key.get_secret_value() == second.secret_key.get_secret_value()
    assert len(first.secret_key.get_secret_value()) >= 48
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secret_key=SecretStr('**********')" in repr(first)  # never printed
