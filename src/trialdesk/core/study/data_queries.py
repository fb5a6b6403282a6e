"""Data queries: a finding of an edit check (:class:`QueryDraft`, from the adverse-event checks or
a screened record that contradicts the subject) and its workflow: open → answered → closed, with
re-opening. Study-wide, so that screening and treatment raise them alike.

The coordinator answers; a data manager, monitor or investigator closes (or re-opens an
unsatisfying answer). A query whose check no longer fires after a correction is closed by
the system. Every transition is audited by the service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trialdesk.errors import IllegalTransitionError, InputError

__all__ = ["QueryAction", "QueryDraft", "QueryState", "next_query_state", "reconcile_queries"]


@dataclass(frozen=True, slots=True)
class QueryDraft:
    """A finding of an edit check: becomes an open query until answered and closed."""

    check: str
    field: str
    message: str

    def key(self) -> tuple[str, str]:
        return (self.check, self.field)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "field": self.field, "message": self.message}


class QueryState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class QueryAction(StrEnum):
    ANSWER = "answer"
    CLOSE = "close"
    REOPEN = "reopen"


_MOVES: dict[tuple[QueryState, QueryAction], QueryState] = {
    (QueryState.OPEN, QueryAction.ANSWER): QueryState.ANSWERED,
    (QueryState.ANSWERED, QueryAction.ANSWER): QueryState.ANSWERED,  # a corrected answer
    (QueryState.ANSWERED, QueryAction.CLOSE): QueryState.CLOSED,
    (QueryState.OPEN, QueryAction.CLOSE): QueryState.CLOSED,  # resolved by a data correction
    (QueryState.ANSWERED, QueryAction.REOPEN): QueryState.OPEN,
    (QueryState.CLOSED, QueryAction.REOPEN): QueryState.OPEN,
}


def next_query_state(state: QueryState, action: QueryAction, text: str | None) -> QueryState:
    """The state after ``action``; every action needs its text (the answer or the reason)."""
    target = _MOVES.get((state, action))
    if target is None:
        allowed = sorted(a.value for (s, a) in _MOVES if s is state)
        raise IllegalTransitionError(
            f"a query that is {state.value} cannot be {action.value}ed",
            where="query.state",
            expected=f"one of {allowed}" if allowed else "no action",
            got=action.value,
        )
    if not (text or "").strip():
        raise InputError(
            f"to {action.value} a query, give the {'answer' if action is QueryAction.ANSWER else 'reason'}",
            where="query.text",
        )
    return target


def reconcile_queries(
    open_keys: Iterable[tuple[str, str]], findings: Iterable[QueryDraft]
) -> tuple[tuple[QueryDraft, ...], tuple[tuple[str, str], ...]]:
    """(new findings to open as queries, open query keys to close because they are fixed)."""
    still_open = set(open_keys)
    current = {draft.key(): draft for draft in findings}
    to_open = tuple(draft for key, draft in current.items() if key not in still_open)
    to_close = tuple(sorted(key for key in still_open if key not in current))
    return to_open, to_close
