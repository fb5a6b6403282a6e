"""The result of a population screening: a status and reason per person and criterion, verdicts,
funnel.

Held as two small-integer matrices (people × criteria, in protocol order): status codes and
reason codes, with the persons' ids sorted. Millions of people take a few bytes per cell; the
long form (one row per person and criterion, what results.parquet holds) is built in Arrow with
dictionary-encoded columns only when asked for (:meth:`PopulationResult.table`, ``rows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.result import Status, Verdict, verdict_of
from trialdesk.errors import InputError, TrialDeskError
from trialdesk.population.combine_sql import UNLISTED_REASON
from trialdesk.population.compile_rules import REASON_STEP
from trialdesk.population.fallback import NOT_COMPILED
from trialdesk.population.leaf_pivot import positions
from trialdesk.population.vital_status import death_bounds

if TYPE_CHECKING:
    from trialdesk.population.engine import Plan

__all__ = ["COLUMNS", "STATUS_CODES", "PopulationResult", "assemble", "sorted_persons"]

#: The columns of results.parquet (docs/population.md), in order.
COLUMNS = ("person_id", "criterion_id", "kind", "status", "reason", "evaluated_by", "verdict")
#: Status code (what the SQL returns, see ``combine_sql.status_code``) → status.
STATUS_CODES = tuple(str(s) for s in (Status.PASS, Status.FAIL, Status.UNKNOWN, Status.REVIEW))
STATUS_CODES += (str(Status.NOT_APPLICABLE),)
_REVIEW = STATUS_CODES.index(str(Status.REVIEW))
_FAIL = STATUS_CODES.index(str(Status.FAIL))
#: Severity of each status code: the verdict is the most severe status of a person.
_SEVERITY = np.array([0, 3, 2, 1, 0], dtype=np.int8)
_VERDICTS = (
    str(Verdict.ELIGIBLE),
    str(Verdict.NEEDS_REVIEW),
    str(Verdict.INCOMPLETE),
    str(Verdict.INELIGIBLE),
)

IntArray = npt.NDArray[np.integer]
_REASON_SHIFT = REASON_STEP.bit_length() - 1
assert 1 << _REASON_SHIFT == REASON_STEP


@dataclass
class PopulationResult:
    """``status``/``reason``: people × criteria codes into ``STATUS_CODES``/``reasons``."""

    trial: str
    as_of: str
    engine: str
    criteria: list[tuple[str, str, str]]  # (id, kind, evaluated_by), protocol order
    person_ids: npt.NDArray[np.int64]  # sorted
    status: npt.NDArray[np.int8]
    reason: npt.NDArray[np.int32]
    reasons: list[str] = field(default_factory=list)
    # Per person, the verdict severity a recorded death imposes (population.vital_status).
    bound: npt.NDArray[np.int8] | None = None

    @property
    def people(self) -> int:
        return len(self.person_ids)

    @property
    def row_count(self) -> int:
        return int(self.status.size)

    @cached_property
    def _verdict_codes(self) -> npt.NDArray[np.int8]:
        if not self.status.shape[1]:
            return np.zeros(self.people, dtype=np.int8) if self.bound is None else self.bound
        worst: npt.NDArray[np.int8] = _SEVERITY[self.status].max(axis=1)
        if self.bound is not None:
            worst = np.maximum(worst, self.bound)
        return worst

    @property
    def bound_by_death(self) -> int:
        """How many people a recorded death makes at least needs_review (most: ineligible)."""
        return 0 if self.bound is None else int(np.count_nonzero(self.bound))

    def verdicts(self) -> pd.Series:
        """Verdict per person, indexed by person_id."""
        labels = np.array(_VERDICTS, dtype=object)[self._verdict_codes]
        return pd.Series(labels, index=pd.Index(self.person_ids, name="person_id"), name="verdict")

    def verdict_counts(self) -> dict[str, int]:
        counts = np.bincount(self._verdict_codes, minlength=len(_VERDICTS))
        by_name = dict(zip(_VERDICTS, counts.tolist(), strict=True))
        return {str(v): int(by_name[str(v)]) for v in Verdict}

    def funnel(self) -> list[tuple[str, int]]:
        """People not yet failed after each criterion, in protocol order."""
        if not self.people:
            return [(cid, 0) for cid, _kind, _by in self.criteria]
        remaining = np.logical_and.accumulate(self.status != _FAIL, axis=1).sum(axis=0)
        return [(c[0], int(n)) for c, n in zip(self.criteria, remaining.tolist(), strict=True)]

    def table(self) -> pa.Table:
        """One row per person and criterion (person order, then protocol order)."""
        people, width = self.status.shape
        ids = [c[0] for c in self.criteria]
        kinds = sorted({c[1] for c in self.criteria})
        bys = sorted({c[2] for c in self.criteria})
        per_criterion = np.tile(np.arange(width, dtype=np.int32), people)
        kind_of = np.array([kinds.index(c[1]) for c in self.criteria], dtype=np.int32)
        by_of = np.array([bys.index(c[2]) for c in self.criteria], dtype=np.int32)
        verdicts = np.repeat(self._verdict_codes.astype(np.int32), width)

        def encoded(indices: IntArray, values: list[str] | tuple[str, ...]) -> pa.Array:
            return pa.DictionaryArray.from_arrays(
                pa.array(indices, pa.int32()), pa.array(list(values), pa.string())
            )

        return pa.table(
            {
                "person_id": pa.array(np.repeat(self.person_ids, width), pa.int64()),
                "criterion_id": encoded(per_criterion, ids),
                "kind": encoded(kind_of[per_criterion], kinds),
                "status": encoded(self.status.ravel().astype(np.int32), STATUS_CODES),
                "reason": encoded(self.reason.ravel(), self.reasons),
                "evaluated_by": encoded(by_of[per_criterion], bys),
                "verdict": encoded(verdicts, _VERDICTS),
            }
        )

    @cached_property
    def rows(self) -> pd.DataFrame:
        """The long table as pandas (categorical columns); for tests and small populations."""
        frame = self.table().to_pandas()
        ids = [c[0] for c in self.criteria]
        frame["criterion_id"] = frame["criterion_id"].cat.set_categories(ids, ordered=True)
        return frame

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = self.table()
        meta = {b"trialdesk.trial": self.trial.encode(), b"trialdesk.as_of": self.as_of.encode()}
        pq.write_table(table.replace_schema_metadata(meta), path)


class _Reasons:
    """Reason texts → codes, shared by every criterion column."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._code: dict[str, int] = {}

    def code(self, text: str) -> int:
        if text not in self._code:
            self._code[text] = len(self.values)
            self.values.append(text)
        return self._code[text]

    def encode(self, column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.int32]:
        encoded = pc.dictionary_encode(pc.fill_null(column.cast(pa.string()), ""))
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.string())
            if not isinstance(encoded, pa.DictionaryArray):
                return np.zeros(0, dtype=np.int32)
        local = np.array([self.code(str(t)) for t in encoded.dictionary.to_pylist()], np.int32)
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        return local[indices] if len(local) else np.zeros(len(indices), dtype=np.int32)

    def decode(
        self, column: pa.ChunkedArray | pa.Array, keys: Sequence[str], criterion: str
    ) -> npt.NDArray[np.int32]:
        """Packed reason codes from the SQL (dictionary index × ``REASON_STEP``) → codes here.
        Only the keys in use are looked up: one pass over the column, no per-person Python."""
        if column.null_count:
            column = pc.fill_null(column, UNLISTED_REASON * REASON_STEP)
        # REASON_STEP is a power of two: a shift, cheaper than a division over millions.
        codes = column.to_numpy()
        if not np.issubdtype(codes.dtype, np.integer):
            codes = codes.astype(np.int64)
        codes = codes >> _REASON_SHIFT  # the engine's own integer width, no int64 copy
        if len(codes) and (codes.min() < 0 or codes.max() >= len(keys)):
            raise TrialDeskError(
                "the compiled screening returned a reason code outside its dictionary",
                where=f"population SQL result, criterion {criterion}",
                expected=f"codes 1 to {len(keys) - 1}",
                got=f"{codes.min()} to {codes.max()}",
            )
        used = np.bincount(codes, minlength=len(keys)) if len(codes) else np.zeros(len(keys))
        if used[UNLISTED_REASON]:
            raise TrialDeskError(
                "a leaf family gave a reason that is not in the reason dictionary (neither a"
                " string literal of its SQL nor a string of its parameter tables)",
                where=f"population SQL result, criterion {criterion}",
                expected="every reason key written in the family's SQL or parameter tables",
                got=f"{int(used[UNLISTED_REASON])} persons with an unlisted reason",
                hint="add the key to the family's statements or parameter tables",
            )
        lookup = np.zeros(len(keys), dtype=np.int32)
        for index in np.flatnonzero(used).tolist():
            lookup[index] = self.code(keys[index])
        decoded: npt.NDArray[np.int32] = lookup[codes]
        return decoded


