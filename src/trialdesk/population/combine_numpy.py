"""The combination layers in numpy: the twin of ``td_wide``, the ``td_layer<k>`` steps and
``td_result`` (:mod:`trialdesk.population.combine_sql`) for engines whose leaf outcomes are
already a numpy matrix (``PopulationEngine.pivot_in_arrow``: the pivot scattered them there).

Why: at a million people, registering the matrix back into DuckDB, running the six layers and
fetching the result cost ≈ 1.6 s; the same integer picks on numpy arrays of a million int8 or
int32 values cost a few milliseconds each. The SQL stays the reference: the node list the
compiler records beside its SQL text (``Compiled.nodes``) is evaluated here with the same
rules, written the same way (``CASE WHEN`` → ``np.select``, first match wins), and
``tests/population/test_combine_numpy.py`` holds both equal on random rules and leaf codes.

Packed leaf codes (``truth + 8 * no_data + REASON_STEP * reason``) are non-negative, so
numpy's ``%`` agrees with SQL's here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trialdesk.population.compile_rules import (
    REASON_STEP,
    TRUTH_CODES,
    Compiled,
    NodeColumns,
    NodeOp,
)

__all__ = ["Combined", "NumpyCombination", "combine", "numpy_combination"]

_T, _F, _U, _R, _N = range(len(TRUTH_CODES))
_NO_DATA_BIT = 8

Truths = npt.NDArray[np.int8]
Reasons = npt.NDArray[np.int32]
Flags = npt.NDArray[np.bool_]
Column = tuple[Truths, Reasons, Flags]


@dataclass(frozen=True, slots=True)
class NumpyCombination:
    """What the numpy twin needs from a plan: per compiled leaf, its row in the pivot's matrix
    (``None`` for a ``review_always`` leaf) and the packed code it takes without a row (the
    family's ``missing`` outcome; the constant of a ``review_always``), the nodes in evaluation
    order, and per compiled criterion its root columns and whether it is an exclusion."""

    leaves: tuple[tuple[int, int | None, int], ...]
    nodes: tuple[NodeOp, ...]
    roots: tuple[tuple[NodeColumns, bool], ...]


@dataclass(frozen=True, slots=True)
class Combined:
    """Per person (the pivot's order): the leaf rows beyond one per leaf (``extra_rows``),
    and per compiled criterion its status code and reason code times ``REASON_STEP``."""

    extra_rows: npt.NDArray[np.int64]
    statuses: list[Truths]
    reasons: list[Reasons]


def numpy_combination(
    compiled: Compiled, fill: Mapping[int, int], owned: Iterable[int], kinds: Sequence[str]
) -> NumpyCombination:
    """``fill``: leaf number → its code without a row (``combine_sql.fill_codes``); ``owned``:
    the leaves a family evaluates, which take the pivot's rows in ascending leaf order (as
    the pivot lays them out). ``kinds``: each root's kind, in ``compiled.roots`` order."""
    row_of = {leaf: index for index, leaf in enumerate(sorted(owned))}
    leaves = tuple((leaf, row_of.get(leaf), fill[leaf]) for leaf, _node in compiled.leaves)
    roots = tuple(
        (columns, kind != "inclusion")
        for columns, kind in zip(compiled.roots.values(), kinds, strict=True)
    )
    return NumpyCombination(leaves, tuple(compiled.nodes), roots)


#: Persons per block: every temporary of a block stays in the CPU cache (a million-person
#: array per operation did not: 0.6 s warm, 1.6 s with fresh pages, against ≈ 0.2 s).
_BLOCK = 1 << 16


def combine(
    plan: NumpyCombination,
    matrix: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int64],
    workers: int = 1,
    block: int = _BLOCK,
) -> Combined:
    """``matrix``: owned leaves × persons, each leaf's packed code or -1 without a row;
    ``rows``: per person, how many leaf rows it had. Exactly what ``td_wide`` → the layers →
    ``td_result`` give per person, computed block of persons by block, on ``workers`` threads
    (numpy releases the GIL inside each operation, and blocks write disjoint slices: at a
    million people two threads took 0.17-0.20 s against 0.36-0.65 s for one)."""
    people = len(rows)
    out = Combined(
        np.empty(people, dtype=np.int64),
        [np.empty(people, dtype=np.int8) for _root in plan.roots],
        [np.empty(people, dtype=np.int32) for _root in plan.roots],
    )
    fill = np.array([f for _leaf, row, f in plan.leaves if row is not None], dtype=np.int32)

    def one(start: int) -> None:
        part = slice(start, min(start + block, people))
        extra, statuses, reasons = _combine_block(plan, fill, matrix[:, part], rows[part])
        out.extra_rows[part] = extra
        for index, (status, reason) in enumerate(zip(statuses, reasons, strict=True)):
            out.statuses[index][part] = status
            out.reasons[index][part] = reason

    starts = range(0, people, block)
    if workers <= 1 or len(starts) <= 1:
        for start in starts:
            one(start)
    else:
        with ThreadPoolExecutor(min(workers, len(starts))) as pool:
            # list(): a block's exception is raised here, not lost.
            list(pool.map(one, starts))
    return out


