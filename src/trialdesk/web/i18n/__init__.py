"""The web app's words: every UI string comes from ``en.toml`` / ``zh.toml`` in this folder.

:func:`translate` looks a key up in the page's language, falls back to English, and finally
shows the key itself (so a missing string is visible, never blank). Parameters are filled with
``str.format_map``; a parameter a string does not use is ignored. :func:`pick_language`
decides the page's language: ``?lang=`` first, then the ``lang`` cookie, then the browser's
``Accept-Language``, then English.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["LANGUAGES", "catalogue", "pick_language", "translate"]

LANGUAGES = ("en", "zh")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    name = f"{lang if lang in LANGUAGES else 'en'}.toml"
    text = resources.files("trialdesk.web.i18n").joinpath(name).read_text("utf-8")
    return _flatten(tomllib.loads(text))


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def lookup(key: str, lang: str) -> str | None:
    return catalogue(lang).get(key) or catalogue("en").get(key)


def translate(key: str, lang: str, /, **params: Any) -> str:
    template = lookup(key, lang)
    if template is None:
        return key
    return template.format_map(_Lenient(params))


def _normalise(tag: str) -> str | None:
    primary = tag.strip().lower().split("-")[0].split("_")[0]
    return primary if primary in LANGUAGES else None


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    for candidate in (query, cookie):
        if candidate and (lang := _normalise(candidate)):
            return lang
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        lang = _normalise(tag)
        if lang and quality > 0:
            ranked.append((-quality, index, lang))
    return sorted(ranked)[0][2] if ranked else "en"