def assemble(
    protocol: Protocol,
    plan: Plan,
    persons: pa.Table,
    sql_rows: pa.Table | None,
    fallback_rows: pa.Table | None,
    engine: str,
    *,
    review_ids: list[str] | tuple[str, ...] = (),
    reason_keys: Sequence[str] = (),
    deaths: pa.Table | None = None,
    person_ids: npt.NDArray[np.int64] | None = None,
) -> PopulationResult:
    """Put together the SQL result (one row per person: ``person_id``, ``s<i>`` status code and
    ``r<i>`` reason of the i-th compiled criterion: a key, or an integer code into
    ``reason_keys`` times ``REASON_STEP``; optionally ``extra_rows``), the Python fallback's long
    rows (person_id, criterion_id, status, reason), the criteria sent to review without
    evaluation, and the OMOP death rows (person_id, death_date) that bound verdicts.
    ``person_ids``: ``sorted_persons(persons)``, if the caller already has it."""
    ids = [c.id for c in protocol.criteria]
    column_of = {cid: i for i, cid in enumerate(ids)}
    if person_ids is None:
        person_ids = sorted_persons(persons)
    people = len(person_ids)
    # Column-major: each criterion's column is written whole, one contiguous run (a row-major
    # matrix took a strided write per criterion, most of this function's time at 1M).
    status = np.full((people, len(ids)), len(STATUS_CODES) - 1, dtype=np.int8, order="F")
    reason = np.zeros((people, len(ids)), dtype=np.int32, order="F")
    reasons = _Reasons()
    reasons.code("")
    by: dict[str, str] = {}
    if sql_rows is not None and plan.compiled_ids:
        if sql_rows.num_rows != people:  # a family gave two rows for one leaf and person
            raise TrialDeskError(
                "the compiled screening returned a number of rows unlike the person count",
                where="population SQL result",
                expected=f"{people} rows, one per person",
                got=str(sql_rows.num_rows),
            )
        _refuse_extra_rows(sql_rows)
        order = _person_order(person_ids, sql_rows.column("person_id"))
        for index, cid in enumerate(plan.compiled_ids):
            codes = sql_rows.column(f"s{index}").to_numpy(zero_copy_only=False)
            status[:, column_of[cid]] = _in_order(codes.astype(np.int8, copy=False), order)
            column = sql_rows.column(f"r{index}")
            if pa.types.is_integer(column.type):
                decoded = reasons.decode(column, reason_keys, cid)
            else:
                decoded = reasons.encode(column)
            reason[:, column_of[cid]] = _in_order(decoded, order)
            by[cid] = f"sql:{engine}"
    if fallback_rows is not None and fallback_rows.num_rows:
        at = _places(person_ids, fallback_rows.column("person_id"), "fallback rows")
        criterion = fallback_rows.column("criterion_id").to_pylist()
        cols = np.array([column_of[c] for c in criterion], dtype=np.int64)
        codes = pc.index_in(fallback_rows.column("status"), pa.array(STATUS_CODES))
        status[at, cols] = codes.to_numpy(zero_copy_only=False).astype(np.int8)
        reason[at, cols] = reasons.encode(fallback_rows.column("reason"))
        by.update(dict.fromkeys(criterion, "python"))
    if fallback_rows is not None:
        by.update({cid: "python" for cid in plan.fallback_ids if cid not in by})
    if review_ids:
        cols = np.array([column_of[c] for c in review_ids], dtype=np.int64)
        status[:, cols] = _REVIEW
        reason[:, cols] = reasons.code(NOT_COMPILED)
        by.update(dict.fromkeys(review_ids, "not_compiled"))
    criteria = [(c.id, c.kind, by.get(c.id, "")) for c in protocol.criteria]
    return PopulationResult(
        protocol.nct_id,
        plan.as_of.isoformat(),
        engine,
        criteria,
        person_ids,
        status,
        reason,
        reasons.values,
        death_bounds(person_ids, deaths, plan.as_of),
    )