def _combine_block(
    plan: NumpyCombination,
    fill: npt.NDArray[np.int32],
    matrix: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], list[Truths], list[Reasons]]:
    people = len(rows)
    values: dict[str, Column] = {}
    # td_wide over the block's matrix at once (one pass per operation, not one per leaf).
    absent = matrix < 0
    present = len(fill) - np.count_nonzero(absent, axis=0)
    code = np.where(absent, fill.reshape(-1, 1), matrix)
    # The packed code is non-negative: % 8 is & 7, and x - x % 64 is x & ~63.
    truth = (code & 7).astype(np.int8)
    reason = code & ~np.int32(REASON_STEP - 1)
    nodata = (code & np.int32(REASON_STEP - _NO_DATA_BIT)) != 0  # x % 64 >= 8
    for leaf, row, constant in plan.leaves:
        if row is not None:
            values[f"l{leaf}"] = (truth[row], reason[row], nodata[row])
        else:  # review_always: the same code for everyone
            values[f"l{leaf}"] = (
                np.full(people, constant % 8, dtype=np.int8),
                np.full(people, constant - constant % REASON_STEP, dtype=np.int32),
                np.full(people, constant % REASON_STEP >= _NO_DATA_BIT, dtype=np.bool_),
            )
    for node in plan.nodes:
        values[_base(node.out)] = _evaluate(node, [values[_base(c)] for c in node.items])
    statuses, reasons = [], []
    for columns, exclusion in plan.roots:
        root_truth, root_reason, _nodata = values[_base(columns)]
        statuses.append(_swapped(root_truth) if exclusion else root_truth)
        reasons.append(root_reason)
    return rows - present, statuses, reasons


def _base(columns: NodeColumns) -> str:
    return columns.t.removesuffix("_t")


def _swapped(truth: Truths) -> Truths:
    """``CASE t WHEN 0 THEN 1 WHEN 1 THEN 0 ELSE t END`` (TRUE ↔ FALSE): 0 and 1 xor 1."""
    swapped: Truths = truth ^ (truth < 2).view(np.int8)
    return swapped


def _evaluate(node: NodeOp, items: list[Column]) -> Column:
    if node.kind == "any":
        return _combine(items, _T, _F, None)
    if node.kind == "all":
        return _combine(items, _F, _T, None)
    if node.kind == "each":
        # A member is an item with something usable; when none has, every item is a member.
        avail = [~((t == _U) & n) for t, _r, n in items]
        none = ~np.logical_or.reduce(avail)
        return _combine(items, _F, _T, [x | none for x in avail])
    if node.kind in ("not", "review_if"):
        ((t, r, n),) = items
        if node.kind == "not":
            return _swapped(t), r, n
        return np.where(t == _T, np.int8(_R), t).astype(np.int8, copy=False), r, n
    if node.kind == "if":
        return _if(items)
    raise ValueError(f"unknown combination node kind {node.kind!r}")


#: The rank of an item's truth in ``_combine``'s CASE (first WHEN that holds): the decisive
#: value, UNKNOWN, REVIEW, any other applicable value (``default``), not applicable; a
#: non-member comes after everything. Truth codes are 0-7 (``x % 8``).
_EXCLUDED = 5


def _ranks(decisive: int, default: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    rank = np.full(8, 3, dtype=np.int8)
    rank[[decisive, _U, _R, _N]] = [0, 1, 2, 4]
    back = np.array([decisive, _U, _R, default, _N, _N], dtype=np.int8)
    return rank, back


_RANKS = {(d, f): _ranks(d, f) for d, f in ((_T, _F), (_F, _T))}


def _combine(
    items: list[Column], decisive: int, default: int, members: list[Flags] | None
) -> Column:
    """``RuleCompiler._combine``: the decisive value if any member has it, else UNKNOWN, else
    REVIEW, else ``default`` if any member applies, else not applicable; the reason of the
    first member holding the chosen value; no data when every such member has none. The
    CASE's order as a rank (the best rank among the members chooses the value)."""
    rank, back = _RANKS[decisive, default]
    best: npt.NDArray[np.int8] | None = None
    for index, (t, _r, _n) in enumerate(items):
        ranked = rank[t]
        if members is not None:
            ranked[~members[index]] = _EXCLUDED
        best = ranked if best is None else np.minimum(best, ranked, out=best)
    assert best is not None
    truth = back[best]
    chosen = [t == truth for t, _r, _n in items]
    if members is not None:
        chosen = [ch & m for ch, m in zip(chosen, members, strict=True)]
    reason = items[0][1]
    for index in reversed(range(len(items))):  # CASE: the first item that matches wins
        reason = np.where(chosen[index], items[index][1], reason)
    nodata = chosen[0] <= items[0][2]  # NOT chosen OR n
    for ch, (_t, _r, n) in zip(chosen[1:], items[1:], strict=True):
        nodata &= ch <= n
    return truth, reason.astype(np.int32, copy=False), nodata


def _if(items: list[Column]) -> Column:
    """``RuleCompiler._if``: the condition TRUE → then; FALSE → otherwise (or not applicable
    with the condition's reason); else the then branch if it is settled (and the same as
    otherwise), else the condition's own value."""
    (ct, cr, cn), (tt, tr, tn) = items[0], items[1]
    settled = (tt == _T) | (tt == _F)
    if len(items) > 2:
        ot, other_r, on = items[2]
        settled &= tt == ot
        false_t, false_r, false_n = ot, other_r, on
    else:
        false_t = np.full(len(ct), _N, dtype=np.int8)
        false_r, false_n = cr, np.zeros(len(ct), dtype=np.bool_)
    when = [ct == _T, ct == _F, settled]
    truth = np.select(when, [tt, false_t, tt], ct).astype(np.int8, copy=False)
    reason = np.select(when, [cr, false_r, tr], cr).astype(np.int32, copy=False)
    nodata = np.select(when, [tn, false_n, tn], cn).astype(np.bool_, copy=False)
    return truth, reason, nodata
