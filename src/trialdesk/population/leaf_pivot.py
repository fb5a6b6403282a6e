"""The pivot step (``combine_sql.PIVOT_STEP``) in numpy: leaf rows ``(leaf, person_id, code)``
→ one row per person, ``c_rows`` and a packed code column ``c<leaf>`` per leaf (null without a
row), exactly what the SQL ``GROUP BY person_id`` with a ``MAX(CASE …)`` per leaf gives.

Why: in DuckDB that aggregate evaluates one CASE per leaf and row (37 × 24 M at a million
people, ~20 CPU-seconds), and one join per leaf costs ~12; handing the integer rows to Arrow and
scattering them into a matrix costs a few. Engines whose rows are expensive to fetch (a Spark
cluster, a PostgreSQL server) keep the SQL step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from trialdesk.errors import TrialDeskError

__all__ = ["LeafScatter", "Positions", "pivot_leaf_codes", "positions"]

#: Direct lookup by person_id when the ids span at most this many slots per person (dense ids,
#: the usual OMOP case); a hash lookup otherwise.
_DENSE_SPAN = 8


class Positions:
    """Index of ids in ``sorted_ids`` (unique, ascending), the lookup built once for many
    batches: a dense table by id when the ids are dense, else a hash index."""

    def __init__(self, sorted_ids: npt.NDArray[np.int64]) -> None:
        self.size = len(sorted_ids)
        self._table: npt.NDArray[np.intp] | None = None
        self._index: pd.Index | None = None
        self._low = self._high = 0
        self._consecutive = False
        if not self.size:
            return
        low, high = int(sorted_ids[0]), int(sorted_ids[-1])
        self._low, self._high = low, high
        if high - low + 1 == len(sorted_ids):
            # Consecutive ids (unique and sorted: low, low + 1, ..., high): the position is
            # id - low, no table to gather from (24 M random reads at a million people).
            self._consecutive = True
        elif high - low <= _DENSE_SPAN * len(sorted_ids) + 1024:
            self._table = np.full(high - low + 1, -1, dtype=np.intp)
            self._table[sorted_ids - low] = np.arange(len(sorted_ids), dtype=np.intp)
        else:
            self._index = pd.Index(sorted_ids)

    def __call__(self, ids: npt.NDArray[np.integer]) -> npt.NDArray[np.intp]:
        """The index of each of ``ids``; -1 where absent."""
        ids = ids.astype(np.int64, copy=False)  # no copy for the usual BIGINT ids
        if not self.size or not len(ids):
            return np.full(len(ids), -1, dtype=np.intp)
        if self._index is not None:
            indexer: npt.NDArray[np.intp] = self._index.get_indexer(ids)
            return indexer
        low, high = self._low, self._high
        if ids.min() >= low and ids.max() <= high:  # the usual case: no copies by mask
            direct: npt.NDArray[np.intp] = (ids - low).astype(np.intp, copy=False)
            if self._table is not None:
                direct = self._table[direct]
            return direct
        inside = (ids >= low) & (ids <= high)
        found = np.full(len(ids), -1, dtype=np.intp)
        offset = (ids[inside] - low).astype(np.intp, copy=False)
        found[inside] = offset if self._table is None else self._table[offset]
        return found


def positions(
    sorted_ids: npt.NDArray[np.int64], ids: npt.NDArray[np.integer]
) -> npt.NDArray[np.intp]:
    """The index of each of ``ids`` in ``sorted_ids`` (unique, ascending); -1 where absent."""
    return Positions(sorted_ids)(ids)


class LeafScatter:
    """Leaf rows ``(leaf, person_id, code ≥ 0)``, added batch by batch (as the engine streams
    them) → a leaves × persons matrix of codes (-1 where a person has no row for a leaf) and
    each person's row count. Persons are ``sorted_ids`` (unique, ascending); rows of persons
    not among them or of leaves not in ``leaves`` are left out (the SQL joins from
    ``td_person``). Two rows for one leaf and person keep one of them, as ``MAX`` would keep
    one: the row count counts both, and the result refuses the screening (``extra_rows``)."""

    def __init__(self, sorted_ids: npt.NDArray[np.int64], leaves: Sequence[int]) -> None:
        self.ids = sorted_ids
        self.leaves = list(leaves)
        self._at = Positions(sorted_ids)
        self._slot_of = np.full(max(self.leaves, default=0) + 1, -1, dtype=np.intp)
        self._slot_of[np.asarray(self.leaves, dtype=np.intp)] = np.arange(
            len(self.leaves), dtype=np.intp
        )
        self.matrix = np.full((len(self.leaves), len(sorted_ids)), -1, dtype=np.int32)
        self.rows = np.zeros(len(sorted_ids), dtype=np.int64)

    def add(self, codes: pa.Table | pa.RecordBatch) -> None:
        people = len(self.ids)
        at = self._at(_ints(codes, "person_id"))
        leaf = _ints(codes, "leaf")
        code = _ints(codes, "code")
        slot_of, flat_matrix = self._slot_of, self.matrix.reshape(-1)
        if not len(leaf):
            return
        if leaf.min() < 0 or leaf.max() >= len(slot_of) or at.min() < 0:
            # Rare: rows of unknown persons or leaves; drop them (masks copy every array).
            known = at >= 0
            inside = (leaf >= 0) & (leaf < len(slot_of))
            slot = np.full(len(leaf), -1, dtype=np.intp)
            slot[inside] = slot_of[leaf[inside]]
            placed = known & (slot >= 0)
            self.rows += np.bincount(at[known], minlength=people)
            flat_matrix[slot[placed] * people + at[placed]] = code[placed]
            return
        # The usual case, in a few passes over the rows and no copies by mask.
        self.rows += np.bincount(at, minlength=people)
        slot = slot_of[leaf]
        if slot.min() < 0:
            placed = slot >= 0
            flat_matrix[slot[placed] * people + at[placed]] = code[placed]
        else:
            flat = slot
            flat *= people
            flat += at
            flat_matrix[flat] = code


def pivot_leaf_codes(
    codes: pa.Table, person_ids: npt.NDArray[np.int64], leaves: Sequence[int]
) -> pa.Table:
    """``codes`` (leaf, person_id, code ≥ 0) → person_id, c_rows, c<leaf> for each of
    ``leaves`` (-1 where the person has no row for that leaf), one row per person of
    ``person_ids`` (unique) with at least one leaf row: the SQL pivot's rows (see
    :class:`LeafScatter`). No nulls: building Arrow validity bitmaps for every leaf column
    cost more than the whole scatter."""
    scatter = LeafScatter(np.sort(np.asarray(person_ids, dtype=np.int64)), leaves)
    scatter.add(codes)
    ids, rows, matrix = scatter.ids, scatter.rows, scatter.matrix
    seen = rows > 0
    everyone = bool(seen.all())
    columns: dict[str, pa.Array] = {
        "person_id": pa.array(ids if everyone else ids[seen], pa.int64()),
        "c_rows": pa.array(rows if everyone else rows[seen], pa.int64()),
    }
    for index, number in enumerate(leaves):
        columns[f"c{number}"] = pa.array(matrix[index] if everyone else matrix[index][seen])
    return pa.table(columns)


def _ints(table: pa.Table | pa.RecordBatch, name: str) -> npt.NDArray[np.integer]:
    column = table.column(name)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        raise TrialDeskError(
            f"the families' leaf outcomes hold a null {name}",
            where="population SQL, td_leaf_eval",
            expected=f"a {name} on every row",
            got=f"{column.null_count} nulls",
        )
    if not pa.types.is_integer(column.type):
        raise TrialDeskError(
            f"the families' leaf outcomes hold a non-integer {name}",
            where="population SQL, td_leaf_eval",
            expected=f"an integer {name}",
            got=str(column.type),
        )
    # The engine's own integer width: a copy to int64 of 24 M rows costs more than it saves.
    values: npt.NDArray[np.integer] = column.to_numpy(zero_copy_only=False)
    return values
