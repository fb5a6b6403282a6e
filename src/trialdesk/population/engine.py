"""The ``PopulationEngine`` port: screen every person of an OMOP folder against a protocol.

An engine reads the OMOP tables from files (a folder) or from a schema already in its database,
runs the compiled SQL (:mod:`trialdesk.population.sql`) over the OMOP tables; the
criteria the compiler does not translate are evaluated honestly instead of being dropped:
``fallback="python"`` runs the in-memory screener on each person's record for those criteria
(slow but exact), ``fallback="review"`` marks them ``review`` with the reason
``population.not_compiled`` (fast; a person can then be at best ``needs_review``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from trialdesk.core.criteria import ast as a
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.outcome import Truth
from trialdesk.errors import ConfigurationError, InputError
from trialdesk.population.combine_numpy import NumpyCombination, combine, numpy_combination
from trialdesk.population.combine_sql import (
    PIVOT_STEP,
    fill_codes,
    literal_reasons,
    reason_table,
)
from trialdesk.population.compile_rules import RuleCompiler, compilable
from trialdesk.population.fallback import fallback_results
from trialdesk.population.families import FAMILIES, Setting, family_of
from trialdesk.population.leaf_pivot import LeafScatter
from trialdesk.population.omop import (
    REQUIRED_COLUMNS,
    TABLES,
    check_columns,
    find_tables,
    read_table,
)
from trialdesk.population.params import common_tables
from trialdesk.population.result import PopulationResult, assemble, sorted_persons
from trialdesk.population.sources import OmopSchema, OmopSource
from trialdesk.population.sql import leaves_by_family, release_points, screening_statements

__all__ = ["FALLBACKS", "Plan", "PopulationEngine", "Progress", "plan_screening"]

FALLBACKS = ("python", "review")
#: Leaf rows per batch streamed into the numpy pivot (scattered while DuckDB makes the next).
_LEAF_BATCH = 1 << 20
Progress = Callable[[str], None]


@dataclass
class Plan:
    protocol: Protocol
    as_of: date
    compiled_ids: list[str]
    fallback_ids: list[str]
    statements: list[tuple[str, str]]
    #: family name → the (leaf number, node) pairs it evaluates
    leaves: dict[str, list[tuple[int, a.Rule]]]
    #: leaf number → the answer that helps eligibility there (see ``Compiled.favourable``)
    favourable: dict[int, Truth | None] = field(default_factory=dict)
    #: the reason dictionary's part fixed by the SQL text (``combine_sql.literal_reasons``)
    reasons: list[str] = field(default_factory=list)
    #: the combination layers as data, for engines that pivot in Arrow (``combine_numpy``)
    combination: NumpyCombination | None = None


def plan_screening(protocol: Protocol, as_of: date) -> Plan:
    """Split the criteria into compiled and fallback ones, and compile the former."""
    compiler = RuleCompiler()
    compiled_ids, fallback_ids, kinds = [], [], {}
    for criterion in protocol.criteria:
        if compilable(criterion.rule):
            compiler.criterion(criterion.id, criterion.rule, criterion.kind)
            compiled_ids.append(criterion.id)
            kinds[criterion.id] = criterion.kind
        else:
            fallback_ids.append(criterion.id)
    leaves = leaves_by_family(compiler.out)
    owner = {leaf: family_of(node) for leaf, node in compiler.out.leaves}
    reasons = literal_reasons(compiler.out, {k: f for k, f in owner.items() if f is not None})
    statements = screening_statements(compiler.out, kinds, reasons) if compiled_ids else []
    owned = {leaf: f for leaf, f in owner.items() if f is not None}
    combination = numpy_combination(
        compiler.out,
        fill_codes(compiler.out, owned, reasons),
        owned,
        [kinds[cid] for cid in compiler.out.roots],
    )
    return Plan(
        protocol,
        as_of,
        compiled_ids,
        fallback_ids,
        statements,
        leaves,
        compiler.out.favourable,
        reasons,
        combination,
    )


class PopulationEngine(ABC):
    """One SQL engine. Subclasses load tables, run statements and fetch Arrow results."""

    name: str = ""
    #: Whether fetching the leaf rows and pivoting them in numpy beats the SQL pivot: an
    #: embedded engine, whose rows reach Arrow without a network or a JVM in between, says so.
    pivot_in_arrow: bool = False
    #: Threads the numpy combination may use (the engine's own share of the machine).
    combine_workers: int = 1
    #: Whether the OMOP data being screened has a death table (set when it is opened).
    _has_death: bool = False

    def screen(
        self,
        protocol: Protocol,
        data: OmopSource,
        as_of: date,
        *,
        fallback: str = "python",
        progress: Progress | None = None,
    ) -> PopulationResult:
        """``data``: a folder of OMOP files, or an :class:`OmopSchema` already in the engine."""
        if fallback not in FALLBACKS:
            raise InputError(
                "unknown fallback",
                where="--fallback",
                expected=" or ".join(FALLBACKS),
                got=fallback,
            )
        say = progress or (lambda _step: None)
        plan = plan_screening(protocol, as_of)
        say(f"reading the OMOP tables in {self.name}")
        loaded = self._open(data)
        persons = self.fetch("SELECT person_id FROM person")
        person_ids = sorted_persons(persons)  # a person listed twice is refused here
        sql_rows = None
        reason_keys: list[str] = []
        if plan.statements:
            setting = Setting(as_of, protocol.model.recency_windows, self.distinct, plan.favourable)
            tables = common_tables(as_of)
            for family in FAMILIES:
                if plan.leaves.get(family.name):
                    tables.update(family.tables(plan.leaves[family.name], setting))
            reason_keys, tables["td_reason_key"] = reason_table(plan.reasons, tables)
            for name, table in tables.items():
                self.register(name, table)
            # Each materialised step is dropped once its last reader has run (peak memory).
            release = release_points(plan.statements, self.materialises)
            for index, (name, statement) in enumerate(plan.statements[:-1]):
                say(f"compiling {name}")
                if name == PIVOT_STEP and self.pivot_in_arrow and plan.combination:
                    # The pivot and every later step in numpy: nothing else runs in SQL.
                    sql_rows = self._combine_in_numpy(plan.combination, person_ids)
                    for later in sorted(i for i in release if i >= index):
                        for done in release[later]:
                            self.drop(done)
                    break
                self.create(name, statement)
                for done in release.get(index, ()):
                    self.drop(done)
            if sql_rows is None:
                say(f"screening {len(plan.compiled_ids)} criteria in SQL")
                sql_rows = self.fetch(plan.statements[-1][1])
        deaths = self.fetch("SELECT person_id, death_date FROM death") if self._has_death else None
        fallback_rows = None
        review_ids: list[str] = []
        if plan.fallback_ids:
            say(f"{len(plan.fallback_ids)} criteria by {fallback} fallback")
            if fallback == "review":
                review_ids = plan.fallback_ids  # the same for everyone: no rows to build
            else:
                fallback_rows = fallback_results(
                    protocol, loaded, persons, as_of, plan.fallback_ids, fallback
                )
        say("assembling the results")
        return assemble(
            protocol,
            plan,
            persons,
            sql_rows,
            fallback_rows,
            self.name,
            review_ids=review_ids,
            reason_keys=reason_keys,
            deaths=deaths,
            person_ids=person_ids,
        )

    def _combine_in_numpy(
        self, combination: NumpyCombination, person_ids: npt.NDArray[np.int64]
    ) -> pa.Table:
        """The pivot (:mod:`trialdesk.population.leaf_pivot`) and the combination layers
        (:mod:`trialdesk.population.combine_numpy`) in numpy: the same rows as ``td_result``.
        The leaf rows are scattered batch by batch as the engine streams them."""
        leaves = sorted(leaf for leaf, row, _fill in combination.leaves if row is not None)
        scatter = LeafScatter(person_ids, leaves)
        for batch in self.stream("SELECT leaf, person_id, code FROM td_leaf_eval", _LEAF_BATCH):
            scatter.add(batch)
        combined = combine(combination, scatter.matrix, scatter.rows, self.combine_workers)
        del scatter  # the matrix (leaves × persons) before the result's columns
        columns: dict[str, npt.NDArray[np.integer]] = {
            "person_id": person_ids,
            "extra_rows": combined.extra_rows,
        }
        for index, (status, reason) in enumerate(
            zip(combined.statuses, combined.reasons, strict=True)
        ):
            columns[f"s{index}"] = status
            columns[f"r{index}"] = reason
        return pa.table(columns)

    def _columns(self, name: str) -> list[str]:
        """The columns of a loaded OMOP table (no row read)."""
        columns: list[str] = self.fetch(f"SELECT * FROM {name} WHERE 1 = 0").column_names  # noqa: S608
        return columns

    def _open(self, data: OmopSource) -> Callable[[], dict[str, pa.Table]]:
        """Make the tables readable by name; returns how to read them whole (Python fallback)."""
        if isinstance(data, OmopSchema):
            found = self.attach(data)
            self._has_death = "death" in found
            missing = [name for name in REQUIRED_COLUMNS if name not in found]
            if missing:
                raise InputError(
                    f"OMOP table {missing[0]!r} is not in schema {data}",
                    where="--tables",
                    expected=", ".join(REQUIRED_COLUMNS)
                    + " (and any of "
                    + ", ".join(TABLES)
                    + ")",
                    got=", ".join(sorted(found)) or "no OMOP table",
                    hint="Check the schema name and that this connection may read it.",
                )
            for name in (t for t in TABLES if t in found):  # person first, as files are read
                check_columns(name, self._columns(name), where=f"--tables {data}.{name}")
            return lambda: {name: self.fetch(f"SELECT * FROM {name}") for name in found}  # noqa: S608
        paths = find_tables(data)
        self._has_death = "death" in paths
        self.load(paths)
        for name, path in paths.items():
            check_columns(name, self._columns(name), file=str(path))
        return lambda: {name: read_table(path) for name, path in paths.items()}

    # -- what an adapter provides ---------------------------------------------------------
    @abstractmethod
    def load(self, paths: dict[str, Path]) -> None:
        """Make each OMOP table queryable under its own name (person, measurement, ...)."""

    def attach(self, source: OmopSchema) -> list[str]:
        """Make the OMOP tables of ``source`` (already in the engine) readable by their plain
        names; return the names found (any of ``omop.TABLES``)."""
        raise ConfigurationError(
            f"the {self.name} engine reads OMOP files only",
            where="--tables",
            expected="--data DIR with this engine, or --engine duckdb|postgres|spark",
            got=str(source),
        )

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """A parameter table, loaded as data (bound values, never SQL text)."""

    @abstractmethod
    def create(self, name: str, duckdb_sql: str) -> None:
        """A view (or temporary table) ``name`` defined by a DuckDB-dialect SELECT."""

    @abstractmethod
    def fetch(self, duckdb_sql: str) -> pa.Table:
        """Run a DuckDB-dialect SELECT and return its rows."""

    def stream(self, duckdb_sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Run a DuckDB-dialect SELECT and yield its rows in batches (of about ``batch_rows``)
        while the engine makes the next ones; by default, fetched whole."""
        yield from self.fetch(duckdb_sql).to_batches(max_chunksize=batch_rows)

    def materialises(self, name: str) -> bool:
        """Whether ``create`` stores the step's rows (a table), which ``drop`` can release."""
        return False

    def drop(self, name: str) -> None:  # noqa: B027 - optional for adapters
        """Release a materialised step no later statement reads."""

    def distinct(self, table: str, column: str) -> list[str]:
        """The distinct non-null values of an input column (identifiers from the families)."""
        rows = self.fetch(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
        )
        return [str(u) for u in rows.column(0).to_pylist()]

    def close(self) -> None:  # noqa: B027 - optional for adapters
        """Release connections and sessions."""
