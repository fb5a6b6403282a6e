"""Reading the packaged rule tables (TOML) strictly: unknown or missing keys name the file."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from trialdesk.errors import ReferenceDataError

__all__ = ["decimal_of", "load_table", "require_keys", "text_of"]


@lru_cache(maxsize=16)
def load_table(relative_path: str) -> dict[str, Any]:
    """A TOML file under ``trialdesk/core/data``, e.g. ``"recist/measurability.toml"``."""
    path = f"data/{relative_path}"
    try:
        text = resources.files("trialdesk.core").joinpath(path).read_text("utf-8")
        return tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceDataError(
            f"cannot read rule table: {exc}", file=path, hint="reinstall TrialDesk"
        ) from exc


def require_keys(
    entry: Mapping[str, Any],
    *,
    file: str,
    where: str,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> None:
    required_set, allowed = set(required), set(required) | set(optional)
    missing, unknown = required_set - set(entry), set(entry) - allowed
    if missing or unknown:
        raise ReferenceDataError(
            f"bad keys (missing {sorted(missing)}, unknown {sorted(unknown)})",
            file=f"data/{file}",
            where=where,
            expected=str(sorted(allowed)),
            got=str(sorted(entry)),
        )


def decimal_of(value: Any, *, file: str, where: str) -> Decimal:
    # Numbers are written as strings in the tables so that 0.1 stays exactly 0.1.
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ReferenceDataError(
            "not a number", file=f"data/{file}", where=where, expected="a decimal", got=str(value)
        ) from None


def text_of(value: Any, *, file: str, where: str) -> str:
    if not isinstance(value, str):
        raise ReferenceDataError(
            "not a string", file=f"data/{file}", where=where, expected="text", got=repr(value)
        )
    return value
