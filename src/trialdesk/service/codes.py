"""Human-quotable codes: short, random, without look-alike characters (no 0/O, 1/I/L)."""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "new_code"]

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"
