"""Translatable messages: the core says *what* (a key and its parameters); text is rendered late.

Catalogues live in ``trialdesk/core/messages/<lang>.toml`` (packaged data). A key missing from a
language falls back to English, and a key missing from English renders as the key itself with
its parameters, so nothing is silently blank. Tests check that every key exists in every
language.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

__all__ = ["LANGUAGES", "Message", "catalogue", "render"]

LANGUAGES = ("en", "zh")

_new_tuple = tuple.__new__


class Message(NamedTuple):
    """A message key and its parameters; immutable and hashable (a NamedTuple: the screener
    builds tens of them per patient, and tuples are the cheapest immutable record in Python)."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Any) -> Message:
        # tuple.__new__ directly: same value as ``cls(key, ...)`` without the NamedTuple
        # constructor's argument handling (the screener builds ~70 messages per patient).
        return _new_tuple(cls, (key, tuple(params.items())))

    def render(self, lang: str = "en") -> str:
        return render(self.key, dict(self.params), lang)


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        lang = "en"
    text = resources.files("trialdesk.core").joinpath("messages", f"{lang}.toml").read_text("utf-8")
    table = tomllib.loads(text)
    return _flatten(table)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(key: str, params: dict[str, Any], lang: str = "en") -> str:
    template = catalogue(lang).get(key) or catalogue("en").get(key)
    if template is None:
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{key}({detail})" if detail else key
    return template.format_map(_Lenient(params))
