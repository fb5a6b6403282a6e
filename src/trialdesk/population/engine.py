"""The ``PopulationEngine`` port: screen every person of an OMOP folder against a protocol.

An engine runs the compiled SQL (:mod:`trialdesk.population.sql`) over the OMOP tables; the
criteria the compiler does not translate are evaluated honestly instead of being dropped:
``fallback="python"`` runs the in-memory screener on each person's record for those criteria
(slow but exact), ``fallback="review"`` marks them ``review`` with the reason
``population.not_compiled`` (fast; a person can then be at best ``needs_review``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.errors import InputError
from trialdesk.population.compile_rules import RuleCompiler, compilable
from trialdesk.population.fallback import fallback_results
from trialdesk.population.omop import find_tables
from trialdesk.population.params import AgeLeaf, LabLeaf, build_tables
from trialdesk.population.result import PopulationResult, assemble
from trialdesk.population.sql import screening_statements

__all__ = ["FALLBACKS", "Plan", "PopulationEngine", "Progress", "plan_screening"]

FALLBACKS = ("python", "review")
Progress = Callable[[str], None]


@dataclass
class Plan:
    protocol: Protocol
    as_of: date
    compiled_ids: list[str]
    fallback_ids: list[str]
    statements: list[tuple[str, str]]
    labs: list[LabLeaf]
    ages: list[AgeLeaf]


def plan_screening(protocol: Protocol, as_of: date) -> Plan:
    """Split the criteria into compiled and fallback ones, and compile the former."""
    compiler = RuleCompiler()
    compiled_ids, fallback_ids, kinds = [], [], {}
    for criterion in protocol.criteria:
        if compilable(criterion.rule):
            compiler.criterion(criterion.id, criterion.rule)
            compiled_ids.append(criterion.id)
            kinds[criterion.id] = criterion.kind
        else:
            fallback_ids.append(criterion.id)
    windows = protocol.model.recency_windows
    labs, ages = [], []
    for leaf, node in compiler.out.leaves:
        if isinstance(node, a.LabCheck):
            window = node.window or windows.window(node.category)
            labs.append(LabLeaf(leaf, node, window.before(as_of)))
        elif isinstance(node, a.AgeCheck):
            ages.append(AgeLeaf(leaf, node))
    statements = (
        screening_statements(
            compiler.out, kinds, {lab.leaf for lab in labs}, {age.leaf for age in ages}
        )
        if compiled_ids
        else []
    )
    return Plan(protocol, as_of, compiled_ids, fallback_ids, statements, labs, ages)


class PopulationEngine(ABC):
    """One SQL engine. Subclasses load tables, run statements and fetch Arrow results."""

    name: str = ""

    def screen(
        self,
        protocol: Protocol,
        data: Path,
        as_of: date,
        *,
        fallback: str = "python",
        progress: Progress | None = None,
    ) -> PopulationResult:
        if fallback not in FALLBACKS:
            raise InputError(
                "unknown fallback",
                where="--fallback",
                expected=" or ".join(FALLBACKS),
                got=fallback,
            )
        say = progress or (lambda _step: None)
        plan = plan_screening(protocol, as_of)
        paths = find_tables(data)
        say(f"loading OMOP tables into {self.name}")
        self.load(paths)
        sql_rows = None
        if plan.statements:
            units = self.distinct_units() if plan.labs else []
            for name, table in build_tables(as_of, plan.labs, plan.ages, units).items():
                self.register(name, table)
            for name, statement in plan.statements[:-1]:
                say(f"compiling {name}")
                self.create(name, statement)
            say(f"screening {len(plan.compiled_ids)} criteria in SQL")
            sql_rows = self.fetch(plan.statements[-1][1])
        persons = self.fetch("SELECT person_id FROM person")
        fallback_rows = None
        if plan.fallback_ids:
            say(f"{len(plan.fallback_ids)} criteria by {fallback} fallback")
            fallback_rows = fallback_results(protocol, paths, as_of, plan.fallback_ids, fallback)
        return assemble(protocol, plan, persons, sql_rows, fallback_rows, self.name)

    # -- what an adapter provides ---------------------------------------------------------
    @abstractmethod
    def load(self, paths: dict[str, Path]) -> None:
        """Make each OMOP table queryable under its own name (person, measurement, ...)."""

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """A parameter table, loaded as data (bound values, never SQL text)."""

    @abstractmethod
    def create(self, name: str, duckdb_sql: str) -> None:
        """A view (or temporary table) ``name`` defined by a DuckDB-dialect SELECT."""

    @abstractmethod
    def fetch(self, duckdb_sql: str) -> pa.Table:
        """Run a DuckDB-dialect SELECT and return its rows."""

    def distinct_units(self) -> list[str]:
        rows = self.fetch(
            "SELECT DISTINCT unit_source_value FROM measurement WHERE unit_source_value IS NOT NULL"
        )
        return [str(u) for u in rows.column(0).to_pylist()]

    def close(self) -> None:  # noqa: B027 - optional for adapters
        """Release connections and sessions."""
