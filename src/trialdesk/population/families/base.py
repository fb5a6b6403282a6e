"""A leaf family: the SQL and parameter tables that evaluate one kind of criterion leaf.

The compiled screening is assembled from families (:mod:`trialdesk.population.sql`): each one
accepts some leaf nodes of the criteria AST (lab results, age, conditions, ...), contributes its
parameter tables and its statements, and ends with a view ``td_<name>_leaf_eval`` holding one
row ``(leaf, person_id, t, r, n)`` per leaf and person it has something to say about: the
leaf's truth code, its first reason (a message key) and whether it is UNKNOWN for want of data.
A person without a row gets the family's ``missing`` outcome.

A family may instead emit the packed integer outcome itself (``emits_codes = True``): its leaf
view is then ``(leaf, person_id, code)``, and every outcome it can give is written as
:func:`outcome` (``td_outcome('U', 'status.missing', TRUE)``), a placeholder the planner turns
into the integer literal ``truth + 8 * no_data + REASON_STEP * reason code``
(:func:`trialdesk.population.combine_sql.resolve_outcomes`) once the reason dictionary is fixed.
Why: turning 24 M text outcomes into codes (a CASE on the letter and a hash join on the reason
text per row) cost ≈ 3 CPU-seconds at a million people; a CASE that picks an integer literal
costs next to nothing. Families on the text contract keep working unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.model import RecencyWindows
from trialdesk.core.screening.outcome import Truth

__all__ = ["OUTCOME_CALL", "Distinct", "LeafFamily", "Setting", "outcome"]

#: The placeholder's name (never an engine function: the planner replaces every call).
OUTCOME_CALL = "td_outcome"
_TRUTHS = ("T", "F", "U", "R", "N")


def outcome(truth: str, reason: str, no_data: bool) -> str:
    """A constant leaf outcome in the SQL of a family that ``emits_codes``: the truth letter
    (T, F, U, R, N), the reason's message key (``''`` for none) and whether it is UNKNOWN for
    want of data. The planner replaces it by its integer code."""
    if truth not in _TRUTHS:
        raise ValueError(f"truth letter {truth!r} is none of {_TRUTHS}")
    if not all(c.isalnum() or c in "._-" for c in reason):
        raise ValueError(f"reason key {reason!r}: letters, digits, '.', '_' and '-' only")
    return f"{OUTCOME_CALL}('{truth}', '{reason}', {'TRUE' if no_data else 'FALSE'})"


#: ``distinct(table, column)``: the distinct non-null values of an input column, as text.
Distinct = Callable[[str, str], list[str]]


@dataclass(frozen=True, slots=True)
class Setting:
    """What a family may read to build its parameter tables."""

    as_of: date
    windows: RecencyWindows
    distinct: Distinct
    #: leaf number → the answer that helps eligibility there (TRUE, FALSE, or None in an
    #: ``if`` condition), as the screener passes it down: "nothing recorded" reads by it.
    favourable: Mapping[int, Truth | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Several families ask for the same distinct spellings (units, codes): one query each.
        seen: dict[tuple[str, str], list[str]] = {}
        read = self.distinct

        def cached(table: str, column: str) -> list[str]:
            if (table, column) not in seen:
                seen[table, column] = read(table, column)
            return seen[table, column]

        object.__setattr__(self, "distinct", cached)


class LeafFamily(ABC):
    name: ClassVar[str]
    #: Steps read by several later steps: engines materialise these and inline the others.
    reused: ClassVar[frozenset[str]] = frozenset()
    #: Whether the family reads the shared measurement rows (``td_meas``,
    #: :mod:`trialdesk.population.families.measurement_rows`); it then returns the spellings
    #: of its codes as ``td_<name>_mcode`` among its tables.
    reads_measurement: ClassVar[bool] = False
    #: Whether the leaf view gives ``(leaf, person_id, code)``, the packed outcome written with
    #: :func:`outcome`, instead of ``(leaf, person_id, t, r, n)`` (see the module docstring).
    emits_codes: ClassVar[bool] = False

    @property
    def leaf_view(self) -> str:
        return f"td_{self.name}_leaf_eval"

    @abstractmethod
    def accepts(self, node: a.Rule) -> bool:
        """Whether this family evaluates the leaf node in SQL."""

    @abstractmethod
    def missing(self, node: a.Rule) -> tuple[str, str, str]:
        """SQL literals (truth, reason, no_data) for a person the leaf view has no row for."""

    def missing_for(self, node: a.Rule, favourable: Truth | None) -> tuple[str, str, str]:
        """:meth:`missing` where it may depend on the leaf's place in its criterion
        (``Setting.favourable``: e.g. "nothing recorded" read as UNKNOWN where TRUE helps
        eligibility). The combination fills every person without a row with it, in SQL
        (``td_wide``) and in numpy alike, so that a family need not write a row for everyone
        (a ``CROSS JOIN td_person``) to say what "no row" means. By default :meth:`missing`."""
        return self.missing(node)

    @abstractmethod
    def tables(self, leaves: list[tuple[int, a.Rule]], setting: Setting) -> dict[str, pa.Table]:
        """The family's parameter tables (values as data, never SQL text)."""

    @abstractmethod
    def statements(self, leaves: list[tuple[int, a.Rule]]) -> list[tuple[str, str]]:
        """(view name, DuckDB-dialect SELECT) in order; the last is ``self.leaf_view``."""

    def measurement_columns(self, leaves: list[tuple[int, a.Rule]]) -> frozenset[str]:
        """The optional columns of the shared measurement rows (``measurement_rows.OPTIONAL``)
        the family's statements read for these leaves; ``td_meas`` carries only the ones some
        family reads (each costs a column of every row read and written)."""
        return frozenset()