def _person_order(
    person_ids: npt.NDArray[np.int64], column: pa.ChunkedArray
) -> npt.NDArray[np.intp] | None:
    """Where each person's SQL row is (``None``: row i is person i already, as the numpy
    combination gives them). One SQL row per person: each column is then read in person order
    (a gather from a small array, then a sequential write down the matrix column) instead of
    scattered."""
    ids = column.to_numpy()
    if np.array_equal(ids, person_ids):
        return None
    at = _places(person_ids, column, "population SQL result")
    order = np.full(len(person_ids), -1, dtype=np.intp)
    order[at] = np.arange(len(at), dtype=np.intp)
    if (order < 0).any():
        raise TrialDeskError(
            "the compiled screening returned some person twice and another not at all",
            where="population SQL result",
            expected="one row per person",
            got=f"{int((order < 0).sum())} persons without a row",
        )
    return order


def _in_order(values: IntArray, order: npt.NDArray[np.intp] | None) -> IntArray:
    return values if order is None else values[order]


def sorted_persons(persons: pa.Table) -> npt.NDArray[np.int64]:
    """The person ids, sorted; refused when one is listed twice."""
    person_ids = np.sort(persons.column("person_id").to_numpy().astype(np.int64))
    twice = person_ids[1:] == person_ids[:-1]
    if twice.any():
        raise InputError(
            "the person table lists some person_id more than once",
            file="person",
            where="person_id",
            expected="one row per person (the OMOP primary key)",
            got=f"{len(person_ids)} rows for {len(person_ids) - int(twice.sum())} persons",
        )
    return person_ids


