"""The CTCAE v5.0 terminology: all 837 terms with their SOC, MedDRA code and grade definitions.

Data: ``data/ctcae/terms.csv`` (the NCI table, unchanged) and ``terms.source.toml`` (its
provenance, row count and SHA-256, checked on load). For adverse-event entry and pick-lists:

    term("Anemia").allowed_grades          # (1, 2, 3, 4, 5)
    term("10029366").name                  # "Neutrophil count decreased"
    search("neutro")                       # ranked matches for a pick-list
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from trialdesk.errors import ReferenceDataError

__all__ = [
    "CtcaeTerm",
    "all_terms",
    "search",
    "system_organ_classes",
    "term",
    "terms_in_soc",
]

_CSV = "data/ctcae/terms.csv"
_SOURCE = "data/ctcae/terms.source.toml"
_HEADER = [
    "MedDRA Code",
    "MedDRA SOC",
    "CTCAE Term",
    "Grade 1",
    "Grade 2",
    "Grade 3",
    "Grade 4",
    "Grade 5",
    "Definition",
    "Navigational Note",
    "CTCAE v5.0 Change",
]
_NOT_AVAILABLE = "-"


@dataclass(frozen=True, slots=True)
class CtcaeTerm:
    meddra_code: str
    soc: str
    name: str
    grades: tuple[str | None, ...]  # grade 1..5 text; None where CTCAE has "-" (not available)
    definition: str | None
    navigational_note: str | None
    change: str | None  # the NCI "CTCAE v5.0 Change" column

    @property
    def allowed_grades(self) -> tuple[int, ...]:
        return tuple(i for i, text in enumerate(self.grades, start=1) if text is not None)

    def grade_text(self, grade: int) -> str | None:
        """The definition of ``grade`` (1..5), or None when the grade is not available."""
        if not 1 <= grade <= 5:
            raise ValueError(f"CTCAE grades are 1 to 5, got {grade}")
        return self.grades[grade - 1]

    def to_dict(self) -> dict[str, object]:
        return {
            "meddra_code": self.meddra_code,
            "soc": self.soc,
            "term": self.name,
            "grades": {str(i): text for i, text in enumerate(self.grades, start=1)},
            "allowed_grades": list(self.allowed_grades),
            "definition": self.definition,
            "navigational_note": self.navigational_note,
        }


@lru_cache(maxsize=1)
def all_terms() -> tuple[CtcaeTerm, ...]:
    data = resources.files("trialdesk.core").joinpath(_CSV).read_bytes()
    provenance = tomllib.loads(resources.files("trialdesk.core").joinpath(_SOURCE).read_text())
    digest = hashlib.sha256(data).hexdigest()
    if digest != provenance["sha256"]:
        raise ReferenceDataError(
            "the CTCAE term table differs from the one its provenance describes",
            file=_CSV,
            expected=f"SHA-256 {provenance['sha256']}",
            got=digest,
            hint=f"restore the file, or update {_SOURCE} with a new source and checksum",
        )
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader)
    if header != _HEADER:
        raise ReferenceDataError("unexpected columns", file=_CSV, expected=str(_HEADER))
    terms = tuple(_term_from(row, line) for line, row in enumerate(reader, start=2))
    if len(terms) != provenance["rows"]:
        raise ReferenceDataError(
            "wrong number of terms",
            file=_CSV,
            expected=str(provenance["rows"]),
            got=str(len(terms)),
        )
    return terms


def _term_from(row: list[str], line: int) -> CtcaeTerm:
    if len(row) != len(_HEADER):
        raise ReferenceDataError(
            "wrong number of cells", file=_CSV, where=f"line {line}", got=str(len(row))
        )
    code, soc, name, *grades, definition, note, change = (cell.strip() for cell in row)
    return CtcaeTerm(
        meddra_code=code,
        soc=soc,
        name=name,
        grades=tuple(None if g in ("", _NOT_AVAILABLE) else g for g in grades),
        definition=None if definition in ("", _NOT_AVAILABLE) else definition,
        navigational_note=note or None,
        change=change or None,
    )


@lru_cache(maxsize=1)
def _index() -> dict[str, CtcaeTerm]:
    index: dict[str, CtcaeTerm] = {}
    for item in all_terms():
        index[item.name.casefold()] = item
        index[item.meddra_code] = item
    return index


def term(name_or_code: str) -> CtcaeTerm:
    """The term with this exact name (any case) or MedDRA code; did-you-mean otherwise."""
    found = _index().get(name_or_code.strip().casefold())
    if found is not None:
        return found
    names = [t.name for t in all_terms()]
    close = difflib.get_close_matches(name_or_code, names, n=3, cutoff=0.6)
    raise ReferenceDataError(
        f"unknown CTCAE v5.0 term {name_or_code!r}",
        expected="a CTCAE v5.0 term name or MedDRA code",
        got=name_or_code,
        hint=(
            f"Did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else "Search with 'trialdesk grade terms --search <text>'."
        ),
    )


def system_organ_classes() -> tuple[str, ...]:
    return tuple(sorted({t.soc for t in all_terms()}))


def terms_in_soc(soc: str) -> tuple[CtcaeTerm, ...]:
    wanted = soc.strip().casefold()
    found = tuple(t for t in all_terms() if t.soc.casefold() == wanted)
    if not found:
        close = difflib.get_close_matches(soc, system_organ_classes(), n=3, cutoff=0.5)
        raise ReferenceDataError(
            f"unknown system organ class {soc!r}",
            expected="a MedDRA SOC used by CTCAE v5.0",
            got=soc,
            hint=f"Did you mean {', '.join(repr(c) for c in close)}?" if close else None,
        )
    return found


def search(text: str, *, soc: str | None = None, limit: int = 20) -> tuple[CtcaeTerm, ...]:
    """Terms for a pick-list, best first: exact, prefix, word prefix, substring, then fuzzy."""
    query = text.strip().casefold()
    pool = terms_in_soc(soc) if soc else all_terms()
    if not query:
        return pool[:limit]
    ranked = sorted(
        ((rank, t.name) for t in pool if (rank := _rank(query, t)) is not None),
    )
    by_name = {t.name: t for t in pool}
    return tuple(by_name[name] for _, name in ranked[:limit])


def _rank(query: str, item: CtcaeTerm) -> tuple[int, float] | None:
    name = item.name.casefold()
    if query in (name, item.meddra_code):
        return (0, 0.0)
    if name.startswith(query):
        return (1, 0.0)
    if any(word.startswith(query) for word in name.replace("-", " ").split()):
        return (2, 0.0)
    if query in name:
        return (3, 0.0)
    # Fuzzy: a typo ("neutropnia") should still find the term.
    ratio = max(
        difflib.SequenceMatcher(None, query, word).ratio() for word in [name, *name.split()]
    )
    return (4, -ratio) if ratio >= 0.75 else None
