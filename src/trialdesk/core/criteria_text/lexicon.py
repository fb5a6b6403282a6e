"""The analyte lexicon: how criteria text names analytes, loaded from a packaged data file.

``data/criteria_text/analyte_synonyms.toml`` maps phrases and abbreviations to the analyte
ids of the catalogue (``trialdesk.core.analytes``); loading checks every key and every id and
names the file on error.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from trialdesk.core.analytes import all_analytes
from trialdesk.errors import ReferenceDataError

__all__ = ["Lexicon", "Mention", "lexicon"]

DATA_FILE = "data/criteria_text/analyte_synonyms.toml"
_ENTRY_KEYS = frozenset({"names", "abbreviations", "implied_unit", "plausible"})
_GROUP_KEYS = frozenset({"members", "names", "abbreviations"})
_TOP_KEYS = frozenset({"blocking", "analytes", "groups"})
_BLOCK_WINDOW = 12


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    analytes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    phrases: re.Pattern[str]  # case-insensitive names
    tokens: re.Pattern[str]  # case-sensitive abbreviations
    meaning: dict[str, tuple[str, ...]]  # casefolded name or exact abbreviation -> analyte ids
    implied_units: dict[str, str]
    plausible: dict[str, tuple[Decimal, Decimal]]
    blocking: re.Pattern[str]

    def mentions(self, text: str) -> list[Mention]:
        """Analyte mentions, longest first where they overlap, minus blocked ones."""
        found = [
            Mention(m.start(), m.end(), self.meaning[_key(m.group(0))])
            for m in self.phrases.finditer(text)
        ]
        found += [
            Mention(m.start(), m.end(), self.meaning[m.group(0)])
            for m in self.tokens.finditer(text)
        ]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue
            if not self._blocked(text, mention):
                kept.append(mention)
        return kept

    def _blocked(self, text: str, mention: Mention) -> bool:
        before = text[max(0, mention.start - _BLOCK_WINDOW - 16) : mention.start]
        return any(len(before) - m.end() <= _BLOCK_WINDOW for m in self.blocking.finditer(before))

    def lookup(self, phrase: str) -> tuple[str, ...] | None:
        """The analytes a whole phrase names (for gold annotations), or None."""
        return self.meaning.get(phrase.strip()) or self.meaning.get(_key(phrase))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    text = resources.files("trialdesk.core").joinpath(DATA_FILE).read_text("utf-8")
    return _build(tomllib.loads(text))


def _problem(message: str, where: str, expected: str | None = None) -> ReferenceDataError:
    return ReferenceDataError(message, file=DATA_FILE, where=where, expected=expected)


def _build(table: dict[str, Any]) -> Lexicon:
    unknown = set(table) - _TOP_KEYS
    if unknown:
        raise _problem(f"unknown tables {sorted(unknown)}", "/", str(sorted(_TOP_KEYS)))
    known_ids = {a.id for a in all_analytes()}
    names: dict[str, tuple[str, ...]] = {}
    abbreviations: dict[str, tuple[str, ...]] = {}
    implied: dict[str, str] = {}
    plausible: dict[str, tuple[Decimal, Decimal]] = {}
    for key, entry in table.get("analytes", {}).items():
        _check(entry, _ENTRY_KEYS, f"[analytes.{key}]")
        if key not in known_ids:
            raise _problem(f"unknown analyte id {key!r}", f"[analytes.{key}]", "a catalogue id")
        _add(names, abbreviations, entry, (key,))
        if "implied_unit" in entry:
            implied[key] = str(entry["implied_unit"])
        if "plausible" in entry:
            low, high = entry["plausible"]
            plausible[key] = (Decimal(str(low)), Decimal(str(high)))
    for key, entry in table.get("groups", {}).items():
        _check(entry, _GROUP_KEYS, f"[groups.{key}]")
        members = tuple(str(m) for m in entry["members"])
        if not set(members) <= known_ids:
            raise _problem(f"unknown members {members}", f"[groups.{key}]", "catalogue ids")
        _add(names, abbreviations, entry, members)
    blocking = [str(b) for b in table.get("blocking", {}).get("before", [])]
    return Lexicon(
        phrases=_alternation(list(names), re.IGNORECASE),
        tokens=_alternation(list(abbreviations), 0),
        meaning={**names, **abbreviations},
        implied_units=implied,
        plausible=plausible,
        blocking=_alternation(blocking, re.IGNORECASE),
    )


def _check(entry: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise _problem(f"unknown keys {sorted(unknown)}", where, str(sorted(allowed)))


def _add(
    names: dict[str, tuple[str, ...]],
    abbreviations: dict[str, tuple[str, ...]],
    entry: dict[str, Any],
    ids: tuple[str, ...],
) -> None:
    for name in entry.get("names", []):
        names.setdefault(_key(str(name)), ids)
    for token in entry.get("abbreviations", []):
        abbreviations.setdefault(str(token), ids)


def _key(phrase: str) -> str:
    return re.sub(r"[\s\-]+", " ", phrase.strip().casefold())


def _alternation(words: list[str], flags: int) -> re.Pattern[str]:
    ordered = sorted(set(words), key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"[\s\-]+") for w in ordered) or "(?!)"
    return re.compile(rf"(?<![\w\-/])(?:{body})(?![\w]|-(?=\w))", flags)