def _places(
    person_ids: npt.NDArray[np.int64], column: pa.ChunkedArray, where: str
) -> npt.NDArray[np.intp]:
    """Each row's index among the sorted persons; a person outside the person table is refused."""
    at = positions(person_ids, column.to_numpy().astype(np.int64))
    if (at < 0).any():
        raise TrialDeskError(
            "rows for a person who is not in the person table",
            where=where,
            expected="person_id values of the person table",
            got=f"{int((at < 0).sum())} rows",
        )
    return at


def _refuse_extra_rows(sql_rows: pa.Table) -> None:
    """A family's leaf view gives at most one row per leaf and person (else which one counts
    would be the engine's choice): the SQL counts the rows beyond that per person."""
    if "extra_rows" not in sql_rows.column_names:
        return
    extra = pc.sum(sql_rows.column("extra_rows")).as_py() or 0
    if extra:
        raise TrialDeskError(
            "a leaf family gave two rows for one leaf and person",
            where="population SQL, the families' leaf views (td_leaf_eval)",
            expected="at most one row per leaf and person",
            got=f"{extra} rows too many",
        )


def _check_precedence() -> None:
    """The severity table above must agree with the core's verdict rule."""
    for code, name in enumerate(STATUS_CODES):
        assert str(verdict_of([Status(name)])) == _VERDICTS[int(_SEVERITY[code])]
