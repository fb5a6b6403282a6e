"""Code sets: which clinical codes a criterion looks for, and the shared value-set library.

A code is written ``system:code`` with short system names (snomed, icd10, icdo3, loinc, atc,
rxnorm, meddra, trialdesk-<name>, or a full URI). Two forms widen a code:
``icd10:J12-J18`` is a range of ICD-10 categories (J12.x to J18.x inclusive) and ``atc:L04*``
a prefix. The library of named value sets lives in ``data/value_sets/*.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from trialdesk.core.record import Coding
from trialdesk.errors import ProtocolError, ReferenceDataError

__all__ = ["CodePattern", "CodeSet", "library_value_set", "library_value_sets", "parse_code"]

_VALUE_SET_KEYS = frozenset({"title", "source", "codes", "note"})


@dataclass(frozen=True, slots=True)
class CodePattern:
    system: str
    code: str  # exact code, or the first code of a range, or a prefix
    upper: str | None = None  # last code of a range (inclusive, compared on the category)
    prefix: bool = False

    def matches(self, coding: Coding) -> bool:
        if coding.system != self.system:
            return False
        code = coding.code.upper() if self.system == "icd10" else coding.code
        if self.prefix:
            return code.startswith(self.code)
        if self.upper is not None:
            category = code.split(".")[0][: len(self.upper)]
            return self.code <= category <= self.upper
        if self.system == "icd10":
            # ICD-10 is hierarchical: a category (L03) or subcategory (Z94.8) covers its children.
            return code.replace(".", "").startswith(self.code.replace(".", ""))
        return code == self.code

    def __str__(self) -> str:
        if self.prefix:
            return f"{self.system}:{self.code}*"
        if self.upper is not None:
            return f"{self.system}:{self.code}-{self.upper}"
        return f"{self.system}:{self.code}"


def parse_code(text: str, where: str | None = None) -> CodePattern:
    system, sep, code = text.partition(":")
    if not sep or not system or not code:
        raise ProtocolError(
            f"bad code {text!r}", where=where, expected="system:code, e.g. snomed:432328008"
        )
    if code.endswith("*"):
        return CodePattern(system, code[:-1], prefix=True)
    if system == "icd10":
        code = code.upper()
        low, dash, high = code.partition("-")
        if dash:
            return CodePattern(system, low, upper=high)
    return CodePattern(system, code)


@dataclass(frozen=True, slots=True)
class CodeSet:
    name: str
    title: str
    patterns: tuple[CodePattern, ...]
    source: str | None = None

    def matches(self, codings: Iterable[Coding]) -> Coding | None:
        for coding in codings:
            for pattern in self.patterns:
                if pattern.matches(coding):
                    return coding
        return None

    def describe(self) -> str:
        return f"{self.title} ({', '.join(str(p) for p in self.patterns)})"

    @property
    def systems(self) -> tuple[str, ...]:
        """The code systems the set is written in, in order of first use."""
        return tuple(dict.fromkeys(pattern.system for pattern in self.patterns))

    def can_place(self, codings: Iterable[Coding]) -> bool:
        """Whether codings outside the set are known to be outside it: one of them is in a
        system the set is written in. Without a terminology server, a thing coded only in
        another system (an RxNorm medicine against an ATC class) or not coded cannot be placed."""
        systems = self.systems
        return any(coding.system in systems for coding in codings)


@lru_cache(maxsize=1)
def library_value_sets() -> dict[str, CodeSet]:
    folder = resources.files("trialdesk.core").joinpath("data", "value_sets")
    sets: dict[str, CodeSet] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        file = f"data/value_sets/{entry.name}"
        for name, spec in tomllib.loads(entry.read_text("utf-8")).items():
            if name in sets:
                raise ReferenceDataError(f"value set {name!r} is defined twice", file=file)
            sets[name] = _value_set(name, spec, file)
    return sets


def _value_set(name: str, spec: dict[str, object], file: str) -> CodeSet:
    unknown = set(spec) - _VALUE_SET_KEYS
    codes = spec.get("codes")
    if unknown or not isinstance(codes, list) or not codes:
        raise ReferenceDataError(
            f"malformed value set {name!r}",
            file=file,
            where=f"[{name}]",
            expected="title, source, codes (a non-empty list of 'system:code')",
            got=f"keys {sorted(spec)}",
        )
    patterns = tuple(parse_code(str(c), where=f"{file} [{name}]") for c in codes)
    return CodeSet(name, str(spec.get("title", name)), patterns, str(spec.get("source", "")))


def library_value_set(name: str) -> CodeSet | None:
    return library_value_sets().get(name)
