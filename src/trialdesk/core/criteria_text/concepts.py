"""Named clinical concepts in criteria text (HIV, hepatitis B/C, transplant, CNS metastases,
pregnancy, breastfeeding, contraception, consent), with their negation.

The vocabulary is data: ``data/criteria_text/concepts.toml``; each condition concept names the
value set its rule uses (``vs.hiv_infection``). A concept preceded by "no", "without" or
"negative for" in the same clause, or followed by "negative", is recorded as negated.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from trialdesk.core.criteria_text.model import Constraint, ConstraintKind
from trialdesk.errors import ReferenceDataError

__all__ = ["Concept", "concept_constraints", "concept_named", "concepts", "condition_set"]

DATA_FILE = "data/criteria_text/concepts.toml"
_KEYS = frozenset({"kind", "value_set", "patterns", "status", "case_sensitive", "tests"})
_KINDS = {
    "condition": ConstraintKind.CONDITION,
    "pregnancy": ConstraintKind.PREGNANCY,
    "breastfeeding": ConstraintKind.BREASTFEEDING,
    "contraception": ConstraintKind.CONTRACEPTION,
    "consent": ConstraintKind.CONSENT,
}
_CLAUSE_END = re.compile(r"[;.,:]\s|\bbut\b|\bexcept\b|\bunless\b|\bhowever\b", re.IGNORECASE)
_NEGATION_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    kind: ConstraintKind
    patterns: tuple[re.Pattern[str], ...]
    value_set: str | None
    status: str | None
    tests: str | None = None


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    concepts: tuple[Concept, ...]
    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    text = resources.files("trialdesk.core").joinpath(DATA_FILE).read_text("utf-8")
    table = tomllib.loads(text)
    negation = table.get("negation", {})
    return _Vocabulary(
        concepts=tuple(_concept(name, entry) for name, entry in table["concepts"].items()),
        negation_before=re.compile("|".join(negation.get("before", ["(?!)"])), re.IGNORECASE),
        negation_after=re.compile("|".join(negation.get("after", ["(?!)"])), re.IGNORECASE),
    )


def _concept(name: str, entry: dict[str, Any]) -> Concept:
    where = f"[concepts.{name}]"
    unknown = set(entry) - _KEYS
    if unknown or entry.get("kind") not in _KINDS:
        raise ReferenceDataError(
            f"bad concept entry (unknown keys {sorted(unknown)} or kind {entry.get('kind')!r})",
            file=DATA_FILE,
            where=where,
            expected=f"keys {sorted(_KEYS)}, kind one of {sorted(_KINDS)}",
        )
    flags = 0 if entry.get("case_sensitive") else re.IGNORECASE
    try:
        patterns = tuple(re.compile(p, flags) for p in entry["patterns"])
    except re.error as exc:
        raise ReferenceDataError(
            f"bad pattern: {exc}", file=DATA_FILE, where=f"{where}.patterns"
        ) from None
    return Concept(
        name,
        _KINDS[entry["kind"]],
        patterns,
        entry.get("value_set"),
        entry.get("status"),
        entry.get("tests"),
    )


def concepts() -> tuple[Concept, ...]:
    return _vocabulary().concepts


def concept_named(name: str) -> Concept | None:
    """The concept whose value set (or, for a set-less concept, whose name) is ``name``."""
    return next((c for c in concepts() if name in (c.value_set, c.name)), None)


def condition_set(text: str) -> str | None:
    """The value set a conditional phrase names ("liver metastases" -> liver_metastases)."""
    for concept in concepts():
        if concept.kind is ConstraintKind.CONDITION and _first(concept, text, 0, len(text)):
            return concept.value_set
    return None


def _first(concept: Concept, text: str, start: int, end: int) -> re.Match[str] | None:
    found = [m for p in concept.patterns if (m := p.search(text, start, end))]
    return min(found, key=lambda m: m.start()) if found else None


def concept_constraints(text: str, start: int, end: int) -> list[Constraint]:
    """One constraint per concept named in ``text[start:end]`` (its first mention)."""
    result = []
    for concept in concepts():
        match = _first(concept, text, start, end)
        if match is None:
            continue
        result.append(
            Constraint(
                kind=concept.kind,
                span=(match.start(), match.end()),
                text=match.group(0),
                confidence=0.85 if concept.kind is ConstraintKind.CONDITION else 0.8,
                negated=_negated(text, start, match.start(), match.end(), end),
                value_set=concept.value_set,
                detail=concept.status,
                concept=concept.name,
            )
        )
    return result


def _negated(text: str, floor: int, start: int, stop: int, end: int) -> bool:
    window_start = max(floor, start - _NEGATION_WINDOW)
    before = text[window_start:start]
    clauses = list(_CLAUSE_END.finditer(before))
    if clauses:
        before = before[clauses[-1].end() :]
    if _vocabulary().negation_before.search(before):
        return True
    return bool(_vocabulary().negation_after.search(text[stop:end]))
