"""The one reader of TrialDesk's environment: ``TRIALDESK_*`` variables and an optional .env.

Built once at startup and passed down; nothing else reads the environment. Constructing a
Settings object has no side effects: the secret key is generated and persisted by
:func:`ensure_secret_key`, which the CLI calls when it starts the service.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "ensure_secret_key"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIALDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///var/trialdesk.sqlite3"
    secret_key: SecretStr | None = None
    secret_key_file: Path = Path("var/secret_key")
    trial_id: str = "NCT06948994"
    site: str = "main"  # the site a new candidate belongs to unless a user's site says otherwise
    session_hours: int = Field(default=12, gt=0)
    token_days: int = Field(default=30, gt=0)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    page_size_max: int = Field(default=200, gt=0)
    cookie_secure: bool = False  # set true behind HTTPS


def ensure_secret_key(settings: Settings) -> Settings:
    """Return settings with a secret key: the given one, or one persisted under var/."""
    if settings.secret_key is not None:
        return settings
    path = settings.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created owner-only from the first byte (not written, then narrowed).
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48))
    key = path.read_text(encoding="utf-8").strip()
    return settings.model_copy(update={"secret_key": SecretStr(key)})
