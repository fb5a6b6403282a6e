"""Core messages (pre-screen, plain-language criteria) worded in the page's language.

The core gives a key and raw parameters (an analyte id, a value-set topic, an operator word);
here each parameter is first turned into words (``analyte.<id>``, ``topic.<name>``,
``op.<word>``, ``unit.<ucum>``, ``value.<code>``), then the key's sentence is filled in.
Unknown topics and analytes fall back to the English title from the data, never to blank.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from trialdesk.core.i18n import Message
from trialdesk.web.i18n import lookup, translate

__all__ = ["format_date", "term", "unit_label", "word"]

_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(day: date | None, lang: str) -> str:
    if day is None:
        return translate("common.not_reported", lang)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def term(text: str, lang: str) -> str:
    """A registry term (an intervention, a condition) in ``lang`` when the catalogue has it."""
    return lookup(f"terms.{text}", lang) or text


def unit_label(unit: str, lang: str) -> str:
    if not unit or unit == "1":
        return ""
    return lookup(f"unit.{unit}", lang) or unit


def _words(params: dict[str, Any], lang: str) -> dict[str, Any]:
    out = dict(params)
    if "topic" in params:
        out["topic"] = lookup(f"topic.{params['topic']}", lang) or params.get("title") or ""
    if "analyte" in params:
        out["analyte"] = lookup(f"analyte.{params['analyte']}", lang) or params.get("name", "")
    for key in ("op", "op2"):
        if key in params:
            out[key] = translate(f"op.{params[key]}", lang)
    for key in ("unit", "unit2"):
        if key in params:
            out[key] = unit_label(str(params[key]), lang)
    if "values" in params:
        values = [translate(f"value.{v}", lang) for v in str(params["values"]).split(",") if v]
        out["values"] = translate("common.list_or", lang).join(values)
    if "expected" in params:
        out["expected"] = translate(f"value.{params['expected']}", lang)
    if "question" in params:
        out["question"] = translate(f"prescreen.q.{params['question']}.short", lang)
    return out


def word(message: Message, lang: str) -> str:
    return translate(message.key, lang, **_words(dict(message.params), lang))
