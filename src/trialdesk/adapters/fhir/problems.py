"""Where a raw resource sits, and the problems found while reading it.

Reading goes on past a bad value so that one run reports every problem of a record; the
problems are raised together at the end as one :class:`~trialdesk.errors.RecordError`
(or as the single error itself when there is only one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trialdesk.errors import InputError, Problem, RecordError

__all__ = ["Located", "Problems", "join"]

_HINT = "See docs/input-contract.md for what TrialDesk reads from FHIR R4."


@dataclass(frozen=True, slots=True)
class Located:
    """One raw FHIR resource, the file it came from and its JSON path inside the file."""

    resource: dict[str, Any]
    file: str
    where: str  # "entry[3].resource", "line[12]", or "" for a resource that is the document
    full_url: str | None = None
    # False when the file's bytes hold no "modifierExtension": the tree walk can be skipped.
    modifiers_possible: bool = True


def join(base: str, *parts: str) -> str:
    """``join("entry[3].resource", "valueQuantity", "unit")`` → a dotted JSON path."""
    tail = ".".join(parts)
    if not base:
        return tail
    return f"{base}.{tail}" if tail else base


@dataclass(slots=True)
class _Found:
    kind: type[InputError]
    file: str
    problem: Problem
    hint: str | None


@dataclass(slots=True)
class Problems:
    """Problems of one record, in the order they were found."""

    found: list[_Found] = field(default_factory=list)

    def add(
        self,
        loc: Located,
        where: str,
        message: str,
        expected: str | None = None,
        got: str | None = None,
        *,
        kind: type[InputError] = RecordError,
        hint: str | None = None,
    ) -> None:
        self.found.append(_Found(kind, loc.file, Problem(where, message, expected, got), hint))

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self, source: str) -> None:
        if not self.found:
            return
        if len(self.found) == 1:
            only = self.found[0]
            p = only.problem
            raise only.kind(
                p.message,
                file=only.file,
                where=p.where,
                expected=p.expected,
                got=p.got,
                hint=only.hint or _HINT,
            )
        files = {f.file for f in self.found}
        one_file = len(files) == 1
        problems = [f.problem if one_file else _with_file(f.problem, f.file) for f in self.found]
        raise RecordError(
            f"{len(problems)} problems in the FHIR record",
            file=next(iter(files)) if one_file else source,
            hint=_HINT,
            problems=problems,
        )


def _with_file(problem: Problem, file: str) -> Problem:
    return Problem(f"{file}:{problem.where}", problem.message, problem.expected, problem.got)
