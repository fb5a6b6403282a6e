"""The analyte catalogue: names, aliases, LOINC codes, canonical UCUM units and molar masses.

Data lives in ``trialdesk/core/data/analytes.toml`` (with its sources). Lookups accept an id
("alt"), an alias in any case ("SGPT", "Hb") or a LOINC code ("1742-6").
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from trialdesk.core.units import canonical_unit
from trialdesk.core.units import convert as convert_units
from trialdesk.errors import ReferenceDataError

__all__ = ["Analyte", "all_analytes", "analyte", "analyte_for_loinc", "convert"]

_DATA_FILE = "data/analytes.toml"
_CATEGORIES = frozenset({"lab", "vital", "echo"})
_KEYS = frozenset(
    {"name", "category", "unit", "loinc", "aliases", "molar_mass", "loinc_unconfirmed"}
)


@dataclass(frozen=True, slots=True)
class Analyte:
    id: str
    name: str
    category: str
    unit: str
    loinc: tuple[str, ...]
    aliases: tuple[str, ...]
    molar_mass: Decimal | None = None
    loinc_unconfirmed: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Analyte]:
    text = resources.files("trialdesk.core").joinpath(_DATA_FILE).read_text("utf-8")
    table = tomllib.loads(text)
    return {key: _analyte_from(key, entry) for key, entry in table.items()}


def _analyte_from(key: str, entry: dict[str, Any]) -> Analyte:
    where = f"[{key}]"
    unknown = set(entry) - _KEYS
    if unknown:
        raise ReferenceDataError(
            f"unknown keys {sorted(unknown)}",
            file=_DATA_FILE,
            where=where,
            expected=str(sorted(_KEYS)),
        )
    if entry.get("category") not in _CATEGORIES:
        raise ReferenceDataError(
            "bad category", file=_DATA_FILE, where=where, expected=str(sorted(_CATEGORIES))
        )
    molar_mass = entry.get("molar_mass")
    return Analyte(
        id=key,
        name=str(entry["name"]),
        category=str(entry["category"]),
        unit=canonical_unit(str(entry["unit"])),
        loinc=tuple(entry.get("loinc", ())),
        aliases=tuple(entry.get("aliases", ())),
        molar_mass=Decimal(str(molar_mass)) if molar_mass is not None else None,
        loinc_unconfirmed=tuple(entry.get("loinc_unconfirmed", ())),
    )


@lru_cache(maxsize=1)
def _index() -> dict[str, Analyte]:
    index: dict[str, Analyte] = {}
    for item in _catalogue().values():
        for name in (item.id, item.name, *item.aliases, *item.loinc):
            index.setdefault(name.casefold(), item)
    return index


def all_analytes() -> tuple[Analyte, ...]:
    return tuple(_catalogue().values())


def analyte(name: str) -> Analyte:
    """The analyte for an id, alias or LOINC code; a clear error with suggestions otherwise."""
    found = _index().get(name.strip().casefold())
    if found is not None:
        return found
    suggestions = difflib.get_close_matches(name.casefold(), list(_index()), n=3, cutoff=0.6)
    hint = f"Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else None
    raise ReferenceDataError(
        f"unknown analyte {name!r}",
        expected="an analyte id, alias or LOINC code from trialdesk/core/data/analytes.toml",
        got=name,
        hint=hint or "Run 'trialdesk protocol analytes' to list the known analytes.",
    )


@lru_cache(maxsize=1)
def _by_loinc() -> dict[str, Analyte]:
    return {code: item for item in _catalogue().values() for code in item.loinc}


def analyte_for_loinc(code: str) -> Analyte | None:
    return _by_loinc().get(code)


def convert(item: Analyte, value: Decimal, from_unit: str, to_unit: str | None = None) -> Decimal:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (default: the canonical unit)."""
    return convert_units(value, from_unit, to_unit or item.unit, item.molar_mass)
